//! `zswapctl status`: what zswap is doing, and what could not be read and why.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use zswap_core::stats::cgroup::{CgroupFilter, CgroupZswap, Limit};
use zswap_core::stats::crypto::algorithm_names;
use zswap_core::stats::debugfs::COUNTERS;
use zswap_core::zram::{ZramDevice, read_zram};
use zswap_core::{
    CollectOptions, ParamName, SysRoot, ZswapModel, ZswapParams, ZswapSample, collect_sample,
};

use crate::cli::StatusArgs;
use crate::human;

/// Something `status` could not show, and why.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct Missing {
    /// What is missing.
    pub(crate) what: String,
    /// Why, and how to get it.
    pub(crate) reason: String,
}

/// Everything `status --json` prints.
#[derive(Debug, Serialize)]
pub(crate) struct StatusReport {
    /// The raw readings.
    pub(crate) sample: ZswapSample,
    /// Figures derived from them.
    pub(crate) derived: ZswapModel,
    /// What could not be read, and why.
    pub(crate) missing: Vec<Missing>,
    /// zram devices (`docs/zram.md`); empty when there are none, and `missing` says why.
    pub(crate) zram: Vec<ZramDevice>,
}

/// Reads everything and explains what is missing.
pub(crate) fn report(root: &SysRoot, with_cgroups: bool) -> StatusReport {
    let opts = CollectOptions {
        cgroups: with_cgroups.then(CgroupFilter::default),
    };
    let sample = collect_sample(root, &opts);
    let derived = ZswapModel::new(&sample, None);
    let mut missing = explain_missing(root, &sample, with_cgroups);
    let zram = match read_zram(root) {
        Ok(r) => {
            if let Some(reason) = r.none_reason {
                missing.push(Missing {
                    what: "zram".into(),
                    reason,
                });
            }
            r.devices
        }
        Err(e) => {
            missing.push(Missing {
                what: "zram".into(),
                reason: e.to_string(),
            });
            Vec::new()
        }
    };
    StatusReport {
        sample,
        derived,
        missing,
        zram,
    }
}

/// `p` as the kernel names it (relative to `root`, from `/`), as `top` shows it:
/// a description names the mount, while a fix to run names the file below the tree.
fn kernel_path(root: &SysRoot, p: &std::path::Path) -> std::path::PathBuf {
    p.strip_prefix(root.root())
        .map_or_else(|_| p.to_owned(), |rel| std::path::Path::new("/").join(rel))
}

fn explain_missing(root: &SysRoot, s: &ZswapSample, with_cgroups: bool) -> Vec<Missing> {
    let mut out = Vec::new();
    if let Some(reason) = s.no_zswap_reason() {
        out.push(Missing {
            what: "zswap".into(),
            reason: reason.into(),
        });
    }
    if let Some(reason) = s.debugfs_missing_reason() {
        out.push(Missing {
            what: "debugfs counters".into(),
            reason: reason.into(),
        });
    }
    if with_cgroups {
        match &s.cgroup2 {
            None => out.push(Missing {
                what: "per-cgroup usage".into(),
                reason: "no cgroup v2 hierarchy is mounted (cgroup v1 keeps no zswap accounting)"
                    .into(),
            }),
            Some(m) if !m.memory_controller => out.push(Missing {
                what: "per-cgroup usage".into(),
                reason: format!(
                    "the cgroup v2 hierarchy at '{}' has no memory controller (it is bound to \
                     cgroup v1 here); memory.zswap.* needs the v2 memory controller",
                    kernel_path(root, &m.path).display()
                ),
            }),
            Some(_) => {}
        }
    }
    for p in &s.problems {
        out.push(Missing {
            what: p.source.to_owned(),
            reason: p.reason(),
        });
    }
    out
}

