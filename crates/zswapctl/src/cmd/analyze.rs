//! `zswapctl analyze`: how the pages of a file, a process or a core file would fare in zswap
//! with each compressor, to choose one. The engine is `zswap-analyze`; this file picks the input,
//! the era and the compressors, shows progress and prints.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use zswap_analyze::svg::{LineChart, Series};
use zswap_analyze::{
    Analysis, AnalyzeError, AnalyzeOptions, CoreSource, FailureKind, FileSource, InputKind,
    PageSource, PidSource, detect_era, modelled_algorithms, recorded_store_lengths,
};
use zswap_core::KernelEra;
use zswap_core::SysRoot;
use zswap_core::admin::{CompressorState, KernelCaps, ModuleResolver};
use zswap_core::compress::{Algorithm, PageCompressor};

use crate::cli::{AnalyzeArgs, InputFormat};
use crate::exit::{Exit, coded};
use crate::human;

/// Maps an analysis error to its exit status.
pub(crate) fn exit_for(err: AnalyzeError) -> anyhow::Error {
    let exit = match err.kind() {
        FailureKind::BadInput => Exit::Usage,
        FailureKind::Permission => Exit::Permission,
        _ => Exit::Runtime,
    };
    coded(exit, err)
}

/// The era to apply: `--kernel`, else what the kernel below `root` shows.
pub(crate) fn pick_era(root: &SysRoot, asked: Option<KernelEra>) -> Result<(KernelEra, String)> {
    if let Some(era) = asked {
        return Ok((era, "--kernel".to_owned()));
    }
    detect_era(root)
        .map(|g| (g.era, g.evidence))
        .ok_or_else(|| {
            coded(
                Exit::Usage,
                anyhow::anyhow!(
                    "cannot tell this kernel's zswap era from '{}'; pass --kernel 6.1, 6.12 or 6.18",
                    root.root().display()
                ),
            )
        })
}

/// The compressors to run: those named (each must be modelled), else every modelled one.
pub(crate) fn pick_algorithms(names: &[Algorithm], era: KernelEra) -> Result<Vec<Algorithm>> {
    if names.is_empty() {
        return Ok(modelled_algorithms());
    }
    let mut out: Vec<Algorithm> = Vec::new();
    for &a in names {
        if let Err(source) = PageCompressor::new(a, era) {
            return Err(exit_for(AnalyzeError::Compressor {
                algorithm: a,
                source,
            }));
        }
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

fn open_source(root: &SysRoot, args: &AnalyzeArgs) -> Result<Box<dyn PageSource>> {
    if let Some(pid) = args.pid {
        let s = PidSource::open(root, pid, args.address).map_err(exit_for)?;
        return Ok(Box::new(s));
    }
    let Some(path) = &args.input else {
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!("nothing to analyse: give a FILE or --pid PID"),
        ));
    };
    Ok(match input_format(path, args.format)? {
        InputFormat::Core => Box::new(CoreSource::open(path).map_err(exit_for)?),
        _ => Box::new(FileSource::open(path).map_err(exit_for)?),
    })
}

/// The input format: as given, else what the file's first bytes show.
fn input_format(path: &Path, given: InputFormat) -> Result<InputFormat> {
    if given != InputFormat::Auto {
        return Ok(given);
    }
    Ok(match InputKind::sniff(path).map_err(exit_for)? {
        InputKind::Core => InputFormat::Core,
        InputKind::Trace => InputFormat::Trace,
        InputKind::Raw => InputFormat::Raw,
    })
}

/// A one-line progress display on stderr, redrawn at most ten times a second.
struct Progress {
    total: Option<u64>,
    last: Mutex<Instant>,
    started: Instant,
}

impl Progress {
    fn new(total: Option<u64>) -> Progress {
        let now = Instant::now();
        Progress {
            total,
            last: Mutex::new(now),
            started: now,
        }
    }

