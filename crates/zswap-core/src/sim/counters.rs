//! Counter snapshots named after the kernel files (docs/kernel-notes.md §2). A field is None
//! when the era has no such file or key.

/// `/sys/kernel/debug/zswap/*`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DebugfsCounters {
    /// `pool_limit_hit`.
    pub pool_limit_hit: u64,
    /// `reject_reclaim_fail`.
    pub reject_reclaim_fail: u64,
    /// `reject_alloc_fail`.
    pub reject_alloc_fail: u64,
    /// `reject_kmemcache_fail`.
    pub reject_kmemcache_fail: u64,
    /// `reject_compress_poor`.
    pub reject_compress_poor: u64,
    /// `reject_compress_fail` (6.12+).
    pub reject_compress_fail: Option<u64>,
    /// `decompress_fail` (6.18+).
    pub decompress_fail: Option<u64>,
    /// `written_back_pages`.
    pub written_back_pages: u64,
    /// `duplicate_entry` (6.1).
    pub duplicate_entry: Option<u64>,
    /// `pool_total_size`, bytes.
    pub pool_total_size: u64,
    /// `stored_pages` (gauge).
    pub stored_pages: u64,
    /// `same_filled_pages` (6.1, gauge).
    pub same_filled_pages: Option<u64>,
    /// `stored_incompressible_pages` (6.18+, gauge).
    pub stored_incompressible_pages: Option<u64>,
}

/// The zswap keys of `/proc/vmstat`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VmstatCounters {
    /// `zswpin`.
    pub zswpin: u64,
    /// `zswpout`.
    pub zswpout: u64,
    /// `zswpwb` (6.12+).
    pub zswpwb: Option<u64>,
    /// `swpout_zero` (6.12+): zero pages kept in the swap zeromap.
    pub swpout_zero: Option<u64>,
    /// `swpin_zero` (6.12+).
    pub swpin_zero: Option<u64>,
}

/// The zswap lines of `/proc/meminfo`, in kB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MeminfoCounters {
    /// `Zswap:` pool size, kB.
    pub zswap_kb: u64,
    /// `Zswapped:` stored pages × 4 kB.
    pub zswapped_kb: u64,
}

/// `/sys/kernel/debug/frontswap/*` (6.1 only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrontswapCounters {
    /// `loads`.
    pub loads: u64,
    /// `succ_stores`.
    pub succ_stores: u64,
    /// `failed_stores`.
    pub failed_stores: u64,
    /// `invalidates`.
    pub invalidates: u64,
}

/// Everything zswap exports, at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZswapCounters {
    /// debugfs `zswap/`.
    pub debugfs: DebugfsCounters,
    /// `/proc/vmstat`.
    pub vmstat: VmstatCounters,
    /// `/proc/meminfo`.
    pub meminfo: MeminfoCounters,
    /// debugfs `frontswap/` (6.1).
    pub frontswap: Option<FrontswapCounters>,
}

/// Raw counters kept by the model (all eras; the snapshot hides what an era lacks).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Raw {
    pub(crate) pool_limit_hit: u64,
    pub(crate) reject_reclaim_fail: u64,
    pub(crate) reject_alloc_fail: u64,
    pub(crate) reject_kmemcache_fail: u64,
    pub(crate) reject_compress_poor: u64,
    pub(crate) reject_compress_fail: u64,
    pub(crate) decompress_fail: u64,
    pub(crate) written_back_pages: u64,
    pub(crate) duplicate_entry: u64,
    pub(crate) stored_pages: u64,
    pub(crate) same_filled_pages: u64,
    pub(crate) stored_incompressible_pages: u64,
    pub(crate) zswpin: u64,
    pub(crate) zswpout: u64,
    pub(crate) zswpwb: u64,
    pub(crate) swpout_zero: u64,
    pub(crate) swpin_zero: u64,
    pub(crate) fs: FrontswapCounters,
}
