//! The zswap model over the kernel-exact compressors: round trips for every era and every
//! modelled compressor (including incompressible and zero pages), and property tests of the
//! model's invariants over random operation sequences.
#![allow(clippy::unwrap_used)] // helpers of the tests below fail the test on error

use std::collections::BTreeMap;

use proptest::prelude::*;
use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::sim::{
    KernelCodecs, LoadOutcome, MemcgId, RejectReason, SimConfig, StoreOutcome, ZpoolKind, Zswap,
};
use zswap_core::{KernelEra, ParamName, ParamValue};
use zswap_workload::pages::{PageKind, mixed_corpus, page};

fn modelled(era: KernelEra) -> Vec<Algorithm> {
    Algorithm::ALL
        .into_iter()
        .filter(|a| PageCompressor::new(*a, era).is_ok())
        .collect()
}

fn round_trip(era: KernelEra, zpool: ZpoolKind, alg: Algorithm) {
    let mut z = Zswap::new(
        SimConfig::builder(era)
            .compressor(alg.kernel_name())
            .zpool(zpool)
            .build(),
    );
    assert_eq!(z.params().compressor(), Some(alg.kernel_name()));
    let corpus = mixed_corpus(0x7e57_0001 ^ alg as u64, 160);
    let mut rejected = 0;
    for (i, p) in corpus.iter().enumerate() {
        match z.store(i as u64, MemcgId::ROOT, p) {
            StoreOutcome::Stored { .. } | StoreOutcome::ZeroMap => {}
            StoreOutcome::Rejected(r) => {
                // only incompressible pages may be refused, and never in 6.18
                assert_ne!(era, KernelEra::V6_18, "{alg}: {r:?}");
                assert!(
                    matches!(r, RejectReason::CompressFail | RejectReason::CompressPoor),
                    "{era} {alg} page {i}: {r:?}"
                );
                rejected += 1;
            }
        }
    }
    assert_eq!(z.counters().debugfs.stored_pages as usize, z.entry_count());
    let mut loaded = 0;
    for (i, p) in corpus.iter().enumerate() {
        let mut back = [0xa5u8; 4096];
        match z.load(i as u64, &mut back) {
            LoadOutcome::Loaded | LoadOutcome::ZeroMap => {
                assert_eq!(&back, p, "{era} {alg} page {i}");
                loaded += 1;
            }
            other => assert_ne!(other, LoadOutcome::DecompressFailed),
        }
    }
    assert_eq!(loaded + rejected, corpus.len(), "{era} {alg}");
    if era == KernelEra::V6_18 {
        assert!(z.counters().vmstat.swpout_zero.unwrap() > 0);
        assert!(z.counters().debugfs.stored_incompressible_pages.unwrap() <= 20);
    }
}

#[test]
fn every_page_loads_back_identical_for_every_compressor_and_era() {
    for era in KernelEra::ALL {
        let algs = modelled(era);
        assert!(algs.len() >= 4, "{era}: {algs:?}");
        for alg in algs {
            round_trip(era, ZpoolKind::Zsmalloc, alg);
            if era != KernelEra::V6_18 {
                round_trip(era, ZpoolKind::Zbud, alg);
            }
        }
    }
}

