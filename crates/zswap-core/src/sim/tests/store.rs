use super::*;

#[test]
fn e3_store_then_load_is_exclusive() {
    let mut z = sim(KernelEra::V6_18);
    let p = page_len(2048);
    assert_eq!(
        z.store(7, MemcgId::ROOT, &p),
        StoreOutcome::Stored { length: 2048 }
    );
    let c = z.counters();
    assert_eq!(c.debugfs.stored_pages, 1);
    assert_eq!(
        c.debugfs.pool_total_size,
        8 * 4096,
        "one 8-page zspage of class 2176"
    );
    assert_eq!(c.vmstat.zswpout, 1);
    let mut back = [0u8; 4096];
    assert_eq!(z.load(7, &mut back), LoadOutcome::Loaded);
    assert_eq!(back, p);
    let c = z.counters();
    assert_eq!((c.debugfs.stored_pages, c.vmstat.zswpin), (0, 1));
    assert_eq!(c.debugfs.pool_total_size, 0);
    assert_eq!(z.load(7, &mut back), LoadOutcome::NotFound);
}

#[test]
fn e1_load_keeps_the_entry() {
    let mut z = sim(KernelEra::V6_1);
    z.store(1, MemcgId::ROOT, &page_len(1000));
    let mut back = [0u8; 4096];
    assert_eq!(z.load(1, &mut back), LoadOutcome::Loaded);
    assert_eq!(z.load(1, &mut back), LoadOutcome::Loaded);
    let c = z.counters();
    assert_eq!(c.debugfs.stored_pages, 1);
    assert_eq!(c.frontswap.unwrap().loads, 2);
    assert_eq!(c.frontswap.unwrap().succ_stores, 1);
    z.invalidate(1);
    assert_eq!(z.counters().frontswap.unwrap().invalidates, 1);
    assert_eq!(z.counters().debugfs.stored_pages, 0);
}

#[test]
fn e1_zero_page_is_same_filled() {
    let mut z = sim(KernelEra::V6_1);
    let m = z.create_memcg(MemcgId::ROOT).unwrap();
    assert_eq!(
        z.store(1, m, &[0; 4096]),
        StoreOutcome::Stored { length: 0 }
    );
    let c = z.counters().debugfs;
    assert_eq!((c.same_filled_pages, c.stored_pages), (Some(1), 1));
    assert_eq!(c.pool_total_size, 0);
    let st = z.memcg_stat(m).unwrap();
    assert_eq!((st.zswap, st.zswapped), (0, 4096));
    let mut back = [9u8; 4096];
    z.load(1, &mut back);
    assert_eq!(back, [0; 4096]);
}

#[test]
fn e1_repeated_word_is_same_filled_e2_compresses_it() {
    let mut p = [0u8; 4096];
    for w in p.chunks_exact_mut(8) {
        w.copy_from_slice(&0x0101_0101_0101_0102u64.to_ne_bytes());
    }
    let mut z = sim(KernelEra::V6_1);
    assert_eq!(
        z.store(1, MemcgId::ROOT, &p),
        StoreOutcome::Stored { length: 0 }
    );
    let mut back = [0u8; 4096];
    z.load(1, &mut back);
    assert_eq!(back, p);
    let mut z = sim(KernelEra::V6_12);
    assert!(matches!(z.store(1, MemcgId::ROOT, &p), StoreOutcome::Stored { length } if length > 0));
}

#[test]
fn e1_non_same_filled_disabled_rejects_without_counter() {
    let mut z = sim_with(rle(KernelEra::V6_1).same_filled(true, false));
    assert_eq!(
        z.store(1, MemcgId::ROOT, &page_len(100)),
        StoreOutcome::Rejected(RejectReason::NonSameFilledDisabled)
    );
    assert_eq!(z.counters().frontswap.unwrap().failed_stores, 1);
}

