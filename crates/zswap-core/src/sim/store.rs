//! Store paths: 6.1 `zswap_frontswap_store`, 6.12 and 6.18 `zswap_store`
//! (docs/kernel-notes.md §3.2-§3.6), with the swap layer's zero-page diversion (6.12+) and
//! frontswap's duplicate
//! handling (6.1) in front of them.

use super::memcg::{Event, MemcgId};
use crate::era::KernelEra;
use crate::page::PAGE_SIZE;

use super::folio_source::FolioSource;
use super::zswap::{Entry, Fault, Zswap};

/// Why zswap refused a page (the kernel's reason, whether or not a counter records it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// A large folio before 6.18 (no counter).
    LargeFolio,
    /// `enabled` is N (no counter).
    Disabled,
    /// `memory.zswap.max` of the cgroup or an ancestor refused, and (6.12+) writing back one
    /// of the cgroup's entries failed (no counter).
    MemcgLimit,
    /// The pool was at or over `max_pool_percent` (`pool_limit_hit`).
    PoolLimit,
    /// The pool is below the limit but has not fallen to the accept threshold since it was
    /// full (no counter).
    PoolLimitHysteresis,
    /// `zswap_entry` allocation failed (`reject_kmemcache_fail`).
    EntryAlloc,
    /// No current pool (no counter).
    NoPool,
    /// memcg `list_lru` allocation failed (6.12+, no counter).
    ListLruAlloc,
    /// 6.1 `non_same_filled_pages_enabled=N` and the page is not same-filled (no counter).
    NonSameFilledDisabled,
    /// The compressor failed with an error other than -ENOSPC (`reject_compress_fail` from
    /// 6.12; no counter in 6.1).
    CompressFail,
    /// The compressor or the allocator returned -ENOSPC (`reject_compress_poor`).
    CompressPoor,
    /// The allocator failed otherwise (`reject_alloc_fail`).
    AllocFail,
    /// `xa_store` failed (`reject_alloc_fail`).
    XarrayStore,
    /// Not a kernel outcome: the cgroup id was not created by this model (no counter).
    UnknownMemcg,
}

impl RejectReason {
    /// The debugfs counter this rejection increments in `era`, if any.
    pub fn counter(self, era: KernelEra) -> Option<&'static str> {
        Some(match self {
            RejectReason::PoolLimit => "pool_limit_hit",
            RejectReason::EntryAlloc => "reject_kmemcache_fail",
            RejectReason::CompressFail if era != KernelEra::V6_1 => "reject_compress_fail",
            RejectReason::CompressPoor => "reject_compress_poor",
            RejectReason::AllocFail | RejectReason::XarrayStore => "reject_alloc_fail",
            _ => return None,
        })
    }
}

/// What happened to a stored page or folio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOutcome {
    /// Stored; `length` is the last page's entry length (0 same-filled, 4096 raw in 6.18+).
    Stored {
        /// Entry length in bytes.
        length: u32,
    },
    /// 6.12+: the folio is all zeros; the swap zeromap keeps it and zswap never sees it.
    ZeroMap,
    /// zswap refused; the swap layer writes the page to the device (or keeps it in memory when
    /// `memory.zswap.writeback` is 0).
    Rejected(RejectReason),
}

impl Zswap {
    /// Swaps out one page to `slot` for a process in `memcg`.
    pub fn store(&mut self, slot: u64, memcg: MemcgId, page: &[u8; 4096]) -> StoreOutcome {
        self.store_folio(slot, memcg, std::slice::from_ref(page))
    }

    /// Swaps out a folio of `pages.len()` pages (at least one) to consecutive slots from
    /// `first_slot`. An empty slice is refused as a malformed folio ([`RejectReason::LargeFolio`]).
    pub fn store_folio(
        &mut self,
        first_slot: u64,
        memcg: MemcgId,
        mut pages: &[[u8; 4096]],
    ) -> StoreOutcome {
        self.store_from(first_slot, memcg, &mut pages)
    }

    /// [`Zswap::store_folio`] of the pages `src` describes: the model reads only what the
    /// store path needs (docs/performance.md, simulate).
    pub fn store_from(
        &mut self,
        first_slot: u64,
        memcg: MemcgId,
        src: &mut dyn FolioSource,
    ) -> StoreOutcome {
        if self.memcgs.get(memcg).is_none() {
            return StoreOutcome::Rejected(RejectReason::UnknownMemcg);
        }
        if src.pages() == 0 {
            return StoreOutcome::Rejected(RejectReason::LargeFolio);
        }
        match self.era {
            KernelEra::V6_1 => self.store_via_frontswap(first_slot, memcg, src),
            _ => self.store_via_swap_writepage(first_slot, memcg, src),
        }
    }

