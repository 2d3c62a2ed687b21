//! `zswapctl trace`: the eBPF probe (crate zswap-probe) live — one line per zswap store,
//! load, invalidate and writeback, a `--summary` of latency and size histograms (tables, or
//! `--kv` lines for scripts), or a `--record`ed trace file (format: `zswap_core::trace`) —
//! and the `--totals` of a recorded one.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use zswap_analyze::TraceTotals;
use zswap_core::SysRoot;
use zswap_core::trace::{TraceRecord, TraceWriter};
use zswap_probe::{LatencyHistogram, Probe, ProbeError, ProbeEvent, ProbeOptions, ProbeSnapshot};

use crate::cli::TraceArgs;
use crate::exit::{Exit, coded};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Ctrl-C and SIGTERM end the trace cleanly (summary printed, trace file flushed).
fn catch_signals() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

fn load(root: &SysRoot, args: &TraceArgs, events: bool) -> Result<Probe> {
    if !root.is_host() {
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!("trace needs the running kernel: drop '--root' and 'ZSWAP_ROOT'"),
        ));
    }
    // Probe::load checks privilege (capabilities) before anything else, so a user without
    // it hears that (exit 3) before any reason that needs privilege to fix.
    let opts = ProbeOptions {
        events,
        kprobes_only: args.kprobes,
        self_cost: args.self_cost,
        ..ProbeOptions::default()
    };
    Probe::load(&opts).map_err(|e| {
        let exit = if matches!(e, ProbeError::MissingCapabilities { .. }) {
            Exit::Permission
        } else {
            Exit::Runtime
        };
        coded(exit, e)
    })
}

fn finished(start: Instant, args: &TraceArgs) -> bool {
    STOP.load(Ordering::SeqCst)
        || args
            .duration
            .is_some_and(|d| start.elapsed().as_secs() >= d)
        || args.until_file.as_deref().is_some_and(Path::exists)
}

/// Creates `FILE.ready` for `--until-file FILE`: the probe is attached.
fn mark_ready(args: &TraceArgs) -> Result<()> {
    let Some(until) = &args.until_file else {
        return Ok(());
    };
    let mut ready = until.as_os_str().to_owned();
    ready.push(".ready");
    let ready = std::path::PathBuf::from(ready);
    std::fs::File::create(&ready)
        .map(drop)
        .with_context(|| format!("cannot create '{}'", ready.display()))
}

/// One event as a text line; `t0` is the monotonic time the trace started.
fn line(e: &ProbeEvent, t0: u64) -> String {
    let t = e.ts_ns.saturating_sub(t0) as f64 / 1e9;
    let size = if e.bytes > 0 {
        e.bytes.to_string()
    } else {
        "-".into()
    };
    let slot = e.slot.map_or_else(|| "-".into(), |s| s.to_string());
    format!(
        "{t:>10.6} {:>7} {:>7} {:<15} {:<10} {:<11} {:>10} {:>6} {slot}",
        e.cgroup_id,
        e.pid,
        e.comm,
        e.op.name(),
        e.outcome.name(),
        e.latency_ns,
        size
    )
}

fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}

fn histogram(out: &mut impl Write, title: &str, h: &LatencyHistogram) -> Result<()> {
    writeln!(out, "{title} {}: {} calls", h.outcome.name(), h.total())?;
    let max = h.buckets.iter().copied().max().unwrap_or(0).max(1);
    let first = h.buckets.iter().position(|&c| c > 0).unwrap_or(0);
    let last = h.buckets.iter().rposition(|&c| c > 0).unwrap_or(0);
    for b in first..=last {
        let lo = LatencyHistogram::bucket_low_ns(b);
        let hi = LatencyHistogram::bucket_low_ns(b + 1).saturating_sub(1);
        let n = h.buckets[b];
        let bar = "*".repeat(((n * 40).div_ceil(max)) as usize);
        writeln!(out, "  {lo:>12} .. {hi:<12} ns {n:>9} |{bar:<40}|")?;
    }
    Ok(())
}