    #[allow(clippy::print_stderr)] // the progress line is the binary's own stderr output
    fn update(&self, done: u64) {
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if last.elapsed() < Duration::from_millis(100) {
            return;
        }
        *last = Instant::now();
        let rate = done as f64 * 4096.0 / 1e6 / self.started.elapsed().as_secs_f64().max(1e-3);
        match self.total.filter(|&t| t > 0) {
            Some(t) => {
                let pct = (done.min(t) * 100 / t) as usize;
                let bar = format!("{}{}", "#".repeat(pct / 4), ".".repeat(25 - pct / 4));
                eprint!("\r[{bar}] {pct:3}% {done}/{t} pages {rate:.0} MB/s ");
            }
            None => eprint!("\r{done} pages {rate:.0} MB/s "),
        }
    }

    #[allow(clippy::print_stderr)]
    fn finish(&self) {
        eprint!("\r{:60}\r", "");
    }
}

#[allow(clippy::print_stderr)] // warnings go to the binary's stderr
fn warn_skipped(a: &Analysis) {
    let i = &a.input;
    if i.kind == "file" && i.bytes_ignored > 0 {
        eprintln!(
            "zswapctl: warning: '{}' is not a whole number of 4096-byte pages: the last {} bytes were ignored",
            i.name, i.bytes_ignored
        );
    }
    if i.pages_unreadable > 0 {
        eprintln!(
            "zswapctl: warning: {} pages of {} '{}' could not be read and were skipped",
            i.pages_unreadable, i.kind, i.name
        );
    }
}

/// `analyze` of a recorded trace: the figures its stores' compressed sizes imply. The era
/// comes from `--kernel`, else from the trace header's kernel release.
fn analyze_trace(path: &Path, args: &AnalyzeArgs) -> Result<(Analysis, String)> {
    let (header, records) = crate::cmd::tracefile::read(path)?;
    crate::cmd::tracefile::check_page_size(path, &header)?;
    // The sizes are those of the recorded compressor: asking for that one is fine.
    let recorded = header.compressor.as_deref();
    if let Some(a) = args
        .compressor
        .iter()
        .find(|a| Some(a.kernel_name()) != recorded)
    {
        let was = recorded.map_or_else(
            || "the compressor it was recorded with (its header does not name it)".to_owned(),
            |r| format!("'{r}', the compressor it was recorded with"),
        );
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!(
                "trace '{}' holds the sizes of {was}, not of '{a}'; drop --compressor to \
                 analyse it",
                path.display()
            ),
        ));
    }
    let (era, evidence) = crate::cmd::tracefile::era(&header, args.kernel)?;
    let lengths = recorded_store_lengths(&records);
    let input = zswap_analyze::SourceSummary {
        kind: "trace",
        name: path.display().to_string(),
        pages: lengths.len() as u64,
        regions: records.len() as u64,
        ..Default::default()
    };
    let analysis = zswap_analyze::analyze_sizes("recorded", era, lengths, input);
    Ok((analysis, evidence))
}

/// Input combinations clap cannot express: `--address` needs `--pid` (an address means
/// nothing in a file), and '-' is no file (the engine needs the size up front and reads
/// pages in parallel, so standard input is not supported).
fn refuse_bad_inputs(args: &AnalyzeArgs) -> Result<()> {
    if args.address.is_some() && args.pid.is_none() {
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!(
                "--address selects memory of a process and needs --pid PID; for a file, \
                 drop --address"
            ),
        ));
    }
    if args.pid.is_none() && args.input.as_deref() == Some(Path::new("-")) {
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!(
                "input '-' (standard input) is not supported: write the pages to a file and \
                 give its path"
            ),
        ));
    }
    Ok(())
}

/// A process analysis that found no page: a table of dashes would look like a result.
fn refuse_empty_pid(args: &AnalyzeArgs, a: &Analysis) -> Result<()> {
    let Some(pid) = args.pid.filter(|_| a.input.pages == 0) else {
        return Ok(());
    };
    let range = args
        .address
        .map_or_else(String::new, |r| format!(" in '{r}'"));
    Err(coded(
        Exit::Usage,
        anyhow::anyhow!(
            "pid '{pid}' has no anonymous pages in memory{range} ({} not in RAM): check the \
             range against /proc/{pid}/maps, or pick a process that holds memory",
            a.input.pages_not_present
        ),
    ))
}

