//! Diagnosis of a running system: each [`Finding`] has a severity and a fix. Works on a
//! [`ZswapSample`] (so on any tree), the counters saved at the previous check, and the
//! configuration file if there is one. See `Documentation/admin-guide/mm/zswap.rst` and
//! `Documentation/admin-guide/cgroup-v2.rst` (`memory.zswap.*`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::admin::caps::{KernelCaps, ModuleResolver};
use crate::admin::config::parse_config;
use crate::admin::plan::{Plan, PlanRefusal};
use crate::params::ParamName;
use crate::sample::ZswapSample;
use crate::stats::cgroup::Limit;
use crate::stats::crypto::{algorithm_names, is_available};
use crate::stats::debugfs::DebugfsStatus;

mod zram;
pub use zram::check_zram;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// zswap does not work as configured.
    Error,
    /// It works, but probably not as intended.
    Warning,
    /// Worth knowing.
    Info,
}

/// One diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// A stable identifier (`no-swap`, `compressor-unavailable`, …).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

fn finding(severity: Severity, code: &'static str, message: String, fix: String) -> Finding {
    Finding {
        severity,
        code,
        message,
        fix,
    }
}

/// The counters `check` compares between runs, saved in its state file. A sample's raw
/// counters, not derived rates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterSnapshot {
    /// When, in milliseconds since the Unix epoch.
    pub taken_at_ms: u64,
    /// Kernel release then.
    pub release: Option<String>,
    /// debugfs reject counters and `pool_limit_hit`.
    pub counters: BTreeMap<String, u64>,
}

const WATCHED: [&str; 6] = [
    "pool_limit_hit",
    "reject_compress_poor",
    "reject_compress_fail",
    "reject_alloc_fail",
    "reject_kmemcache_fail",
    "reject_reclaim_fail",
];

/// The counters of `s` worth comparing next time (empty without debugfs).
pub fn counter_snapshot(s: &ZswapSample) -> CounterSnapshot {
    let dbg = s.debugfs.as_ref().and_then(|d| d.stats.as_ref());
    CounterSnapshot {
        taken_at_ms: s.taken_at_ms,
        release: s.release.as_ref().map(|r| r.text.clone()),
        counters: WATCHED
            .iter()
            .filter_map(|n| dbg.and_then(|d| d.get(n)).map(|v| ((*n).to_owned(), v)))
            .collect(),
    }
}

/// Diagnoses a sample, comparing its counters with `previous` when given; `modules` tells
/// whether a compressor missing from `/proc/crypto` could still be loaded.
pub fn check_sample(
    s: &ZswapSample,
    previous: Option<&CounterSnapshot>,
    modules: &dyn ModuleResolver,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(params) = &s.params else {
        out.push(finding(
            Severity::Error,
            "no-zswap",
            "this kernel has no zswap (no /sys/module/zswap/parameters)".into(),
            "use a kernel built with CONFIG_ZSWAP=y".into(),
        ));
        return out;
    };
    let enabled = params.enabled().unwrap_or(false);
    if !enabled {
        out.push(finding(
            Severity::Info,
            "disabled",
            "zswap is disabled".into(),
            "enable it with 'zswapctl set enabled true' if you want compressed swap caching".into(),
        ));
    }
    if enabled && s.swaps.as_ref().is_some_and(Vec::is_empty) {
        out.push(finding(
            Severity::Warning,
            "no-swap",
            "zswap is enabled but there is no active swap device, so it never stores a page".into(),
            "add swap (for example: fallocate -l 4G /swapfile; chmod 600 /swapfile; mkswap \
             /swapfile; swapon /swapfile) or disable zswap"
                .into(),
        ));
    }
    check_compressor(s, enabled, modules, &mut out);
    check_pool_limit(s, enabled, &mut out);
    check_debugfs(s, &mut out);
    check_cgroups(s, enabled, &mut out);
    check_counters(s, previous, &mut out);
    out
}

