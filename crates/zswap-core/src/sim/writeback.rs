//! Writeback (docs/kernel-notes.md §3.9): 6.1 zbud LRU eviction through the pool's shrink work;
//! 6.12+ the global LRU with second chance, the shrink worker's round-robin over memcgs, the
//! synchronous memcg-limit shrink and the `mm-zswap` shrinker.

use super::config::ZpoolKind;
use super::memcg::{Event, MemcgId};
use super::pool::{Allocator, Handle};
use super::zswap::{Fault, Zswap};
use crate::era::KernelEra;

const MAX_RECLAIM_RETRIES: u32 = 16;
const ZBUD_RECLAIM_RETRIES: u32 = 8;

/// What one run of the shrink worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShrinkReport {
    /// True if and only if work was queued (and so ran).
    pub ran: bool,
    /// Entries written back.
    pub written_back: u64,
    /// Failures counted towards `MAX_RECLAIM_RETRIES` (6.12+) or failed shrinks (6.1).
    pub failures: u32,
}

/// What one shrinker scan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShrinkerScan {
    /// Entries written back (the scan's return value; 0 means `SHRINK_STOP`).
    pub freed: u64,
    /// Entries visited.
    pub scanned: u64,
    /// The walk stopped early (shrinker off, writeback off, or a folio was found in the
    /// swap cache).
    pub stopped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WalkStep {
    Rotated,
    Removed,
    Failed { exists: bool },
}

/// Why `shrink_memcg` did not write back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShrinkError {
    NoEntry,
    Again,
}

impl Zswap {
    /// True if and only if the global shrink work (6.12+) or a pool's shrink work (6.1) is
    /// queued.
    pub fn shrink_work_pending(&self) -> bool {
        self.shrink_pending || self.pools.values().any(|p| p.shrink_pending)
    }

    /// Runs the queued shrink work to completion, as the `zswap-shrink` workqueue would.
    pub fn run_shrink_worker(&mut self) -> ShrinkReport {
        if self.era == KernelEra::V6_1 {
            return self.shrink_queued_pools();
        }
        let mut rep = ShrinkReport::default();
        if !self.shrink_pending {
            return rep;
        }
        self.shrink_pending = false;
        rep.ran = true;
        let thr = self.accept_thr_pages();
        let mut attempts = 0u32;
        loop {
            let memcg = self.memcgs.next_preorder(self.next_shrink);
            self.next_shrink = memcg;
            match memcg {
                None => {
                    if attempts == 0 {
                        rep.failures += 1;
                        if rep.failures == MAX_RECLAIM_RETRIES {
                            break;
                        }
                    }
                    attempts = 0;
                }
                Some(m) => match self.shrink_memcg(m) {
                    Ok(()) => {
                        attempts += 1;
                        rep.written_back += 1;
                    }
                    Err(ShrinkError::NoEntry) => {}
                    Err(ShrinkError::Again) => {
                        attempts += 1;
                        rep.failures += 1;
                        if rep.failures == MAX_RECLAIM_RETRIES {
                            break;
                        }
                    }
                },
            }
            if self.total_pages() <= thr {
                break;
            }
        }
        rep
    }

    /// `shrink_memcg`: one LRU entry of `memcg` (one NUMA node).
    pub(crate) fn shrink_memcg(&mut self, memcg: MemcgId) -> Result<(), ShrinkError> {
        if !self.writeback_enabled(memcg) {
            return Err(ShrinkError::NoEntry);
        }
        let (_, scanned, freed, _) = self.walk(memcg, 1, false);
        if scanned == 0 {
            return Err(ShrinkError::NoEntry);
        }
        if freed > 0 {
            Ok(())
        } else {
            Err(ShrinkError::Again)
        }
    }

    /// `list_lru_walk_one` with `shrink_memcg_cb`: (stopped, scanned, freed, found_exists).
    fn walk(&mut self, memcg: MemcgId, nr: u64, in_shrinker: bool) -> (bool, u64, u64, bool) {
        let mut left = nr;
        let (mut scanned, mut freed) = (0, 0);
        while left > 0 {
            let Some((seq, slot)) = self.lru.head(memcg) else {
                break;
            };
            let only = self.lru.len(memcg) == 1;
            left -= 1;
            scanned += 1;
            match self.shrink_cb(memcg, seq, slot) {
                // The walk's cursor reaches the list end after rotating a lone entry.
                WalkStep::Rotated if only => break,
                WalkStep::Rotated => {}
                WalkStep::Removed => freed += 1,
                WalkStep::Failed { exists } => {
                    if exists && in_shrinker {
                        return (true, scanned, freed, true);
                    }
                }
            }
        }
        (false, scanned, freed, false)
    }

    /// `shrink_memcg_cb`: second chance, then writeback.
    fn shrink_cb(&mut self, memcg: MemcgId, seq: u64, slot: u64) -> WalkStep {
        let new_seq = self.lru.rotate(memcg, seq);
        let Some(e) = self.entries.get_mut(&slot) else {
            return WalkStep::Rotated;
        };
        e.lru_seq = Some(new_seq);
        if e.referenced {
            e.referenced = false;
            return WalkStep::Rotated;
        }
        match self.writeback_entry(slot) {
            Ok(()) => {
                self.raw.written_back_pages += 1;
                WalkStep::Removed
            }
            Err(exists) => {
                self.raw.reject_reclaim_fail += 1;
                WalkStep::Failed { exists }
            }
        }
    }

