//! Figures derived from samples: compression ratio, the pool limit in bytes, rates.
//! A counter that went backwards between two samples (a reboot) gives no rate.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::sample::ZswapSample;

/// The reject reasons of debugfs, as `reason` → file.
pub const REJECT_REASONS: [(&str, &str); 5] = [
    ("compress_poor", "reject_compress_poor"),
    ("compress_fail", "reject_compress_fail"),
    ("alloc_fail", "reject_alloc_fail"),
    ("kmemcache_fail", "reject_kmemcache_fail"),
    ("reclaim_fail", "reject_reclaim_fail"),
];

/// What a sample (and optionally the one before it) says, derived.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ZswapModel {
    /// Allocator memory of the pool: debugfs `pool_total_size`, else meminfo `Zswap`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_bytes: Option<u64>,
    /// Entries stored: debugfs `stored_pages`, else meminfo `Zswapped` / page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_pages: Option<u64>,
    /// Uncompressed size of what is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_bytes: Option<u64>,
    /// `stored_bytes / pool_bytes`; `None` while the pool is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression_ratio: Option<f64>,
    /// The pool limit: `totalram_pages * max_pool_percent / 100` pages, in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_limit_bytes: Option<u64>,
    /// Below this the pool accepts stores again after hitting the limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_threshold_bytes: Option<u64>,
    /// `pool_bytes / pool_limit_bytes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_usage_ratio: Option<f64>,
    /// Rejects by reason (only the reasons this kernel counts).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rejects: BTreeMap<&'static str, u64>,
    /// Per-second rates of the counters that moved between the two samples; left out of
    /// JSON when there was no earlier sample (a single reading has no rates).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rates_per_sec: BTreeMap<String, f64>,
}

impl ZswapModel {
    /// Derives figures from `s`, and rates from `prev` when given.
    pub fn new(s: &ZswapSample, prev: Option<&ZswapSample>) -> ZswapModel {
        let page = s.page_bytes();
        let dbg = s.debugfs.as_ref().and_then(|d| d.stats.as_ref());
        let mi = s.meminfo.as_ref();
        let pool_bytes = dbg
            .and_then(|d| d.get("pool_total_size"))
            .or(mi.and_then(|m| m.zswap_bytes));
        let stored_pages = dbg
            .and_then(|d| d.get("stored_pages"))
            .or(mi.and_then(|m| m.zswapped_bytes).map(|b| b / page));
        let stored_bytes = stored_pages.and_then(|p| p.checked_mul(page));
        let compression_ratio = match (stored_bytes, pool_bytes) {
            (Some(st), Some(pool)) if pool > 0 => Some(st as f64 / pool as f64),
            _ => None,
        };
        let params = s.params.as_ref();
        let total_pages = mi.map(|m| m.mem_total_bytes / page);
        let max_pages = total_pages
            .zip(params.and_then(|p| p.max_pool_percent()))
            .and_then(|(t, p)| t.checked_mul(u64::from(p)).map(|v| v / 100));
        let thr_pages = max_pages
            .zip(params.and_then(|p| p.accept_threshold_percent()))
            .and_then(|(m, a)| m.checked_mul(u64::from(a)).map(|v| v / 100));
        let pool_limit_bytes = max_pages.and_then(|p| p.checked_mul(page));
        let pool_usage_ratio = match (pool_bytes, pool_limit_bytes) {
            (Some(p), Some(l)) if l > 0 => Some(p as f64 / l as f64),
            _ => None,
        };
        let rejects = REJECT_REASONS
            .iter()
            .filter_map(|(reason, file)| dbg.and_then(|d| d.get(file)).map(|v| (*reason, v)))
            .collect();
        ZswapModel {
            pool_bytes,
            stored_pages,
            stored_bytes,
            compression_ratio,
            pool_limit_bytes,
            accept_threshold_bytes: thr_pages.and_then(|p| p.checked_mul(page)),
            pool_usage_ratio,
            rejects,
            rates_per_sec: prev.map(|p| rates(p, s)).unwrap_or_default(),
        }
    }
}

/// The counters with a rate: every vmstat key and every debugfs counter (not gauges).
fn rates(prev: &ZswapSample, cur: &ZswapSample) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let dt_ms = cur.taken_at_ms.saturating_sub(prev.taken_at_ms);
    if dt_ms == 0 {
        return out;
    }
    let secs = dt_ms as f64 / 1000.0;
    let mut add = |name: String, a: Option<u64>, b: Option<u64>| {
        if let Some(rate) = per_sec(a, b, secs) {
            out.insert(name, rate);
        }
    };
    if let (Some(p), Some(c)) = (&prev.vmstat, &cur.vmstat) {
        for (k, v) in c.iter() {
            add(k.to_owned(), p.get(k), Some(v));
        }
    }
    let pd = prev.debugfs.as_ref().and_then(|d| d.stats.as_ref());
    let cd = cur.debugfs.as_ref().and_then(|d| d.stats.as_ref());
    if let (Some(p), Some(c)) = (pd, cd) {
        for def in crate::stats::debugfs::COUNTERS {
            if def.kind == crate::stats::debugfs::CounterKind::Counter {
                add(def.name.to_owned(), p.get(def.name), c.get(def.name));
            }
        }
    }
    out
}

/// The rate of a counter between two readings; `None` if either is missing or it went
/// backwards.
pub fn per_sec(prev: Option<u64>, cur: Option<u64>, secs: f64) -> Option<f64> {
    let (p, c) = (prev?, cur?);
    (c >= p && secs > 0.0).then(|| (c - p) as f64 / secs)
}

#[cfg(test)]
mod tests;
