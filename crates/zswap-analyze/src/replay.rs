//! Replays a recorded swap trace (the eBPF probe's stores, loads and invalidations, with their
//! swap slots and compressed sizes) through the reference model (`zswap_core::sim::Zswap`)
//! under other zswap settings: what the pool, the limit and writeback would have done had
//! `max_pool_percent` or `accept_threshold_percent` been different.
//!
//! The trace holds the compressed length of every successful store, not the page, so the
//! model runs over a [`RecordedSizes`] codec: each replayed page carries its recorded length
//! and "compresses" to exactly that many bytes. Everything else (pool limit, hysteresis,
//! zsmalloc classes, the shrink worker's writeback, exclusive loads per era) is the model's.
//! A store the kernel refused carries no compressed size. How it is replayed depends on why
//! it was refused ([`StoreRefusal`]), as far as the trace tells: a refusal for the pool limit (or a
//! failed allocation) is offered to the model with the median size of the trace's stored
//! pages ([`ReplayResult::estimated_sizes`]), so that under a larger limit the model may take
//! it; a page the compressor could not shrink is offered as one that does not fit, so the
//! model refuses it (or, 6.18+, stores it raw) under every setting. 6.6-6.17 kernels return
//! only `false` from `zswap_store`: there the reason is unknown (an incompressible page, the
//! limit, the cgroup's `memory.zswap.max`, …), and the replay keeps such a store refused under
//! every setting ([`ReplayResult::kept_refused`]), which understates what a larger limit
//! would take. From 6.18 incompressible pages are stored raw, so an unknown refusal is taken
//! to be the limit's.
//!
//! Pure and deterministic, like [`crate::simulate`].

use std::collections::BTreeMap;

use serde::Serialize;
use zswap_core::KernelEra;
use zswap_core::page::PAGE_SIZE;
use zswap_core::sim::{
    CodecError, CodecProvider, LoadOutcome, MemcgId, PageCodec, SimError, overflow_error,
};

use zswap_workload::synthetic::note_store;

use crate::simulate::{SimResult, SimSettings};

/// Why the kernel refused a store, as far as its return value tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreRefusal {
    /// The pool limit or an allocation (6.1 `-ENOMEM`).
    Limit,
    /// The compressor could not shrink the page or failed (6.1 `-ENOSPC`, `-EINVAL`).
    Page,
    /// Not told (`false` from a 6.6+ `zswap_store`, or another errno).
    Unknown,
}

/// What one recorded operation was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceOp {
    /// A store of `pages` pages; `bytes` is the compressed length charged (0: unknown, or a
    /// same-filled page on 6.1 when `ok`).
    Store {
        /// The kernel stored it.
        ok: bool,
        /// Why not, when not `ok`.
        why: StoreRefusal,
        /// Compressed bytes, summed over the folio's pages.
        bytes: u64,
        /// Pages of the folio (at least 1).
        pages: u32,
    },
    /// A load; `ok` if zswap had the page.
    Load {
        /// zswap served it.
        ok: bool,
    },
    /// The slot was freed.
    Invalidate,
    /// The kernel wrote an entry back (the model decides its own writeback; counted only).
    Writeback {
        /// The writeback succeeded.
        ok: bool,
    },
}

/// One recorded operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceEvent {
    /// CLOCK_MONOTONIC at return, ns.
    pub t_ns: u64,
    /// The operation.
    pub op: TraceOp,
    /// `(swap type, offset)` of the (first) page; `None` if the probe could not read it.
    pub slot: Option<(u32, u64)>,
    /// Cgroup id the operation was attributed to.
    pub cgroup: u64,
}

/// What the kernel did in the trace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KernelSide {
    /// Stores it accepted (calls).
    pub stores_ok: u64,
    /// Stores it refused.
    pub stores_rejected: u64,
    /// Loads zswap served.
    pub loads_ok: u64,
    /// Loads zswap did not have.
    pub loads_missed: u64,
    /// Invalidations.
    pub invalidates: u64,
    /// Successful writebacks.
    pub written_back: u64,
}

