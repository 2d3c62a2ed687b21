//! What the analysed pages would cost in RAM as zswap and as zram, each kind's own metadata
//! included (`docs/zram.md`, "Total cost"). Pure: no I/O.
//!
//! Counted: zswap's pool, one `struct zswap_entry` per stored page and its index (6.1: the
//! rbtree node inside the entry; 6.12+: the xarray nodes); zram's `mem_used_total` and its
//! slot table (`struct zram_table_entry` per 4 KiB of disk size). Left out of both: what
//! they share or what does not grow with the pages (zsmalloc handles and zspage
//! descriptors, per-CPU compression buffers, the swap device's own per-slot maps).

use serde::Serialize;
use zswap_core::KernelEra;
use zswap_core::page::PAGE_SIZE;
use zswap_core::sim::{XA_CHUNK_SHIFT, XA_NODE_SIZE, ZSWAP_SLOTS_PER_TREE};

/// zswap's memory for the pages: pool plus its per-entry structures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ZswapCost {
    /// zsmalloc pool (`pool_total_size`).
    pub pool_bytes: u64,
    /// `zswap_entry` objects: one per stored page (6.1: same-filled pages too).
    pub entries: u64,
    /// Bytes of one entry in this era (64 in 6.1, 56 later).
    pub entry_size_bytes: u64,
    /// entries × entry_size_bytes.
    pub entry_bytes: u64,
    /// The index counted: `rbtree` (6.1, node inside each entry, so no bytes of its own) or
    /// `xarray` (6.12+).
    pub index: &'static str,
    /// xarray nodes of the index (6.12+), for pages at consecutive swap offsets from 1, as a
    /// fresh swap device hands them out; 0 in 6.1, whose rbtree node is inside the entry.
    pub index_nodes: u64,
    /// index_nodes × 576 bytes.
    pub index_bytes: u64,
    /// pool + entries + index.
    pub total_bytes: u64,
}

/// zram's memory for the pages: `mem_used_total` plus the slot table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ZramCost {
    /// `mm_stat` `mem_used_total` after writing the pages once to a fresh device.
    pub mem_used_bytes: u64,
    /// The device's disk size (default: just large enough for the pages).
    pub disksize_bytes: u64,
    /// Bytes of one `zram_table_entry` in this era (24 in the 6.1 and 6.12 builds tested,
    /// 16 in 6.18 and 7.x).
    pub table_entry_bytes: u64,
    /// disksize / 4096 slots × table_entry_bytes.
    pub table_bytes: u64,
    /// mem_used + table.
    pub total_bytes: u64,
}

/// xarray nodes holding `entries` entries at swap offsets 1..=entries, with zswap's split of
/// the offsets into one xarray per [`ZSWAP_SLOTS_PER_TREE`] slots (each keyed by the full
/// offset). A tree's height is the fewest levels whose span covers its largest index; each
/// level has one node per distinct `index >> (6 × (level + 1))` of its indices.
pub fn xarray_nodes(entries: u64) -> u64 {
    if entries == 0 {
        return 0;
    }
    let last = entries; // offsets 1..=entries
    let mut nodes = 0;
    let mut tree_start = 0;
    while tree_start <= last {
        let lo = tree_start.max(1);
        let hi = (tree_start + ZSWAP_SLOTS_PER_TREE - 1).min(last);
        let mut level = 0;
        loop {
            let shift = XA_CHUNK_SHIFT * (level + 1);
            nodes += (hi >> shift) - (lo >> shift) + 1;
            // the node at this level covers the whole index range once its span passes hi
            if hi >> shift == 0 {
                break;
            }
            level += 1;
        }
        tree_start += ZSWAP_SLOTS_PER_TREE;
    }
    nodes
}

