//! `--collector.ebpf`: what `crates/zswap-probe` measures in the kernel (latency histograms of
//! zswap stores and loads by outcome, compressed sizes, operation counts), read from its maps
//! at scrape time. The probe is loaded once at start (root, and a kernel that allows BPF
//! tracing of zswap); if it cannot be, the collector reports failure with the reason on every
//! scrape and the other collectors carry on. Off by default: it attaches programs to the
//! kernel's swap path.

mod cgroups;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use zswap_core::SysRoot;
use zswap_core::stats::cgroup::CgroupFilter;
use zswap_probe::{LatencyHistogram, Probe, ProbeOptions, ProbeSnapshot};

use crate::families::{Families, Family, Hist, Kind, Labels, Value};

pub(crate) use cgroups::CgroupLabels;
use cgroups::CgroupPathCache;

/// Where snapshots come from.
#[derive(Debug)]
enum Maps {
    /// The loaded probe.
    Probe(Box<Probe>),
    /// Why the probe could not be loaded.
    Failed(String),
    /// A fixed snapshot, for tests of the collector.
    #[cfg(test)]
    Fixed(ProbeSnapshot),
}

/// The probe, or why it could not be loaded, and the cgroup paths of its ids. The mutexes
/// serialise map reads and cache updates of concurrent scrapes.
#[derive(Debug, Clone)]
pub(crate) struct EbpfSource {
    maps: Arc<Mutex<Maps>>,
    paths: Arc<Mutex<CgroupPathCache>>,
}

impl EbpfSource {
    fn new(maps: Maps) -> EbpfSource {
        EbpfSource {
            maps: Arc::new(Mutex::new(maps)),
            paths: Arc::default(),
        }
    }

    /// Loads and attaches the probe.
    pub(crate) fn load(root: &SysRoot) -> EbpfSource {
        let opts = ProbeOptions {
            sysroot: root.clone(),
            ..ProbeOptions::default()
        };
        EbpfSource::new(match Probe::load(&opts) {
            Ok(p) => Maps::Probe(Box::new(p)),
            Err(e) => Maps::Failed(e.to_string()),
        })
    }

    /// A source that failed to load, for tests.
    #[cfg(test)]
    pub(crate) fn failed(why: &str) -> EbpfSource {
        EbpfSource::new(Maps::Failed(why.to_owned()))
    }

    /// A source that always reads `snap`, for tests.
    #[cfg(test)]
    pub(crate) fn fixed(snap: ProbeSnapshot) -> EbpfSource {
        EbpfSource::new(Maps::Fixed(snap))
    }

    /// Why the probe is not loaded, if it is not.
    pub(crate) fn load_error(&self) -> Option<String> {
        match self.maps.lock() {
            Ok(g) => match &*g {
                Maps::Failed(why) => Some(why.clone()),
                _ => None,
            },
            Err(_) => Some("the probe's lock is poisoned".to_owned()),
        }
    }

    /// Reads the probe's maps.
    pub(crate) fn snapshot(&self) -> Result<ProbeSnapshot, String> {
        let g = self
            .maps
            .lock()
            .map_err(|_| "the probe's lock is poisoned".to_owned())?;
        match &*g {
            Maps::Probe(p) => p.snapshot().map_err(|e| e.to_string()),
            Maps::Failed(why) => Err(why.clone()),
            #[cfg(test)]
            Maps::Fixed(snap) => Ok(snap.clone()),
        }
    }

    /// The cgroup paths of the ids in `snap` (see [`cgroups`]).
    pub(crate) fn cgroup_labels(
        &self,
        root: &SysRoot,
        snap: &ProbeSnapshot,
        filter: &CgroupFilter,
    ) -> Result<CgroupLabels, String> {
        let ids: BTreeSet<u64> = snap.cgroups.keys().copied().collect();
        self.paths
            .lock()
            .map_err(|_| "the cgroup path cache's lock is poisoned".to_owned())?
            .resolve(root, &ids, filter)
    }
}

