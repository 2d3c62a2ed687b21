//! zswap-probe: loads the eBPF probe, and prints what it measured until a file appears or a
//! time runs out. A thin front end over the library for guests and scripts; the user-facing
//! command is `zswapctl trace`.
//!
//! `zswap-probe summary [--until-file F] [--seconds N] [--format json|kv]` prints the attach
//! plan and a snapshot; `zswap-probe events [--until-file F] [--seconds N]` prints one line
//! per event. Both create `F.ready` once the probe is attached.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line front end"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "a binary main reads /proc and its own files"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use zswap_probe::{
    Op, Outcome, Probe, ProbeOptions, ProbeSnapshot, TraceHeader, TraceRecord, TraceWriter,
    read_trace,
};

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Load zswap-tools' eBPF probe and print what it measures"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Use kprobes even where fentry/fexit would work.
    #[arg(long, global = true)]
    kprobes: bool,
    /// Stop when this file exists (`FILE.ready` is created once the probe is attached).
    #[arg(long, global = true, value_name = "FILE")]
    until_file: Option<PathBuf>,
    /// Stop after this many seconds.
    #[arg(long, global = true, default_value_t = 3600)]
    seconds: u64,
    /// Have the kernel time the probe's own programs (summary: `prog.NAME.runs`/`.run_ns`).
    #[arg(long, global = true)]
    self_cost: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the attach plan and, at the end, the histograms and per-cgroup counts.
    Summary {
        /// Output form.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Print one line per store, load, invalidate and writeback.
    Events,
    /// Write every operation to FILE in the trace format (zswap_probe::read_trace).
    Record {
        /// The trace file to create.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Read a trace file and print its totals as key=value lines (no probe is loaded).
    ReadTrace {
        /// The trace file.
        file: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Json,
    /// `key=value` lines, for shell scripts.
    Kv,
}

fn mark_ready(until: Option<&Path>) -> Result<()> {
    if let Some(f) = until {
        let mut ready = f.as_os_str().to_owned();
        ready.push(".ready");
        std::fs::File::create(&ready)
            .with_context(|| format!("cannot create '{}'", Path::new(&ready).display()))?;
    }
    Ok(())
}

fn done(until: Option<&Path>, start: Instant, limit: Duration) -> bool {
    start.elapsed() >= limit || until.is_some_and(Path::exists)
}

fn print_kv(probe: &Probe, snap: &ProbeSnapshot) {
    println!("era={}", probe.plan().era.as_str());
    for a in probe.attached() {
        println!("attached.{:?}={}:{:?}", a.role, a.symbol, a.mechanism);
    }
    for s in probe.skipped() {
        println!("skipped.{:?}={}", s.role, s.function);
    }
    let c = &snap.counters;
    for (k, v) in [
        ("store_ok", c.store_ok),
        ("store_fail", c.store_fail),
        ("store_ok_pages", c.store_ok_pages),
        ("load_ok", c.load_ok),
        ("load_fail", c.load_fail),
        ("invalidate", c.invalidate),
        ("writeback_ok", c.writeback_ok),
        ("writeback_fail", c.writeback_fail),
        ("charged_bytes", c.charged_bytes),
        ("same_filled", c.same_filled),
        ("unmatched_exit", c.unmatched_exit),
        ("cgroup_overflow", c.cgroup_overflow),
    ] {
        println!("{k}={v}");
    }
    for h in &snap.store_latency {
        println!("store_latency.{}={}", h.outcome.name(), h.total());
    }
    for h in &snap.load_latency {
        println!("load_latency.{}={}", h.outcome.name(), h.total());
    }
    println!("size_objects={}", snap.size_buckets.iter().sum::<u64>());
    for (id, t) in &snap.cgroups {
        println!("cgroup.{id}.store_ok_pages={}", t.store_ok_pages);
        println!("cgroup.{id}.store_fail={}", t.store_fail);
        println!("cgroup.{id}.load_ok={}", t.load_ok);
        println!("cgroup.{id}.stored_bytes={}", t.stored_bytes);
    }
    for c in probe.program_costs().iter().filter(|c| c.runs > 0) {
        println!("prog.{}.runs={}", c.program, c.runs);
        println!("prog.{}.run_ns={}", c.program, c.run_ns);
    }
}

fn read_trace_file(file: &Path) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read '{}'", file.display()))?;
    let (header, records) = read_trace(&text).with_context(|| format!("'{}'", file.display()))?;
    println!("kernel={}", header.kernel);
    println!("era={}", header.era);
    println!("records={}", records.len());
    let ok = |op: Op| {
        records
            .iter()
            .filter(move |r| r.op == op && r.outcome == Outcome::Ok)
    };
    println!(
        "store_ok_pages={}",
        ok(Op::Store).map(|r| u64::from(r.pages)).sum::<u64>()
    );
    println!(
        "load_ok={}",
        ok(Op::Load).map(|r| u64::from(r.pages)).sum::<u64>()
    );
    println!(
        "stored_bytes={}",
        ok(Op::Store).map(|r| r.bytes).sum::<u64>()
    );
    // How many records of each slot-carrying operation there are, and how many name a slot.
    for (name, op) in [
        ("store", Op::Store),
        ("load", Op::Load),
        ("invalidate", Op::Invalidate),
    ] {
        let of_op = records.iter().filter(|r| r.op == op);
        let with_slot = of_op.clone().filter(|r| r.swap_offset.is_some()).count();
        println!("{name}_records={}", of_op.count());
        println!("{name}_with_slot={with_slot}");
    }
    let setting = |v: Option<String>| v.unwrap_or_else(|| "unknown".into());
    println!("compressor={}", setting(header.compressor.clone()));
    println!(
        "max_pool_percent={}",
        setting(header.max_pool_percent.map(|v| v.to_string()))
    );
    println!(
        "ram_pages={}",
        setting(header.ram_pages.map(|v| v.to_string()))
    );
    Ok(())
}

fn run(cli: &Cli) -> Result<()> {
    if let Command::ReadTrace { file } = &cli.command {
        return read_trace_file(file);
    }
    let opts = ProbeOptions {
        events: matches!(cli.command, Command::Events | Command::Record { .. }),
        kprobes_only: cli.kprobes,
        self_cost: cli.self_cost,
        ..ProbeOptions::default()
    };
    let mut probe = Probe::load(&opts)?;
    for a in probe.attached() {
        eprintln!(
            "zswap-probe: {:?} -> {} ({:?})",
            a.role, a.symbol, a.mechanism
        );
    }
    for s in probe.skipped() {
        eprintln!("zswap-probe: {:?} not hooked: {}", s.role, s.reason);
    }
    let until = cli.until_file.as_deref();
    let limit = Duration::from_secs(cli.seconds);
    let start = Instant::now();
    mark_ready(until)?;
    match cli.command {
        Command::Summary { format } => {
            while !done(until, start, limit) {
                std::thread::sleep(Duration::from_millis(100));
            }
            let snap = probe.snapshot()?;
            match format {
                Format::Json => {
                    let doc = serde_json::json!({
                        "plan": probe.plan(),
                        "attached": probe.attached(),
                        "skipped": probe.skipped(),
                        "snapshot": snap,
                    });
                    println!("{}", serde_json::to_string_pretty(&doc)?);
                }
                Format::Kv => print_kv(&probe, &snap),
            }
        }
        Command::Events => {
            let mut stream = probe.events()?;
            let mut out = std::io::stdout().lock();
            while !done(until, start, limit) {
                if let Some(e) = stream.next_event(Duration::from_millis(200))? {
                    writeln!(
                        out,
                        "{:>16} cg={:<6} pid={:<7} {:<16} {:<10} {:<11} {:>9}ns {:>5}B slot={}",
                        e.ts_ns,
                        e.cgroup_id,
                        e.pid,
                        e.comm,
                        e.op.name(),
                        e.outcome.name(),
                        e.latency_ns,
                        e.bytes,
                        e.slot.map_or_else(|| "-".into(), |s| s.to_string())
                    )?;
                }
            }
        }
        Command::Record { ref out } => {
            let header = TraceHeader::for_probe(&probe, &zswap_core::SysRoot::host());
            let file = std::fs::File::create(out)
                .with_context(|| format!("cannot create '{}'", out.display()))?;
            let mut writer = TraceWriter::new(std::io::BufWriter::new(file), &header)?;
            let mut stream = probe.events()?;
            let mut drain = false;
            loop {
                if !drain && done(until, start, limit) {
                    drain = true;
                }
                match stream.next_event(Duration::from_millis(if drain { 0 } else { 200 }))? {
                    Some(e) => writer.record(&TraceRecord::from(&e))?,
                    None if drain => break,
                    None => {}
                }
            }
            writer.finish()?;
            let dropped = probe.snapshot()?.counters.events_dropped;
            if dropped > 0 {
                eprintln!("zswap-probe: {dropped} events were lost (ring buffer full)");
            }
        }
        Command::ReadTrace { .. } => {}
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zswap-probe: {e:#}");
            ExitCode::FAILURE
        }
    }
}