    /// `zswap_writeback_entry` (6.12+): Err(true) for -EEXIST, Err(false) otherwise.
    fn writeback_entry(&mut self, slot: u64) -> Result<(), bool> {
        if self.take_fault(Fault::SwapCacheExists) {
            return Err(true);
        }
        let mut page = Box::new([0u8; 4096]);
        if !self.decompress_entry(slot, &mut page) {
            return Err(false);
        }
        self.raw.zswpwb += 1;
        if let Some(e) = self.entries.get(&slot)
            && e.memcg != MemcgId::ROOT
        {
            let m = e.memcg;
            self.memcgs.count(m, Event::Wb, 1);
        }
        self.free_entry(slot);
        self.disk.insert(slot, page);
        Ok(())
    }

    /// 6.1 `shrink_worker` for every pool whose work is queued: `zpool_shrink(pool, 1)`.
    fn shrink_queued_pools(&mut self) -> ShrinkReport {
        let mut rep = ShrinkReport::default();
        let queued: Vec<u32> = self
            .pools
            .values()
            .filter(|p| p.shrink_pending)
            .map(|p| p.id)
            .collect();
        for id in queued {
            rep.ran = true;
            let kind = match self.pools.get_mut(&id) {
                Some(p) => {
                    p.shrink_pending = false;
                    p.kind
                }
                None => continue,
            };
            let ok = kind == ZpoolKind::Zbud && self.zbud_reclaim(id, &mut rep);
            if !ok {
                self.raw.reject_reclaim_fail += 1;
                rep.failures += 1;
            }
        }
        rep
    }

    /// `zbud_reclaim_page(pool, 8)` with `zswap_writeback_entry` as the evict callback.
    fn zbud_reclaim(&mut self, id: u32, rep: &mut ShrinkReport) -> bool {
        for _ in 0..ZBUD_RECLAIM_RETRIES {
            let begun = match self.pools.get_mut(&id).map(|p| &mut p.alloc) {
                Some(Allocator::Zbud(z)) => z.reclaim_begin(),
                _ => None,
            };
            let Some((page, handles)) = begun else {
                return false;
            };
            for h in handles {
                let slot = self
                    .pools
                    .get(&id)
                    .and_then(|p| p.owners.get(&Handle::Zbud(h)).copied());
                let ok = match slot {
                    Some(slot) => self.writeback_zpool_entry(slot),
                    None => true,
                };
                if !ok {
                    break;
                }
                rep.written_back += 1;
            }
            let freed = match self.pools.get_mut(&id).map(|p| &mut p.alloc) {
                Some(Allocator::Zbud(z)) => z.reclaim_end(page),
                _ => false,
            };
            if freed {
                return true;
            }
        }
        false
    }

    /// 6.1 `zswap_writeback_entry(zpool, handle)`.
    fn writeback_zpool_entry(&mut self, slot: u64) -> bool {
        if self.take_fault(Fault::SwapCacheExists) {
            return false;
        }
        let mut page = Box::new([0u8; 4096]);
        if !self.decompress_entry(slot, &mut page) {
            return false;
        }
        self.raw.written_back_pages += 1;
        self.free_entry(slot);
        self.disk.insert(slot, page);
        true
    }

    /// `zswap_shrinker_scan` for `memcg` with `nr_to_scan` (6.12+; 6.1 has no shrinker).
    pub fn shrinker_scan(&mut self, memcg: MemcgId, nr_to_scan: u64) -> ShrinkerScan {
        if self.era == KernelEra::V6_1 || !self.shrinker_enabled() || !self.writeback_enabled(memcg)
        {
            return ShrinkerScan {
                stopped: true,
                ..ShrinkerScan::default()
            };
        }
        let (stopped, scanned, freed, _) = self.walk(memcg, nr_to_scan, true);
        ShrinkerScan {
            freed,
            scanned,
            stopped: stopped || freed == 0,
        }
    }

    /// `zswap_shrinker_count` for `memcg` in a `GFP_KERNEL` reclaim: LRU length minus recent
    /// disk swap-ins (consumed), scaled by compressed/stored pages of the cgroup.
    pub fn shrinker_count(&mut self, memcg: MemcgId) -> u64 {
        if self.era == KernelEra::V6_1 || !self.shrinker_enabled() || !self.writeback_enabled(memcg)
        {
            return 0;
        }
        let Some(m) = self.memcgs.get(memcg) else {
            return 0;
        };
        let nr_backing = m.zswap_b >> 12;
        let nr_stored = m.zswapped;
        if nr_stored == 0 {
            return 0;
        }
        let mut nr_freeable = self.lru.len(memcg) as u64;
        if nr_freeable == 0 {
            return 0;
        }
        let swapins = m.nr_disk_swapins;
        let remain = swapins.saturating_sub(nr_freeable);
        if let Some(m) = self.memcgs.get_mut(memcg) {
            m.nr_disk_swapins = remain;
        }
        nr_freeable -= swapins - remain;
        if nr_freeable == 0 {
            return 0;
        }
        // mult_frac(nr_freeable, nr_backing, nr_stored)
        (nr_freeable / nr_stored) * nr_backing + (nr_freeable % nr_stored) * nr_backing / nr_stored
    }

    /// `zswap_folio_swapin`: a swap-in had to read the swap device (feeds the shrinker).
    pub fn record_disk_swapin(&mut self, memcg: MemcgId) {
        if let Some(m) = self.memcgs.get_mut(memcg) {
            m.nr_disk_swapins += 1;
        }
    }
}

impl Zswap {
    /// `mem_cgroup_zswap_writeback_enabled`: true while zswap is disabled (so pages are not
    /// held back from the swap device), else every level up to the root must allow it.
    pub(crate) fn writeback_enabled(&self, memcg: MemcgId) -> bool {
        !self.enabled() || self.memcgs.writeback_enabled(memcg)
    }
}
