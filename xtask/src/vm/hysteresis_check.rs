//! Host side of the `hysteresis` scenario: runs the guest's synthetic workload through
//! `zswap_analyze::simulate` (the engine of `zswapctl simulate`) with the guest's RAM,
//! parameters and era, and compares the pool-limit hysteresis of kernel and model.
//!
//! # What the asynchronous shrink worker can and cannot do between two readings
//!
//! The guest reads the counters around every store of the workload (one eviction each). The
//! kernel's global shrink worker is a work item on its own workqueue; the model runs it
//! synchronously, right after the store that queued it (`sim/writeback.rs`). The kernel rules
//! this relies on (`crates/zswapctl/README-analyze.md`, "Against a real kernel"):
//!
//! * W1. It only takes away: it writes entries back and frees them, and never adds to the
//!   pool. Only a store adds, at most one allocation (a zspage chain of up to 8 pages).
//! * W2. 6.12+: it stops once the pool is at or below the accept threshold (or after 16
//!   failures), so it never takes the pool below the threshold by more than one allocation.
//!   6.1: one run frees one zbud page.
//! * W3. It is queued only by a refused store, and queueing it while it is pending does
//!   nothing: it runs at most once per refused store, possibly later than the store after it,
//!   or not at all between two readings. Nothing bounds how late, except the scheduler.
//! * W4. A store that finds the pool at the limit counts `pool_limit_hit` and is refused;
//!   while the limit was reached, every store is refused until one finds the pool at or
//!   below the threshold (6.1: under it).
//!
//! What follows, for each figure:
//!
//! * Exact, in every era: the stores, the operation of the first refused store and the pool
//!   then (nothing asynchronous has happened before the first hit).
//! * Exact in both runs: the peak pool lies between the limit and one allocation above it
//!   (W1, W4), and every episode ends with a store accepted that left the pool at most one
//!   allocation above the threshold (W1, W4). Every hit is a refused store and every episode
//!   starts with a hit (W4): episodes <= `pool_limit_hit` <= refused stores.
//! * 6.1, exact: after the first hit, a run frees one zbud page (W2), which never brings the
//!   pool under the threshold, so every later store is refused whenever the worker runs; the
//!   stores' outcomes, and with them every load, are those of the model: refused stores and
//!   episodes equal. Only `pool_limit_hit` may be higher in the kernel: a store that comes
//!   before the worker's run still finds the pool at the limit (W3), and each such hit is a
//!   refused store the model counts without a hit.
//! * 6.12+: how many stores pass before the worker has brought the pool down is a matter of
//!   scheduling (W3), so no bound on the kernel's `pool_limit_hit`, refused stores or
//!   written-back pages relative to the model's follows from the rules; the kernel's later
//!   episodes start from other pool contents (its extra refusals went to disk). The ranges in
//!   [`LIMITS`] for those are measured (`crates/zswapctl/README-analyze.md`), not derived,
//!   and say so in their failure messages.

use std::str::FromStr;

use zswap_analyze::{Episode, Pattern, SimResult, SimSettings, Workload, simulate};
use zswap_core::KernelEra;
use zswap_core::compress::Algorithm;

use super::Series;
use super::console::Report;

const PAGE: u64 = zswap_core::page::PAGE_SIZE as u64;
/// The largest allocation a store can add to the pool: a zsmalloc zspage chain (8 pages in
/// 6.12+, 4 in 6.1; a zbud page is one).
const ONE_ALLOCATION: u64 = 8 * PAGE;

/// One run's hysteresis figures, from the guest or from the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) pool_limit_hit: u64,
    pub(crate) written_back_pages: u64,
    pub(crate) stores: u64,
    pub(crate) refused: u64,
    pub(crate) peak_pool_bytes: u64,
    pub(crate) episodes: Vec<Episode>,
}

impl Run {
    fn from_model(r: &SimResult) -> Run {
        Run {
            pool_limit_hit: r.pool_limit_hit,
            written_back_pages: r.written_back_pages,
            stores: r.stores,
            refused: r.rejects,
            peak_pool_bytes: r.peak_pool_bytes,
            episodes: r.episodes.clone(),
        }
    }
}

fn nums(key: &str, t: &str) -> Result<Vec<u64>, String> {
    t.split_whitespace()
        .map(|w| {
            w.parse()
                .map_err(|_| format!("'{key}' holds '{w}', not a number"))
        })
        .collect()
}