/// Limits the advice to compressors this kernel can use (registered in `/proc/crypto`, or
/// a module it would load, as `zswapctl set compressor` checks): advice that `set` then
/// refuses helps nobody. When the kernel's list cannot be read the advice says so.
fn advise_for_this_kernel(root: &SysRoot, modules: &dyn ModuleResolver, a: &mut Analysis) {
    if a.recommendation.is_none() {
        return;
    }
    let caps = KernelCaps::discover(root).ok().flatten();
    let Some(caps) = caps else {
        if let Some(r) = &mut a.recommendation {
            r.reason.push_str(
                "; which compressors this kernel has could not be read, so all were considered",
            );
        }
        return;
    };
    let (usable, missing): (Vec<_>, Vec<_>) = a.compressors.iter().cloned().partition(|c| {
        caps.compressor_state(&c.compressor, modules) != CompressorState::Unavailable
    });
    a.recommendation = zswap_analyze::recommend(&usable);
    if let Some(r) = &mut a.recommendation {
        let better: Vec<String> = missing
            .iter()
            .filter(|m| usable.iter().all(|u| m.pool_bytes < u.pool_bytes))
            .map(|m| format!("'{}'", m.compressor))
            .collect();
        if !better.is_empty() {
            let them = if better.len() == 1 { "it" } else { "them" };
            r.reason.push_str(&format!(
                "; {} would give a smaller pool but this kernel does not have {them}",
                better.join(", ")
            ));
        }
    }
}

/// Runs `zswapctl analyze`.
pub(crate) fn run(
    root: &SysRoot,
    args: &AnalyzeArgs,
    modules: &dyn ModuleResolver,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    refuse_bad_inputs(args)?;
    if let Some(path) = args.input.as_deref().filter(|_| args.pid.is_none())
        && input_format(path, args.format)? == InputFormat::Trace
    {
        let (analysis, evidence) = analyze_trace(path, args)?;
        return emit(&analysis, &evidence, args, json, out);
    }
    let (era, evidence) = pick_era(root, args.kernel)?;
    let algorithms = pick_algorithms(&args.compressor, era)?;
    let mut source = open_source(root, args)?;
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = AnalyzeOptions {
        era,
        algorithms,
        threads,
    };
    let progress = std::io::stderr()
        .is_terminal()
        .then(|| Progress::new(source.pages_hint()));
    let tick = |done: u64| {
        if let Some(p) = &progress {
            p.update(done);
        }
    };
    let analysis = zswap_analyze::analyze(source.as_mut(), &opts, &tick);
    if let Some(p) = &progress {
        p.finish();
    }
    let mut analysis = analysis.map_err(exit_for)?;
    refuse_empty_pid(args, &analysis)?;
    advise_for_this_kernel(root, modules, &mut analysis);
    warn_skipped(&analysis);
    emit(&analysis, &evidence, args, json, out)
}

/// Sizes the zram slot table for `--zram-disksize`, which must hold the pages analysed.
fn apply_zram_disksize(analysis: &mut Analysis, args: &AnalyzeArgs) -> Result<()> {
    let Some(size) = args.zram_disksize else {
        return Ok(());
    };
    let need = analysis.input.pages * zswap_core::page::PAGE_SIZE as u64;
    if size < need {
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!(
                "--zram-disksize '{size}' cannot hold the {} pages analysed: give at least \
                 '{need}' bytes, or drop it to size the device for the pages",
                analysis.input.pages
            ),
        ));
    }
    for c in &mut analysis.compressors {
        c.set_zram_disksize(size);
    }
    Ok(())
}

fn emit(
    analysis: &Analysis,
    evidence: &str,
    args: &AnalyzeArgs,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let mut sized;
    let analysis = if args.zram_disksize.is_some() {
        sized = analysis.clone();
        apply_zram_disksize(&mut sized, args)?;
        &sized
    } else {
        analysis
    };
    if let Some(path) = &args.plot {
        write_plot(path, analysis)?;
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, analysis)?;
        writeln!(out)?;
    } else {
        print_table(out, analysis, evidence)?;
    }
    Ok(())
}

