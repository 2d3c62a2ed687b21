//! The zswap front end: state, parameters, pools and counter snapshots (`mm/zswap.c`,
//! docs/kernel-notes.md §1, §2, §3.1, §3.10). Store, load and writeback live in sibling files.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::codec::CodecProvider;
use super::config::SimConfig;
use super::counters::{DebugfsCounters, MeminfoCounters, Raw, VmstatCounters, ZswapCounters};
use super::knobs::Knobs;
use super::lru::Lru;
use super::memcg::{MemcgId, MemcgZswapStat, Memcgs};
use super::pool::{Handle, Pool, PoolInfo};
use crate::era::KernelEra;
use crate::page::PAGE_SIZE;
use crate::params::ZswapParams;

/// A one-shot failure to inject at the next point where the kernel could fail this way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `zswap_entry` slab allocation fails (`reject_kmemcache_fail`).
    EntryAlloc,
    /// The allocator fails with -ENOMEM (`reject_alloc_fail`).
    AllocatorAlloc,
    /// `xa_store` fails (6.12+, `reject_alloc_fail`).
    XarrayStore,
    /// `memcg_list_lru_alloc` fails (6.12+, no counter).
    ListLruAlloc,
    /// Writeback finds a folio already in the swap cache (-EEXIST).
    SwapCacheExists,
    /// The next decompression fails.
    Decompress,
}

/// Errors of parameter and cgroup operations; each names the value and the kernel's errno.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The parameter file does not exist in this era (ENOENT on open).
    #[error("parameter '{name}' does not exist in linux {era}: use a parameter of that era")]
    NoSuchParam {
        /// Parameter name.
        name: &'static str,
        /// The era.
        era: KernelEra,
    },
    /// The zpool is not one the model has (ENOENT, as `zpool_has_pool` fails).
    #[error("zpool '{name}' is not available: use zsmalloc or zbud")]
    ZpoolUnavailable {
        /// The name written.
        name: String,
    },
    /// The value is of the wrong kind for the parameter (EINVAL).
    #[error("invalid value '{value}' for '{name}': use the kind of value the parameter holds")]
    InvalidValue {
        /// Parameter name.
        name: &'static str,
        /// The value written.
        value: String,
    },
    /// The compressor is not available (ENOENT).
    #[error("compressor '{name}' is not available: pick one the kernel has in /proc/crypto")]
    CompressorUnavailable {
        /// The name written.
        name: String,
    },
    /// zswap could not initialise or has no pool (ENODEV).
    #[error("cannot set '{name}': zswap has no pool, set a valid 'compressor' first")]
    NoDevice {
        /// Parameter name.
        name: &'static str,
    },
    /// No such memory cgroup.
    #[error("unknown memory cgroup '{id}': create it with create_memcg first")]
    UnknownMemcg {
        /// The id.
        id: u32,
    },
}

