//! Swap traces (`zswap_core::trace`, recorded by `zswapctl trace --record`) as input to the
//! offline analyses: their totals, the compressed lengths of their stores, and each record as
//! the replay's [`TraceEvent`].

use serde::Serialize;
use zswap_core::page::PAGE_SIZE;
use zswap_core::trace::{Op, OpOutcome, TraceRecord};

use crate::replay::{StoreRefusal, TraceEvent, TraceOp};

/// What a trace holds, summed: to compare with the kernel's own counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TraceTotals {
    /// Records (operations) of every kind.
    pub records: u64,
    /// Pages of the successful stores (the kernel's `zswpout`).
    pub store_ok_pages: u64,
    /// Pages of the successful loads (the kernel's `zswpin`).
    pub load_ok_pages: u64,
    /// Compressed bytes of the successful stores.
    pub stored_bytes: u64,
    /// Store records, and those that name a swap slot.
    pub stores: SlotCount,
    /// Load records, and those that name a swap slot.
    pub loads: SlotCount,
    /// Invalidate records, and those that name a swap slot.
    pub invalidates: SlotCount,
}

/// Records of one operation, and how many of them name a swap slot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SlotCount {
    /// Records of the operation.
    pub records: u64,
    /// Of those, the records with a swap slot.
    pub with_slot: u64,
}

impl TraceTotals {
    /// The totals of `records`.
    pub fn of(records: &[TraceRecord]) -> TraceTotals {
        let mut t = TraceTotals::default();
        for r in records {
            t.records += 1;
            let ok = r.outcome == OpOutcome::Ok;
            let count = match r.op {
                Op::Store => {
                    if ok {
                        t.store_ok_pages += u64::from(r.pages);
                        t.stored_bytes += r.bytes;
                    }
                    &mut t.stores
                }
                Op::Load => {
                    if ok {
                        t.load_ok_pages += u64::from(r.pages);
                    }
                    &mut t.loads
                }
                Op::Invalidate => &mut t.invalidates,
                Op::Writeback => continue,
            };
            count.records += 1;
            count.with_slot += u64::from(r.swap_offset.is_some());
        }
        t
    }
}

/// The compressed length of every page the trace's successful stores put in zswap, for
/// `analyze_sizes`. A large folio's store carries the bytes of all its pages: they are split
/// evenly. Stores of unknown length (0 bytes) are left out.
pub fn recorded_store_lengths(records: &[TraceRecord]) -> Vec<u32> {
    records
        .iter()
        .filter(|r| r.op == Op::Store && r.outcome == OpOutcome::Ok && r.bytes > 0)
        .flat_map(|r| {
            let pages = r.pages.max(1);
            let each = (r.bytes / u64::from(pages)).min(PAGE_SIZE as u64) as u32;
            std::iter::repeat_n(each, pages as usize)
        })
        .collect()
}

/// The model's view of one trace record.
impl From<&TraceRecord> for TraceEvent {
    fn from(r: &TraceRecord) -> TraceEvent {
        let ok = r.outcome == OpOutcome::Ok;
        TraceEvent {
            t_ns: r.t_ns,
            op: match r.op {
                Op::Store => TraceOp::Store {
                    ok,
                    why: match r.outcome {
                        OpOutcome::NoMemory => StoreRefusal::Limit,
                        OpOutcome::NoSpace | OpOutcome::Invalid => StoreRefusal::Page,
                        _ => StoreRefusal::Unknown,
                    },
                    bytes: r.bytes,
                    pages: r.pages,
                },
                Op::Load => TraceOp::Load { ok },
                Op::Invalidate => TraceOp::Invalidate,
                Op::Writeback => TraceOp::Writeback { ok },
            },
            slot: r.swap_type.zip(r.swap_offset),
            cgroup: r.cgroup,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(outcome: OpOutcome, bytes: u64, pages: u32) -> TraceRecord {
        TraceRecord {
            t_ns: 1,
            op: Op::Store,
            outcome,
            cgroup: 2,
            pid: 3,
            comm: "w".into(),
            latency_ns: 4,
            bytes,
            pages,
            ret: 0,
            swap_type: Some(0),
            swap_offset: Some(9),
        }
    }

    #[test]
    fn totals_count_pages_bytes_and_slots() {
        let mut no_slot = store(OpOutcome::Ok, 300, 4);
        no_slot.swap_offset = None;
        let mut load = store(OpOutcome::Ok, 0, 1);
        load.op = Op::Load;
        let mut missed = load.clone();
        missed.outcome = OpOutcome::NotFound;
        let mut wb = store(OpOutcome::Ok, 0, 1);
        wb.op = Op::Writeback;
        let t = TraceTotals::of(&[
            store(OpOutcome::Ok, 1000, 1),
            no_slot,
            store(OpOutcome::Rejected, 500, 1),
            load,
            missed,
            wb,
        ]);
        assert_eq!(t.records, 6);
        assert_eq!((t.store_ok_pages, t.stored_bytes), (5, 1300));
        assert_eq!(t.load_ok_pages, 1);
        assert_eq!((t.stores.records, t.stores.with_slot), (3, 2));
        assert_eq!((t.loads.records, t.loads.with_slot), (2, 2));
        assert_eq!(t.invalidates, SlotCount::default());
    }

    #[test]
    fn a_large_folio_is_split_evenly_and_unknown_lengths_are_left_out() {
        let records = [
            store(OpOutcome::Ok, 1000, 1),
            store(OpOutcome::Ok, 4 * 700 + 3, 4),
            store(OpOutcome::Ok, 0, 1),
            store(OpOutcome::Rejected, 500, 1),
        ];
        assert_eq!(recorded_store_lengths(&records), [1000, 700, 700, 700, 700]);
    }

    #[test]
    fn refusal_reasons_follow_the_errno() {
        let why = |o| match TraceEvent::from(&store(o, 0, 1)).op {
            TraceOp::Store { why, .. } => why,
            other => panic!("{other:?}"),
        };
        assert_eq!(why(OpOutcome::NoMemory), StoreRefusal::Limit);
        assert_eq!(why(OpOutcome::NoSpace), StoreRefusal::Page);
        assert_eq!(why(OpOutcome::Invalid), StoreRefusal::Page);
        assert_eq!(why(OpOutcome::Rejected), StoreRefusal::Unknown);
        let e = TraceEvent::from(&store(OpOutcome::Ok, 10, 2));
        assert_eq!(e.slot, Some((0, 9)));
        assert_eq!(
            e.op,
            TraceOp::Store {
                ok: true,
                why: StoreRefusal::Unknown,
                bytes: 10,
                pages: 2
            }
        );
    }
}
