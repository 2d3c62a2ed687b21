//! The synthetic swapping workload of `zswapctl simulate`, defined once so that the
//! reference model (`zswap_analyze::simulate`) and a real kernel (`zswap-workload
//! --synthetic`, in a QEMU guest) see the same pages in the same order.
//!
//! A process touches a working set of pages but may keep only `resident_pages` of them in
//! memory: the first `working_set_pages` operations touch every page once in order, then
//! `accesses` more follow the [`Pattern`]. After each touch, if more pages are resident than
//! allowed, the least recently used one is pushed out to swap. A touch of a page that was
//! pushed out swaps it back in (and frees its swap slot, as a write fault does).
//!
//! Pure and deterministic: the pattern and the page contents come from seeded SplitMix64.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::pages::Rng;

/// Which page the workload touches next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// 0, 1, 2, … over the working set, again and again (a scan).
    Sequential,
    /// Uniformly random pages.
    Random,
    /// 90 % of accesses to the first 10 % of the working set.
    HotCold,
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pattern::Sequential => "sequential",
            Pattern::Random => "random",
            Pattern::HotCold => "hot-cold",
        })
    }
}

impl FromStr for Pattern {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sequential" => Ok(Pattern::Sequential),
            "random" => Ok(Pattern::Random),
            "hot-cold" => Ok(Pattern::HotCold),
            _ => Err(format!(
                "unknown access pattern '{s}'; use sequential, random or hot-cold"
            )),
        }
    }
}

/// Stores zswap refused in a row: it starts with a refusal after an accepted store (in this
/// workload: the pool reached its limit) and ends with the next accepted store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Episode {
    /// The operation of the first refusal.
    pub start_op: u64,
    /// Stores refused.
    pub refused: u64,
    /// `pool_total_size` before the first refused store, bytes.
    pub pool_at_start: u64,
    /// `pool_total_size` right after the store that ended the episode, bytes; None if the
    /// workload ended first. (After, because a real kernel's asynchronous worker may shrink
    /// the pool between a reading before and the store.)
    pub pool_after_accept: Option<u64>,
}

/// Adds the store of operation `op` to `episodes`: `pool_before` is the pool just before it,
/// `pool_after` just after it.
pub fn note_store(
    episodes: &mut Vec<Episode>,
    op: u64,
    refused: bool,
    pool_before: u64,
    pool_after: u64,
) {
    let open = episodes
        .last_mut()
        .filter(|e| e.pool_after_accept.is_none());
    match (refused, open) {
        (true, Some(e)) => e.refused += 1,
        (true, None) => episodes.push(Episode {
            start_op: op,
            refused: 1,
            pool_at_start: pool_before,
            pool_after_accept: None,
        }),
        (false, Some(e)) => e.pool_after_accept = Some(pool_after),
        (false, None) => {}
    }
}

/// The shape of the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Pages the process uses (at least one).
    pub working_set_pages: u64,
    /// Pages it may keep in memory; the rest lives in swap.
    pub resident_pages: u64,
    /// Accesses after the working set has been touched once.
    pub accesses: u64,
    /// Access pattern.
    pub pattern: Pattern,
    /// Seed of the pattern and of the page contents ([`crate::pages::synthetic_page`]).
    pub seed: u64,
}

impl Shape {
    /// Operations (page touches) in all.
    pub fn total_ops(&self) -> u64 {
        self.working_set_pages.max(1) + self.accesses
    }

    /// The operations, in order.
    pub fn ops(&self) -> Ops {
        let ws = self.working_set_pages.max(1);
        Ops {
            shape: *self,
            ws,
            op: 0,
            rng: Rng::new(self.seed),
            by_time: BTreeMap::new(),
            time_of: vec![None; ws as usize],
            out: vec![false; ws as usize],
            clock: 0,
        }
    }
}

/// One page touch and what follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    /// Index of the operation, from 0.
    pub op: u64,
    /// The page touched.
    pub page: u64,
    /// The first touch of the page: it is filled with [`crate::pages::synthetic_page`].
    pub first_touch: bool,
    /// The page was out (in swap): the touch swaps it in and frees its slot.
    pub swap_in: bool,
    /// The least recently used page, pushed out after the touch.
    pub evict: Option<u64>,
}

