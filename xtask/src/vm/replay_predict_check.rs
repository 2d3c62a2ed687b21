//! Host side of the `replay-predict` scenario: the model's replay at a tight pool limit of a
//! trace recorded at a generous one, beside the kernel's own run of the same workload at the
//! tight limit.
//!
//! What the model can predict follows from how the kernel writes back at the global limit
//! (docs/kernel-notes.md §3.2, §3.9, and docs/verification.md "Predictive replay"). A store
//! that finds the pool full only queues the shrink work; the work runs later on a kworker (the
//! guest has one CPU, so only when the scheduler switches to it), and queueing work that is
//! still pending does nothing. The model runs the worker to completion right after every store
//! that queued it: the earliest and most often the kernel's worker could run. The trace holds
//! no schedule of the kernel's worker, so the replay cannot say when it ran; it bounds instead:
//!
//! - `pool_limit_hit` and refused stores: the model drains the pool at the earliest moment, so
//!   its pool is never fuller than the kernel's and it hits the limit and refuses no more
//!   often: `0 < model <= kernel` (the kernel hit the limit, so the model must too).
//! - written-back pages, 6.12+: each worker run walks the LRU with second chance (an entry
//!   stored since the last pass is only un-referenced and rotated, and 16 such failures end the
//!   run), so fewer runs write back fewer pages: `kernel <= model`.
//! - written-back pages, 6.1 (zbud): one queued shrink per limit hit, one shrink evicts at most
//!   the two buddies of each of `ZBUD_RECLAIM_RETRIES` (8) pages: each side at most 16 per own
//!   hit. The kernel's pool is not fuller in the model, so no ordering is claimed.
//! - peak pool: the limit is checked before the allocation, so one store can overshoot it by
//!   one zspage (zbud: one page): both peaks at most `max_pool_pages` plus the era's largest
//!   zspage; the kernel's is a reading every 0.1 s, so it is not above the model's by more
//!   than that either.

use super::Series;
use super::console::Report;
use zswap_core::KernelEra;
use zswap_core::page::PAGE_SIZE;

/// The figures compared, as (label, kernel key, model key).
const FIGURES: [(&str, &str, &str); 4] = [
    ("pool_limit_hit", "k.pool_limit_hit", "m.pool_limit_hit"),
    ("refused stores", "k.refused", "m.rejects"),
    (
        "written-back pages",
        "k.written_back_pages",
        "m.written_back_pages",
    ),
    ("peak pool bytes", "k.peak_pool_bytes", "m.peak_pool_bytes"),
];

/// zbud's `zbud_reclaim_page` tries this many pages per shrink, two buddies each (6.1).
const ZBUD_PAGES_PER_SHRINK: u64 = 8;

/// One line per figure: kernel, model and model/kernel.
pub(crate) fn table(r: &Report) -> Result<String, String> {
    let mut lines = Vec::new();
    for (label, k, m) in FIGURES {
        let (k, m) = (r.num(k)?, r.num(m)?);
        let ratio = if k == 0 {
            "-".to_string()
        } else {
            format!("{:.2}", m as f64 / k as f64)
        };
        lines.push(format!("{label} {k} / {m} (model/kernel {ratio})"));
    }
    Ok(lines.join("; "))
}

/// The bounds of the module doc that `r` breaks, one sentence each.
fn broken_bounds(r: &Report, era: KernelEra) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let (k_hit, m_hit) = (r.num("k.pool_limit_hit")?, r.num("m.pool_limit_hit")?);
    if k_hit == 0 {
        out.push("the kernel never hit the tight limit, so nothing was predicted".into());
    }
    if m_hit == 0 || m_hit > k_hit {
        out.push(format!(
            "pool_limit_hit: model {m_hit} is not within 1..={k_hit} (the kernel's)"
        ));
    }
    let (k_ref, m_ref) = (r.num("k.refused")?, r.num("m.rejects")?);
    if m_ref > k_ref {
        out.push(format!(
            "refused stores: model {m_ref} above the kernel's {k_ref}"
        ));
    }
    let (k_wb, m_wb) = (
        r.num("k.written_back_pages")?,
        r.num("m.written_back_pages")?,
    );
    if era == KernelEra::V6_1 {
        for (side, wb, hit) in [("kernel", k_wb, k_hit), ("model", m_wb, m_hit)] {
            if wb > 2 * ZBUD_PAGES_PER_SHRINK * hit {
                out.push(format!(
                    "written-back pages: {side} {wb} above 16 per limit hit ({hit} hits)"
                ));
            }
        }
    } else if k_wb > m_wb {
        out.push(format!(
            "written-back pages: kernel {k_wb} above the model's {m_wb}"
        ));
    }
    let page = PAGE_SIZE as u64;
    let overshoot = u64::from(era.zsmalloc_max_pages_per_zspage()) * page;
    let ceiling = r.num("m.max_pool_pages")? * page + overshoot;
    let (k_peak, m_peak) = (r.num("k.peak_pool_bytes")?, r.num("m.peak_pool_bytes")?);
    for (side, peak) in [("kernel", k_peak), ("model", m_peak)] {
        if peak > ceiling {
            out.push(format!(
                "peak pool: {side} {peak} bytes above the limit plus one zspage ({ceiling})"
            ));
        }
    }
    if k_peak > m_peak + overshoot {
        out.push(format!(
            "peak pool: kernel {k_peak} bytes above the model's {m_peak} by more than one \
             zspage ({overshoot})"
        ));
    }
    Ok(out)
}