#[test]
fn e2_zero_page_goes_to_zeromap() {
    for era in [KernelEra::V6_12, KernelEra::V6_18] {
        let mut z = sim(era);
        assert_eq!(z.store(3, MemcgId::ROOT, &[0; 4096]), StoreOutcome::ZeroMap);
        let c = z.counters();
        assert_eq!((c.debugfs.stored_pages, c.vmstat.swpout_zero), (0, Some(1)));
        let mut back = [1u8; 4096];
        assert_eq!(z.load(3, &mut back), LoadOutcome::ZeroMap);
        assert_eq!(back, [0; 4096]);
        assert_eq!(z.counters().vmstat.swpin_zero, Some(1));
    }
}

#[test]
fn incompressible_per_era() {
    let p = incompressible();
    let mut z = sim(KernelEra::V6_1);
    assert_eq!(
        z.store(1, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::CompressFail)
    );
    assert_eq!(
        z.counters().debugfs.reject_compress_poor,
        0,
        "6.1 counts nothing"
    );

    let mut z = sim(KernelEra::V6_12); // lzo: -ENOSPC
    assert_eq!(
        z.store(1, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::CompressPoor)
    );
    assert_eq!(z.counters().debugfs.reject_compress_poor, 1);
    let mut z = sim_with(rle(KernelEra::V6_12).compressor("lz4"));
    assert_eq!(
        z.store(1, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::CompressFail)
    );
    assert_eq!(z.counters().debugfs.reject_compress_fail, Some(1));

    let mut z = sim(KernelEra::V6_18);
    assert_eq!(
        z.store(1, MemcgId::ROOT, &p),
        StoreOutcome::Stored { length: 4096 }
    );
    let c = z.counters().debugfs;
    assert_eq!(c.stored_incompressible_pages, Some(1));
    assert_eq!(c.pool_total_size, 4096);
    let mut back = [0u8; 4096];
    assert_eq!(z.load(1, &mut back), LoadOutcome::Loaded);
    assert_eq!(back, p);
    assert_eq!(z.counters().debugfs.stored_incompressible_pages, Some(0));
}

#[test]
fn e3_incompressible_with_writeback_off_is_rejected() {
    let p = incompressible();
    for (comp, reason, poor) in [
        ("lzo", RejectReason::CompressFail, 0),
        ("deflate", RejectReason::CompressPoor, 1),
    ] {
        let mut z = sim_with(rle(KernelEra::V6_18).compressor(comp));
        let m = z.create_memcg(MemcgId::ROOT).unwrap();
        z.set_memcg_zswap_writeback(m, false).unwrap();
        assert_eq!(z.store(1, m, &p), StoreOutcome::Rejected(reason));
        assert_eq!(z.counters().debugfs.reject_compress_poor, poor);
    }
}

#[test]
fn e2_compressed_4096_bytes_go_to_the_huge_class() {
    let mut z = sim(KernelEra::V6_12);
    assert_eq!(
        z.store(1, MemcgId::ROOT, &page_len(4096)),
        StoreOutcome::Stored { length: 4096 }
    );
    assert_eq!(z.total_pages(), 1);
    let mut z = sim(KernelEra::V6_18);
    z.store(1, MemcgId::ROOT, &page_len(4096));
    assert_eq!(
        z.counters().debugfs.stored_incompressible_pages,
        Some(1),
        "6.18 stores raw"
    );
}

#[test]
fn e1_zbud_adds_header_and_refuses_over_3960() {
    let mut z = sim(KernelEra::V6_1);
    assert_eq!(
        z.store(1, MemcgId::ROOT, &page_len(3960)),
        StoreOutcome::Stored { length: 3960 }
    );
    assert_eq!(
        z.store(2, MemcgId::ROOT, &page_len(3962)),
        StoreOutcome::Rejected(RejectReason::CompressPoor)
    );
    assert_eq!(z.counters().debugfs.reject_compress_poor, 1);
    // 1976 + 8 = 1984 bytes = 31 chunks: two of them share a page
    z.store(3, MemcgId::ROOT, &page_len(1976));
    z.store(4, MemcgId::ROOT, &page_len(1976));
    assert_eq!(z.counters().debugfs.pool_total_size, 2 * 4096);
}

