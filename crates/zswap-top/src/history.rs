//! A fixed-size ring of the most recent points, for the charts over time.

use std::collections::VecDeque;

/// The newest `capacity` items pushed; older ones fall off the front.
#[derive(Debug, Clone)]
pub(crate) struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
}

impl<T> Ring<T> {
    /// An empty ring that keeps at most `capacity` items (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Ring {
            items: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Appends `item`, dropping the oldest when full.
    pub(crate) fn push(&mut self, item: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    /// The last `n` items, oldest first.
    pub(crate) fn last_n(&self, n: usize) -> impl Iterator<Item = &T> {
        self.items.iter().skip(self.items.len().saturating_sub(n))
    }
}

/// The rates of one sample, in pages per second; `None` where no rate could be computed
/// (the first sample, a counter missing on this kernel, or one that went backwards).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct RatePoint {
    /// When the sample was taken, ms since the epoch.
    pub(crate) t_ms: u64,
    /// Stores into zswap (`zswpout`).
    pub(crate) store: Option<f64>,
    /// Loads from zswap (`zswpin`).
    pub(crate) load: Option<f64>,
    /// Writebacks to the swap device (`zswpwb`, else debugfs `written_back_pages`).
    pub(crate) writeback: Option<f64>,
    /// Pool size after the sample.
    pub(crate) pool_bytes: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest_items() {
        let mut r = Ring::new(3);
        for i in 0..5 {
            r.push(i);
        }
        assert_eq!(r.last_n(usize::MAX).copied().collect::<Vec<_>>(), [2, 3, 4]);
    }

    #[test]
    fn last_n_is_oldest_first_and_bounded() {
        let mut r = Ring::new(10);
        for i in 0..4 {
            r.push(i);
        }
        assert_eq!(r.last_n(2).copied().collect::<Vec<_>>(), [2, 3]);
        assert_eq!(r.last_n(9).count(), 4);
    }

    #[test]
    fn zero_capacity_still_keeps_one() {
        let mut r = Ring::new(0);
        r.push(1);
        r.push(2);
        assert_eq!(r.last_n(5).copied().collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn empty_ring_yields_nothing() {
        let r: Ring<u8> = Ring::new(4);
        assert_eq!(r.last_n(3).count(), 0);
    }
}
