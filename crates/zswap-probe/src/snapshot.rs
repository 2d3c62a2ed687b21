//! What the probe has counted so far: latency histograms by outcome, the compressed-size
//! histogram and per-cgroup totals, summed over CPUs.

use std::collections::BTreeMap;

use zswap_core::trace::{Op, OpOutcome};
use zswap_probe_common::{LATENCY_BUCKETS, SIZE_BUCKETS, counter, op, outcome};

/// Decodes a [`zswap_probe_common::op`] code.
pub(crate) fn op_from_code(code: u8) -> Option<Op> {
    Some(match code {
        op::STORE => Op::Store,
        op::LOAD => Op::Load,
        op::INVALIDATE => Op::Invalidate,
        op::WRITEBACK => Op::Writeback,
        _ => return None,
    })
}

/// Decodes a [`zswap_probe_common::outcome`] code.
pub(crate) fn outcome_from_code(code: u8) -> Option<OpOutcome> {
    OpOutcome::ALL.get(usize::from(code)).copied()
}

/// The [`zswap_probe_common::outcome`] code of `o`.
fn outcome_code(o: OpOutcome) -> u8 {
    match o {
        OpOutcome::Ok => outcome::OK,
        OpOutcome::Rejected => outcome::REJECTED,
        OpOutcome::NotFound => outcome::NOT_FOUND,
        OpOutcome::IoError => outcome::IO_ERROR,
        OpOutcome::Invalid => outcome::INVALID,
        OpOutcome::NoMemory => outcome::NO_MEMORY,
        OpOutcome::NoSpace => outcome::NO_SPACE,
        OpOutcome::Disabled => outcome::DISABLED,
        OpOutcome::OtherError => outcome::OTHER_ERROR,
    }
}

/// A log2 latency histogram: `buckets[b]` counts latencies in `[2^(b-1), 2^b)` ns
/// (`buckets[0]`: 0 ns).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LatencyHistogram {
    /// The outcome these calls had.
    pub outcome: OpOutcome,
    /// Counts per bucket, [`LATENCY_BUCKETS`] long.
    pub buckets: Vec<u64>,
}

impl LatencyHistogram {
    /// Number of calls counted.
    pub fn total(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// Lower bound in ns of bucket `b`.
    pub fn bucket_low_ns(b: usize) -> u64 {
        if b == 0 { 0 } else { 1u64 << (b - 1).min(63) }
    }

    /// The exclusive upper bound in ns of bucket `b` (`u64::MAX` past the last one).
    pub fn bucket_high_ns(b: usize) -> u64 {
        1u64.checked_shl(u32::try_from(b).unwrap_or(u32::MAX))
            .unwrap_or(u64::MAX)
    }

    /// The upper bound in ns of the bucket holding quantile `q` (0..=1), or `None` if
    /// nothing was counted.
    pub fn quantile_ns(&self, q: f64) -> Option<u64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let want = ((total as f64) * q.clamp(0.0, 1.0)).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (b, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= want {
                return Some(Self::bucket_high_ns(b));
            }
        }
        Some(Self::bucket_high_ns(self.buckets.len().saturating_sub(1)))
    }
}

/// Totals of one cgroup; see [`zswap_probe_common::CgroupCounters`] for attribution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CgroupTotals {
    /// Successful stores, in pages.
    pub store_ok_pages: u64,
    /// Failed stores.
    pub store_fail: u64,
    /// Compressed bytes of successful stores.
    pub stored_bytes: u64,
    /// Successful loads.
    pub load_ok: u64,
    /// Failed loads.
    pub load_fail: u64,
}

/// Global counters; see [`zswap_probe_common::counter`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    /// Successful store calls.
    pub store_ok: u64,
    /// Failed store calls.
    pub store_fail: u64,
    /// Pages stored by successful stores.
    pub store_ok_pages: u64,
    /// Successful loads.
    pub load_ok: u64,
    /// Failed loads.
    pub load_fail: u64,
    /// Invalidations.
    pub invalidate: u64,
    /// Successful writebacks.
    pub writeback_ok: u64,
    /// Failed writebacks.
    pub writeback_fail: u64,
    /// Compressed bytes charged to cgroups.
    pub charged_bytes: u64,
    /// Objects charged with 0 bytes (6.1 same-filled pages).
    pub same_filled: u64,
    /// Events lost to a full ring buffer.
    pub events_dropped: u64,
    /// Operations not attributed because the cgroup map was full.
    pub cgroup_overflow: u64,
    /// Exits without a matching entry.
    pub unmatched_exit: u64,
}

/// Everything the probe counted since it was loaded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProbeSnapshot {
    /// Store latency histograms, one per outcome seen.
    pub store_latency: Vec<LatencyHistogram>,
    /// Load latency histograms, one per outcome seen.
    pub load_latency: Vec<LatencyHistogram>,
    /// Compressed objects per zsmalloc size-class index (before merging), [`SIZE_BUCKETS`]
    /// long; see [`zswap_probe_common::size_bucket`].
    pub size_buckets: Vec<u64>,
    /// Global counters.
    pub counters: Counters,
    /// Per-cgroup totals by cgroup id.
    pub cgroups: BTreeMap<u64, CgroupTotals>,
}