#[test]
fn e2_zbud_has_no_header() {
    let mut z = sim_with(rle(KernelEra::V6_12).zpool(ZpoolKind::Zbud));
    assert_eq!(
        z.store(1, MemcgId::ROOT, &page_len(3968)),
        StoreOutcome::Stored { length: 3968 }
    );
}

#[test]
fn restore_replaces_the_old_entry() {
    for era in KernelEra::ALL {
        let mut z = sim(era);
        z.store(1, MemcgId::ROOT, &page_len(100));
        z.store(1, MemcgId::ROOT, &page_len(200));
        let c = z.counters().debugfs;
        assert_eq!(c.stored_pages, 1, "{era}");
        assert_eq!(
            c.duplicate_entry.unwrap_or(0),
            0,
            "frontswap invalidates first"
        );
        assert_eq!(z.stored_length(1), Some(200));
    }
}

#[test]
fn disabled_rejects_and_erases_stale_entry() {
    let mut z = sim(KernelEra::V6_12);
    z.store(1, MemcgId::ROOT, &page_len(100));
    z.set_param(ParamName::Enabled, ParamValue::Bool(false))
        .unwrap();
    assert_eq!(
        z.store(1, MemcgId::ROOT, &page_len(100)),
        StoreOutcome::Rejected(RejectReason::Disabled)
    );
    assert_eq!(z.entry_count(), 0);
}

#[test]
fn e3_large_folio_all_or_nothing() {
    let mut z = sim(KernelEra::V6_18);
    let pages = [page_len(100), page_len(200), page_len(300), page_len(400)];
    assert_eq!(
        z.store_folio(10, MemcgId::ROOT, &pages),
        StoreOutcome::Stored { length: 400 }
    );
    assert_eq!(z.counters().vmstat.zswpout, 4);
    assert_eq!(z.entry_count(), 4);
    z.inject_fault(Fault::XarrayStore);
    let r = z.store_folio(20, MemcgId::ROOT, &pages);
    assert_eq!(r, StoreOutcome::Rejected(RejectReason::XarrayStore));
    assert_eq!(
        z.entry_count(),
        4,
        "pages stored before the failure are erased"
    );
    assert_eq!(z.counters().debugfs.stored_pages, 4);
    assert_eq!(z.counters().debugfs.reject_alloc_fail, 1);
    let mut z = sim(KernelEra::V6_12);
    assert_eq!(
        z.store_folio(10, MemcgId::ROOT, &pages),
        StoreOutcome::Rejected(RejectReason::LargeFolio)
    );
}

#[test]
fn faults_hit_their_counters() {
    let mut z = sim(KernelEra::V6_12);
    let m = z.create_memcg(MemcgId::ROOT).unwrap();
    let p = page_len(100);
    z.inject_fault(Fault::EntryAlloc);
    assert_eq!(
        z.store(1, m, &p),
        StoreOutcome::Rejected(RejectReason::EntryAlloc)
    );
    z.inject_fault(Fault::AllocatorAlloc);
    assert_eq!(
        z.store(1, m, &p),
        StoreOutcome::Rejected(RejectReason::AllocFail)
    );
    z.inject_fault(Fault::ListLruAlloc);
    assert_eq!(
        z.store(1, m, &p),
        StoreOutcome::Rejected(RejectReason::ListLruAlloc)
    );
    let c = z.counters().debugfs;
    assert_eq!((c.reject_kmemcache_fail, c.reject_alloc_fail), (1, 1));
    assert_eq!(z.total_pages(), 0);
}

#[test]
fn e3_decompress_failure_keeps_the_entry() {
    let mut z = sim(KernelEra::V6_18);
    z.store(1, MemcgId::ROOT, &page_len(100));
    z.inject_fault(Fault::Decompress);
    let mut back = [0u8; 4096];
    assert_eq!(z.load(1, &mut back), LoadOutcome::DecompressFailed);
    assert_eq!(z.counters().debugfs.decompress_fail, Some(1));
    assert_eq!(z.load(1, &mut back), LoadOutcome::Loaded);
}