    /// 6.1: zswap is frontswap's backend (`zswap_frontswap_store`), one page at a time.
    fn store_via_frontswap(
        &mut self,
        slot: u64,
        memcg: MemcgId,
        src: &mut dyn FolioSource,
    ) -> StoreOutcome {
        // frontswap removes a duplicate first, whatever the outcome of the new store.
        if self.frontswap_map.remove(&slot) {
            self.free_entry(slot);
        }
        let res = self.try_store_via_frontswap(slot, memcg, src);
        match res {
            Ok(length) => {
                self.frontswap_map.insert(slot);
                self.raw.fs.succ_stores += 1;
                StoreOutcome::Stored { length }
            }
            Err(r) => {
                self.raw.fs.failed_stores += 1;
                StoreOutcome::Rejected(r)
            }
        }
    }

    fn try_store_via_frontswap(
        &mut self,
        slot: u64,
        memcg: MemcgId,
        src: &mut dyn FolioSource,
    ) -> Result<u32, RejectReason> {
        if src.pages() > 1 {
            return Err(RejectReason::LargeFolio);
        }
        if !self.enabled() {
            return Err(RejectReason::Disabled);
        }
        let objcg = memcg != MemcgId::ROOT;
        if objcg && self.cgroup_v2 && !self.memcgs.may_zswap(memcg) {
            return Err(RejectReason::MemcgLimit);
        }
        let t = self.total_ram_pages;
        let p = u64::from(self.max_pool_percent());
        let a = u64::from(self.accept_threshold_percent());
        let cur = self.cached_total_size.div_ceil(PAGE_SIZE as u64);
        if t * p / 100 < cur {
            self.raw.pool_limit_hit += 1;
            self.reached_full = true;
            if let Some(last) = self.pool_list.last().and_then(|id| self.pools.get_mut(id)) {
                last.shrink_pending = true;
            }
            return Err(RejectReason::PoolLimit);
        }
        if self.reached_full {
            if t * a / 100 * p / 100 > cur {
                self.reached_full = false;
            } else {
                return Err(RejectReason::PoolLimitHysteresis);
            }
        }
        if self.take_fault(Fault::EntryAlloc) {
            self.raw.reject_kmemcache_fail += 1;
            return Err(RejectReason::EntryAlloc);
        }
        let mut entry = Entry {
            length: 0,
            pool: None,
            handle: None,
            data: Vec::new(),
            bytes_known: true,
            same_value: None,
            raw: false,
            memcg,
            charged: false,
            referenced: false,
            lru_seq: None,
        };
        let same = if self.same_filled_enabled() {
            src.same_filled_word(0)
        } else {
            None
        };
        match same {
            Some(v) => {
                entry.same_value = Some(v);
                self.raw.same_filled_pages += 1;
            }
            None => {
                if !self.non_same_filled_enabled() {
                    return Err(RejectReason::NonSameFilledDisabled);
                }
                let pool = self.current_pool().ok_or(RejectReason::NoPool)?;
                let c = self.compress_into(pool, src, 0, memcg)?;
                entry.length = c.length;
                entry.data = c.data;
                entry.bytes_known = c.bytes_known;
                entry.handle = Some(c.handle);
                entry.pool = Some(pool);
                if let Some(p) = self.pools.get_mut(&pool) {
                    p.entries += 1;
                    p.owners.insert(c.handle, slot);
                }
            }
        }
        let length = entry.length;
        self.insert_entry(slot, entry, objcg);
        self.raw.zswpout += 1;
        self.refresh_cached_total_size();
        Ok(length)
    }

    /// Puts `entry` at `slot` (freeing an older one), charges, counts, adds to the LRU.
    fn insert_entry(&mut self, slot: u64, mut entry: Entry, objcg: bool) {
        if self.entries.contains_key(&slot) {
            if self.era == KernelEra::V6_1 {
                self.raw.duplicate_entry += 1;
            }
            self.free_entry(slot);
        }
        if objcg {
            if self.cgroup_v2 {
                self.memcgs
                    .charge(entry.memcg, u64::from(entry.length), true);
                entry.charged = true;
            }
            if self.era != KernelEra::V6_18 {
                self.memcgs.count(entry.memcg, Event::Out, 1);
            }
        }
        self.raw.stored_pages += 1;
        if entry.raw {
            self.raw.stored_incompressible_pages += 1;
        }
        if self.era.has_zswap_lru() && entry.length > 0 {
            entry.referenced = true;
            // Entries without an objcg sit on the root list.
            entry.lru_seq = Some(self.lru.add(entry.memcg, slot));
        }
        self.entries.insert(slot, entry);
    }