impl ZswapCost {
    /// The cost of `entries` entries and a pool of `pool_bytes` under `era`.
    pub fn new(era: KernelEra, entries: u64, pool_bytes: u64) -> ZswapCost {
        let entry_size_bytes = era.zswap_entry_size();
        let entry_bytes = entries * entry_size_bytes;
        let index_nodes = if era.has_zswap_xarray() {
            xarray_nodes(entries)
        } else {
            0
        };
        let index_bytes = index_nodes * XA_NODE_SIZE;
        ZswapCost {
            pool_bytes,
            index: if era.has_zswap_xarray() {
                "xarray"
            } else {
                "rbtree"
            },
            entries,
            entry_size_bytes,
            entry_bytes,
            index_nodes,
            index_bytes,
            total_bytes: pool_bytes + entry_bytes + index_bytes,
        }
    }
}

impl ZramCost {
    /// The cost of a device of `disksize_bytes` holding `mem_used_bytes` under `era`.
    pub fn new(era: KernelEra, mem_used_bytes: u64, disksize_bytes: u64) -> ZramCost {
        ZramCost::with_entry_size(era.zram_table_entry_size(), mem_used_bytes, disksize_bytes)
    }

    /// The same cost for a device of `disksize_bytes` instead.
    pub fn resized(&self, disksize_bytes: u64) -> ZramCost {
        ZramCost::with_entry_size(self.table_entry_bytes, self.mem_used_bytes, disksize_bytes)
    }

    fn with_entry_size(entry: u64, mem_used_bytes: u64, disksize_bytes: u64) -> ZramCost {
        // the kernel rounds the disk size up to whole pages, one slot each
        let table_bytes = disksize_bytes.div_ceil(PAGE_SIZE as u64) * entry;
        ZramCost {
            mem_used_bytes,
            disksize_bytes,
            table_entry_bytes: entry,
            table_bytes,
            total_bytes: mem_used_bytes + table_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_needs_one_leaf_node() {
        assert_eq!(xarray_nodes(1), 1);
        assert_eq!(xarray_nodes(0), 0);
    }

    #[test]
    fn the_first_tree_grows_a_level_past_64_offsets() {
        // offsets 1..=63 fit one node; offset 64 needs a second leaf and a parent
        assert_eq!(xarray_nodes(63), 1);
        assert_eq!(xarray_nodes(64), 3);
    }

    #[test]
    fn a_second_tree_is_three_levels_deep() {
        // tree 0: 1..=16383 → 256 leaves, 4 middle nodes, 1 root; tree 1: 16384 → 1+1+1
        assert_eq!(xarray_nodes(16383), 256 + 4 + 1);
        assert_eq!(xarray_nodes(16384), 256 + 4 + 1 + 3);
    }

    #[test]
    fn zswap_6_1_counts_the_rbtree_inside_the_entry() {
        let c = ZswapCost::new(KernelEra::V6_1, 1000, 4096);
        assert_eq!((c.entry_bytes, c.index_bytes), (64_000, 0));
        assert_eq!(c.total_bytes, 4096 + 64_000);
    }

    #[test]
    fn zswap_6_18_adds_xarray_nodes() {
        let c = ZswapCost::new(KernelEra::V6_18, 100, 8192);
        assert_eq!(c.entry_bytes, 5600);
        assert_eq!(c.index_nodes, 3);
        assert_eq!(c.total_bytes, 8192 + 5600 + 3 * 576);
    }

    #[test]
    fn zram_table_follows_disk_size_and_era() {
        let c = ZramCost::new(KernelEra::V6_18, 40960, 3000 * 4096);
        assert_eq!(c.table_bytes, 48_000);
        assert_eq!(c.total_bytes, 40960 + 48_000);
        assert_eq!(
            ZramCost::new(KernelEra::V6_12, 0, 4096 * 10).table_bytes,
            240
        );
    }

    #[test]
    fn resizing_keeps_the_era_entry_size() {
        let c = ZramCost::new(KernelEra::V6_1, 4096, 4096).resized(8192);
        assert_eq!((c.table_bytes, c.total_bytes), (48, 4096 + 48));
    }
}