/// How the model's outcome of each recorded store and load compares with the kernel's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Agreement {
    /// Stores both accepted.
    pub stores_both_ok: u64,
    /// Stores both refused.
    pub stores_both_rejected: u64,
    /// Stores only the kernel accepted.
    pub stores_kernel_only: u64,
    /// Stores only the model accepted.
    pub stores_model_only: u64,
    /// Loads both served from zswap.
    pub loads_both_ok: u64,
    /// Loads both missed.
    pub loads_both_missed: u64,
    /// Loads only the kernel served.
    pub loads_kernel_only: u64,
    /// Loads only the model served.
    pub loads_model_only: u64,
}

impl Agreement {
    /// Share of the compared stores and loads on which model and kernel agree (1.0 for an
    /// empty trace); stores kept refused without the model (`ReplayResult::kept_refused`) are
    /// not compared.
    pub fn ratio(&self) -> f64 {
        let agree = self.stores_both_ok
            + self.stores_both_rejected
            + self.loads_both_ok
            + self.loads_both_missed;
        let all = agree
            + self.stores_kernel_only
            + self.stores_model_only
            + self.loads_kernel_only
            + self.loads_model_only;
        if all == 0 {
            1.0
        } else {
            agree as f64 / all as f64
        }
    }
}

/// The outcome of replaying a trace under one setting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayResult {
    /// The model's figures, as for a synthetic run; `samples[].op` counts trace records.
    pub sim: SimResult,
    /// What the kernel did in the trace.
    pub kernel: KernelSide,
    /// Model against kernel, record by record.
    pub agreement: Agreement,
    /// Refused stores replayed with the median stored size (the kernel recorded none).
    pub estimated_sizes: u64,
    /// Refused stores kept refused under every setting (reason unknown, 6.6-6.17): not run
    /// through the model, and counted in no [`Agreement`] bucket.
    pub kept_refused: u64,
    /// Median compressed size of the trace's stored pages, bytes.
    pub median_store_bytes: u32,
    /// Records without a swap slot, skipped.
    pub skipped_without_slot: u64,
}

/// Why a trace cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// No store, load or invalidate carries a swap slot.
    #[error(
        "the trace's {records} records carry no swap slot: it was recorded by a probe that \
         could not read slots (older zswap-tools, or a kernel without BTF for struct folio); \
         record it again with `zswapctl trace --record` on a kernel with BTF"
    )]
    NoSlots {
        /// Records in the trace.
        records: usize,
    },
    /// Stores succeeded but none has a compressed size.
    #[error(
        "none of the trace's {stores} stored pages has a compressed size: the probe's \
         obj_cgroup_charge_zswap hook was not attached or the workload ran in the root memory \
         cgroup (which zswap does not charge); record a workload in a non-root cgroup"
    )]
    NoSizes {
        /// Successful stores in the trace.
        stores: u64,
    },
    /// The model refused the configuration.
    #[error(transparent)]
    Model(#[from] SimError),
}

/// Marker byte of a replayed page (after its two length bytes).
const MARK: u8 = 0x5a;
/// The shortest length a replayed page can carry (its header).
const MIN_LEN: u32 = 3;

/// A replayed page standing for a page that compressed to `len` bytes (4096 or more: did not
/// fit a page).
fn sized_page(len: u32, page: &mut [u8; PAGE_SIZE]) {
    page.fill(0);
    let len = len.clamp(MIN_LEN, PAGE_SIZE as u32) as u16;
    page[..2].copy_from_slice(&len.to_le_bytes());
    page[2] = MARK;
}

/// The codec of a replay: a page made by [`sized_page`] compresses to its recorded length
/// (its header followed by zeros) and decompresses back to the same page. A length of a whole
/// page fails as the recorded compressor fails on incompressible data in that era.
#[derive(Debug, Clone, Copy)]
pub struct RecordedSizes {
    overflow: CodecError,
}