/// `replay-predict`: prints the comparison and fails on a broken bound of the module doc.
pub(crate) fn check_replay_predict(r: &Report, series: Series) -> Result<(), String> {
    let t = table(r)?;
    super::log(&format!(
        "replay-predict on {series} (kernel / model): {t}; sizes estimated for {} refused \
         stores, {} kept refused",
        r.num("m.estimated_sizes")?,
        r.num("m.kept_refused")?
    ));
    let broken = broken_bounds(r, series.era())?;
    if broken.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {t}", broken.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(pairs: &[(&str, u64)]) -> Report {
        let mut r = Report::default();
        for (k, v) in pairs {
            r.values.insert((*k).into(), v.to_string());
        }
        r
    }

    /// The 7.2 run of docs/verification.md's table, with the model's limit.
    const BOTH: [(&str, u64); 11] = [
        ("k.pool_limit_hit", 1679),
        ("m.pool_limit_hit", 183),
        ("k.refused", 4610),
        ("m.rejects", 1098),
        ("k.written_back_pages", 1844),
        ("m.written_back_pages", 14315),
        ("k.peak_pool_bytes", 4808704),
        ("m.peak_pool_bytes", 4820992),
        ("m.max_pool_pages", 1172),
        ("m.estimated_sizes", 0),
        ("m.kept_refused", 0),
    ];

    fn with(key: &str, v: u64) -> Report {
        let mut r = report(&BOTH);
        r.values.insert(key.into(), v.to_string());
        r
    }

    #[test]
    fn the_table_shows_both_sides_and_the_ratio() {
        let t = table(&report(&BOTH)).unwrap();
        assert!(
            t.starts_with("pool_limit_hit 1679 / 183 (model/kernel 0.11)"),
            "{t}"
        );
        assert_eq!(check_replay_predict(&report(&BOTH), Series::Sid), Ok(()));
        assert_eq!(check_replay_predict(&report(&BOTH), Series::Trixie), Ok(()));
    }

    #[test]
    fn a_missing_figure_fails() {
        let e = check_replay_predict(&report(&BOTH[1..]), Series::Sid).unwrap_err();
        assert!(e.contains("k.pool_limit_hit"), "{e}");
    }

    #[test]
    fn each_bound_fails_alone() {
        for (key, v, want) in [
            ("m.pool_limit_hit", 0, "pool_limit_hit: model 0"),
            ("m.pool_limit_hit", 1680, "pool_limit_hit: model 1680"),
            ("k.pool_limit_hit", 0, "never hit"),
            ("m.rejects", 4611, "refused stores: model 4611"),
            ("k.written_back_pages", 14316, "kernel 14316 above"),
            (
                "k.peak_pool_bytes",
                4833281,
                "kernel 4833281 bytes above the limit",
            ),
            (
                "m.peak_pool_bytes",
                4833281,
                "model 4833281 bytes above the limit",
            ),
        ] {
            let e = check_replay_predict(&with(key, v), Series::Sid).unwrap_err();
            assert!(e.contains(want), "{key}={v}: {e}");
        }
        // at the ceiling (1172 + 8 pages) both pass
        assert_eq!(
            check_replay_predict(&with("k.peak_pool_bytes", 4_833_280), Series::Sid),
            Ok(())
        );
    }

    #[test]
    fn a_kernel_peak_far_above_the_models_fails() {
        let mut r = with("m.peak_pool_bytes", 4_000_000);
        r.values
            .insert("k.peak_pool_bytes".into(), "4040000".into());
        let e = check_replay_predict(&r, Series::Sid).unwrap_err();
        assert!(e.contains("by more than one zspage"), "{e}");
    }

    #[test]
    fn zbud_writeback_is_bounded_per_hit_on_6_1() {
        // the 6.1 run: 3 / 2 hits, 5 / 4 written back (no ordering on 6.1), its peaks
        let r = |k_wb: u64, m_wb: u64| {
            let mut r = report(&BOTH);
            for (k, v) in [
                ("k.pool_limit_hit", 3),
                ("m.pool_limit_hit", 2),
                ("k.written_back_pages", k_wb),
                ("m.written_back_pages", m_wb),
                ("k.peak_pool_bytes", 4771840),
                ("m.peak_pool_bytes", 4775936),
                ("m.max_pool_pages", 1165),
            ] {
                r.values.insert(k.into(), v.to_string());
            }
            r
        };
        assert_eq!(check_replay_predict(&r(5, 4), Series::Bookworm), Ok(()));
        let e = check_replay_predict(&r(49, 4), Series::Bookworm).unwrap_err();
        assert!(e.contains("kernel 49 above 16 per limit hit"), "{e}");
        let e = check_replay_predict(&r(5, 33), Series::Bookworm).unwrap_err();
        assert!(e.contains("model 33 above 16 per limit hit"), "{e}");
        // the same figures on 6.12+ break the ordering
        let e = check_replay_predict(&r(5, 4), Series::Trixie).unwrap_err();
        assert!(e.contains("kernel 5 above the model's 4"), "{e}");
    }
}
