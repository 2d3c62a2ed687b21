//! `cargo xtask bench`: every performance goal against its peer, in one run on this host,
//! printed as one table of ratios (docs/performance.md says what each row means).
//!
//! - the exporter against node_exporter, and its cost per cgroup (`bench_exporter`);
//! - `zswapctl analyze --compressor lz4` on 1 thread and on every core against the kernel's
//!   own zram ingest of the same bytes (a fresh lz4 zram device, one O_DIRECT writer), and
//!   against the raw compressor alone on the same pages (`examples/raw_compress.rs`);
//! - `analyze --pid` of a process holding 1 GiB against `analyze` of the same bytes in a file,
//!   and analyze's peak RSS on both input sizes;
//! - `zswapctl simulate`, a sweep of 10 settings, against compressing each distinct page of
//!   its workload once (`examples/distinct_pages.rs`), and against the same sweep compressing
//!   on every store, one run at a time (the code before the size memo); both sweeps must print
//!   the same bytes.
//!
//! The analysis corpus is the first MiB of the files under /usr, as `scripts/bench-analyze.sh`
//! takes it, read from the page cache. Host zram is touched only under the project's host lock
//! and through `zswap_testkit::zram::ZramDevice`, which resets and removes the device when it
//! is dropped, also when a step fails.
#![allow(clippy::disallowed_methods)] // a development tool: runs programs, reads /proc

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use zswap_testkit::host::{HostLock, in_ci, is_root};
use zswap_testkit::zram::{self, ZramDevice};

use crate::bench_exporter::{self, BenchOptions};
use crate::bench_table::{self, Row, median};

/// What `cargo xtask bench` runs.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct BenchArgs {
    /// MiB of the analysis corpus (files under /usr).
    #[arg(long, default_value_t = 256)]
    mib: u64,
    /// MiB the process of the `--pid` comparison holds.
    #[arg(long, default_value_t = 1024)]
    pid_mib: u64,
    /// Rounds of the zram/analyze comparison; the table shows medians.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Working set of the simulate sweep, MiB.
    #[arg(long, default_value_t = 1024)]
    sim_mib: u64,
    /// The exporter comparison (as `bench-exporter`).
    #[command(flatten)]
    pub(crate) exporter: bench_exporter::ExporterArgs,
    /// Skip the exporter comparison.
    #[arg(long)]
    no_exporter: bool,
    /// Skip the analyze rows (zram ingest, raw compressor, `--pid`, peak RSS).
    #[arg(long)]
    no_analyze: bool,
    /// Skip the simulate rows.
    #[arg(long)]
    no_simulate: bool,
    /// In the simulate rows, skip the sweep that compresses on every store (the slowest
    /// step; its row and the output comparison are left out).
    #[arg(long)]
    no_before: bool,
}

/// A finished child's wall time, CPU time (user + system) and peak RSS.
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: f64,
    cpu: f64,
    rss_mib: f64,
}

/// Runs `cmd` to the end with stdout captured; its CPU time comes from `wait4`. Its peak RSS
/// is the last `VmHWM` read from /proc while it runs: `wait4`'s `ru_maxrss` would count the
/// memory of this process too, since the child starts as a vfork of it.
fn timed(cmd: &mut Command) -> Result<(Run, Vec<u8>)> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {cmd:?}"))?;
    let t0 = Instant::now();
    let pid = child.id() as i32;
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut v);
            }
            v
        })
    };
    let out_t = drain(child.stdout.take().map(|o| Box::new(o) as _));
    let err_t = drain(child.stderr.take().map(|e| Box::new(e) as _));
    let status_path = format!("/proc/{pid}/status");
    let mut hwm_kib = 0u64;
    let mut status = 0;
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    loop {
        if let Some(v) = std::fs::read_to_string(&status_path).ok().and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            hwm_kib = hwm_kib.max(v);
        }
        // SAFETY: wait4 on our own child, writing one rusage we own.
        let rc = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, ru.as_mut_ptr()) };
        if rc == pid {
            break;
        }
        if rc < 0 {
            bail!("wait4 for {cmd:?}: {}", std::io::Error::last_os_error());
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let wall = t0.elapsed().as_secs_f64();
    let out = out_t.join().unwrap_or_default();
    let err = err_t.join().unwrap_or_default();
    // SAFETY: wait4 returned the child, so it filled the struct.
    let ru = unsafe { ru.assume_init() };
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        bail!(
            "{cmd:?} failed (status {status:#x}): {}",
            String::from_utf8_lossy(&err)
        );
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok((
        Run {
            wall,
            cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
            rss_mib: hwm_kib as f64 / 1024.0,
        },
        out,
    ))
}