impl PageCodec for RecordedSizes {
    fn compress(&mut self, page: &[u8; 4096], out: &mut Vec<u8>) -> Result<usize, CodecError> {
        out.clear();
        if page[2] != MARK {
            return Err(CodecError::Invalid);
        }
        let len = usize::from(u16::from_le_bytes([page[0], page[1]]));
        if len >= PAGE_SIZE {
            return Err(self.overflow);
        }
        out.extend_from_slice(&page[..3]);
        out.resize(len.max(3), 0);
        Ok(out.len())
    }

    fn decompress(&mut self, src: &[u8], page: &mut [u8; 4096]) -> Result<usize, CodecError> {
        if src.len() < 3 || src[2] != MARK {
            return Err(CodecError::Invalid);
        }
        sized_page(src.len() as u32, page);
        Ok(PAGE_SIZE)
    }
}

/// Resolves the recorded compressor's name to [`RecordedSizes`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordedSizesProvider;

impl CodecProvider for RecordedSizesProvider {
    fn codec(&self, name: &str, era: KernelEra) -> Option<Box<dyn PageCodec>> {
        let overflow = overflow_error(name, era)?;
        Some(Box::new(RecordedSizes { overflow }))
    }
}

/// Model slot of a swap slot: one model device, swap types kept apart.
fn model_slot((swap_type, offset): (u32, u64)) -> u64 {
    (u64::from(swap_type) << 48) | (offset & ((1 << 48) - 1))
}

/// Median compressed size of one page among the trace's successful stores with a known size;
/// `None` if there is none.
fn median_store_bytes(events: &[TraceEvent]) -> Option<u32> {
    let mut sizes: Vec<u64> = events
        .iter()
        .filter_map(|e| match e.op {
            TraceOp::Store {
                ok: true,
                bytes,
                pages,
                ..
            } if bytes > 0 => Some(bytes / u64::from(pages.max(1))),
            _ => None,
        })
        .collect();
    if sizes.is_empty() {
        return None;
    }
    let mid = sizes.len() / 2;
    let (_, m, _) = sizes.select_nth_unstable(mid);
    Some(u32::try_from(*m).unwrap_or(u32::MAX))
}