#[test]
fn reject_reasons_name_their_counters() {
    assert_eq!(RejectReason::CompressFail.counter(KernelEra::V6_1), None);
    assert_eq!(
        RejectReason::CompressFail.counter(KernelEra::V6_12),
        Some("reject_compress_fail")
    );
    assert_eq!(RejectReason::MemcgLimit.counter(KernelEra::V6_18), None);
    assert_eq!(
        RejectReason::XarrayStore.counter(KernelEra::V6_18),
        Some("reject_alloc_fail")
    );
}

#[test]
fn e1_failed_store_counts_in_frontswap() {
    let mut z = sim(KernelEra::V6_1);
    z.set_param(ParamName::Enabled, ParamValue::Bool(false))
        .unwrap();
    assert_eq!(
        z.store(1, MemcgId::ROOT, &page_len(100)),
        StoreOutcome::Rejected(RejectReason::Disabled)
    );
    let fs = z.counters().frontswap.unwrap();
    assert_eq!((fs.failed_stores, fs.succ_stores), (1, 0));
}

#[test]
fn e2_uncached_load_keeps_the_entry() {
    let mut z = sim(KernelEra::V6_12);
    z.store(1, MemcgId::ROOT, &page_len(100));
    let mut back = [0u8; 4096];
    assert_eq!(z.load_uncached(1, &mut back), LoadOutcome::Loaded);
    assert_eq!(z.entry_count(), 1);
    assert_eq!(z.load(1, &mut back), LoadOutcome::Loaded);
    assert_eq!(z.entry_count(), 0);
    assert_eq!(z.counters().vmstat.zswpin, 2);
}

#[test]
fn unknown_memcg_is_refused() {
    let mut other = sim(KernelEra::V6_18);
    let m = other.create_memcg(MemcgId::ROOT).unwrap();
    let mut z = sim(KernelEra::V6_18);
    assert_eq!(
        z.store(1, m, &page_len(100)),
        StoreOutcome::Rejected(RejectReason::UnknownMemcg)
    );
}

#[test]
fn swapoff_empties_everything() {
    for era in KernelEra::ALL {
        let mut z = sim(era);
        z.store(1, MemcgId::ROOT, &page_len(100));
        z.store(2, MemcgId::ROOT, &[0; 4096]);
        z.swapoff();
        assert_eq!(z.entry_count(), 0, "{era}");
        assert_eq!(z.total_pages(), 0, "{era}");
        assert_eq!(z.counters().debugfs.stored_pages, 0, "{era}");
    }
}

#[test]
fn e2_lzo_overflow_counter_follows_the_stable_release() {
    // Random bytes: lzo's output overflows 4096 bytes.
    let p = zswap_workload::pages::page(zswap_workload::pages::PageKind::Random, 1);
    // before 6.12.31: compressed fully, then -ENOSPC; from 6.12.31 the safe variant, -EINVAL
    for (patch, poor, fail, reason) in [
        (30, 1, 0, RejectReason::CompressPoor),
        (31, 0, 1, RejectReason::CompressFail),
    ] {
        for comp in ["lzo", "lzo-rle"] {
            let codecs = KernelCodecs::default().with_facts(StableFacts::for_release(6, 12, patch));
            let mut z = sim_with(
                SimConfig::builder(KernelEra::V6_12)
                    .compressor(comp)
                    .codecs(codecs),
            );
            assert_eq!(
                z.store(1, MemcgId::ROOT, &p),
                StoreOutcome::Rejected(reason),
                "{comp} 6.12.{patch}"
            );
            let d = z.counters().debugfs;
            assert_eq!(d.reject_compress_poor, poor, "{comp} 6.12.{patch}");
            assert_eq!(d.reject_compress_fail, Some(fail), "{comp} 6.12.{patch}");
        }
    }
    // without a release, the era's facts (6.12.19, docs/kernel-notes.md §0.3): unbounded
    let mut z = sim_with(SimConfig::builder(KernelEra::V6_12).compressor("lzo"));
    assert_eq!(
        z.store(1, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::CompressPoor)
    );
}