/// Latency buckets exported: upper bounds 2^6 ns (64 ns) to 2^34 ns (17 s), the probe's
/// log2 buckets below 64 ns folded into the first, those above 17 s into `+Inf`.
const LAT_LOW: usize = 6;
const LAT_HIGH: usize = 34;

/// The probe's log2 buckets (bucket 0 is 0 ns, bucket b ≥ 1 is [2^(b-1), 2^b) ns) as a
/// histogram in seconds. The probe keeps no sum: `_sum` is estimated from the buckets'
/// midpoints.
pub(crate) fn latency_hist(buckets: &[u64]) -> Hist {
    let count: u64 = buckets.iter().sum();
    let mut out = Vec::with_capacity(LAT_HIGH - LAT_LOW + 1);
    let low: u64 = buckets.iter().take(LAT_LOW + 1).sum();
    out.push((2f64.powi(LAT_LOW as i32) / 1e9, low));
    for b in LAT_LOW + 1..=LAT_HIGH {
        out.push((
            2f64.powi(b as i32) / 1e9,
            buckets.get(b).copied().unwrap_or(0),
        ));
    }
    // explicit: the OpenMetrics encoder writes only the buckets it is given
    let above: u64 = buckets.iter().skip(LAT_HIGH + 1).sum();
    out.push((f64::INFINITY, above));
    let sum_ns: f64 = buckets
        .iter()
        .enumerate()
        .skip(1)
        .map(|(b, &c)| c as f64 * 1.5 * 2f64.powi(b as i32 - 1))
        .sum();
    Hist {
        sum: sum_ns / 1e9,
        count,
        buckets: out,
    }
}

/// Upper bounds (bytes of compressed data) of the size histogram.
const SIZE_BOUNDS: [u64; 11] = [64, 128, 256, 512, 1024, 1536, 2048, 2560, 3072, 3584, 4088];

/// The probe's size buckets (bucket i holds compressed lengths up to 24 + 16 i bytes, the
/// last one everything larger) folded into [`SIZE_BOUNDS`]. `_sum` is estimated from each
/// bucket's midpoint.
pub(crate) fn size_hist(buckets: &[u64]) -> Hist {
    let count: u64 = buckets.iter().sum();
    let mut out: Vec<(f64, u64)> = SIZE_BOUNDS.iter().map(|b| (*b as f64, 0)).collect();
    let last = buckets.len().saturating_sub(1);
    let mut sum = 0.0;
    for (i, &c) in buckets.iter().enumerate() {
        let upper = 24 + 16 * i as u64;
        sum += c as f64 * upper.saturating_sub(8) as f64;
        if i == last {
            continue; // open-ended: only in +Inf
        }
        if let Some(slot) = out.iter_mut().find(|(b, _)| upper as f64 <= *b) {
            slot.1 += c;
        }
    }
    out.push((f64::INFINITY, buckets.get(last).copied().unwrap_or(0)));
    Hist {
        sum,
        count,
        buckets: out,
    }
}