/// Replays `events` (any order; replayed by time, ties in the given order) under `settings`,
/// sampling the pool every `sample_every` records.
pub fn replay(
    events: &[TraceEvent],
    settings: &SimSettings,
    sample_every: u64,
) -> Result<ReplayResult, ReplayError> {
    let with_slot = events.iter().filter(|e| e.slot.is_some()).count();
    if with_slot == 0 && !events.is_empty() {
        return Err(ReplayError::NoSlots {
            records: events.len(),
        });
    }
    let stores_ok = events
        .iter()
        .filter(|e| matches!(e.op, TraceOp::Store { ok: true, .. }))
        .count() as u64;
    let median = match median_store_bytes(events) {
        Some(m) => m,
        None if stores_ok > 0 => {
            return Err(ReplayError::NoSizes { stores: stores_ok });
        }
        None => 0,
    };
    let mut order: Vec<&TraceEvent> = events.iter().collect();
    order.sort_by_key(|e| e.t_ns);

    let mut z = settings.model(RecordedSizesProvider);
    let mut sim = SimResult::empty(settings);
    let mut kernel = KernelSide::default();
    let mut agree = Agreement::default();
    let mut estimated = 0u64;
    let mut kept = 0u64;
    let mut skipped = 0u64;
    let mut memcgs: BTreeMap<u64, MemcgId> = BTreeMap::new();
    let mut pages: Vec<[u8; PAGE_SIZE]> = Vec::new();
    let mut page = [0u8; PAGE_SIZE];
    let every = sample_every.max(1);
    let total = order.len() as u64;
    for (i, e) in order.iter().enumerate() {
        let i = i as u64;
        match (e.op, e.slot) {
            (TraceOp::Writeback { ok }, _) => kernel.written_back += u64::from(ok),
            (_, None) => skipped += 1,
            (
                TraceOp::Store {
                    ok,
                    why,
                    bytes,
                    pages: n,
                },
                Some(slot),
            ) => {
                if ok {
                    kernel.stores_ok += 1;
                } else {
                    kernel.stores_rejected += 1;
                }
                let n = n.max(1);
                let why = match why {
                    StoreRefusal::Unknown if settings.era == KernelEra::V6_18 => {
                        StoreRefusal::Limit
                    }
                    w => w,
                };
                let per_page = if ok && bytes > 0 {
                    (bytes / u64::from(n)) as u32
                } else if ok && settings.era == KernelEra::V6_1 {
                    0 // a same-filled page: 6.1 stores it without compressing
                } else if ok || why == StoreRefusal::Limit {
                    estimated += 1;
                    median
                } else if why == StoreRefusal::Page {
                    PAGE_SIZE as u32 // does not fit: refused, or stored raw from 6.18
                } else {
                    // Unknown reason: refused under every setting. The model did not
                    // decide this store, so it is no agreement either: it is counted in
                    // `kept_refused` only, outside [`Agreement`]. A
                    // failed store frees what the slot held, as the kernel's does.
                    kept += 1;
                    sim.stores += 1;
                    sim.rejects += 1;
                    let pool = z.pool_total_size();
                    note_store(&mut sim.episodes, i, true, pool, pool);
                    for s in 0..u64::from(n) {
                        z.invalidate(model_slot(slot) + s);
                    }
                    sim.sample(&z, i, every, total);
                    continue;
                };
                pages.resize(n as usize, [0; PAGE_SIZE]);
                for p in &mut pages {
                    if per_page == 0 {
                        p.fill(0);
                    } else {
                        sized_page(per_page, p);
                    }
                }
                let memcg = match memcgs.get(&e.cgroup) {
                    Some(&m) => m,
                    None => {
                        let m = if e.cgroup <= 1 {
                            MemcgId::ROOT
                        } else {
                            z.create_memcg(MemcgId::ROOT)?
                        };
                        memcgs.insert(e.cgroup, m);
                        m
                    }
                };
                let stored = sim.store(&mut z, i, model_slot(slot), memcg, &pages);
                match (ok, stored) {
                    (true, true) => agree.stores_both_ok += 1,
                    (false, false) => agree.stores_both_rejected += 1,
                    (true, false) => agree.stores_kernel_only += 1,
                    (false, true) => agree.stores_model_only += 1,
                }
            }
            (TraceOp::Load { ok }, Some(slot)) => {
                if ok {
                    kernel.loads_ok += 1;
                } else {
                    kernel.loads_missed += 1;
                }
                let served = match z.load(model_slot(slot), &mut page) {
                    LoadOutcome::Loaded | LoadOutcome::ZeroMap => {
                        sim.zswap_loads += 1;
                        true
                    }
                    LoadOutcome::NotFound | LoadOutcome::DecompressFailed => {
                        sim.disk_reads += 1;
                        false
                    }
                };
                match (ok, served) {
                    (true, true) => agree.loads_both_ok += 1,
                    (false, false) => agree.loads_both_missed += 1,
                    (true, false) => agree.loads_kernel_only += 1,
                    (false, true) => agree.loads_model_only += 1,
                }
            }
            (TraceOp::Invalidate, Some(slot)) => {
                kernel.invalidates += 1;
                z.invalidate(model_slot(slot));
            }
        }
        sim.sample(&z, i, every, total);
    }
    sim.finish(&z);
    Ok(ReplayResult {
        sim,
        kernel,
        agreement: agree,
        estimated_sizes: estimated,
        kept_refused: kept,
        median_store_bytes: median,
        skipped_without_slot: skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_core::compress::Algorithm;

    fn settings(era: KernelEra, ram_pages: u64, p: u32, a: u32) -> SimSettings {
        SimSettings {
            era,
            ram_pages,
            compressor: Algorithm::Lzo,
            max_pool_percent: p,
            accept_threshold_percent: a,
            shrinker_enabled: false,
        }
    }

    fn store(t: u64, offset: u64, ok: bool, bytes: u64) -> TraceEvent {
        refused(t, offset, ok, bytes, StoreRefusal::Limit)
    }

    fn refused(t: u64, offset: u64, ok: bool, bytes: u64, why: StoreRefusal) -> TraceEvent {
        TraceEvent {
            t_ns: t,
            op: TraceOp::Store {
                ok,
                why,
                bytes,
                pages: 1,
            },
            slot: Some((0, offset)),
            cgroup: 30,
        }
    }

    fn load(t: u64, offset: u64, ok: bool) -> TraceEvent {
        TraceEvent {
            t_ns: t,
            op: TraceOp::Load { ok },
            slot: Some((0, offset)),
            cgroup: 30,
        }
    }

    fn invalidate(t: u64, offset: u64) -> TraceEvent {
        TraceEvent {
            t_ns: t,
            op: TraceOp::Invalidate,
            slot: Some((0, offset)),
            cgroup: 30,
        }
    }

    #[test]
    fn sized_pages_round_trip_through_the_codec() {
        let mut c = RecordedSizes {
            overflow: CodecError::NoSpace,
        };
        let mut page = [0u8; PAGE_SIZE];
        let mut out = Vec::new();
        for len in [3u32, 40, 1712, 4095] {
            sized_page(len, &mut page);
            assert_eq!(c.compress(&page, &mut out), Ok(len as usize));
            let mut back = [1u8; PAGE_SIZE];
            c.decompress(&out, &mut back).unwrap();
            assert_eq!(back, page);
        }
        sized_page(4096, &mut page);
        assert_eq!(c.compress(&page, &mut out), Err(CodecError::NoSpace));
    }

    /// The kernel stored every page and loaded half back: under the recorded (unlimited)
    /// settings the model agrees on every record and the pool holds the recorded sizes.
    #[test]
    fn replay_under_recorded_settings_agrees_with_the_kernel() {
        let mut ev = Vec::new();
        for i in 0..200 {
            ev.push(store(i, i, true, 700 + (i % 7) * 300));
        }
        for i in 0..100 {
            ev.push(load(1000 + i, i, true));
            ev.push(invalidate(1000 + i, i));
        }
        ev.push(load(5000, 99_999, false));
        for era in [KernelEra::V6_1, KernelEra::V6_12, KernelEra::V6_18] {
            let r = replay(&ev, &settings(era, 1 << 20, 20, 90), 10).unwrap();
            assert_eq!(r.agreement.ratio(), 1.0, "{era}: {:?}", r.agreement);
            assert_eq!(r.kernel.stores_ok, 200);
            assert_eq!(r.sim.zswap_loads, 100);
            assert_eq!(r.sim.disk_reads, 1);
            assert_eq!(r.estimated_sizes, 0);
            assert!(r.sim.peak_pool_bytes >= 200 * 700, "{era}");
        }
    }

    /// A small limit makes the model refuse and write back what the kernel accepted: the
    /// replay shows the limit's cost (and the disagreement) instead of echoing the trace.
    #[test]
    fn a_small_limit_hits_with_hysteresis_and_writeback() {
        let mut ev = Vec::new();
        for i in 0..3000 {
            ev.push(store(i, i, true, 2000));
        }
        let ram = 16_384; // 64 MiB: a 5 % limit is 819 pages
        let r = replay(&ev, &settings(KernelEra::V6_12, ram, 5, 50), 50).unwrap();
        assert!(r.sim.pool_limit_hit > 0, "{:?}", r.sim);
        assert!(r.sim.written_back_pages > 0, "{:?}", r.sim);
        assert!(r.agreement.stores_kernel_only > 0);
        // hysteresis: every refusal episode but the last ends with the pool at or below the
        // accept threshold (plus the accepted store's zspage)
        assert!(r.sim.episodes.len() > 1, "{:?}", r.sim.episodes);
        let thr = r.sim.accept_threshold_pages * PAGE_SIZE as u64;
        for e in r.sim.episodes.iter().filter_map(|e| e.pool_after_accept) {
            assert!(e <= thr + 8 * PAGE_SIZE as u64, "{e} > {thr}");
        }
        let limit = r.sim.max_pool_pages * PAGE_SIZE as u64;
        // a store just below the limit may add one zspage (up to 8 pages) beyond it
        assert!(r.sim.peak_pool_bytes < limit + 8 * PAGE_SIZE as u64);
        let loose = replay(&ev, &settings(KernelEra::V6_12, ram, 100, 90), 50).unwrap();
        assert_eq!(loose.sim.pool_limit_hit, 0);
        assert_eq!(loose.agreement.ratio(), 1.0);
    }

    #[test]
    fn refused_stores_without_size_use_the_median() {
        let ev = vec![
            store(1, 1, true, 100),
            store(2, 2, true, 300),
            store(3, 3, true, 900),
            store(4, 4, false, 0),
        ];
        let r = replay(&ev, &settings(KernelEra::V6_12, 1 << 20, 20, 90), 1).unwrap();
        assert_eq!((r.estimated_sizes, r.median_store_bytes), (1, 300));
        // the model, without the kernel's reason for refusing, stores it
        assert_eq!(r.agreement.stores_model_only, 1);
    }

    #[test]
    fn refusals_replay_by_their_reason() {
        let mut ev = vec![store(1, 1, true, 100), store(2, 2, true, 300)];
        ev.push(refused(3, 3, false, 0, StoreRefusal::Page));
        ev.push(refused(4, 4, false, 0, StoreRefusal::Unknown));
        ev.push(load(5, 3, false));
        ev.push(load(6, 4, false));
        // 6.12: the incompressible page is refused by the model too; the unknown one is kept
        let r = replay(&ev, &settings(KernelEra::V6_12, 1 << 20, 20, 90), 1).unwrap();
        assert_eq!((r.kept_refused, r.estimated_sizes), (1, 0));
        // the kept one was not run through the model: no agreement is claimed for it
        assert_eq!(r.agreement.stores_both_rejected, 1, "{:?}", r.agreement);
        assert_eq!(r.agreement.ratio(), 1.0, "{:?}", r.agreement);
        // 6.18: incompressible pages are stored raw; an unknown refusal is the limit's
        let r = replay(&ev, &settings(KernelEra::V6_18, 1 << 20, 20, 90), 1).unwrap();
        assert_eq!((r.kept_refused, r.estimated_sizes), (0, 1));
        assert_eq!(r.agreement.stores_model_only, 2, "{:?}", r.agreement);
    }

    #[test]
    fn a_kept_refusal_frees_what_the_slot_held() {
        let ev = vec![
            store(1, 7, true, 500),
            refused(2, 7, false, 0, StoreRefusal::Unknown),
            load(3, 7, false),
        ];
        let r = replay(&ev, &settings(KernelEra::V6_12, 1 << 20, 20, 90), 1).unwrap();
        assert_eq!(r.agreement.loads_both_missed, 1, "{:?}", r.agreement);
    }

    #[test]
    fn records_are_replayed_in_time_order() {
        // the load is listed first but happened after the store
        let ev = vec![load(20, 5, true), store(10, 5, true, 500)];
        let r = replay(&ev, &settings(KernelEra::V6_18, 1 << 20, 20, 90), 1).unwrap();
        assert_eq!(r.agreement.loads_both_ok, 1);
    }

    #[test]
    fn a_trace_without_slots_or_sizes_is_refused_with_the_reason() {
        let mut e = store(1, 1, true, 500);
        e.slot = None;
        let err = replay(&[e], &settings(KernelEra::V6_12, 1 << 20, 20, 90), 1).unwrap_err();
        assert!(matches!(err, ReplayError::NoSlots { records: 1 }), "{err}");
        assert!(err.to_string().contains("record it again"));
        let err = replay(
            &[store(1, 1, true, 0)],
            &settings(KernelEra::V6_12, 1 << 20, 20, 90),
            1,
        )
        .unwrap_err();
        assert!(matches!(err, ReplayError::NoSizes { stores: 1 }), "{err}");
    }
}