fn summary(out: &mut impl Write, probe: &Probe, s: &ProbeSnapshot, json: bool) -> Result<()> {
    if json {
        let doc = serde_json::json!({
            "plan": probe.plan(),
            "attached": probe.attached(),
            "snapshot": s,
            "program_costs": probe.program_costs(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(());
    }
    let c = &s.counters;
    writeln!(
        out,
        "stores   {} ok ({} pages), {} failed",
        c.store_ok, c.store_ok_pages, c.store_fail
    )?;
    writeln!(
        out,
        "loads    {} ok, {} failed or not found",
        c.load_ok, c.load_fail
    )?;
    writeln!(
        out,
        "invalidations {}, writebacks {} ok, {} failed",
        c.invalidate, c.writeback_ok, c.writeback_fail
    )?;
    for h in &s.store_latency {
        histogram(out, "store latency,", h)?;
    }
    for h in &s.load_latency {
        histogram(out, "load latency,", h)?;
    }
    let objects: u64 = s.size_buckets.iter().sum();
    if objects > 0 {
        writeln!(
            out,
            "compressed sizes ({objects} objects, by zsmalloc size class incl. 8-byte handle):"
        )?;
        for (i, &n) in s.size_buckets.iter().enumerate().filter(|(_, n)| **n > 0) {
            let hi = (32 + 16 * i).min(4096 + 8);
            writeln!(out, "  class {i:>3} (<= {hi:>4} B) {n:>9}")?;
        }
    }
    if !s.cgroups.is_empty() {
        writeln!(
            out,
            "{:>8} {:>12} {:>10} {:>14} {:>10}",
            "cgroup", "stored pages", "rejected", "stored bytes", "loads"
        )?;
        for (id, t) in &s.cgroups {
            writeln!(
                out,
                "{id:>8} {:>12} {:>10} {:>14} {:>10}",
                t.store_ok_pages, t.store_fail, t.stored_bytes, t.load_ok
            )?;
        }
    }
    let costs: Vec<_> = probe
        .program_costs()
        .into_iter()
        .filter(|c| c.runs > 0)
        .collect();
    if !costs.is_empty() {
        writeln!(
            out,
            "probe programs (kernel run-time statistics, --self-cost):"
        )?;
        for c in costs {
            writeln!(
                out,
                "  {:<22} {:>10} runs {:>8} ns/run",
                c.program,
                c.runs,
                c.run_ns / c.runs
            )?;
        }
    }
    Ok(())
}

/// The summary as `key=value` lines, for scripts: the keys stay put as the tables change.
fn summary_kv(out: &mut impl Write, probe: &Probe, s: &ProbeSnapshot) -> Result<()> {
    writeln!(out, "era={}", probe.plan().interface)?;
    for a in probe.attached() {
        writeln!(out, "attached.{:?}={}:{:?}", a.role, a.symbol, a.mechanism)?;
    }
    for k in probe.skipped() {
        writeln!(out, "skipped.{:?}={}", k.role, k.function)?;
    }
    let c = &s.counters;
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
        writeln!(out, "{k}={v}")?;
    }
    for h in &s.store_latency {
        writeln!(out, "store_latency.{}={}", h.outcome.name(), h.total())?;
    }
    for h in &s.load_latency {
        writeln!(out, "load_latency.{}={}", h.outcome.name(), h.total())?;
    }
    writeln!(out, "size_objects={}", s.size_buckets.iter().sum::<u64>())?;
    for (id, t) in &s.cgroups {
        writeln!(out, "cgroup.{id}.store_ok_pages={}", t.store_ok_pages)?;
        writeln!(out, "cgroup.{id}.store_fail={}", t.store_fail)?;
        writeln!(out, "cgroup.{id}.load_ok={}", t.load_ok)?;
        writeln!(out, "cgroup.{id}.stored_bytes={}", t.stored_bytes)?;
    }
    for c in probe.program_costs().iter().filter(|c| c.runs > 0) {
        writeln!(out, "prog.{}.runs={}", c.program, c.runs)?;
        writeln!(out, "prog.{}.run_ns={}", c.program, c.run_ns)?;
    }
    Ok(())
}

/// `--totals FILE`: what a recorded trace holds, as `key=value` lines.
fn totals(file: &Path, out: &mut impl Write) -> Result<()> {
    let (header, records) = crate::cmd::tracefile::read(file)?;
    let t = TraceTotals::of(&records);
    writeln!(out, "kernel={}", header.kernel)?;
    writeln!(out, "era={}", header.era)?;
    writeln!(out, "records={}", t.records)?;
    writeln!(out, "store_ok_pages={}", t.store_ok_pages)?;
    writeln!(out, "load_ok={}", t.load_ok_pages)?;
    writeln!(out, "stored_bytes={}", t.stored_bytes)?;
    for (name, c) in [
        ("store", t.stores),
        ("load", t.loads),
        ("invalidate", t.invalidates),
    ] {
        writeln!(out, "{name}_records={}", c.records)?;
        writeln!(out, "{name}_with_slot={}", c.with_slot)?;
    }
    let setting = |v: Option<String>| v.unwrap_or_else(|| "unknown".into());
    writeln!(out, "compressor={}", setting(header.compressor.clone()))?;
    writeln!(
        out,
        "max_pool_percent={}",
        setting(header.max_pool_percent.map(|v| v.to_string()))
    )?;
    writeln!(
        out,
        "ram_pages={}",
        setting(header.ram_pages.map(|v| v.to_string()))
    )?;
    Ok(())
}

fn record(probe: &mut Probe, args: &TraceArgs, file: &Path, out: &mut impl Write) -> Result<()> {
    let header = probe.trace_header(&SysRoot::host());
    let f = std::fs::File::create(file)
        .with_context(|| format!("cannot create '{}'", file.display()))?;
    let mut writer = TraceWriter::new(std::io::BufWriter::new(f), &header)?;
    let mut stream = probe.events()?;
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        let stopping = finished(start, args);
        let wait = if stopping {
            Duration::ZERO
        } else {
            Duration::from_millis(200)
        };
        match stream.next_event(wait)? {
            Some(e) => {
                writer.record(&TraceRecord::from(&e))?;
                n += 1;
            }
            None if stopping => break,
            None => {}
        }
    }
    writer.finish()?;
    writeln!(out, "recorded {n} events to '{}'", file.display())?;
    let dropped = probe.snapshot()?.counters.events_dropped;
    if dropped > 0 {
        writeln!(
            out,
            "warning: {dropped} events were lost (the ring buffer was full)"
        )?;
    }
    Ok(())
}

/// Tells a person (and a script waiting for it) on stderr that the probe is attached and
/// counting: the summary comes only at the end.
#[allow(clippy::print_stderr)] // a status line, not a result
fn attached_note(probe: &Probe, args: &TraceArgs) {
    let hooks: Vec<String> = probe
        .attached()
        .iter()
        .map(|a| format!("{} ({:?})", a.symbol, a.mechanism).to_lowercase())
        .collect();
    let until = args
        .duration
        .map_or("Ctrl-C".to_owned(), |d| format!("{d} s or Ctrl-C"));
    eprintln!(
        "zswapctl: probe attached to {}; summary after {until}",
        hooks.join(", ")
    );
}

/// Runs `zswapctl trace`.
pub(crate) fn run(
    root: &SysRoot,
    args: &TraceArgs,
    json: bool,
    out: &mut impl Write,
) -> Result<()> {
    if json && (args.kv || args.totals.is_some()) {
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!("--kv and --totals print key=value lines, not JSON: drop '--json'"),
        ));
    }
    if let Some(file) = &args.totals {
        return totals(file, out);
    }
    let mut probe = load(root, args, !args.summary)?;
    catch_signals();
    mark_ready(args)?;
    if let Some(file) = &args.record {
        return record(&mut probe, args, file, out);
    }
    let start = Instant::now();
    if args.summary {
        attached_note(&probe, args);
        while !finished(start, args) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let snap = probe.snapshot()?;
        if args.kv {
            return summary_kv(out, &probe, &snap);
        }
        return summary(out, &probe, &snap, json);
    }
    let t0 = monotonic_ns();
    let mut stream = probe.events()?;
    if !json {
        writeln!(
            out,
            "{:>10} {:>7} {:>7} {:<15} {:<10} {:<11} {:>10} {:>6} SLOT",
            "TIME(s)", "CGROUP", "PID", "COMM", "OP", "OUTCOME", "LAT(ns)", "BYTES"
        )?;
    }
    while !finished(start, args) {
        if let Some(e) = stream.next_event(Duration::from_millis(200))? {
            if json {
                writeln!(out, "{}", serde_json::to_string(&TraceRecord::from(&e))?)?;
            } else {
                writeln!(out, "{}", line(&e, t0))?;
            }
            out.flush()?;
        }
    }
    Ok(())
}