/// Runs the command.
pub(crate) fn run(
    root: &SysRoot,
    args: &StatusArgs,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let r = report(root, args.cgroups);
    if json {
        serde_json::to_writer_pretty(&mut *out, &r)?;
        writeln!(out)?;
        return Ok(());
    }
    render(&r, args.bytes, out)
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn render(r: &StatusReport, exact: bool, out: &mut dyn Write) -> Result<()> {
    let s = &r.sample;
    let release = s
        .release
        .as_ref()
        .map_or("unknown kernel".to_owned(), |k| format!("Linux {k}"));
    let Some(params) = &s.params else {
        writeln!(out, "zswap: not available on {release}")?;
        render_zram(&r.zram, exact, out)?;
        return render_missing(r, out);
    };
    let state = match params.enabled() {
        Some(true) => "enabled",
        Some(false) => "disabled",
        None => "unknown",
    };
    writeln!(out, "zswap {state} on {release}")?;
    render_rows(&param_rows(s, params, &r.derived, exact), out)?;
    writeln!(out, "Pool")?;
    render_rows(&pool_rows(s, &r.derived, exact), out)?;
    render_debugfs_counters(s, out)?;
    render_vmstat(s, out)?;
    render_swaps(s, exact, out)?;
    if let Some(cgs) = &s.cgroups {
        render_cgroups(&cgs.cgroups, cgs.truncated, exact, out)?;
    }
    render_zram(&r.zram, exact, out)?;
    render_missing(r, out)
}

/// The narrowest label column of the parameter and pool sections; a longer label (6.1's
/// `non_same_filled_pages_enabled`, a parameter unknown to this version) widens it.
const LABEL_WIDTH: usize = 17;

/// Label–value lines with the values in one column, wide enough for the longest label.
fn render_rows(rows: &[(String, String)], out: &mut dyn Write) -> Result<()> {
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .fold(LABEL_WIDTH, usize::max);
    for (k, v) in rows {
        writeln!(out, "  {k:<width$} {v}")?;
    }
    Ok(())
}

/// The parameters: compressor, allocator, limits and switches, in that order.
fn param_rows(
    s: &ZswapSample,
    params: &ZswapParams,
    d: &ZswapModel,
    exact: bool,
) -> Vec<(String, String)> {
    let sz = |b: u64| human::bytes(b, exact);
    let mut rows = Vec::new();
    let mut kv = |k: &str, v: String| rows.push((k.to_owned(), v));
    if let Some(c) = params.compressor() {
        let avail = s
            .compressors
            .as_deref()
            .map(algorithm_names)
            .unwrap_or_default();
        let note = if avail.is_empty() {
            String::new()
        } else if avail.iter().any(|a| a == c) {
            format!(" (loaded: {})", avail.join(", "))
        } else {
            format!(" (not loaded; loaded: {})", avail.join(", "))
        };
        kv("compressor", format!("{c}{note}"));
    }
    match params.zpool() {
        Some(z) => kv("allocator", format!("{z} (zpool parameter)")),
        None => kv(
            "allocator",
            "zsmalloc (no zpool parameter: fixed since Linux 6.18)".into(),
        ),
    }
    if let Some(p) = params.max_pool_percent() {
        let limit = d
            .pool_limit_bytes
            .map_or(String::new(), |b| format!(" = {}", sz(b)));
        kv("pool limit", format!("{p}% of RAM{limit}"));
    }
    if let Some(a) = params.accept_threshold_percent() {
        let thr = d
            .accept_threshold_bytes
            .map_or(String::new(), |b| format!(" = {}", sz(b)));
        kv("accept threshold", format!("{a}% of the limit{thr}"));
    }
    if let Some(b) = params.shrinker_enabled() {
        kv("shrinker", yes_no(b).into());
    }
    for n in [
        ParamName::SameFilledPagesEnabled,
        ParamName::NonSameFilledPagesEnabled,
        ParamName::ExclusiveLoads,
    ] {
        if let Some(v) = params.get(n).and_then(|v| v.as_bool()) {
            kv(n.as_str(), yes_no(v).into());
        }
    }
    for (k, v) in &params.unknown {
        kv(k, format!("{v} (unknown to this version of zswapctl)"));
    }
    rows
}

/// The pool: its size, what it stores and how well that compresses.
fn pool_rows(s: &ZswapSample, d: &ZswapModel, exact: bool) -> Vec<(String, String)> {
    let sz = |b: u64| human::bytes(b, exact);
    let mut rows = Vec::new();
    let mut kv = |k: &str, v: String| rows.push((k.to_owned(), v));
    if let Some(pool) = d.pool_bytes {
        let usage = d.pool_usage_ratio.map_or(String::new(), |u| {
            format!(" ({:.1}% of the limit)", u * 100.0)
        });
        kv("pool size", format!("{}{usage}", sz(pool)));
    }
    if let Some(pages) = d.stored_pages {
        let st = d
            .stored_bytes
            .map_or(String::new(), |b| format!(" = {} uncompressed", sz(b)));
        kv("stored pages", format!("{}{st}", human::count(pages)));
    }
    match d.compression_ratio {
        Some(ratio) => kv("compression", human::ratio(ratio)),
        None => kv("compression", "- (pool empty)".into()),
    }
    if let Some(dbg) = s.debugfs.as_ref().and_then(|x| x.stats.as_ref()) {
        if let Some(n) = dbg.get("stored_incompressible_pages") {
            kv(
                "stored raw",
                format!("{} pages (incompressible)", human::count(n)),
            );
        }
        if let Some(n) = dbg.get("same_filled_pages") {
            kv("same-filled", format!("{} pages", human::count(n)));
        }
    }
    rows
}

/// debugfs's event counters, with what each counts.
fn render_debugfs_counters(s: &ZswapSample, out: &mut dyn Write) -> Result<()> {
    let Some(dbg) = s.debugfs.as_ref().and_then(|x| x.stats.as_ref()) else {
        return Ok(());
    };
    writeln!(out, "Counters (debugfs)")?;
    for def in COUNTERS
        .iter()
        .filter(|c| c.kind == zswap_core::stats::debugfs::CounterKind::Counter)
    {
        if let Some(v) = dbg.get(def.name) {
            writeln!(
                out,
                "  {:<28}{:>14}  {}",
                def.name,
                human::count(v),
                def.help
            )?;
        }
    }
    Ok(())
}

/// The zswap lines of `/proc/vmstat`.
fn render_vmstat(s: &ZswapSample, out: &mut dyn Write) -> Result<()> {
    let Some(vm) = &s.vmstat else {
        return Ok(());
    };
    writeln!(out, "Activity (/proc/vmstat, pages since boot)")?;
    for (k, v) in vm
        .iter()
        .filter(|(k, _)| k.starts_with("zswp") || k.ends_with("_zero"))
    {
        writeln!(out, "  {k:<28}{:>14}", human::count(v))?;
    }
    Ok(())
}

/// The active swap devices, or why none means nothing is stored.
fn render_swaps(s: &ZswapSample, exact: bool, out: &mut dyn Write) -> Result<()> {
    let Some(swaps) = &s.swaps else {
        return Ok(());
    };
    let sz = |b: u64| human::bytes(b, exact);
    writeln!(out, "Swap")?;
    if swaps.is_empty() {
        writeln!(
            out,
            "  none: zswap only holds pages on their way to a swap device, so nothing is \
             stored until one is active (swapon)"
        )?;
    }
    for sw in swaps {
        writeln!(
            out,
            "  {:<28}{} {} of {} used, priority {}",
            sw.filename,
            sw.kind,
            sz(sw.used_bytes),
            sz(sw.size_bytes),
            sw.priority
        )?;
    }
    Ok(())
}

fn render_cgroups(
    cgs: &[CgroupZswap],
    truncated: bool,
    exact: bool,
    out: &mut dyn Write,
) -> Result<()> {
    writeln!(out, "Cgroups")?;
    writeln!(
        out,
        "  {:<32}{:>12}{:>12}{:>10}{:>10}  max / writeback",
        "path", "zswap", "zswapped", "zswpout", "zswpin"
    )?;
    for c in cgs
        .iter()
        .filter(|c| c.zswap_current_bytes.is_some() || !c.stat.is_empty())
    {
        let zs = c.zswap_current_bytes.or(c.stat.get("zswap").copied());
        let show = |v: Option<u64>| v.map_or("-".to_owned(), |b| human::bytes(b, exact));
        let cnt = |k: &str| c.stat.get(k).map_or("-".to_owned(), |v| human::count(*v));
        let max = match c.zswap_max {
            Some(Limit::Max) => "max".to_owned(),
            Some(Limit::Bytes(b)) => human::bytes(b, exact),
            None => "-".to_owned(),
        };
        let wb = c
            .zswap_writeback
            .map_or("-", |w| if w { "on" } else { "off" });
        writeln!(
            out,
            "  {:<32}{:>12}{:>12}{:>10}{:>10}  {max} / {wb}",
            c.path,
            show(zs),
            show(c.stat.get("zswapped").copied()),
            cnt("zswpout"),
            cnt("zswpin"),
        )?;
    }
    if truncated {
        writeln!(out, "  (more cgroups not shown)")?;
    }
    Ok(())
}

/// One "zram" section per device: what it holds, what it costs, and what is absent.
fn render_zram(devices: &[ZramDevice], exact: bool, out: &mut dyn Write) -> Result<()> {
    let sz = |b: u64| human::bytes(b, exact);
    for d in devices {
        let alg = d
            .comp_algorithm
            .as_ref()
            .map_or("-".to_owned(), |c| c.selected.clone());
        let state = match (d.initialized, &d.swap) {
            (_, Some(sw)) => format!("swap, priority {}", sw.priority),
            (Some(true), None) => "set up, not swap".to_owned(),
            (Some(false), None) => "not set up".to_owned(),
            (None, None) => "state unknown".to_owned(),
        };
        writeln!(out, "zram {} ({state})", d.device)?;
        let mut kv = |k: &str, v: String| writeln!(out, "  {k:<18}{v}");
        kv("algorithm", alg)?;
        if let Some(r) = d.recomp_algorithms.as_ref().filter(|r| !r.is_empty()) {
            let list: Vec<String> = r
                .iter()
                .map(|a| format!("{} (priority {})", a.selected, a.priority))
                .collect();
            kv("recompression", list.join(", "))?;
        }
        if let Some(b) = d.disksize_bytes {
            kv("disk size", sz(b))?;
        }
        if let Some(m) = d.mm_stat {
            kv(
                "stored",
                format!("{} uncompressed", sz(m.orig_data_size_bytes)),
            )?;
            kv("compressed", sz(m.compr_data_size_bytes))?;
            let limit = match m.mem_limit {
                Limit::Max => "no limit".to_owned(),
                Limit::Bytes(b) => format!(
                    "limit {} ({:.1}% used)",
                    sz(b),
                    m.mem_used_total_bytes as f64 * 100.0 / b as f64
                ),
            };
            kv(
                "memory used",
                format!(
                    "{}, {limit}, peak {}",
                    sz(m.mem_used_total_bytes),
                    sz(m.mem_used_max_bytes)
                ),
            )?;
            match d.compression_ratio() {
                Some(ratio) => kv("compression", format!("{ratio:.2}:1"))?,
                None => kv("compression", "- (nothing compressed stored)".into())?,
            }
            kv(
                "same-filled",
                format!("{} pages", human::count(m.same_pages)),
            )?;
            if let Some(h) = m.huge_pages {
                let since = m.huge_pages_since.map_or(String::new(), |s| {
                    format!(" ({} since set-up)", human::count(s))
                });
                kv("huge", format!("{} pages{since}", human::count(h)))?;
            }
        }
        if let Some(io) = d.io_stat {
            kv(
                "failed I/O",
                format!(
                    "{} writes, {} reads",
                    human::count(io.failed_writes),
                    human::count(io.failed_reads)
                ),
            )?;
        }
        if d.writeback_built {
            let target = d.backing_dev.as_deref().unwrap_or("none");
            let moved = d.bd_stat.map_or(String::new(), |b| {
                format!(
                    ", {} on it, {} written",
                    sz(b.bd_count_bytes),
                    sz(b.bd_writes_bytes)
                )
            });
            kv("writeback", format!("backing device {target}{moved}"))?;
        }
        for a in &d.absent {
            kv(a.what, format!("- ({})", a.reason))?;
        }
    }
    Ok(())
}

fn render_missing(r: &StatusReport, out: &mut dyn Write) -> Result<()> {
    if r.missing.is_empty() {
        return Ok(());
    }
    writeln!(out, "Not shown")?;
    for m in &r.missing {
        writeln!(out, "  {}: {}", m.what, m.reason)?;
    }
    Ok(())
}
