//! zsmalloc as zswap (and zram) see it: size classes, zspages and `pages_allocated`.
//!
//! Covers `mm/zsmalloc.c` of 6.1, 6.12 and 6.18 (docs/kernel-notes.md §4): the class table
//! built once
//! per pool (6.1 max-used-percentage chain rule with 4 pages, 6.3+ min-waste rule with chain 8),
//! class merging, the huge class, zspage choice by fullness group and LIFO object free lists.
//! Compaction (`zs_compact`, run by zsmalloc's own shrinker) is not modelled.

use std::collections::BTreeMap;

use crate::era::KernelEra;
use crate::page::PAGE_SIZE;

const ZS_MIN_ALLOC_SIZE: u32 = 32;
const ZS_SIZE_CLASS_DELTA: u32 = 16;
const ZS_SIZE_CLASSES: usize = 255;
const ZS_HANDLE_SIZE: u32 = 8;

/// One distinct size class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeClass {
    /// Class index (the largest index of a merged run).
    pub index: usize,
    /// Slot size in bytes, handle included.
    pub size: u32,
    /// Pages chained into one zspage.
    pub pages_per_zspage: u32,
    /// Objects one zspage holds.
    pub objs_per_zspage: u32,
}

/// The class table of one era; the kernel builds the same table for every pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassTable {
    classes: Vec<SizeClass>,
    by_index: Vec<usize>,
    huge_class_size: u32,
}

fn chain_max_used(size: u32, max_pages: u32) -> u32 {
    let mut best_pct = 0;
    let mut best = 1;
    for k in 1..=max_pages {
        let zspage = k * PAGE_SIZE as u32;
        let waste = zspage % size;
        let used_pct = (zspage - waste) * 100 / zspage;
        if used_pct > best_pct {
            best_pct = used_pct;
            best = k;
        }
    }
    best
}

fn chain_min_waste(size: u32, max_pages: u32) -> u32 {
    if size.is_power_of_two() {
        return 1;
    }
    let mut best = 1;
    let mut min_waste = u32::MAX;
    for k in 1..=max_pages {
        let waste = (k * PAGE_SIZE as u32) % size;
        if waste < min_waste {
            min_waste = waste;
            best = k;
        }
    }
    best
}

impl ClassTable {
    /// Builds the table the way `zs_create_pool` does for `era`.
    pub fn for_era(era: KernelEra) -> ClassTable {
        let max_pages = era.zsmalloc_max_pages_per_zspage();
        let mut rev: Vec<SizeClass> = Vec::new();
        let mut by_index = vec![0usize; ZS_SIZE_CLASSES];
        let mut huge_class_size = 0;
        for i in (0..ZS_SIZE_CLASSES).rev() {
            let size = (ZS_MIN_ALLOC_SIZE + ZS_SIZE_CLASS_DELTA * i as u32).min(PAGE_SIZE as u32);
            let ppz = match era {
                KernelEra::V6_1 => chain_max_used(size, max_pages),
                KernelEra::V6_12 | KernelEra::V6_18 => chain_min_waste(size, max_pages),
            };
            let opz = ppz * PAGE_SIZE as u32 / size;
            if huge_class_size == 0 && ppz != 1 && opz != 1 {
                huge_class_size = size - (ZS_HANDLE_SIZE - 1);
            }
            if let Some(prev) = rev.last()
                && prev.pages_per_zspage == ppz
                && prev.objs_per_zspage == opz
            {
                by_index[i] = rev.len() - 1;
                continue;
            }
            rev.push(SizeClass {
                index: i,
                size,
                pages_per_zspage: ppz,
                objs_per_zspage: opz,
            });
            by_index[i] = rev.len() - 1;
        }
        // Store smallest first; remap positions.
        let n = rev.len();
        rev.reverse();
        for slot in &mut by_index {
            *slot = n - 1 - *slot;
        }
        ClassTable {
            classes: rev,
            by_index,
            huge_class_size,
        }
    }

    /// Distinct classes, smallest first.
    pub fn classes(&self) -> &[SizeClass] {
        &self.classes
    }

