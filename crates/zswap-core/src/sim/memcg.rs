//! Memory cgroups as zswap uses them (`mm/memcontrol.c`, docs/kernel-notes.md §2.4): hierarchical
//! `zswap`/`zswapped` state, events, `memory.zswap.max` and `memory.zswap.writeback`.

use crate::page::PAGE_SIZE;

/// A memory cgroup of the model. [`MemcgId::ROOT`] always exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemcgId(pub(crate) u32);

impl MemcgId {
    /// The root cgroup. Pages charged to it have no objcg: no zswap charge, no memcg events.
    pub const ROOT: MemcgId = MemcgId(0);
}

/// The zswap keys of one cgroup's `memory.stat` plus `memory.zswap.current`; hierarchical
/// (the cgroup and its descendants), as the kernel reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemcgZswapStat {
    /// `memory.stat: zswap` and `memory.zswap.current`: bytes = Σ compressed lengths.
    pub zswap: u64,
    /// `memory.stat: zswapped`: entries × PAGE_SIZE.
    pub zswapped: u64,
    /// `memory.stat: zswpin`.
    pub zswpin: u64,
    /// `memory.stat: zswpout`.
    pub zswpout: u64,
    /// `memory.stat: zswpwb` (6.12+).
    pub zswpwb: Option<u64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Memcg {
    pub(crate) parent: Option<MemcgId>,
    pub(crate) children: Vec<MemcgId>,
    /// `memory.zswap.max` in pages; None = `max`.
    pub(crate) zswap_max: Option<u64>,
    pub(crate) zswap_writeback: bool,
    /// Hierarchical state and events.
    pub(crate) zswap_b: u64,
    pub(crate) zswapped: u64,
    pub(crate) zswpin: u64,
    pub(crate) zswpout: u64,
    pub(crate) zswpwb: u64,
    /// Disk swap-ins recorded for the shrinker (lruvec `nr_disk_swapins`).
    pub(crate) nr_disk_swapins: u64,
}

impl Memcg {
    fn new(parent: Option<MemcgId>) -> Memcg {
        Memcg {
            parent,
            children: Vec::new(),
            zswap_max: None,
            zswap_writeback: true,
            zswap_b: 0,
            zswapped: 0,
            zswpin: 0,
            zswpout: 0,
            zswpwb: 0,
            nr_disk_swapins: 0,
        }
    }
}

/// Which event to count.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Event {
    In,
    Out,
    Wb,
}

#[derive(Debug, Clone)]
pub(crate) struct Memcgs {
    pub(crate) all: Vec<Memcg>,
}

impl Memcgs {
    pub(crate) fn new() -> Memcgs {
        Memcgs {
            all: vec![Memcg::new(None)],
        }
    }

    pub(crate) fn get(&self, id: MemcgId) -> Option<&Memcg> {
        self.all.get(id.0 as usize)
    }

    pub(crate) fn get_mut(&mut self, id: MemcgId) -> Option<&mut Memcg> {
        self.all.get_mut(id.0 as usize)
    }

    pub(crate) fn create(&mut self, parent: MemcgId) -> Option<MemcgId> {
        self.get(parent)?;
        let id = MemcgId(self.all.len() as u32);
        self.all.push(Memcg::new(Some(parent)));
        self.get_mut(parent)?.children.push(id);
        Some(id)
    }

    /// `id` and its ancestors, nearest first.
    pub(crate) fn ancestors(&self, id: MemcgId) -> Vec<MemcgId> {
        let mut out = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            out.push(c);
            cur = self.get(c).and_then(|m| m.parent);
        }
        out
    }

    /// `mem_cgroup_iter` pre-order successor of `prev` (None = start at root); None at the end.
    pub(crate) fn next_preorder(&self, prev: Option<MemcgId>) -> Option<MemcgId> {
        let Some(prev) = prev else {
            return Some(MemcgId::ROOT);
        };
        if let Some(first) = self.get(prev).and_then(|m| m.children.first()) {
            return Some(*first);
        }
        let mut cur = prev;
        while let Some(parent) = self.get(cur).and_then(|m| m.parent) {
            let sibs = &self.get(parent)?.children;
            let pos = sibs.iter().position(|&c| c == cur)?;
            if let Some(next) = sibs.get(pos + 1) {
                return Some(*next);
            }
            cur = parent;
        }
        None
    }

    /// `obj_cgroup_may_zswap`: walks from `id` up to (not including) the root.
    pub(crate) fn may_zswap(&self, id: MemcgId) -> bool {
        for m in self.ancestors(id) {
            if m == MemcgId::ROOT {
                break;
            }
            let Some(cg) = self.get(m) else { continue };
            match cg.zswap_max {
                None => {}
                Some(0) => return false,
                Some(max) if cg.zswap_b / PAGE_SIZE as u64 >= max => return false,
                Some(_) => {}
            }
        }
        true
    }

    /// `mem_cgroup_zswap_writeback_enabled`: every level up to the root must allow it.
    pub(crate) fn writeback_enabled(&self, id: MemcgId) -> bool {
        self.ancestors(id)
            .iter()
            .all(|m| self.get(*m).is_none_or(|c| c.zswap_writeback))
    }

    /// Charges (`sign` +1) or uncharges (-1) one entry of `bytes` to `id` and its ancestors.
    pub(crate) fn charge(&mut self, id: MemcgId, bytes: u64, add: bool) {
        for m in self.ancestors(id) {
            if let Some(cg) = self.get_mut(m) {
                if add {
                    cg.zswap_b += bytes;
                    cg.zswapped += 1;
                } else {
                    cg.zswap_b = cg.zswap_b.saturating_sub(bytes);
                    cg.zswapped = cg.zswapped.saturating_sub(1);
                }
            }
        }
    }

    pub(crate) fn count(&mut self, id: MemcgId, ev: Event, n: u64) {
        for m in self.ancestors(id) {
            if let Some(cg) = self.get_mut(m) {
                match ev {
                    Event::In => cg.zswpin += n,
                    Event::Out => cg.zswpout += n,
                    Event::Wb => cg.zswpwb += n,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preorder_walks_children_in_creation_order() {
        let mut m = Memcgs::new();
        let a = m.create(MemcgId::ROOT).unwrap();
        let b = m.create(MemcgId::ROOT).unwrap();
        let a1 = m.create(a).unwrap();
        let mut seen = Vec::new();
        let mut cur = None;
        while let Some(n) = m.next_preorder(cur) {
            seen.push(n);
            cur = Some(n);
        }
        assert_eq!(seen, vec![MemcgId::ROOT, a, a1, b]);
    }

    #[test]
    fn limit_checks_every_ancestor_below_root() {
        let mut m = Memcgs::new();
        let a = m.create(MemcgId::ROOT).unwrap();
        let a1 = m.create(a).unwrap();
        assert!(m.may_zswap(a1));
        m.get_mut(a).unwrap().zswap_max = Some(1);
        assert!(m.may_zswap(a1));
        m.charge(a1, 4096, true);
        assert!(!m.may_zswap(a1), "parent at its limit refuses the child");
        m.get_mut(a).unwrap().zswap_max = Some(0);
        m.charge(a1, 4096, false);
        assert!(!m.may_zswap(a1), "zswap.max 0 refuses");
    }

    #[test]
    fn writeback_flag_is_hierarchical() {
        let mut m = Memcgs::new();
        let a = m.create(MemcgId::ROOT).unwrap();
        let a1 = m.create(a).unwrap();
        m.get_mut(a).unwrap().zswap_writeback = false;
        assert!(!m.writeback_enabled(a1));
        assert!(m.writeback_enabled(MemcgId::ROOT));
    }
}