/// What the guest's `zswap-workload --synthetic` and debugfs reported.
pub(crate) fn guest_run(r: &Report) -> Result<Run, String> {
    let not_out = r.num("h.not_paged_out")?;
    if not_out > 0 {
        return Err(format!(
            "{not_out} evictions were not paged out by MADV_PAGEOUT, so the guest's pages \
             diverged from the model's"
        ));
    }
    let mut episodes = Vec::new();
    for i in 0.. {
        let key = format!("h.e.{i}");
        let Some(t) = r.values.get(&key) else { break };
        let mut w = t.split_whitespace();
        let mut next = || {
            w.next()
                .ok_or(format!("'{key}' is '{t}', expected 4 fields"))
        };
        let f = nums(&key, &[next()?, next()?, next()?].join(" "))?;
        let accept = next()?;
        episodes.push(Episode {
            start_op: f[0],
            refused: f[1],
            pool_at_start: f[2],
            pool_after_accept: match accept {
                "-" => None,
                a => Some(nums(&key, a)?[0]),
            },
        });
    }
    Ok(Run {
        pool_limit_hit: r.num("d.pool_limit_hit")?,
        written_back_pages: r.num("d.written_back_pages")?,
        stores: r.num("h.stores")?,
        refused: r.num("h.refused")?,
        peak_pool_bytes: r.num("h.peak_pool_bytes")?,
        episodes,
    })
}

/// The workload and settings the guest ran, as `zswapctl simulate` takes them.
pub(crate) fn guest_setup(r: &Report, series: Series) -> Result<(Workload, SimSettings), String> {
    let w = r.text("workload")?;
    let f: Vec<&str> = w.split_whitespace().collect();
    let [ws, res, acc, pattern, seed, _every] = f[..] else {
        return Err(format!(
            "'workload' is '{w}', expected 'WS RESIDENT ACCESSES PATTERN SEED EVERY'"
        ));
    };
    let n = |s: &str| nums("workload", s).map(|v| v[0]);
    let workload = Workload {
        working_set_pages: n(ws)?,
        resident_pages: n(res)?,
        accesses: n(acc)?,
        pattern: Pattern::from_str(pattern)?,
        seed: n(seed)?,
    };
    let era = series.era();
    let zpool = r.text("zpool")?;
    let default_zpool = match era {
        KernelEra::V6_1 => "zbud",
        KernelEra::V6_12 => "zsmalloc",
        KernelEra::V6_18 => "",
    };
    if zpool != default_zpool {
        return Err(format!(
            "the guest's zpool is '{zpool}', but the model runs {era} with '{default_zpool}'"
        ));
    }
    let compressor = r.text("compressor")?;
    let settings = SimSettings {
        era,
        ram_pages: r.num("mem_total_kb")? / 4,
        compressor: Algorithm::from_str(compressor)
            .map_err(|e| format!("guest compressor '{compressor}': {e}"))?,
        max_pool_percent: r.num("max_pool_percent")? as u32,
        accept_threshold_percent: r.num("accept_threshold_percent")? as u32,
        shrinker_enabled: false,
    };
    Ok((workload, settings))
}

/// How far the kernel may be from the model after its first limit hit, where the worker's
/// timing decides (6.12+): measured ranges, not derived ones; see the module doc.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// `written_back_pages` within this share of the model's (per mille), plus 8 pages.
    pub(crate) written_back_per_mille: u64,
    /// `pool_limit_hit` from the model's minus a quarter (and one) to this many times the
    /// model's plus 4: the
    /// kernel's stores keep hitting the limit until its worker has freed a zspage.
    pub(crate) hit_factor: u64,
    /// Refused stores from half to this many times the model's, plus 8.
    pub(crate) refused_factor: u64,
    /// Episodes within this many of the model's.
    pub(crate) episodes: u64,
}

pub(crate) const LIMITS: Limits = Limits {
    written_back_per_mille: 50,
    hit_factor: 3,
    refused_factor: 3,
    episodes: 1,
};

/// Checks one run on its own: peak near the limit, every episode ended at the threshold.
fn check_rules(who: &str, run: &Run, s: &SimSettings, bad: &mut Vec<String>) {
    let max = s.ram_pages * u64::from(s.max_pool_percent) / 100;
    if run.peak_pool_bytes < max * PAGE || run.peak_pool_bytes > max * PAGE + ONE_ALLOCATION {
        bad.push(format!(
            "{who}: peak pool {} bytes is not between the limit {} and one allocation above",
            run.peak_pool_bytes,
            max * PAGE
        ));
    }
    for (i, e) in run.episodes.iter().enumerate() {
        let Some(at) = e.pool_after_accept else {
            continue;
        };
        let cur = at.div_ceil(PAGE);
        let (ok, rule, thr) = if s.era == KernelEra::V6_1 {
            let thr = s.ram_pages * u64::from(s.accept_threshold_percent) / 100
                * u64::from(s.max_pool_percent)
                / 100;
            (cur < thr + ONE_ALLOCATION / PAGE, "<", thr)
        } else {
            let thr = max * u64::from(s.accept_threshold_percent) / 100;
            (cur <= thr + ONE_ALLOCATION / PAGE, "<=", thr)
        };
        if !ok {
            bad.push(format!(
                "{who}: episode {i} (op {}) ended with a store accepted that left {cur} pool \
                 pages; the accept threshold needs {rule} {thr} before it, plus one allocation",
                e.start_op
            ));
        }
    }
}

