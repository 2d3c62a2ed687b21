//! The per-cgroup table's rows: figures from cgroup v2 `memory.zswap.*` and
//! `memory.stat`, rates against the previous reading of the same cgroup, and the order.

use serde::Serialize;
use zswap_core::stats::cgroup::Limit;
use zswap_core::{ZswapSample, per_sec};

use super::App;

/// The column the cgroup table is sorted by; `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupSort {
    /// Compressed bytes in the pool (`memory.zswap.current`), largest first.
    Pool,
    /// Uncompressed bytes stored (`zswapped`), largest first.
    Stored,
    /// Stores per second, highest first.
    StoreRate,
    /// Loads per second, highest first.
    LoadRate,
    /// Path, A to Z.
    Path,
}

impl CgroupSort {
    const ALL: [CgroupSort; 5] = [
        CgroupSort::Pool,
        CgroupSort::Stored,
        CgroupSort::StoreRate,
        CgroupSort::LoadRate,
        CgroupSort::Path,
    ];

    pub(crate) fn next(self) -> CgroupSort {
        let i = CgroupSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        CgroupSort::ALL[(i + 1) % CgroupSort::ALL.len()]
    }

    /// The column heading it sorts by.
    pub fn label(self) -> &'static str {
        match self {
            CgroupSort::Pool => "pool",
            CgroupSort::Stored => "stored",
            CgroupSort::StoreRate => "out/s",
            CgroupSort::LoadRate => "in/s",
            CgroupSort::Path => "cgroup",
        }
    }
}

/// One row of the cgroup table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CgroupRow {
    /// Path below the cgroup v2 root.
    pub path: String,
    /// Compressed bytes charged (`memory.zswap.current`, else `memory.stat` `zswap`).
    pub pool_bytes: Option<u64>,
    /// Uncompressed bytes stored (`memory.stat` `zswapped`).
    pub stored_bytes: Option<u64>,
    /// Pages stored per second (`zswpout`).
    pub store_per_sec: Option<f64>,
    /// Pages loaded per second (`zswpin`).
    pub load_per_sec: Option<f64>,
    /// `memory.zswap.max`.
    pub max: Option<Limit>,
    /// `memory.zswap.writeback`.
    pub writeback: Option<bool>,
}

impl App {
    /// Why `s` gives the cgroup table no rows, in a sentence for the screen.
    pub(crate) fn why_no_cgroup_rows(&self, s: &ZswapSample) -> String {
        if !self.options().cgroups {
            return "per-cgroup figures are off (--no-cgroups)".to_owned();
        }
        match &s.cgroup2 {
            None => {
                "no cgroup v2 hierarchy is mounted (cgroup v1 keeps no zswap accounting)".to_owned()
            }
            Some(m) if !m.memory_controller => format!(
                "cgroup v2 at '{}' has no memory controller: no per-cgroup zswap figures",
                self.kernel_path(&m.path).display()
            ),
            Some(_) => "no cgroup has zswap figures".to_owned(),
        }
    }
}

/// The rows of `cur`'s cgroups, sorted by `by` (reversed if asked), with rates against
/// the same cgroup in `prev`.
pub(crate) fn rows(
    cur: Option<&ZswapSample>,
    prev: Option<&ZswapSample>,
    by: CgroupSort,
    reversed: bool,
) -> Vec<CgroupRow> {
    let Some(cgs) = cur.and_then(|s| s.cgroups.as_ref()) else {
        return Vec::new();
    };
    let before_all = prev.and_then(|p| p.cgroups.as_ref());
    let secs = match (prev, cur) {
        (Some(p), Some(c)) => c.taken_at_ms.saturating_sub(p.taken_at_ms) as f64 / 1000.0,
        _ => 0.0,
    };
    let mut rows: Vec<CgroupRow> = cgs
        .cgroups
        .iter()
        .map(|cg| {
            let before = before_all.and_then(|p| p.cgroups.iter().find(|b| b.path == cg.path));
            let rate = |k: &str| {
                per_sec(
                    before.and_then(|b| b.stat.get(k).copied()),
                    cg.stat.get(k).copied(),
                    secs,
                )
            };
            CgroupRow {
                path: cg.path.clone(),
                pool_bytes: cg
                    .zswap_current_bytes
                    .or_else(|| cg.stat.get("zswap").copied()),
                stored_bytes: cg.stat.get("zswapped").copied(),
                store_per_sec: rate("zswpout"),
                load_per_sec: rate("zswpin"),
                max: cg.zswap_max,
                writeback: cg.zswap_writeback,
            }
        })
        .collect();
    sort_rows(&mut rows, by, reversed);
    rows
}

fn sort_rows(rows: &mut [CgroupRow], by: CgroupSort, reversed: bool) {
    let num = |v: Option<f64>| v.unwrap_or(-1.0);
    rows.sort_by(|a, b| {
        let ord = match by {
            CgroupSort::Pool => b.pool_bytes.cmp(&a.pool_bytes),
            CgroupSort::Stored => b.stored_bytes.cmp(&a.stored_bytes),
            CgroupSort::StoreRate => num(b.store_per_sec).total_cmp(&num(a.store_per_sec)),
            CgroupSort::LoadRate => num(b.load_per_sec).total_cmp(&num(a.load_per_sec)),
            CgroupSort::Path => a.path.cmp(&b.path),
        };
        ord.then_with(|| a.path.cmp(&b.path))
    });
    if reversed {
        rows.reverse();
    }
}
