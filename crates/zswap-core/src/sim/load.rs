//! Load, invalidate and entry freeing (docs/kernel-notes.md §3.7, §3.8).

use super::memcg::Event;
use super::zswap::{Fault, Zswap};
use crate::era::KernelEra;
use crate::page::PAGE_SIZE;

/// What a swap-in of one slot found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadOutcome {
    /// zswap had the page; it is now in the caller's buffer.
    Loaded,
    /// 6.12+: the slot is in the swap zeromap; the buffer is zero-filled (`swpin_zero`).
    ZeroMap,
    /// zswap does not have the slot (-ENOENT / -1): the swap device is read.
    NotFound,
    /// Decompression failed: 6.18+ -EIO with `decompress_fail`, entry kept; in 6.1 and 6.12
    /// the kernel would `BUG()` (the model leaves its state as it was at that point).
    DecompressFailed,
}

impl Zswap {
    /// Swap-in through the swap cache (the normal path): 6.12+ frees the entry afterwards,
    /// 6.1 keeps it (non-exclusive loads).
    pub fn load(&mut self, slot: u64, page: &mut [u8; 4096]) -> LoadOutcome {
        self.load_inner(slot, page, true)
    }

    /// 6.12+ swap-in that bypasses the swap cache (`SWP_SYNCHRONOUS_IO` singleton faults):
    /// the entry stays. In 6.1 the same as [`Zswap::load`].
    pub fn load_uncached(&mut self, slot: u64, page: &mut [u8; 4096]) -> LoadOutcome {
        self.load_inner(slot, page, false)
    }

    fn load_inner(&mut self, slot: u64, page: &mut [u8; 4096], swapcache: bool) -> LoadOutcome {
        if self.era == KernelEra::V6_1 {
            if !self.frontswap_map.contains(&slot) || !self.entries.contains_key(&slot) {
                return LoadOutcome::NotFound;
            }
            if !self.decompress_entry(slot, page) {
                return LoadOutcome::DecompressFailed;
            }
            self.count_load(slot);
            self.raw.fs.loads += 1;
            return LoadOutcome::Loaded;
        }
        if self.zeromap.contains(&slot) {
            page.fill(0);
            self.raw.swpin_zero += 1;
            return LoadOutcome::ZeroMap;
        }
        if !self.ever_enabled || !self.entries.contains_key(&slot) {
            return LoadOutcome::NotFound;
        }
        if !self.decompress_entry(slot, page) {
            return LoadOutcome::DecompressFailed;
        }
        self.count_load(slot);
        if swapcache {
            self.free_entry(slot);
        }
        LoadOutcome::Loaded
    }

    fn count_load(&mut self, slot: u64) {
        self.raw.zswpin += 1;
        if let Some(e) = self.entries.get(&slot)
            && e.memcg != super::memcg::MemcgId::ROOT
        {
            let m = e.memcg;
            self.memcgs.count(m, Event::In, 1);
        }
    }

    /// `zswap_decompress`: fills `page` from the entry at `slot`; false on failure (6.18+
    /// counts `decompress_fail`).
    pub(crate) fn decompress_entry(&mut self, slot: u64, page: &mut [u8; 4096]) -> bool {
        let fault = self.take_fault(Fault::Decompress);
        let Some(e) = self.entries.get(&slot) else {
            return false;
        };
        let ok = if fault {
            false
        } else if let Some(v) = e.same_value {
            for w in page.chunks_exact_mut(8) {
                w.copy_from_slice(&v.to_ne_bytes());
            }
            true
        } else if !e.bytes_known {
            // Stored from a known length (FolioSource): the model has no bytes to give.
            true
        } else if e.raw {
            page.copy_from_slice(&e.data);
            true
        } else {
            match e.pool.and_then(|p| self.pools.get_mut(&p)) {
                Some(p) => p.codec.decompress(&e.data, page) == Ok(PAGE_SIZE),
                None => false,
            }
        };
        if !ok && self.era == KernelEra::V6_18 {
            self.raw.decompress_fail += 1;
        }
        ok
    }

    /// The swap slot is freed (`zswap_invalidate` / frontswap `invalidate_page`).
    pub fn invalidate(&mut self, slot: u64) {
        self.disk.remove(&slot);
        if self.era == KernelEra::V6_1 {
            if self.frontswap_map.remove(&slot) {
                self.free_entry(slot);
                self.raw.fs.invalidates += 1;
            }
            return;
        }
        self.zeromap.remove(&slot);
        self.free_entry(slot);
    }

    /// swapoff: every slot is invalidated.
    pub fn swapoff(&mut self) {
        let slots: Vec<u64> = self
            .entries
            .keys()
            .chain(self.zeromap.iter())
            .chain(self.disk.keys())
            .chain(self.frontswap_map.iter())
            .copied()
            .collect();
        for s in slots {
            self.invalidate(s);
        }
    }

    /// `zswap_entry_free`: LRU, allocator, pool reference, memcg charge, gauges.
    pub(crate) fn free_entry(&mut self, slot: u64) -> bool {
        let Some(e) = self.entries.remove(&slot) else {
            return false;
        };
        if let Some(seq) = e.lru_seq {
            self.lru.del(e.memcg, seq);
        }
        if let Some(pid) = e.pool {
            if let Some(p) = self.pools.get_mut(&pid) {
                if let Some(h) = e.handle {
                    p.alloc.free(h);
                    p.owners.remove(&h);
                }
                p.entries = p.entries.saturating_sub(1);
            }
            self.reap_pools();
        }
        if e.charged {
            self.memcgs.charge(e.memcg, u64::from(e.length), false);
        }
        self.raw.stored_pages = self.raw.stored_pages.saturating_sub(1);
        if e.same_value.is_some() {
            self.raw.same_filled_pages = self.raw.same_filled_pages.saturating_sub(1);
        }
        if e.raw {
            self.raw.stored_incompressible_pages =
                self.raw.stored_incompressible_pages.saturating_sub(1);
        }
        if self.era == KernelEra::V6_1 {
            self.refresh_cached_total_size();
        }
        true
    }
}