/// The ebpf collector's families; the per-cgroup ones only with `labels`.
pub(crate) fn families(out: &mut Families, snap: &ProbeSnapshot, labels: Option<&CgroupLabels>) {
    let lat = |hs: &[LatencyHistogram]| -> Vec<(Labels, Value)> {
        hs.iter()
            .map(|h| {
                (
                    vec![("outcome", h.outcome.name().to_owned())],
                    Value::Histogram(Box::new(latency_hist(&h.buckets))),
                )
            })
            .collect()
    };
    out.push(Family {
        name: "zswap_ebpf_store_latency",
        help: "Time of zswap stores by outcome, measured by the eBPF probe (_sum estimated from log2 bucket midpoints).",
        unit: Some("seconds"),
        kind: Kind::Histogram,
        samples: lat(&snap.store_latency),
    });
    out.push(Family {
        name: "zswap_ebpf_load_latency",
        help: "Time of zswap loads by outcome, measured by the eBPF probe (_sum estimated from log2 bucket midpoints).",
        unit: Some("seconds"),
        kind: Kind::Histogram,
        samples: lat(&snap.load_latency),
    });
    if snap.size_buckets.iter().any(|&c| c > 0) {
        out.push(Family {
            name: "zswap_ebpf_compressed_size",
            help: "Compressed length of stored pages, measured by the eBPF probe (_sum estimated from bucket midpoints).",
            unit: Some("bytes"),
            kind: Kind::Histogram,
            samples: vec![(Vec::new(), Value::Histogram(Box::new(size_hist(&snap.size_buckets))))],
        });
    }
    let c = &snap.counters;
    let result = |ok: u64, fail: u64| {
        vec![
            (vec![("result", "ok".to_owned())], Value::Int(ok)),
            (vec![("result", "fail".to_owned())], Value::Int(fail)),
        ]
    };
    for (name, help, samples) in [
        (
            "zswap_ebpf_stores",
            "zswap store calls by result, counted by the eBPF probe.",
            result(c.store_ok, c.store_fail),
        ),
        (
            "zswap_ebpf_loads",
            "zswap load calls by result, counted by the eBPF probe.",
            result(c.load_ok, c.load_fail),
        ),
        (
            "zswap_ebpf_writebacks",
            "zswap writebacks by result, counted by the eBPF probe.",
            result(c.writeback_ok, c.writeback_fail),
        ),
    ] {
        out.push(Family {
            name,
            help,
            unit: None,
            kind: Kind::Counter,
            samples,
        });
    }
    for (name, help, unit, v) in [
        (
            "zswap_ebpf_stored_pages",
            "Pages stored by successful zswap stores, counted by the eBPF probe.",
            None,
            c.store_ok_pages,
        ),
        (
            "zswap_ebpf_invalidates",
            "zswap invalidations, counted by the eBPF probe.",
            None,
            c.invalidate,
        ),
        (
            "zswap_ebpf_charged",
            "Compressed bytes charged to memory cgroups by stores, counted by the eBPF probe.",
            Some("bytes"),
            c.charged_bytes,
        ),
        (
            "zswap_ebpf_unmatched_exits",
            "Probe exits without a matching entry (lost timings), counted by the eBPF probe.",
            None,
            c.unmatched_exit,
        ),
    ] {
        out.push(Family {
            name,
            help,
            unit,
            kind: Kind::Counter,
            samples: vec![(Vec::new(), Value::Int(v))],
        });
    }
    if let Some(labels) = labels {
        cgroups::families(out, snap, labels);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_fold_into_the_exported_range() {
        let mut b = vec![0u64; 64];
        b[0] = 1; // 0 ns
        b[3] = 2; // [4, 8) ns
        b[11] = 5; // [1024, 2048) ns
        b[40] = 1; // beyond 17 s
        let h = latency_hist(&b);
        assert_eq!(h.count, 9);
        assert_eq!(h.buckets[0], (64e-9, 3));
        let le_2048 = h
            .buckets
            .iter()
            .find(|(le, _)| (*le - 2048e-9).abs() < 1e-15)
            .unwrap();
        assert_eq!(le_2048.1, 5);
        // the one beyond the last bound is only in +Inf
        assert_eq!(h.buckets.last(), Some(&(f64::INFINITY, 1)));
        assert_eq!(h.buckets.iter().map(|(_, c)| c).sum::<u64>(), 9);
    }

    #[test]
    fn size_buckets_fold_by_upper_bound() {
        let mut b = vec![0u64; 255];
        b[0] = 1; // up to 24 bytes
        b[3] = 1; // up to 72 bytes
        b[254] = 4; // incompressible (stored as a page)
        let h = size_hist(&b);
        assert_eq!(h.count, 6);
        assert_eq!(h.buckets[0], (64.0, 1));
        assert_eq!(h.buckets[1], (128.0, 1));
        assert_eq!(h.buckets.last(), Some(&(f64::INFINITY, 4)));
        assert_eq!(h.buckets.iter().map(|(_, c)| c).sum::<u64>(), 6);
    }
}