fn histograms(raw: &[u64]) -> Vec<LatencyHistogram> {
    let n = LATENCY_BUCKETS as usize;
    OpOutcome::ALL
        .iter()
        .filter_map(|&o| {
            let start = usize::from(outcome_code(o)) * n;
            let buckets = raw.get(start..start + n)?.to_vec();
            buckets.iter().any(|&c| c > 0).then_some(LatencyHistogram {
                outcome: o,
                buckets,
            })
        })
        .collect()
}

impl ProbeSnapshot {
    /// Builds a snapshot from the maps' contents (already summed over CPUs).
    pub fn from_raw(
        store: &[u64],
        load: &[u64],
        sizes: &[u64],
        counters: &[u64],
        cgroups: BTreeMap<u64, CgroupTotals>,
    ) -> ProbeSnapshot {
        let c = |i: u32| counters.get(i as usize).copied().unwrap_or(0);
        let mut size_buckets = sizes.to_vec();
        size_buckets.resize(SIZE_BUCKETS as usize, 0);
        ProbeSnapshot {
            store_latency: histograms(store),
            load_latency: histograms(load),
            size_buckets,
            counters: Counters {
                store_ok: c(counter::STORE_OK),
                store_fail: c(counter::STORE_FAIL),
                store_ok_pages: c(counter::STORE_OK_PAGES),
                load_ok: c(counter::LOAD_OK),
                load_fail: c(counter::LOAD_FAIL),
                invalidate: c(counter::INVALIDATE),
                writeback_ok: c(counter::WRITEBACK_OK),
                writeback_fail: c(counter::WRITEBACK_FAIL),
                charged_bytes: c(counter::CHARGED_BYTES),
                same_filled: c(counter::SAME_FILLED),
                events_dropped: c(counter::EVENTS_DROPPED),
                cgroup_overflow: c(counter::CGROUP_OVERFLOW),
                unmatched_exit: c(counter::UNMATCHED_EXIT),
            },
            cgroups,
        }
    }

    /// The store histogram of `outcome`, if any call had it.
    pub fn store_histogram(&self, outcome: OpOutcome) -> Option<&LatencyHistogram> {
        self.store_latency.iter().find(|h| h.outcome == outcome)
    }

    /// The load histogram of `outcome`, if any call had it.
    pub fn load_histogram(&self, outcome: OpOutcome) -> Option<&LatencyHistogram> {
        self.load_latency.iter().find(|h| h.outcome == outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_probe_common::LATENCY_SLOTS;

    #[test]
    fn only_outcomes_with_counts_get_histograms() {
        let mut store = vec![0; LATENCY_SLOTS as usize];
        store[LATENCY_BUCKETS as usize * usize::from(outcome::REJECTED) + 12] = 3;
        let s = ProbeSnapshot::from_raw(&store, &[], &[], &[], BTreeMap::new());
        assert_eq!(s.store_latency.len(), 1);
        assert_eq!(s.store_latency[0].outcome, OpOutcome::Rejected);
        assert_eq!(s.store_latency[0].total(), 3);
        assert!(s.load_latency.is_empty());
    }

    #[test]
    fn counters_are_read_by_index() {
        let mut raw = vec![0; counter::COUNT as usize];
        raw[counter::STORE_OK_PAGES as usize] = 7;
        raw[counter::LOAD_FAIL as usize] = 2;
        let s = ProbeSnapshot::from_raw(&[], &[], &[], &raw, BTreeMap::new());
        assert_eq!(s.counters.store_ok_pages, 7);
        assert_eq!(s.counters.load_fail, 2);
        assert_eq!(s.size_buckets.len(), SIZE_BUCKETS as usize);
    }

    #[test]
    fn outcome_codes_round_trip() {
        for o in OpOutcome::ALL {
            assert_eq!(outcome_from_code(outcome_code(o)), Some(o));
        }
        assert_eq!(outcome_from_code(200), None);
    }

    #[test]
    fn bucket_bounds() {
        assert_eq!(LatencyHistogram::bucket_low_ns(0), 0);
        assert_eq!(LatencyHistogram::bucket_low_ns(1), 1);
        assert_eq!(LatencyHistogram::bucket_low_ns(11), 1024);
        assert_eq!(LatencyHistogram::bucket_high_ns(0), 1);
        assert_eq!(LatencyHistogram::bucket_high_ns(10), 1024);
        assert_eq!(LatencyHistogram::bucket_high_ns(64), u64::MAX);
    }

    fn hist(buckets: &[u64]) -> LatencyHistogram {
        LatencyHistogram {
            outcome: OpOutcome::Ok,
            buckets: buckets.to_vec(),
        }
    }

    #[test]
    fn quantiles_are_bucket_upper_bounds() {
        // 10 calls in [512, 1024) ns, 89 in [1024, 2048), 1 in [8192, 16384)
        let mut b = vec![0; 16];
        b[10] = 10;
        b[11] = 89;
        b[14] = 1;
        let h = hist(&b);
        assert_eq!(h.total(), 100);
        assert_eq!(h.quantile_ns(0.05), Some(1024));
        assert_eq!(h.quantile_ns(0.5), Some(2048));
        assert_eq!(h.quantile_ns(1.0), Some(16384));
    }

    #[test]
    fn empty_histogram_has_no_quantile() {
        assert_eq!(hist(&[0, 0, 0]).quantile_ns(0.5), None);
    }
}