fn within(bad: &mut Vec<String>, what: &str, kernel: u64, model: u64, lo: u64, hi: u64) {
    if kernel < lo || kernel > hi {
        bad.push(format!(
            "{what}: kernel {kernel}, model {model} (allowed {lo}..={hi}, a measured range)"
        ));
    }
}

/// Every episode starts with a hit and every hit is a refused store (W4 of the module doc).
fn check_counts(who: &str, run: &Run, bad: &mut Vec<String>) {
    let episodes = run.episodes.len() as u64;
    if !(episodes <= run.pool_limit_hit && run.pool_limit_hit <= run.refused) {
        bad.push(format!(
            "{who}: {episodes} episodes, {} pool_limit_hit, {} refused stores: each episode \
             starts with a hit and each hit is a refused store",
            run.pool_limit_hit, run.refused
        ));
    }
}

/// 6.1: what the module doc derives as exact, and the one figure that may only grow.
fn compare_6_1(kernel: &Run, model: &Run, bad: &mut Vec<String>) {
    let (ke, me) = (kernel.episodes.len(), model.episodes.len());
    if (kernel.refused, ke) != (model.refused, me) {
        bad.push(format!(
            "6.1: refused stores {} / {}, episodes {ke} / {me} (kernel / model): the worker's \
             timing changes no store's outcome there, so both must be equal",
            kernel.refused, model.refused
        ));
    }
    if kernel.pool_limit_hit < model.pool_limit_hit {
        bad.push(format!(
            "6.1: pool_limit_hit kernel {}, model {}: a late worker can only add hits",
            kernel.pool_limit_hit, model.pool_limit_hit
        ));
    }
}

/// Compares the kernel's run with the model's; empty if they agree.
pub(crate) fn compare(kernel: &Run, model: &Run, s: &SimSettings, l: &Limits) -> Vec<String> {
    let mut bad = Vec::new();
    check_rules("kernel", kernel, s, &mut bad);
    check_rules("model", model, s, &mut bad);
    check_counts("kernel", kernel, &mut bad);
    check_counts("model", model, &mut bad);
    if kernel.stores != model.stores {
        bad.push(format!(
            "stores: kernel {}, model {} (the same workload must store the same number)",
            kernel.stores, model.stores
        ));
    }
    match (kernel.episodes.first(), model.episodes.first()) {
        (Some(k), Some(m)) => {
            if (k.start_op, k.pool_at_start) != (m.start_op, m.pool_at_start) {
                bad.push(format!(
                    "first refusal: kernel at op {} with a {} byte pool, model at op {} \
                     with {} bytes (deterministic up to there: must be equal)",
                    k.start_op, k.pool_at_start, m.start_op, m.pool_at_start
                ));
            }
        }
        (None, None) => bad.push("neither kernel nor model hit the pool limit".into()),
        (k, m) => bad.push(format!(
            "the kernel hit the pool limit: {}, the model: {}",
            k.is_some(),
            m.is_some()
        )),
    }
    if s.era == KernelEra::V6_1 {
        compare_6_1(kernel, model, &mut bad);
        // written-back pages: one zbud page (up to two entries) per run, and the kernel may
        // run more often (extra hits): measured equal, held to the measured range below
    }
    let (kr, mr) = (kernel.episodes.len() as u64, model.episodes.len() as u64);
    within(
        &mut bad,
        "episodes",
        kr,
        mr,
        mr.saturating_sub(l.episodes),
        mr + l.episodes,
    );
    let m = model.written_back_pages;
    let d = m * l.written_back_per_mille / 1000 + 8;
    within(
        &mut bad,
        "written_back_pages",
        kernel.written_back_pages,
        m,
        m.saturating_sub(d),
        m + d,
    );
    let m = model.pool_limit_hit;
    within(
        &mut bad,
        "pool_limit_hit",
        kernel.pool_limit_hit,
        m,
        m.saturating_sub(m / 4 + 1),
        m * l.hit_factor + 4,
    );
    let m = model.refused;
    within(
        &mut bad,
        "refused stores",
        kernel.refused,
        m,
        m / 2,
        m * l.refused_factor + 8,
    );
    // Hysteresis proper: stores refused below the limit (refusals that did not count a hit).
    // 6.1's one-page shrink cannot bring the pool down, so every later store is one.
    let hyst = |r: &Run| r.refused.saturating_sub(r.pool_limit_hit);
    if (hyst(kernel) == 0) != (hyst(model) == 0) {
        bad.push(format!(
            "stores refused below the limit (hysteresis): kernel {}, model {}",
            hyst(kernel),
            hyst(model)
        ));
    }
    bad
}