fn write_plot(path: &Path, a: &Analysis) -> Result<()> {
    let chart = LineChart {
        title: format!(
            "Compressed page sizes by zsmalloc class (Linux {} rules)",
            a.kernel
        ),
        x_label: "zsmalloc class size (bytes)".to_owned(),
        y_label: "pages".to_owned(),
        series: a
            .compressors
            .iter()
            .map(|c| Series {
                name: c.compressor.clone(),
                points: c
                    .histogram
                    .iter()
                    .map(|b| (f64::from(b.class_size), b.objects as f64))
                    .collect(),
            })
            .collect(),
        marks: Vec::new(),
    };
    let mut f = File::create(path)
        .with_context(|| format!("cannot create plot file '{}'", path.display()))?;
    f.write_all(chart.to_svg().as_bytes())
        .with_context(|| format!("cannot write plot file '{}'", path.display()))?;
    Ok(())
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.digits$}"))
}

/// The total cost per kind: pool or mem_used plus each one's own metadata (docs/zram.md).
fn print_costs(out: &mut dyn Write, a: &Analysis) -> Result<()> {
    let Some(first) = a.compressors.first() else {
        return Ok(());
    };
    writeln!(
        out,
        "total cost with metadata (docs/zram.md): zswap = pool + {} B entries + {} index, \
         zram = mem_used + {} B slots of a {} device",
        first.zswap_cost.entry_size_bytes,
        first.zswap_cost.index,
        first.zram_cost.table_entry_bytes,
        human::size(first.zram_cost.disksize_bytes)
    )?;
    writeln!(
        out,
        "{:<9} {:>10} {:>10} {:>10} {:>10}   {:>10} {:>10} {:>10}",
        "COMPR", "ZSWAP", "POOL", "ENTRIES", "INDEX", "ZRAM", "MEM-USED", "TABLE"
    )?;
    for c in &a.compressors {
        let (z, r) = (&c.zswap_cost, &c.zram_cost);
        writeln!(
            out,
            "{:<9} {:>10} {:>10} {:>10} {:>10}   {:>10} {:>10} {:>10}",
            c.compressor,
            human::size(z.total_bytes),
            human::size(z.pool_bytes),
            human::size(z.entry_bytes),
            human::size(z.index_bytes),
            human::size(r.total_bytes),
            human::size(r.mem_used_bytes),
            human::size(r.table_bytes),
        )?;
    }
    Ok(())
}

fn print_table(out: &mut dyn Write, a: &Analysis, evidence: &str) -> Result<()> {
    let i = &a.input;
    writeln!(
        out,
        "{} pages from {} '{}' under Linux {} rules ({evidence}), {} thread{}",
        human::count(i.pages),
        i.kind,
        i.name,
        a.kernel,
        a.threads,
        if a.threads == 1 { "" } else { "s" }
    )?;
    if i.pages_not_present > 0 {
        writeln!(
            out,
            "  {} pages not in memory were skipped",
            human::count(i.pages_not_present)
        )?;
    }
    writeln!(
        out,
        "{:<9} {:>9} {:>8} {:>8} {:>8} {:>10} {:>10} {:>10} {:>6} {:>6} {:>8} {:>5}",
        "COMPR",
        "PAGES",
        "ZERO",
        "SAME",
        "INCOMPR",
        "STORED",
        "COMPRESSED",
        "POOL",
        "RATIO",
        "POOL-R",
        "US/PAGE",
        "FRAG"
    )?;
    for c in &a.compressors {
        writeln!(
            out,
            "{:<9} {:>9} {:>8} {:>8} {:>8} {:>10} {:>10} {:>10} {:>6} {:>6} {:>8} {:>5}",
            c.compressor,
            c.pages,
            c.zero_pages,
            c.same_filled_pages,
            c.incompressible_pages,
            c.stored_pages,
            human::size(c.compressed_bytes),
            human::size(c.pool_bytes),
            opt(c.ratio, 2),
            opt(c.pool_ratio, 2),
            opt(c.ns_per_page.map(|n| n / 1000.0), 2),
            c.fragmentation
                .map_or_else(|| "-".to_owned(), |f| format!("{:.0}%", f * 100.0)),
        )?;
        if let Some(z) = c.zbud_pool_bytes {
            writeln!(
                out,
                "{:<9} zbud pool {} ({} pages too large for zbud)",
                "",
                human::size(z),
                c.zbud_rejected_pages.unwrap_or(0)
            )?;
        }
    }
    print_costs(out, a)?;
    if let Some(r) = &a.recommendation {
        writeln!(out, "recommendation: {}: {}", r.compressor, r.reason)?;
    }
    Ok(())
}