    /// 6.12+: `swap_writepage` calls `zswap_store` directly with the whole folio.
    fn store_via_swap_writepage(
        &mut self,
        first: u64,
        memcg: MemcgId,
        src: &mut dyn FolioSource,
    ) -> StoreOutcome {
        let n = src.pages() as u64;
        let slots = first..first + n;
        // swap_writepage: an all-zero folio goes to the zeromap and zswap is not called.
        if (0..src.pages()).all(|i| src.same_filled_word(i) == Some(0)) {
            for s in slots {
                self.zeromap.insert(s);
            }
            self.raw.swpout_zero += n;
            return StoreOutcome::ZeroMap;
        }
        for s in slots.clone() {
            self.zeromap.remove(&s);
        }
        if n > 1 && !self.era.stores_large_folios() {
            return StoreOutcome::Rejected(RejectReason::LargeFolio);
        }
        match self.try_store_via_swap_writepage(first, memcg, src) {
            Ok(length) => {
                self.raw.zswpout += n;
                if memcg != MemcgId::ROOT && self.era == KernelEra::V6_18 {
                    self.memcgs.count(memcg, Event::Out, n);
                }
                StoreOutcome::Stored { length }
            }
            Err(r) => {
                if r != RejectReason::Disabled && self.reached_full {
                    self.shrink_pending = true;
                }
                for s in slots {
                    self.free_entry(s);
                }
                StoreOutcome::Rejected(r)
            }
        }
    }

    fn try_store_via_swap_writepage(
        &mut self,
        first: u64,
        memcg: MemcgId,
        src: &mut dyn FolioSource,
    ) -> Result<u32, RejectReason> {
        if !self.enabled() {
            return Err(RejectReason::Disabled);
        }
        let objcg = memcg != MemcgId::ROOT;
        if objcg
            && self.cgroup_v2
            && !self.memcgs.may_zswap(memcg)
            && self.shrink_memcg(memcg).is_err()
        {
            return Err(RejectReason::MemcgLimit);
        }
        if let Some(r) = self.check_limits() {
            return Err(r);
        }
        let e2 = self.era == KernelEra::V6_12;
        if e2 && self.take_fault(Fault::EntryAlloc) {
            self.raw.reject_kmemcache_fail += 1;
            return Err(RejectReason::EntryAlloc);
        }
        let pool = self.current_pool().ok_or(RejectReason::NoPool)?;
        if objcg && self.take_fault(Fault::ListLruAlloc) {
            return Err(RejectReason::ListLruAlloc);
        }
        let mut length = 0;
        for i in 0..src.pages() {
            if !e2 && self.take_fault(Fault::EntryAlloc) {
                self.raw.reject_kmemcache_fail += 1;
                return Err(RejectReason::EntryAlloc);
            }
            let c = self.compress_into(pool, src, i, memcg)?;
            if self.take_fault(Fault::XarrayStore) {
                if let Some(p) = self.pools.get_mut(&pool) {
                    p.alloc.free(c.handle);
                }
                self.raw.reject_alloc_fail += 1;
                return Err(RejectReason::XarrayStore);
            }
            if let Some(p) = self.pools.get_mut(&pool) {
                p.entries += 1;
            }
            length = c.length;
            let entry = Entry {
                length: c.length,
                pool: Some(pool),
                handle: Some(c.handle),
                data: c.data,
                bytes_known: c.bytes_known,
                same_value: None,
                raw: c.raw,
                memcg,
                charged: false,
                referenced: true,
                lru_seq: None,
            };
            self.insert_entry(first + i as u64, entry, objcg);
        }
        Ok(length)
    }

    /// `zswap_check_limits()` (6.12+): the rejection, if the store must be rejected.
    fn check_limits(&mut self) -> Option<RejectReason> {
        let cur = self.total_pages();
        let max = self.total_ram_pages * u64::from(self.max_pool_percent()) / 100;
        if cur >= max {
            self.raw.pool_limit_hit += 1;
            self.reached_full = true;
            return Some(RejectReason::PoolLimit);
        }
        if self.reached_full && cur <= self.accept_thr_pages() {
            self.reached_full = false;
        }
        self.reached_full
            .then_some(RejectReason::PoolLimitHysteresis)
    }

    /// The 6.12+ accept threshold in pages (`zswap_accept_thr_pages`).
    pub(crate) fn accept_thr_pages(&self) -> u64 {
        let max = self.total_ram_pages * u64::from(self.max_pool_percent()) / 100;
        max * u64::from(self.accept_threshold_percent()) / 100
    }
}