    /// `zs_huge_class_size()`: objects of at least this many bytes get a page of their own.
    pub fn huge_class_size(&self) -> u32 {
        self.huge_class_size
    }

    /// Position in [`ClassTable::classes`] of the class an object of `len` bytes (handle not
    /// included, 1..=4096) is placed in.
    pub fn class_pos_for(&self, len: u32) -> usize {
        let s = len + ZS_HANDLE_SIZE;
        let idx = if s <= ZS_MIN_ALLOC_SIZE {
            0
        } else {
            (s - ZS_MIN_ALLOC_SIZE).div_ceil(ZS_SIZE_CLASS_DELTA) as usize
        };
        self.by_index[idx.min(ZS_SIZE_CLASSES - 1)]
    }

    /// The class an object of `len` bytes is placed in.
    pub fn class_for(&self, len: u32) -> SizeClass {
        self.classes[self.class_pos_for(len)]
    }
}

/// Why zsmalloc refused an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZsError {
    /// -EINVAL: size 0, or (6.1) larger than a page.
    Invalid,
    /// -ENOSPC: larger than a page (6.12+).
    NoSpace,
}

/// Handle of one zsmalloc object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZsHandle(u64);

#[derive(Debug, Clone)]
struct Zspage {
    class: usize,
    inuse: u32,
    /// Free object indices; the last element is the head of the kernel's free list.
    free: Vec<u32>,
    group: usize,
}

#[derive(Debug, Clone, Default)]
struct ClassState {
    /// Fullness groups; each list has its head at position 0.
    groups: Vec<Vec<u64>>,
    objs_inuse: u64,
    zspages: u64,
}

/// Number of fullness groups: 6.1 EMPTY/ALMOST_EMPTY/ALMOST_FULL/FULL; 6.12+ 0%, 10..99%, 100%.
fn group_count(era: KernelEra) -> usize {
    match era {
        KernelEra::V6_1 => 4,
        _ => 12,
    }
}

/// One zsmalloc pool (`struct zs_pool`).
#[derive(Debug, Clone)]
pub struct ZsPool {
    era: KernelEra,
    table: ClassTable,
    classes: Vec<ClassState>,
    zspages: BTreeMap<u64, Zspage>,
    next_zspage: u64,
    handles: BTreeMap<ZsHandle, (u64, u32)>,
    next_handle: u64,
    pages_allocated: u64,
}

impl ZsPool {
    /// An empty pool of `era`.
    pub fn new(era: KernelEra) -> ZsPool {
        let table = ClassTable::for_era(era);
        let classes = table
            .classes()
            .iter()
            .map(|_| ClassState {
                groups: vec![Vec::new(); group_count(era)],
                ..ClassState::default()
            })
            .collect();
        ZsPool {
            era,
            table,
            classes,
            zspages: BTreeMap::new(),
            next_zspage: 0,
            handles: BTreeMap::new(),
            next_handle: 1,
            pages_allocated: 0,
        }
    }

    /// The pool's class table.
    pub fn table(&self) -> &ClassTable {
        &self.table
    }

    /// `zs_get_total_pages()`: pages held by all zspages.
    pub fn total_pages(&self) -> u64 {
        self.pages_allocated
    }

    /// Objects currently allocated.
    pub fn objects(&self) -> usize {
        self.handles.len()
    }

    /// Σ over zspages of their pages, recomputed from the zspages themselves.
    pub fn zspage_pages_sum(&self) -> u64 {
        self.zspages
            .values()
            .map(|z| u64::from(self.table.classes()[z.class].pages_per_zspage))
            .sum()
    }

