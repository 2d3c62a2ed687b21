//! zswap's memcg-aware LRU (6.12+, one `list_lru` shared by all pools; one NUMA node here).
//! New entries go to the tail; walks start at the head; a rotation moves an entry to the tail.

use std::collections::BTreeMap;

use super::memcg::MemcgId;

#[derive(Debug, Clone, Default)]
pub(crate) struct Lru {
    lists: BTreeMap<MemcgId, BTreeMap<u64, u64>>,
    next_seq: u64,
}

impl Lru {
    /// Appends `slot` to `memcg`'s list; returns its position key.
    pub(crate) fn add(&mut self, memcg: MemcgId, slot: u64) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.lists.entry(memcg).or_default().insert(seq, slot);
        seq
    }

    pub(crate) fn del(&mut self, memcg: MemcgId, seq: u64) {
        if let Some(l) = self.lists.get_mut(&memcg) {
            l.remove(&seq);
        }
    }

    /// The oldest entry of `memcg`: (position key, slot).
    pub(crate) fn head(&self, memcg: MemcgId) -> Option<(u64, u64)> {
        self.lists
            .get(&memcg)
            .and_then(|l| l.first_key_value().map(|(k, v)| (*k, *v)))
    }

    /// Moves the entry at `seq` to the tail; returns its new key.
    pub(crate) fn rotate(&mut self, memcg: MemcgId, seq: u64) -> u64 {
        let new = self.next_seq;
        self.next_seq += 1;
        if let Some(l) = self.lists.get_mut(&memcg)
            && let Some(slot) = l.remove(&seq)
        {
            l.insert(new, slot);
        }
        new
    }

    pub(crate) fn len(&self, memcg: MemcgId) -> usize {
        self.lists.get(&memcg).map_or(0, BTreeMap::len)
    }

    pub(crate) fn total(&self) -> usize {
        self.lists.values().map(BTreeMap::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotate_moves_to_tail() {
        let mut l = Lru::default();
        let a = l.add(MemcgId::ROOT, 1);
        l.add(MemcgId::ROOT, 2);
        assert_eq!(l.head(MemcgId::ROOT), Some((a, 1)));
        l.rotate(MemcgId::ROOT, a);
        assert_eq!(l.head(MemcgId::ROOT).unwrap().1, 2);
        assert_eq!(l.len(MemcgId::ROOT), 2);
    }
}
