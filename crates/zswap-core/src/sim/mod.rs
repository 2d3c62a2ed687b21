//! A pure, deterministic reference model of zswap, zsmalloc and zbud.
//!
//! Follows `mm/zswap.c`, `mm/zsmalloc.c`, `mm/zbud.c` and the memcg parts of
//! `mm/memcontrol.c` of Linux 6.1, 6.12 and 6.18 (the era is a profile, [`crate::KernelEra`]), as
//! summarised in `Documentation/admin-guide/mm/zswap.rst` and docs/kernel-notes.md. No I/O, no
//! clock, no randomness.
//!
//! Not modelled: zsmalloc compaction, z3fold, NUMA (one node), swap-cache races (inject
//! [`Fault::SwapCacheExists`] instead), memcg removal and reparenting.

mod codec;
mod compress_page;
mod config;
mod counters;
mod folio_source;
mod kernel_codecs;
mod knobs;
mod load;
mod lru;
mod memcg;
mod param_writes;
mod pool;
mod store;
mod writeback;
mod zbud;
mod zsmalloc;
mod zswap;

pub use codec::{
    CodecError, CodecKey, CodecProvider, PageCodec, RleCodec, RleProvider, overflow_error,
};
pub use config::{SimConfig, SimConfigBuilder, ZpoolKind, kconfig_defaults};
pub use counters::{
    DebugfsCounters, FrontswapCounters, MeminfoCounters, VmstatCounters, ZswapCounters,
};
pub use folio_source::FolioSource;
pub use kernel_codecs::KernelCodecs;
pub use load::LoadOutcome;
pub use memcg::{MemcgId, MemcgZswapStat};
pub use pool::PoolInfo;
pub use store::{RejectReason, StoreOutcome};
pub use writeback::{ShrinkReport, ShrinkerScan};
pub use zbud::{Buddy, ZBUD_MAX_ALLOC, ZbudError, ZbudHandle, ZbudPool};
pub use zsmalloc::{ClassTable, SizeClass, ZsError, ZsHandle, ZsPool};
pub use zswap::{Fault, SimError, Zswap};

/// Bytes of one `struct xa_node` (x86_64, 64 slots), the same in every era (BTF as for
/// [`crate::KernelEra::zswap_entry_size`]).
pub const XA_NODE_SIZE: u64 = 576;

/// Slots of one xarray node: `XA_CHUNK_SHIFT` is 6 without `CONFIG_BASE_SMALL`.
pub const XA_CHUNK_SHIFT: u32 = 6;

/// Swap slots covered by one of zswap's xarrays (6.12+): one tree per 64 MiB of swap.
pub const ZSWAP_SLOTS_PER_TREE: u64 = 1 << 14;

#[cfg(test)]
mod tests;