/// One line per figure, kernel against model, for the log and the README.
pub(crate) fn table(kernel: &Run, model: &Run) -> String {
    let ep = |r: &Run| {
        r.episodes
            .iter()
            .map(|e| format!("{}x{}", e.start_op, e.refused))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "pool_limit_hit {} / {}; written_back_pages {} / {}; refused {} / {}; peak pool {} / {}; \
         episodes (op x refused) {} / {} (kernel / model)",
        kernel.pool_limit_hit,
        model.pool_limit_hit,
        kernel.written_back_pages,
        model.written_back_pages,
        kernel.refused,
        model.refused,
        kernel.peak_pool_bytes,
        model.peak_pool_bytes,
        ep(kernel),
        ep(model)
    )
}

/// `hysteresis`: the guest's run against `zswap_analyze::simulate` of the same workload.
pub(crate) fn check_hysteresis(r: &Report, series: Series) -> Result<(), String> {
    let (workload, settings) = guest_setup(r, series)?;
    let kernel = guest_run(r)?;
    let sim = simulate(&workload, &settings, u64::MAX).map_err(|e| e.to_string())?;
    let model = Run::from_model(&sim);
    super::log(&format!(
        "hysteresis on {series}: {}",
        table(&kernel, &model)
    ));
    let bad = compare(&kernel, &model, &settings, &LIMITS);
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "kernel and model hysteresis differ: {}",
            bad.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKLOAD: &str = "1200 300 1200 random 5 100";

    /// A report as a guest whose kernel behaves exactly like the model with `accept` would
    /// send it, claiming the guest ran with `claimed` as accept threshold.
    fn report(series: Series, accept: u32, claimed: u32) -> Report {
        let mut r = Report::default();
        let zpool = match series {
            Series::Bookworm => "zbud",
            Series::Trixie => "zsmalloc",
            Series::Sid => "",
        };
        for (k, v) in [
            ("workload", WORKLOAD),
            ("mem_total_kb", "65536"),
            ("compressor", "lzo"),
            ("zpool", zpool),
            ("max_pool_percent", "2"),
        ] {
            r.values.insert(k.into(), v.into());
        }
        r.values
            .insert("accept_threshold_percent".into(), accept.to_string());
        let (w, s) = guest_setup(&r, series).unwrap();
        let m = simulate(&w, &s, u64::MAX).unwrap();
        r.values
            .insert("accept_threshold_percent".into(), claimed.to_string());
        for (i, e) in m.episodes.iter().enumerate() {
            let accept = e.pool_after_accept.map_or("-".into(), |a| a.to_string());
            r.values.insert(
                format!("h.e.{i}"),
                format!("{} {} {} {accept}", e.start_op, e.refused, e.pool_at_start),
            );
        }
        for (k, v) in [
            ("h.stores", m.stores),
            ("h.refused", m.rejects),
            ("h.not_paged_out", 0),
            ("h.peak_pool_bytes", m.peak_pool_bytes),
            ("d.pool_limit_hit", m.pool_limit_hit),
            ("d.written_back_pages", m.written_back_pages),
        ] {
            r.values.insert(k.into(), v.to_string());
        }
        r
    }

    fn set(r: &mut Report, key: &str, v: &str) {
        r.values.insert(key.into(), v.into());
    }

    #[test]
    fn a_kernel_like_the_model_passes_in_every_era() {
        for series in Series::ALL {
            let r = report(series, 50, 50);
            // 6.1's one-page shrink leaves the pool stuck above the threshold: one episode
            let last = if series == Series::Bookworm {
                "h.e.0"
            } else {
                "h.e.1"
            };
            assert!(r.values.contains_key(last), "{series}: {last}");
            assert_eq!(check_hysteresis(&r, series), Ok(()), "{series}");
        }
    }

    #[test]
    fn another_accept_threshold_fails() {
        // the kernel behaved like the model with 90 %, the guest claims 50 %
        let e = check_hysteresis(&report(Series::Trixie, 90, 50), Series::Trixie).unwrap_err();
        assert!(e.contains("accept threshold needs <="), "{e}");
    }

    #[test]
    fn no_hysteresis_fails() {
        // accept_threshold_percent 100: no stores refused below the limit
        let e = check_hysteresis(&report(Series::Sid, 100, 50), Series::Sid).unwrap_err();
        assert!(e.contains("differ"), "{e}");
    }

    #[test]
    fn a_different_first_refusal_fails() {
        let mut r = report(Series::Trixie, 50, 50);
        let e0 = r.values["h.e.0"].clone();
        let f: Vec<&str> = e0.split(' ').collect();
        let moved = format!(
            "{} {} {} {}",
            f[0].parse::<u64>().unwrap() + 1,
            f[1],
            f[2],
            f[3]
        );
        set(&mut r, "h.e.0", &moved);
        let e = check_hysteresis(&r, Series::Trixie).unwrap_err();
        assert!(e.contains("first refusal"), "{e}");
    }

    #[test]
    fn counters_outside_the_limits_fail() {
        let mut r = report(Series::Trixie, 50, 50);
        let wb: u64 = r.values["d.written_back_pages"].parse().unwrap();
        set(&mut r, "d.written_back_pages", &(wb + wb / 20).to_string());
        assert_eq!(
            check_hysteresis(&r, Series::Trixie),
            Ok(()),
            "within 5 % + 8"
        );
        set(
            &mut r,
            "d.written_back_pages",
            &(wb + wb / 10 + 9).to_string(),
        );
        let e = check_hysteresis(&r, Series::Trixie).unwrap_err();
        assert!(e.contains("written_back_pages"), "{e}");
        let mut r = report(Series::Trixie, 50, 50);
        let hits: u64 = r.values["d.pool_limit_hit"].parse().unwrap();
        set(&mut r, "d.pool_limit_hit", &(hits * 3 + 5).to_string());
        let e = check_hysteresis(&r, Series::Trixie).unwrap_err();
        assert!(e.contains("pool_limit_hit"), "{e}");
    }

    #[test]
    fn on_6_1_refusals_and_episodes_are_exact() {
        let mut r = report(Series::Bookworm, 50, 50);
        let refused: u64 = r.values["h.refused"].parse().unwrap();
        set(&mut r, "h.refused", &(refused + 1).to_string());
        let e = check_hysteresis(&r, Series::Bookworm).unwrap_err();
        assert!(e.contains("6.1: refused stores"), "{e}");
        // a late worker may add hits, never take them away
        let mut r = report(Series::Bookworm, 50, 50);
        let hits: u64 = r.values["d.pool_limit_hit"].parse().unwrap();
        set(&mut r, "d.pool_limit_hit", &(hits + 3).to_string());
        assert_eq!(check_hysteresis(&r, Series::Bookworm), Ok(()));
        set(&mut r, "d.pool_limit_hit", &(hits - 1).to_string());
        let e = check_hysteresis(&r, Series::Bookworm).unwrap_err();
        assert!(e.contains("can only add hits"), "{e}");
    }

    #[test]
    fn more_hits_than_refusals_fail() {
        let mut r = report(Series::Trixie, 50, 50);
        let refused: u64 = r.values["h.refused"].parse().unwrap();
        set(&mut r, "d.pool_limit_hit", &(refused + 1).to_string());
        let e = check_hysteresis(&r, Series::Trixie).unwrap_err();
        assert!(e.contains("each hit is a refused store"), "{e}");
    }

    #[test]
    fn a_pool_past_the_limit_fails() {
        let mut r = report(Series::Sid, 50, 50);
        set(
            &mut r,
            "h.peak_pool_bytes",
            &((65536 / 4 * 2 / 100 + 9) * PAGE).to_string(),
        );
        let e = check_hysteresis(&r, Series::Sid).unwrap_err();
        assert!(e.contains("peak pool"), "{e}");
    }

    #[test]
    fn pages_not_paged_out_fail() {
        let mut r = report(Series::Bookworm, 50, 50);
        set(&mut r, "h.not_paged_out", "3");
        let e = check_hysteresis(&r, Series::Bookworm).unwrap_err();
        assert!(e.contains("MADV_PAGEOUT"), "{e}");
    }

    #[test]
    fn another_zpool_is_refused() {
        let mut r = report(Series::Bookworm, 50, 50);
        set(&mut r, "zpool", "zsmalloc");
        let e = check_hysteresis(&r, Series::Bookworm).unwrap_err();
        assert!(e.contains("zpool"), "{e}");
    }
}