fn thread_cpu() -> f64 {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct we pass.
    let ru = unsafe {
        libc::getrusage(libc::RUSAGE_THREAD, ru.as_mut_ptr());
        ru.assume_init()
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn median_run(runs: &[Run]) -> Run {
    Run {
        wall: median(runs.iter().map(|r| r.wall).collect()),
        cpu: median(runs.iter().map(|r| r.cpu).collect()),
        rss_mib: runs.iter().map(|r| r.rss_mib).fold(0.0, f64::max),
    }
}

/// The first `mib` MiB of the files under /usr (as scripts/bench-analyze.sh takes them),
/// written to `path` and read once so that every timed run starts from the page cache.
fn corpus(path: &Path, mib: u64) -> Result<u64> {
    let script = format!(
        "find /usr/share /usr/lib /usr/bin -type f -size +64k 2>/dev/null | sort \
         | xargs cat 2>/dev/null | head -c {} > '{}'",
        mib << 20,
        path.display()
    );
    // xargs ends on SIGPIPE once head has its bytes: the status says nothing.
    let _ = Command::new("sh").args(["-c", &script]).status()?;
    let data = std::fs::read(path)?;
    let pages = data.len() as u64 / 4096;
    if pages < (mib << 20) / 4096 {
        bail!(
            "only {} MiB of files under /usr, {mib} MiB asked: give a smaller size",
            data.len() >> 20
        );
    }
    Ok(pages)
}

fn json_u64(out: &[u8], key: &str) -> Result<u64> {
    let v: serde_json::Value = serde_json::from_slice(out)?;
    v["compressors"][0][key]
        .as_u64()
        .with_context(|| format!("no compressors[0].{key} in analyze's JSON"))
}

/// The kernel's zram ingest of `data` with lz4: wall and CPU seconds of the writer (zram
/// compresses in the writer's context) per round, and `mem_used_total` after each.
fn zram_ingest(data: &[u8], rounds: usize) -> Result<(Vec<Run>, Vec<u64>)> {
    let _lock = HostLock::acquire();
    let dev = ZramDevice::add().context("adding a zram device")?;
    if !dev.algorithms()?.iter().any(|a| a == "lz4") {
        bail!("this kernel's zram has no lz4 (comp_algorithm lists none)");
    }
    let mut runs = Vec::new();
    let mut mem = Vec::new();
    for _ in 0..rounds {
        dev.configure("lz4", data.len() / 4096)?;
        let (t0, c0) = (Instant::now(), thread_cpu());
        dev.write_pages(data)?;
        runs.push(Run {
            wall: t0.elapsed().as_secs_f64(),
            cpu: thread_cpu() - c0,
            rss_mib: 0.0,
        });
        mem.push(dev.mm_stat()?.get(2).copied().unwrap_or(0));
    }
    // dev drops here: reset and removed, also on every early return above.
    Ok((runs, mem))
}

/// A process holding `file`'s bytes (examples/hold_pages.rs), killed on drop.
struct Holder {
    child: std::process::Child,
    range: String,
}

impl Drop for Holder {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hold(program: &Path, file: &Path) -> Result<Holder> {
    let mut child = Command::new(program)
        .arg(file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    let mut line = String::new();
    if let Some(o) = child.stdout.take() {
        BufReader::new(o).read_line(&mut line)?;
    }
    let mut h = Holder {
        child,
        range: String::new(),
    };
    h.range = line
        .trim()
        .strip_prefix("HOLDER ")
        .with_context(|| format!("hold_pages printed '{line}'"))?
        .to_owned();
    Ok(h)
}

fn build(o: &BenchOptions) -> Result<()> {
    let st = Command::new(&o.cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "zswapctl",
            "--bin",
            "zswapctl",
            "-p",
            "zswap-analyze",
            "--example",
            "raw_compress",
            "--example",
            "hold_pages",
            "--example",
            "distinct_pages",
        ])
        .current_dir(&o.workspace)
        .status()
        .context("running cargo build")?;
    if !st.success() {
        bail!("the release build failed");
    }
    Ok(())
}

/// Runs every comparison and prints the table; false if a goal was missed.
pub(crate) fn run(args: &BenchArgs, o: &BenchOptions) -> Result<bool> {
    if args.mib == 0 || args.pid_mib == 0 || args.sim_mib == 0 || args.rounds == 0 {
        bail!("--mib, --pid-mib, --sim-mib and --rounds must be at least 1");
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    build(o)?;
    let rel = o.target_dir.join("release");
    let zswapctl = rel.join("zswapctl");
    let ex = rel.join("examples");
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();

    // 1. The exporter against node_exporter, and its cgroup cost curve.
    let mut exporter_conditions_met = true;
    if !args.no_exporter {
        let r = bench_exporter::measure_all(o)?;
        let (r_rows, r_notes) = bench_exporter::report(&r);
        exporter_conditions_met = r.conditions_met();
        rows.extend(r_rows);
        notes.extend(r_notes);
    }

    let mut pages = None;
    if !args.no_analyze {
        pages = Some(analyze_rows(
            args, &zswapctl, &ex, cores, &mut rows, &mut notes,
        )?);
    }
    if !args.no_simulate {
        simulate_rows(args, &zswapctl, &ex, &mut rows, &mut notes)?;
    }

    // The table.
    match pages {
        Some(pages) => println!(
            "\n{pages} pages ({} MiB) of files under /usr for analyze, {} rounds (medians), {cores} cores",
            args.mib, args.rounds
        ),
        None => println!("\n{cores} cores"),
    }
    let all_met = bench_table::print(&rows) && exporter_conditions_met;
    for n in &notes {
        println!("* {n}");
    }
    println!("* load average before: {}", load_before.trim());
    println!(
        "* load average after: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    std::io::stdout().flush()?;
    Ok(all_met)
}

/// Rows 2 and 3: analyze against the kernel's zram ingest, the raw compressor and `--pid`;
/// returns the pages of the corpus.
fn analyze_rows(
    args: &BenchArgs,
    zswapctl: &Path,
    ex: &Path,
    cores: usize,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) -> Result<u64> {
    let work = tempfile_dir()?;
    let small = work.path.join("corpus.bin");
    let pages = corpus(&small, args.mib)?;
    let data = std::fs::read(&small)?;
    let analyze = |threads: usize, input: &[&str]| -> Result<(Run, Vec<u8>)> {
        let mut c = Command::new(zswapctl);
        c.args([
            "--json",
            "analyze",
            "--kernel",
            "6.18",
            "--compressor",
            "lz4",
        ])
        .args(["--jobs", &threads.to_string()])
        .args(input);
        timed(&mut c)
    };

    // 2. analyze against the kernel's zram ingest and the raw compressor, round by round.
    let zram_ok = is_root() && zram::available();
    if !zram_ok {
        let why = if is_root() {
            "this kernel has no zram"
        } else {
            "not root"
        };
        if in_ci() {
            bail!("the zram comparison needs root and zram: {why}");
        }
        notes.push(format!("zram comparison skipped: {why}"));
    }
    let small_s = small.to_string_lossy().into_owned();
    let (mut zr, mut a1, mut an, mut raw, mut zmem) = (vec![], vec![], vec![], vec![], vec![]);
    let mut pool = 0;
    for round in 0..args.rounds {
        if zram_ok {
            let (r, m) = zram_ingest(&data, 1)?;
            zr.extend(r);
            zmem.extend(m);
        }
        let (r, out) = analyze(1, &[&small_s])?;
        a1.push(r);
        pool = json_u64(&out, "pool_bytes")?;
        an.push(analyze(cores, &[&small_s])?.0);
        raw.push(
            timed(
                Command::new(ex.join("raw_compress"))
                    .arg(&small)
                    .args(["lz4", &cores.to_string()]),
            )?
            .0,
        );
        eprintln!(
            "round {}: zram {:.3} s, analyze 1 thread {:.3} s, {cores} threads {:.3} s",
            round + 1,
            zr.last().map_or(f64::NAN, |r| r.wall),
            a1[round].wall,
            an[round].wall
        );
    }
    drop(data);
    let (a1m, anm, rawm) = (median_run(&a1), median_run(&an), median_run(&raw));
    if zram_ok {
        let z = median_run(&zr);
        if zmem.iter().any(|&m| m != pool) {
            bail!("zram mem_used_total {zmem:?} differs from analyze's pool_bytes {pool}");
        }
        notes.push(format!(
            "zram mem_used_total = analyze pool_bytes = {pool} in every round; zram writer CPU {:.3} s",
            z.cpu
        ));
        for (threads, r, target) in [(1, a1m, None), (cores, anm, Some(0.3))] {
            rows.push(Row {
                goal: format!(
                    "analyze lz4 {} MiB, {threads} thread{} / zram ingest (wall)",
                    args.mib,
                    if threads == 1 { "" } else { "s" }
                ),
                ours: format!("{:.3} s (CPU {:.3} s)", r.wall, r.cpu),
                peer: format!("{:.3} s", z.wall),
                ratio: r.wall / z.wall,
                target,
            });
        }
    }
    rows.push(Row {
        goal: format!("analyze {cores} threads CPU / raw lz4 CPU (model overhead)"),
        ours: format!("{:.3} s", anm.cpu),
        peer: format!("{:.3} s", rawm.cpu),
        ratio: anm.cpu / rawm.cpu,
        target: None,
    });
    rows.push(Row {
        goal: format!("analyze 1 thread / {cores} threads (wall)"),
        ours: format!("{:.3} s", a1m.wall),
        peer: format!("{:.3} s", anm.wall),
        ratio: a1m.wall / anm.wall,
        target: None,
    });

    // 3. analyze --pid of a process holding pid_mib MiB against the same bytes in a file.
    let big = work.path.join("corpus-pid.bin");
    corpus(&big, args.pid_mib)?;
    let big_s = big.to_string_lossy().into_owned();
    let holder = hold(&ex.join("hold_pages"), &big)?;
    let pid = holder.child.id().to_string();
    let (mut pf, mut pp) = (vec![], vec![]);
    let (mut file_pool, mut pid_pool) = (0, 0);
    for _ in 0..args.rounds.min(3) {
        let (r, out) = analyze(cores, &[&big_s])?;
        file_pool = json_u64(&out, "pool_bytes")?;
        pf.push(r);
        let (r, out) = analyze(cores, &["--pid", &pid, "--address", &holder.range])?;
        pid_pool = json_u64(&out, "pool_bytes")?;
        pp.push(r);
    }
    drop(holder);
    if file_pool != pid_pool {
        bail!("analyze --pid gave pool_bytes {pid_pool}, the same bytes in a file {file_pool}");
    }
    let (pfm, ppm) = (median_run(&pf), median_run(&pp));
    rows.push(Row {
        goal: format!(
            "analyze --pid ({} MiB held) / same bytes from a file",
            args.pid_mib
        ),
        ours: format!("{:.3} s", ppm.wall),
        peer: format!("{:.3} s", pfm.wall),
        ratio: ppm.wall / pfm.wall,
        target: Some(1.2),
    });
    let peak = [anm.rss_mib, pfm.rss_mib, ppm.rss_mib]
        .into_iter()
        .fold(0.0, f64::max);
    rows.push(Row {
        goal: format!(
            "analyze peak RSS, {} MiB input / {} MiB input",
            args.pid_mib, args.mib
        ),
        ours: format!("{:.1} MiB (--pid {:.1})", pfm.rss_mib, ppm.rss_mib),
        peer: format!("{:.1} MiB", anm.rss_mib),
        ratio: pfm.rss_mib / anm.rss_mib,
        target: None,
    });
    rows.push(Row {
        goal: "analyze peak RSS, largest of the runs above / 16 MiB".into(),
        ours: format!("{peak:.1} MiB"),
        peer: "16 MiB".into(),
        ratio: peak / 16.0,
        target: Some(1.0),
    });
    drop(std::fs::remove_file(&big));

    Ok(pages)
}

/// Row 4: the simulate sweep against compressing each distinct page once, and against the
/// sweep compressing on every store.
fn simulate_rows(
    args: &BenchArgs,
    zswapctl: &Path,
    ex: &Path,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) -> Result<()> {
    // 4. simulate: a sweep of 10 settings with the size memo, without it, and the peer.
    let ws_pages = (args.sim_mib << 20) / 4096;
    let sim = |extra: &[&str]| -> Result<(Run, Vec<u8>)> {
        let mut c = Command::new(zswapctl);
        c.args(["--json", "simulate", "--kernel", "6.18"])
            .args(["--working-set", &format!("{}M", args.sim_mib)])
            .args(["--max-pool-percent", "5,10,20,40,80"])
            .args(["--accept-threshold-percent", "50,90"])
            .args(extra);
        timed(&mut c)
    };
    let (after, after_out) = sim(&[])?;
    let (peer, peer_out) = timed(
        Command::new(ex.join("distinct_pages"))
            .arg(ws_pages.to_string())
            .args(["1", "lzo"]),
    )?;
    let peer_fields: Vec<f64> = String::from_utf8_lossy(&peer_out)
        .split_whitespace()
        .take(2)
        .filter_map(|w| w.parse().ok())
        .collect();
    let [peer_wall, peer_cpu] = peer_fields[..] else {
        bail!("distinct_pages printed no wall and CPU time");
    };
    notes.push(format!(
        "simulate peer: compressing each distinct page once took {peer_wall:.3} s wall, \
         {peer_cpu:.3} s CPU on one thread (process total {:.3} s incl. making pages)",
        peer.wall
    ));
    // The judged ratio is CPU over CPU: the sweep runs on every core and the peer on one,
    // so a wall-clock ratio would credit the sweep with the second core (and both would
    // count the other jobs on a shared host).
    rows.push(Row {
        goal: format!(
            "simulate 10 settings, {} MiB, CPU / compress each distinct page once, CPU",
            args.sim_mib
        ),
        ours: format!("{:.2} s (wall {:.2} s)", after.cpu, after.wall),
        peer: format!("{peer_cpu:.2} s"),
        ratio: after.cpu / peer_cpu,
        target: Some(2.0),
    });
    rows.push(Row {
        goal: format!(
            "simulate 10 settings, {} MiB, wall / compress each distinct page once, 1 thread",
            args.sim_mib
        ),
        ours: format!("{:.2} s", after.wall),
        peer: format!("{peer_wall:.2} s"),
        ratio: after.wall / peer_wall,
        target: None,
    });
    if args.no_before {
        notes.push("simulate sweep compressing on every store: skipped (--no-before)".into());
        return Ok(());
    }
    let (before, before_out) = sim(&["--compress-every-store", "--jobs", "1"])?;
    if before_out != after_out {
        bail!("simulate with the size memo printed different output than without it");
    }
    notes.push(format!(
        "simulate outputs with and without the memo: identical ({} bytes of JSON)",
        after_out.len()
    ));
    rows.push(Row {
        goal: "simulate sweep after / before (memo, threads)".into(),
        ours: format!("{:.2} s", after.wall),
        peer: format!("{:.2} s (CPU {:.2} s)", before.wall, before.cpu),
        ratio: after.wall / before.wall,
        target: None,
    });

    Ok(())
}

/// A scratch directory removed on drop.
struct TempDir {
    path: PathBuf,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn tempfile_dir() -> Result<TempDir> {
    let path = std::env::temp_dir().join(format!("zswap-bench.{}", std::process::id()));
    std::fs::create_dir_all(&path)?;
    Ok(TempDir { path })
}