/// The iterator of [`Shape::ops`].
#[derive(Debug, Clone)]
pub struct Ops {
    shape: Shape,
    ws: u64,
    op: u64,
    rng: Rng,
    by_time: BTreeMap<u64, u64>,
    time_of: Vec<Option<u64>>,
    out: Vec<bool>,
    clock: u64,
}

impl Ops {
    fn below(&mut self, n: u64) -> u64 {
        self.rng.below(n as usize) as u64
    }

    fn next_page(&mut self) -> u64 {
        let (op, ws) = (self.op, self.ws);
        if op < ws {
            return op;
        }
        match self.shape.pattern {
            Pattern::Sequential => (op - ws) % ws,
            Pattern::Random => self.below(ws),
            Pattern::HotCold => {
                let hot = (ws / 10).max(1);
                if self.below(10) < 9 {
                    self.below(hot)
                } else {
                    hot + self.below(ws - hot)
                }
            }
        }
    }
}

impl Iterator for Ops {
    type Item = Op;

    fn next(&mut self) -> Option<Op> {
        if self.op >= self.shape.total_ops() {
            return None;
        }
        let page = self.next_page();
        let p = page as usize;
        let swap_in = std::mem::take(&mut self.out[p]);
        if let Some(t) = self.time_of[p].take() {
            self.by_time.remove(&t);
        }
        self.clock += 1;
        self.by_time.insert(self.clock, page);
        self.time_of[p] = Some(self.clock);
        let mut evict = None;
        if self.by_time.len() as u64 > self.shape.resident_pages
            && let Some((_, victim)) = self.by_time.pop_first()
        {
            self.time_of[victim as usize] = None;
            self.out[victim as usize] = true;
            evict = Some(victim);
        }
        let op = Op {
            op: self.op,
            page,
            first_touch: self.op < self.ws,
            swap_in,
            evict,
        };
        self.op += 1;
        Some(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(pattern: Pattern) -> Shape {
        Shape {
            working_set_pages: 10,
            resident_pages: 4,
            accesses: 30,
            pattern,
            seed: 3,
        }
    }

    #[test]
    fn first_pass_touches_every_page_in_order_and_evicts_the_oldest() {
        let ops: Vec<Op> = shape(Pattern::Random).ops().collect();
        assert_eq!(ops.len(), 40);
        for (i, o) in ops.iter().take(10).enumerate() {
            assert_eq!(o.page, i as u64);
            assert!(o.first_touch && !o.swap_in);
            assert_eq!(o.evict, (i >= 4).then(|| i as u64 - 4));
        }
    }

    #[test]
    fn a_page_swaps_in_if_and_only_if_it_was_evicted_since_its_last_touch() {
        let mut out = [false; 10];
        for o in shape(Pattern::HotCold).ops() {
            assert_eq!(o.swap_in, out[o.page as usize], "{o:?}");
            out[o.page as usize] = false;
            if let Some(v) = o.evict {
                assert_ne!(v, o.page);
                out[v as usize] = true;
            }
        }
    }

    #[test]
    fn sequential_scan_swaps_in_every_access() {
        let ops: Vec<Op> = shape(Pattern::Sequential).ops().skip(10).collect();
        assert!(ops.iter().all(|o| o.swap_in && o.evict.is_some()));
    }

    #[test]
    fn same_seed_same_ops_and_pages() {
        let a: Vec<Op> = shape(Pattern::Random).ops().collect();
        let b: Vec<Op> = shape(Pattern::Random).ops().collect();
        assert_eq!(a, b);
        let (mut x, mut y) = ([0u8; 4096], [0u8; 4096]);
        crate::pages::synthetic_page(3, 5, &mut x);
        crate::pages::synthetic_page(3, 5, &mut y);
        assert_eq!(x, y);
        crate::pages::synthetic_page(3, 6, &mut y);
        assert_ne!(x, y);
    }

    #[test]
    fn pattern_parse_names_the_value() {
        assert_eq!("hot-cold".parse::<Pattern>().unwrap(), Pattern::HotCold);
        assert!(
            "zigzag"
                .parse::<Pattern>()
                .unwrap_err()
                .contains("'zigzag'")
        );
    }
}