    /// Per distinct class: (class, zspages, objects in use).
    pub fn class_usage(&self) -> impl Iterator<Item = (SizeClass, u64, u64)> + '_ {
        self.table
            .classes()
            .iter()
            .zip(&self.classes)
            .map(|(c, s)| (*c, s.zspages, s.objs_inuse))
    }

    fn fullness(&self, class: usize, inuse: u32) -> usize {
        let objs = self.table.classes()[class].objs_per_zspage;
        match self.era {
            KernelEra::V6_1 => {
                if inuse == 0 {
                    0
                } else if inuse == objs {
                    3
                } else if inuse <= 3 * objs / 4 {
                    1
                } else {
                    2
                }
            }
            _ => {
                if inuse == 0 {
                    0
                } else if inuse == objs {
                    11
                } else {
                    (100 * inuse / objs / 10 + 1) as usize
                }
            }
        }
    }

    fn insert(&mut self, id: u64, group: usize) {
        let inuse = self.zspages[&id].inuse;
        let class = self.zspages[&id].class;
        let list = &mut self.classes[class].groups[group];
        // 6.1 keeps the zspage with more objects in use at the head.
        let after_head = self.era == KernelEra::V6_1
            && list
                .first()
                .is_some_and(|h| inuse < self.zspages.get(h).map_or(0, |z| z.inuse));
        if after_head {
            list.insert(1, id);
        } else {
            list.insert(0, id);
        }
        if let Some(z) = self.zspages.get_mut(&id) {
            z.group = group;
        }
    }

    fn remove(&mut self, id: u64) {
        let (class, group) = (self.zspages[&id].class, self.zspages[&id].group);
        let list = &mut self.classes[class].groups[group];
        if let Some(p) = list.iter().position(|&x| x == id) {
            list.remove(p);
        }
    }

    fn fix_fullness(&mut self, id: u64) -> usize {
        let z = &self.zspages[&id];
        let new = self.fullness(z.class, z.inuse);
        if new != z.group {
            self.remove(id);
            self.insert(id, new);
        }
        new
    }

    /// `zs_malloc(size)`: places an object of `size` bytes and returns its handle.
    pub fn malloc(&mut self, size: usize) -> Result<ZsHandle, ZsError> {
        if size == 0 {
            return Err(ZsError::Invalid);
        }
        if size > PAGE_SIZE {
            return Err(match self.era {
                KernelEra::V6_1 => ZsError::Invalid,
                _ => ZsError::NoSpace,
            });
        }
        let class = self.table.class_pos_for(size as u32);
        let found = self.classes[class]
            .groups
            .iter()
            .take(group_count(self.era) - 1)
            .rev()
            .find_map(|l| l.first().copied());
        let (id, created) = match found {
            Some(id) => (id, false),
            None => {
                let c = self.table.classes()[class];
                let id = self.next_zspage;
                self.next_zspage += 1;
                self.zspages.insert(
                    id,
                    Zspage {
                        class,
                        inuse: 0,
                        free: (0..c.objs_per_zspage).rev().collect(),
                        group: 0,
                    },
                );
                self.pages_allocated += u64::from(c.pages_per_zspage);
                self.classes[class].zspages += 1;
                (id, true)
            }
        };
        let obj = match self.zspages.get_mut(&id) {
            Some(z) => {
                z.inuse += 1;
                z.free.pop().unwrap_or(0)
            }
            None => 0,
        };
        if created {
            let g = self.fullness(class, 1);
            self.insert(id, g);
        } else {
            self.fix_fullness(id);
        }
        self.classes[class].objs_inuse += 1;
        let handle = ZsHandle(self.next_handle);
        self.next_handle += 1;
        self.handles.insert(handle, (id, obj));
        Ok(handle)
    }

    /// `zs_free(handle)`; frees the zspage when its last object goes. Unknown handles are
    /// ignored (the kernel would corrupt memory; the model refuses silently).
    pub fn free(&mut self, handle: ZsHandle) {
        let Some((id, obj)) = self.handles.remove(&handle) else {
            return;
        };
        let class = match self.zspages.get_mut(&id) {
            Some(z) => {
                z.inuse -= 1;
                z.free.push(obj);
                z.class
            }
            None => return,
        };
        self.classes[class].objs_inuse -= 1;
        if self.fix_fullness(id) == 0 {
            self.remove(id);
            self.zspages.remove(&id);
            let c = self.table.classes()[class];
            self.pages_allocated -= u64::from(c.pages_per_zspage);
            self.classes[class].zspages -= 1;
        }
    }

    /// Where an object lives: (zspage id, object index inside it).
    pub fn location(&self, handle: ZsHandle) -> Option<(u64, u32)> {
        self.handles.get(&handle).copied()
    }
}

#[cfg(test)]
mod tests;
