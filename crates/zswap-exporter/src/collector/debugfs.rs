//! `--collector.debugfs`: zswap's counters in debugfs (`/sys/kernel/debug/zswap`, root only).
//! A debugfs without a `zswap/` directory (6.12+ create it on the first enable) is no data,
//! not a failure; debugfs not mounted, or not readable, is a failure with advice.

use zswap_core::REJECT_REASONS;
use zswap_core::SysRoot;
use zswap_core::stats::debugfs::{DebugfsReading, DebugfsStats, DebugfsStatus, read_debugfs};

use crate::families::{Families, Family, Kind, Labels, Value, int};

/// Reads debugfs now: the reading (its status says whether the directory was there), or why
/// it could not be read.
pub(crate) fn read(root: &SysRoot) -> Result<DebugfsReading, String> {
    let reading = read_debugfs(root).map_err(|e| e.to_string())?;
    match reading.status {
        // the directory is looked for again on the next scrape
        DebugfsStatus::Available | DebugfsStatus::NoZswapDir => Ok(reading),
        DebugfsStatus::NotMounted | DebugfsStatus::PermissionDenied => {
            Err(reading.status.explain().to_owned())
        }
    }
}

/// The debugfs families.
pub(crate) fn families(out: &mut Families, d: &DebugfsStats) {
    out.gauge(
        "zswap_pool_size",
        Some("bytes"),
        "Memory the compressed pool takes from the allocator (debugfs pool_total_size).",
        int(d.get("pool_total_size")),
    );
    out.gauge(
        "zswap_stored_pages",
        None,
        "Pages currently stored in zswap (debugfs stored_pages).",
        int(d.get("stored_pages")),
    );
    out.gauge(
        "zswap_same_filled_pages",
        None,
        "Stored pages kept as one repeated word (debugfs same_filled_pages, up to 6.11).",
        int(d.get("same_filled_pages")),
    );
    out.gauge("zswap_stored_incompressible_pages", None, "Stored pages kept uncompressed because they did not compress (debugfs stored_incompressible_pages, 6.18+).", int(d.get("stored_incompressible_pages")));
    out.counter(
        "zswap_pool_limit_hit",
        None,
        "Stores that found the pool at its limit (debugfs pool_limit_hit).",
        d.get("pool_limit_hit"),
    );
    let rejects: Vec<(Labels, Value)> = REJECT_REASONS
        .iter()
        .filter_map(|(reason, file)| {
            d.get(file)
                .map(|v| (vec![("reason", (*reason).to_owned())], Value::Int(v)))
        })
        .collect();
    out.push(Family {
        name: "zswap_rejects",
        help: "Pages zswap refused, by reason (debugfs reject_*); reclaim_fail counts failed writebacks of stored entries on 6.8+.",
        unit: None,
        kind: Kind::Counter,
        samples: rejects,
    });
    out.counter(
        "zswap_decompress_failures",
        None,
        "Loads or writebacks whose decompression failed (debugfs decompress_fail, 6.16+).",
        d.get("decompress_fail"),
    );
    out.counter(
        "zswap_written_back_pages",
        None,
        "Pages written back from zswap to the swap device (debugfs written_back_pages, root only); /proc/vmstat counts the same as zswap_vmstat_zswpwb_total on 6.8+.",
        d.get("written_back_pages"),
    );
    out.counter(
        "zswap_duplicate_entries",
        None,
        "Stores that found an entry at the same swap offset (debugfs duplicate_entry, up to 6.8).",
        d.get("duplicate_entry"),
    );
    let fs = |k: &str| d.frontswap.get(k).copied();
    out.counter(
        "zswap_frontswap_loads",
        None,
        "frontswap loads (debugfs frontswap/loads, 6.1).",
        fs("loads"),
    );
    out.counter(
        "zswap_frontswap_succ_stores",
        None,
        "frontswap stores that succeeded (debugfs frontswap/succ_stores, 6.1).",
        fs("succ_stores"),
    );
    out.counter(
        "zswap_frontswap_failed_stores",
        None,
        "frontswap stores that failed (debugfs frontswap/failed_stores, 6.1).",
        fs("failed_stores"),
    );
    out.counter(
        "zswap_frontswap_invalidates",
        None,
        "frontswap invalidations (debugfs frontswap/invalidates, 6.1).",
        fs("invalidates"),
    );
}