fn check_compressor(
    s: &ZswapSample,
    enabled: bool,
    modules: &dyn ModuleResolver,
    out: &mut Vec<Finding>,
) {
    let (Some(params), Some(list)) = (&s.params, &s.compressors) else {
        return;
    };
    let Some(c) = params.compressor() else { return };
    if is_available(list, c) {
        return;
    }
    let available = algorithm_names(list).join(", ");
    if c.is_empty() {
        out.push(finding(
            Severity::Error,
            "compressor-unavailable",
            "zswap has no compressor: neither the configured one nor the kernel's default could \
             be set up"
                .into(),
            format!(
                "set an available compressor: zswapctl set compressor ALG (available: {available})"
            ),
        ));
        return;
    }
    if !enabled && let Some(module) = modules.resolve(&format!("crypto-{c}")) {
        out.push(finding(
            Severity::Info,
            "compressor-not-loaded",
            format!(
                "zswap's compressor '{c}' is not loaded yet; the kernel loads module '{module}' \
                 when zswap is enabled"
            ),
            "nothing to do".into(),
        ));
        return;
    }
    let (severity, what) = if enabled {
        (Severity::Error, "zswap's compressor")
    } else {
        (
            Severity::Warning,
            "zswap's compressor (used when it is enabled; kernels from 6.12 then fall back to their default silently)",
        )
    };
    out.push(finding(
        severity,
        "compressor-unavailable",
        format!("{what} '{c}' is not registered in /proc/crypto"),
        format!("zswapctl set compressor ALG with one of: {available}"),
    ));
}

fn check_pool_limit(s: &ZswapSample, enabled: bool, out: &mut Vec<Finding>) {
    let Some(pct) = s.params.as_ref().and_then(|p| p.max_pool_percent()) else {
        return;
    };
    let sev = if enabled {
        Severity::Warning
    } else {
        Severity::Info
    };
    if pct == 0 {
        out.push(finding(
            sev,
            "pool-limit-zero",
            "max_pool_percent is 0: zswap rejects every page".into(),
            "zswapctl set max_pool_percent 20 (the kernel default)".into(),
        ));
        return;
    }
    if pct > 50 {
        out.push(finding(
            sev,
            "pool-limit-high",
            format!(
                "max_pool_percent is {pct}: the compressed pool may take more than half of RAM, \
                 leaving too little for the working set"
            ),
            "zswapctl set max_pool_percent 20 (common values are 10 to 30)".into(),
        ));
        return;
    }
    if let Some(mi) = &s.meminfo {
        let page = s.page_bytes();
        let limit = mi.mem_total_bytes / page * u64::from(pct) / 100 * page;
        const MIN: u64 = 16 << 20;
        if limit < MIN {
            out.push(finding(
                sev,
                "pool-limit-tiny",
                format!(
                    "max_pool_percent {pct} of {} of RAM allows a pool of only {}",
                    crate::human_bytes(mi.mem_total_bytes),
                    crate::human_bytes(limit)
                ),
                "raise max_pool_percent so the pool can hold a useful number of pages".into(),
            ));
        }
    }
}

fn check_debugfs(s: &ZswapSample, out: &mut Vec<Finding>) {
    let Some(d) = &s.debugfs else { return };
    let fix = match d.status {
        DebugfsStatus::Available | DebugfsStatus::NoZswapDir => return,
        DebugfsStatus::NotMounted => "mount -t debugfs none /sys/kernel/debug",
        DebugfsStatus::PermissionDenied => "run zswapctl check as root",
    };
    out.push(finding(
        Severity::Info,
        "debugfs-unavailable",
        format!(
            "{}: reject and writeback counters cannot be checked",
            d.status.explain()
        ),
        fix.into(),
    ));
}

fn check_cgroups(s: &ZswapSample, enabled: bool, out: &mut Vec<Finding>) {
    let Some(cgs) = &s.cgroups else { return };
    let sev = if enabled {
        Severity::Warning
    } else {
        Severity::Info
    };
    // the file to write, below the cgroup2 mount this sample found
    let file = |cg: &crate::stats::cgroup::CgroupZswap, name: &str| {
        s.cgroup2.as_ref().map_or_else(
            || format!("<cgroup2 mount>{}/{name}", cg.path.trim_end_matches('/')),
            |m| {
                m.path
                    .join(cg.path.trim_start_matches('/'))
                    .join(name)
                    .display()
                    .to_string()
            },
        )
    };
    for cg in &cgs.cgroups {
        if cg.zswap_max == Some(Limit::Bytes(0)) {
            out.push(finding(
                sev,
                "cgroup-zswap-max-zero",
                format!(
                    "cgroup '{}' has memory.zswap.max 0: its pages never go to zswap",
                    cg.path
                ),
                format!("if unintended: echo max > {}", file(cg, "memory.zswap.max")),
            ));
        }
        if cg.zswap_writeback == Some(false) {
            out.push(finding(
                sev,
                "cgroup-writeback-off",
                format!(
                    "cgroup '{}' has memory.zswap.writeback 0: its pages stay in zswap and are \
                     rejected when the pool is full instead of being written to swap",
                    cg.path
                ),
                format!(
                    "if unintended: echo 1 > {}",
                    file(cg, "memory.zswap.writeback")
                ),
            ));
        }
    }
}

