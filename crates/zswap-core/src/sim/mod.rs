//! A pure, deterministic reference model of zswap, zsmalloc and zbud.
//!
//! Follows `mm/zswap.c`, `mm/zsmalloc.c`, `mm/zbud.c` and the memcg parts of
//! `mm/memcontrol.c` of Linux 6.1, 6.12 and 6.18 (the era is a profile, [`KernelEra`]), as
//! summarised in `Documentation/admin-guide/mm/zswap.rst` and docs/kernel-notes.md. No I/O, no
//! clock, no randomness.
//!
//! Not modelled: zsmalloc compaction, z3fold, NUMA (one node), swap-cache races (inject
//! [`Fault::SwapCacheExists`] instead), memcg removal and reparenting.

mod codec;
mod compress_page;
mod config;
mod counters;
mod era;
mod kernel_codecs;
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

pub use codec::{CodecError, CodecProvider, PageCodec, RleCodec, RleProvider, overflow_error};
pub use config::{Param, Params, SimConfig, SimConfigBuilder, ZpoolKind};
pub use counters::{
    DebugfsCounters, FrontswapCounters, MeminfoCounters, VmstatCounters, ZswapCounters,
};
pub use era::{
    KernelEra, ParseEraError, StableFacts, XA_CHUNK_SHIFT, XA_NODE_SIZE, ZSWAP_SLOTS_PER_TREE,
};
pub use kernel_codecs::KernelCodecs;
pub use load::LoadOutcome;
pub use memcg::{MemcgId, MemcgZswapStat};
pub use pool::PoolInfo;
pub use store::{RejectReason, StoreOutcome};
pub use writeback::{ShrinkReport, ShrinkerScan};
pub use zbud::{Buddy, ZBUD_MAX_ALLOC, ZbudError, ZbudHandle, ZbudPool};
pub use zsmalloc::{ClassTable, SizeClass, ZsError, ZsHandle, ZsPool};
pub use zswap::{Fault, SimError, Zswap};

#[cfg(test)]
mod tests;