#[test]
fn entries_keep_their_compressor_across_switches() {
    for era in KernelEra::ALL {
        let mut z = Zswap::new(SimConfig::builder(era).build());
        let corpus = mixed_corpus(0x5171, 60);
        let algs = modelled(era);
        for (i, p) in corpus.iter().enumerate() {
            if i % 10 == 0 {
                z.set_compressor(algs[(i / 10) % algs.len()].kernel_name())
                    .unwrap();
            }
            z.store(i as u64, MemcgId::ROOT, p);
        }
        assert!(z.pools().len() > 1);
        for (i, p) in corpus.iter().enumerate() {
            let mut back = [0u8; 4096];
            if matches!(
                z.load(i as u64, &mut back),
                LoadOutcome::Loaded | LoadOutcome::ZeroMap
            ) {
                assert_eq!(&back, p, "{era} page {i}");
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Store {
        slot: u64,
        kind: usize,
        seed: u64,
        cg: usize,
    },
    Load {
        slot: u64,
    },
    Invalidate {
        slot: u64,
    },
    Shrink,
    Scan {
        cg: usize,
        n: u64,
    },
    Compressor(usize),
    MaxPool(u32),
    Writeback {
        cg: usize,
        on: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..48u64, 0..PageKind::ALL.len(), any::<u64>(), 0..3usize)
            .prop_map(|(slot, kind, seed, cg)| Op::Store { slot, kind, seed, cg }),
        2 => (0..48u64).prop_map(|slot| Op::Load { slot }),
        1 => (0..48u64).prop_map(|slot| Op::Invalidate { slot }),
        1 => Just(Op::Shrink),
        1 => (0..3usize, 1..8u64).prop_map(|(cg, n)| Op::Scan { cg, n }),
        1 => (0..3usize).prop_map(Op::Compressor),
        1 => (1..40u32).prop_map(Op::MaxPool),
        1 => (0..3usize, any::<bool>()).prop_map(|(cg, on)| Op::Writeback { cg, on }),
    ]
}

/// Event counters that must never go down.
fn monotonic(z: &Zswap) -> Vec<u64> {
    let c = z.counters();
    let d = c.debugfs;
    vec![
        d.pool_limit_hit,
        d.reject_reclaim_fail,
        d.reject_alloc_fail,
        d.reject_kmemcache_fail,
        d.reject_compress_poor,
        d.reject_compress_fail.unwrap_or(0),
        d.decompress_fail.unwrap_or(0),
        d.written_back_pages,
        c.vmstat.zswpin,
        c.vmstat.zswpout,
        c.vmstat.zswpwb.unwrap_or(0),
        c.vmstat.swpout_zero.unwrap_or(0),
        c.vmstat.swpin_zero.unwrap_or(0),
    ]
}

fn run(era: KernelEra, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let algs = ["lzo", "deflate", "lzo-rle"];
    let ram = 400;
    let mut z = Zswap::new(
        SimConfig::builder(era)
            .total_ram_pages(ram)
            .shrinker_enabled(era != KernelEra::V6_1)
            .codecs(KernelCodecs::only(&[
                Algorithm::Lzo,
                Algorithm::LzoRle,
                Algorithm::Deflate,
            ]))
            .build(),
    );
    let a = z.create_memcg(MemcgId::ROOT).unwrap();
    let b = z.create_memcg(a).unwrap();
    let cgs = [MemcgId::ROOT, a, b];
    // what each slot holds, wherever it is
    let mut shadow: BTreeMap<u64, ([u8; 4096], MemcgId)> = BTreeMap::new();
    // the cgroup of the entry last stored at each slot (a zero page stored over a slot leaves
    // the older entry in place: swap_writepage sets the zeromap bit without calling zswap)
    let mut owner: BTreeMap<u64, MemcgId> = BTreeMap::new();
    let mut full = false;
    let mut prev = monotonic(&z);
    for op in ops {
        let pages_before = z.total_pages();
        let max = ram * u64::from(z.params().max_pool_percent().unwrap_or_default()) / 100;
        let thr = max * u64::from(z.params().accept_threshold_percent().unwrap_or_default()) / 100;
        match op {
            Op::Store {
                slot,
                kind,
                seed,
                cg,
            } => {
                let p = page(PageKind::ALL[kind], seed);
                let out = z.store(slot, cgs[cg], &p);
                shadow.insert(slot, (p, cgs[cg]));
                if matches!(out, StoreOutcome::Stored { .. }) {
                    owner.insert(slot, cgs[cg]);
                }
                if era != KernelEra::V6_1 {
                    if pages_before >= max && out != StoreOutcome::ZeroMap {
                        prop_assert_eq!(out, StoreOutcome::Rejected(RejectReason::PoolLimit));
                    }
                    if matches!(out, StoreOutcome::Stored { .. }) {
                        prop_assert!(!full || pages_before <= thr, "hysteresis broken");
                        full = false;
                    }
                    if out == StoreOutcome::Rejected(RejectReason::PoolLimit) {
                        full = true;
                    }
                }
                if let StoreOutcome::Rejected(_) = out {
                    // the swap layer writes it to the device; the test forgets it
                    shadow.remove(&slot);
                    z.invalidate(slot);
                }
            }
            Op::Load { slot } => {
                let mut back = [0u8; 4096];
                let out = z.load(slot, &mut back);
                match (out, shadow.get(&slot)) {
                    (LoadOutcome::Loaded | LoadOutcome::ZeroMap, Some((p, _))) => {
                        prop_assert_eq!(&back[..], &p[..]);
                    }
                    (LoadOutcome::NotFound, Some((p, _))) => {
                        let disk = z.swap_device_page(slot);
                        prop_assert_eq!(disk.map(|d| &d[..]), Some(&p[..]), "written back");
                    }
                    (LoadOutcome::NotFound, None) => {}
                    (o, s) => prop_assert!(false, "load {:?} with shadow {}", o, s.is_some()),
                }
                // the slot is freed after swap-in
                z.invalidate(slot);
                shadow.remove(&slot);
            }
            Op::Invalidate { slot } => {
                z.invalidate(slot);
                shadow.remove(&slot);
            }
            Op::Shrink => {
                z.run_shrink_worker();
            }
            Op::Scan { cg, n } => {
                z.shrinker_scan(cgs[cg], n);
            }
            Op::Compressor(i) => z.set_compressor(algs[i]).unwrap(),
            Op::MaxPool(p) => z
                .set_param(ParamName::MaxPoolPercent, ParamValue::Uint(p))
                .unwrap(),
            Op::Writeback { cg, on } => {
                if era != KernelEra::V6_1 {
                    z.set_memcg_zswap_writeback(cgs[cg], on).unwrap();
                }
            }
        }
        // invariants
        let c = z.counters();
        prop_assert_eq!(c.debugfs.stored_pages as usize, z.entry_count());
        prop_assert_eq!(z.total_pages(), z.structural_pages());
        let pool_pages: u64 = z.pools().iter().map(|p| p.pages).sum();
        prop_assert_eq!(pool_pages, z.total_pages());
        if era != KernelEra::V6_1 {
            prop_assert_eq!(c.debugfs.pool_total_size, z.total_pages() * 4096);
        }
        let lens: Vec<(u64, u32)> = (0..48)
            .filter_map(|s| z.stored_length(s).map(|l| (s, l)))
            .collect();
        let raw = lens.iter().filter(|(_, l)| *l == 4096).count() as u64;
        let same = lens.iter().filter(|(_, l)| *l == 0).count() as u64;
        if era == KernelEra::V6_18 {
            prop_assert_eq!(c.debugfs.stored_incompressible_pages, Some(raw));
        }
        if era == KernelEra::V6_1 {
            prop_assert_eq!(c.debugfs.same_filled_pages, Some(same));
        }
        let charged: u64 = lens
            .iter()
            .filter(|(s, _)| owner.get(s).is_some_and(|m| *m != MemcgId::ROOT))
            .map(|(_, l)| u64::from(*l))
            .sum();
        prop_assert_eq!(z.memcg_stat(a).unwrap().zswap, charged);
        let now = monotonic(&z);
        for (i, (x, y)) in prev.iter().zip(&now).enumerate() {
            prop_assert!(y >= x, "counter {} went down: {} -> {}", i, x, y);
        }
        prev = now;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn invariants_hold_e1(ops in proptest::collection::vec(op(), 1..80)) {
        run(KernelEra::V6_1, ops)?;
    }

    #[test]
    fn invariants_hold_e2(ops in proptest::collection::vec(op(), 1..80)) {
        run(KernelEra::V6_12, ops)?;
    }

    #[test]
    fn invariants_hold_e3(ops in proptest::collection::vec(op(), 1..80)) {
        run(KernelEra::V6_18, ops)?;
    }
}