fn counter_advice(name: &str) -> &'static str {
    match name {
        "pool_limit_hit" => {
            "raise max_pool_percent, or enable shrinker_enabled so cold pages are written back \
             before the pool fills"
        }
        "reject_compress_poor" => {
            "pages compressed too poorly to keep (often already-compressed data); a stronger \
             compressor such as zstd rejects fewer"
        }
        "reject_compress_fail" => "the compressor returned errors: look at 'dmesg | grep zswap'",
        "reject_alloc_fail" => {
            "the pool allocator could not get memory: the system is under heavy memory pressure"
        }
        "reject_kmemcache_fail" => {
            "zswap could not allocate its entry metadata: the system is under heavy memory \
             pressure"
        }
        _ => {
            "the pool was full and writeback to swap failed: check free swap space and \
             memory.zswap.writeback"
        }
    }
}

fn check_counters(s: &ZswapSample, previous: Option<&CounterSnapshot>, out: &mut Vec<Finding>) {
    let now = counter_snapshot(s);
    if now.counters.is_empty() {
        return;
    }
    let Some(prev) = previous else {
        out.push(finding(
            Severity::Info,
            "first-look",
            "no earlier check to compare reject counters with".into(),
            "run zswapctl check again later to see whether rejects are rising".into(),
        ));
        return;
    };
    let reset = prev.release != now.release
        || now
            .counters
            .iter()
            .any(|(k, v)| prev.counters.get(k).is_some_and(|p| v < p));
    if reset {
        out.push(finding(
            Severity::Info,
            "counters-reset",
            "the counters went back since the last check (a reboot): nothing to compare".into(),
            "run zswapctl check again later".into(),
        ));
        return;
    }
    let secs = now.taken_at_ms.saturating_sub(prev.taken_at_ms) / 1000;
    for (name, v) in &now.counters {
        let Some(p) = prev.counters.get(name) else {
            continue;
        };
        if v > p {
            out.push(finding(
                Severity::Warning,
                "rejects-rising",
                format!("{name} rose by {} in the last {secs} s (now {v})", v - p),
                counter_advice(name).into(),
            ));
        }
    }
}

/// Findings about a configuration file applied at boot: settings this kernel does not have
/// (such as `zpool` on 6.18+), values it would refuse, syntax errors.
pub fn check_config(
    path: &str,
    text: &str,
    caps: &KernelCaps,
    modules: &dyn ModuleResolver,
) -> Vec<Finding> {
    let desired = match parse_config(text) {
        Ok(d) => d,
        Err(e) => {
            return vec![finding(
                Severity::Error,
                "config-invalid",
                format!("'{path}': {e}"),
                format!("fix '{path}'; 'zswapctl apply --dry-run -f {path}' shows the result"),
            )];
        }
    };
    match Plan::build(caps, &desired, modules) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .refusals
            .into_iter()
            .map(|(line, r)| {
                let at = line.map(|l| format!(" line {l}")).unwrap_or_default();
                let code = match r {
                    PlanRefusal::ZpoolRemoved { .. } | PlanRefusal::NotOnThisKernel { .. } => {
                        "config-removed-setting"
                    }
                    _ => "config-invalid",
                };
                finding(
                    Severity::Error,
                    code,
                    format!("'{path}'{at}: {r}"),
                    format!("edit '{path}'; the boot-time apply fails until then"),
                )
            })
            .collect(),
    }
}

/// Findings about `zswap.*` options on the kernel command line that this kernel does not
/// have (it ignores them).
pub fn check_cmdline(cmdline: &str, caps: &KernelCaps) -> Vec<Finding> {
    let mut out = Vec::new();
    for word in cmdline.split_whitespace() {
        let Some(rest) = word.strip_prefix("zswap.") else {
            continue;
        };
        let key = rest.split('=').next().unwrap_or(rest);
        let known = key.parse::<ParamName>().ok().filter(|n| n.as_str() == key);
        if known.is_some_and(|n| caps.has(n)) {
            continue;
        }
        let message = if key == "zpool" && caps.zpool_removed() {
            format!(
                "the kernel command line sets '{word}', but since Linux 6.18 zswap always uses \
                 zsmalloc and 'zpool' is gone"
            )
        } else {
            format!("the kernel command line sets '{word}', which this kernel does not have")
        };
        out.push(finding(
            Severity::Warning,
            "cmdline-removed-setting",
            message,
            "remove it from GRUB_CMDLINE_LINUX* (/etc/default/grub, /etc/default/grub.d/) and \
             run update-grub"
                .into(),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