impl SimError {
    /// The errno the kernel returns for this error.
    pub fn errno(&self) -> i32 {
        match self {
            SimError::NoSuchParam { .. }
            | SimError::CompressorUnavailable { .. }
            | SimError::ZpoolUnavailable { .. } => 2,
            SimError::InvalidValue { .. } => 22,
            SimError::NoDevice { .. } => 19,
            SimError::UnknownMemcg { .. } => 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setup {
    Uninit,
    Ready,
    Failed,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) length: u32,
    pub(crate) pool: Option<u32>,
    pub(crate) handle: Option<Handle>,
    /// Compressed bytes, or the raw page; empty for same-filled entries and when the bytes
    /// are not known.
    pub(crate) data: Vec<u8>,
    /// False if the entry was stored from a known length without bytes
    /// ([`super::FolioSource::known_compression`]).
    pub(crate) bytes_known: bool,
    pub(crate) same_value: Option<u64>,
    pub(crate) raw: bool,
    pub(crate) memcg: MemcgId,
    pub(crate) charged: bool,
    pub(crate) referenced: bool,
    pub(crate) lru_seq: Option<u64>,
}

/// A simulated zswap (one swap device; slots are swap offsets).
pub struct Zswap {
    pub(crate) era: KernelEra,
    pub(crate) total_ram_pages: u64,
    pub(crate) params: ZswapParams,
    /// `params` resolved for the hot paths; `put_param` keeps it in step.
    pub(crate) knobs: Knobs,
    pub(crate) cgroup_v2: bool,
    pub(crate) codecs: Box<dyn CodecProvider>,
    pub(crate) setup: Setup,
    pub(crate) has_pool: bool,
    pub(crate) ever_enabled: bool,
    pub(crate) pools: BTreeMap<u32, Pool>,
    /// Pool ids; the head is the current pool.
    pub(crate) pool_list: Vec<u32>,
    pub(crate) pools_created: u32,
    pub(crate) entries: BTreeMap<u64, Entry>,
    pub(crate) lru: Lru,
    pub(crate) memcgs: Memcgs,
    pub(crate) raw: Raw,
    pub(crate) reached_full: bool,
    pub(crate) shrink_pending: bool,
    pub(crate) next_shrink: Option<MemcgId>,
    /// 6.1 `zswap_pool_total_size`, refreshed after each store and free.
    pub(crate) cached_total_size: u64,
    pub(crate) zeromap: BTreeSet<u64>,
    pub(crate) frontswap_map: BTreeSet<u64>,
    pub(crate) disk: BTreeMap<u64, Box<[u8; 4096]>>,
    pub(crate) faults: VecDeque<Fault>,
    pub(crate) scratch: Vec<u8>,
}

impl std::fmt::Debug for Zswap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zswap")
            .field("era", &self.era)
            .field("params", &self.params)
            .field("pools", &self.pools)
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Zswap {
    /// Boots a simulated kernel: 6.1 always initialises zswap; 6.12+ only if `enabled`.
    pub fn new(cfg: SimConfig) -> Zswap {
        let mut z = Zswap {
            era: cfg.era,
            total_ram_pages: cfg.total_ram_pages,
            knobs: Knobs::of(&cfg.params),
            params: cfg.params,
            cgroup_v2: cfg.cgroup_v2,
            codecs: cfg.codecs,
            setup: Setup::Uninit,
            has_pool: false,
            ever_enabled: false,
            pools: BTreeMap::new(),
            pool_list: Vec::new(),
            pools_created: 0,
            entries: BTreeMap::new(),
            lru: Lru::default(),
            memcgs: Memcgs::new(),
            raw: Raw::default(),
            reached_full: false,
            shrink_pending: false,
            next_shrink: None,
            cached_total_size: 0,
            zeromap: BTreeSet::new(),
            frontswap_map: BTreeSet::new(),
            disk: BTreeMap::new(),
            faults: VecDeque::new(),
            scratch: Vec::with_capacity(2 * PAGE_SIZE),
        };
        if z.era == KernelEra::V6_1 || z.enabled() {
            z.run_setup();
        }
        z
    }

    /// The current pool, if any.
    pub(crate) fn current_pool(&self) -> Option<u32> {
        self.pool_list.first().copied()
    }

    /// Drops pools that are neither current nor referenced by an entry.
    pub(crate) fn reap_pools(&mut self) {
        let current = self.current_pool();
        let dead: Vec<u32> = self
            .pools
            .values()
            .filter(|p| p.entries == 0 && Some(p.id) != current)
            .map(|p| p.id)
            .collect();
        for id in dead {
            self.pools.remove(&id);
            self.pool_list.retain(|&x| x != id);
        }
    }

    /// The current parameter values.
    pub fn params(&self) -> &ZswapParams {
        &self.params
    }

    /// The era profile.
    pub fn era(&self) -> KernelEra {
        self.era
    }

    /// Queues a failure for the next place it can happen.
    pub fn inject_fault(&mut self, fault: Fault) {
        self.faults.push_back(fault);
    }

    pub(crate) fn take_fault(&mut self, fault: Fault) -> bool {
        match self.faults.iter().position(|&f| f == fault) {
            Some(p) => {
                self.faults.remove(p);
                true
            }
            None => false,
        }
    }

    /// `zswap_total_pages()`: allocator pages over all pools.
    pub fn total_pages(&self) -> u64 {
        self.pools.values().map(|p| p.alloc.total_pages()).sum()
    }

    /// Σ over all pools of the pages of their zspages (zbud pages), counted structurally.
    pub fn structural_pages(&self) -> u64 {
        self.pools
            .values()
            .map(|p| p.alloc.structural_pages())
            .sum()
    }

    /// Entries currently stored.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// The stored length of the entry at `slot` (0 = same-filled, 4096 in 6.18+ = raw).
    pub fn stored_length(&self, slot: u64) -> Option<u32> {
        self.entries.get(&slot).map(|e| e.length)
    }

    /// Entries on the writeback LRU (6.12+).
    pub fn lru_len(&self) -> usize {
        self.lru.total()
    }

    /// The page the swap device holds for `slot` after writeback.
    pub fn swap_device_page(&self, slot: u64) -> Option<&[u8; 4096]> {
        self.disk.get(&slot).map(|b| &**b)
    }

    /// All pools, current first.
    pub fn pools(&self) -> Vec<PoolInfo> {
        let current = self.current_pool();
        self.pool_list
            .iter()
            .chain(self.pools.keys().filter(|k| !self.pool_list.contains(k)))
            .filter_map(|id| self.pools.get(id))
            .map(|p| PoolInfo {
                name: if self.era == KernelEra::V6_1 {
                    "zswap".to_owned()
                } else {
                    format!("zswap{:x}", p.id)
                },
                compressor: p.compressor.clone(),
                zpool: p.kind,
                entries: p.entries,
                pages: p.alloc.total_pages(),
                current: Some(p.id) == current,
            })
            .collect()
    }

    /// Creates a memory cgroup under `parent`.
    pub fn create_memcg(&mut self, parent: MemcgId) -> Result<MemcgId, SimError> {
        self.memcgs
            .create(parent)
            .ok_or(SimError::UnknownMemcg { id: parent.0 })
    }

    /// Writes `memory.zswap.max` in bytes (None = `max`); kept in pages, rounded down.
    pub fn set_memcg_zswap_max(&mut self, id: MemcgId, bytes: Option<u64>) -> Result<(), SimError> {
        let m = self
            .memcgs
            .get_mut(id)
            .ok_or(SimError::UnknownMemcg { id: id.0 })?;
        m.zswap_max = bytes.map(|b| b / PAGE_SIZE as u64);
        Ok(())
    }

    /// Writes `memory.zswap.writeback` (6.12+).
    pub fn set_memcg_zswap_writeback(&mut self, id: MemcgId, on: bool) -> Result<(), SimError> {
        let m = self
            .memcgs
            .get_mut(id)
            .ok_or(SimError::UnknownMemcg { id: id.0 })?;
        m.zswap_writeback = on;
        Ok(())
    }

    /// The cgroup's zswap statistics (hierarchical).
    pub fn memcg_stat(&self, id: MemcgId) -> Result<MemcgZswapStat, SimError> {
        let m = self
            .memcgs
            .get(id)
            .ok_or(SimError::UnknownMemcg { id: id.0 })?;
        Ok(MemcgZswapStat {
            zswap: m.zswap_b,
            zswapped: m.zswapped * PAGE_SIZE as u64,
            zswpin: m.zswpin,
            zswpout: m.zswpout,
            zswpwb: (self.era != KernelEra::V6_1).then_some(m.zswpwb),
        })
    }

    /// `pool_total_size` as the era reports it, in bytes.
    pub fn pool_total_size(&self) -> u64 {
        match self.era {
            KernelEra::V6_1 => self.cached_total_size,
            _ => self.total_pages() * PAGE_SIZE as u64,
        }
    }

    /// Every counter, named as in the kernel.
    pub fn counters(&self) -> ZswapCounters {
        let r = &self.raw;
        let e1 = self.era == KernelEra::V6_1;
        let e3 = self.era == KernelEra::V6_18;
        let pool_total_size = self.pool_total_size();
        ZswapCounters {
            debugfs: DebugfsCounters {
                pool_limit_hit: r.pool_limit_hit,
                reject_reclaim_fail: r.reject_reclaim_fail,
                reject_alloc_fail: r.reject_alloc_fail,
                reject_kmemcache_fail: r.reject_kmemcache_fail,
                reject_compress_poor: r.reject_compress_poor,
                reject_compress_fail: (!e1).then_some(r.reject_compress_fail),
                decompress_fail: e3.then_some(r.decompress_fail),
                written_back_pages: r.written_back_pages,
                duplicate_entry: e1.then_some(r.duplicate_entry),
                pool_total_size,
                stored_pages: r.stored_pages,
                same_filled_pages: e1.then_some(r.same_filled_pages),
                stored_incompressible_pages: e3.then_some(r.stored_incompressible_pages),
            },
            vmstat: VmstatCounters {
                zswpin: r.zswpin,
                zswpout: r.zswpout,
                zswpwb: (!e1).then_some(r.zswpwb),
                swpout_zero: (!e1).then_some(r.swpout_zero),
                swpin_zero: (!e1).then_some(r.swpin_zero),
            },
            meminfo: MeminfoCounters {
                zswap_kb: pool_total_size >> 10,
                zswapped_kb: r.stored_pages * (PAGE_SIZE / 1024) as u64,
            },
            frontswap: e1.then_some(r.fs),
        }
    }

    /// 6.1: recompute the cached `zswap_pool_total_size`.
    pub(crate) fn refresh_cached_total_size(&mut self) {
        self.cached_total_size = self.total_pages() * PAGE_SIZE as u64;
    }
}
