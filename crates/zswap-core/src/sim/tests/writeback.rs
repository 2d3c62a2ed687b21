use super::*;

fn full_e2(era: KernelEra) -> Zswap {
    let mut z = sim_with(rle(era).total_ram_pages(100));
    for s in 0..20 {
        z.store(s, MemcgId::ROOT, &page_len(4096 - 2 * (s as usize % 8)));
    }
    z
}

#[test]
fn shrink_worker_gives_up_after_16_rotations_then_resumes() {
    let mut z = full_e2(KernelEra::V6_12);
    let first = page_len(4096);
    let p = page_len(100);
    assert_eq!(
        z.store(99, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::PoolLimit)
    );
    // every entry is referenced: each rotation is a failed shrink_memcg (-EAGAIN)
    let rep = z.run_shrink_worker();
    assert!(rep.ran);
    assert_eq!((rep.written_back, rep.failures), (0, 16));
    assert_eq!(z.total_pages(), 20);
    assert!(!z.run_shrink_worker().ran, "work ran once");
    // next failed store queues it again: 4 more rotations, then the two oldest go
    assert_eq!(
        z.store(99, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::PoolLimit)
    );
    let rep = z.run_shrink_worker();
    // the cursor starts past root: an empty tree walk with no attempts counts one failure
    assert_eq!((rep.written_back, rep.failures), (2, 5));
    assert_eq!(z.total_pages(), 18);
    let c = z.counters();
    assert_eq!(c.debugfs.written_back_pages, 2);
    assert_eq!(c.vmstat.zswpwb, Some(2));
    assert_eq!(c.debugfs.stored_pages, 18);
    assert_eq!(
        c.debugfs.reject_reclaim_fail, 0,
        "rotations are not reclaim failures"
    );
    assert_eq!(z.swap_device_page(0), Some(&first));
    assert!(z.swap_device_page(1).is_some());
    let mut back = [0u8; 4096];
    assert_eq!(z.load(0, &mut back), LoadOutcome::NotFound);
    assert!(matches!(
        z.store(99, MemcgId::ROOT, &p),
        StoreOutcome::Stored { .. }
    ));
}

#[test]
fn shrink_worker_skips_writeback_disabled_memcgs() {
    let mut z = sim_with(rle(KernelEra::V6_18).total_ram_pages(100));
    let m = z.create_memcg(MemcgId::ROOT).unwrap();
    z.set_memcg_zswap_writeback(m, false).unwrap();
    for s in 0..21 {
        z.store(s, m, &page_len(4094));
    }
    assert!(z.shrink_work_pending());
    let rep = z.run_shrink_worker();
    assert_eq!(rep.written_back, 0);
    assert_eq!(
        rep.failures, 16,
        "gives up after MAX_RECLAIM_RETRIES empty walks"
    );
}

#[test]
fn memcg_limit_writes_back_synchronously() {
    let mut z = sim(KernelEra::V6_12);
    let m = z.create_memcg(MemcgId::ROOT).unwrap();
    z.set_memcg_zswap_max(m, Some(4096)).unwrap();
    z.store(1, m, &page_len(3000));
    z.store(2, m, &page_len(3000));
    // 6000 bytes charged: at the limit. The oldest entry is referenced: rotated, store fails.
    assert_eq!(
        z.store(3, m, &page_len(100)),
        StoreOutcome::Rejected(RejectReason::MemcgLimit)
    );
    // entry 2 rotates now, entry 1 is written back, store goes ahead
    assert_eq!(
        z.store(3, m, &page_len(100)),
        StoreOutcome::Rejected(RejectReason::MemcgLimit)
    );
    assert!(matches!(
        z.store(3, m, &page_len(100)),
        StoreOutcome::Stored { .. }
    ));
    assert_eq!(z.counters().debugfs.written_back_pages, 1);
    assert_eq!(z.memcg_stat(m).unwrap().zswpwb, Some(1));
    assert!(z.swap_device_page(1).is_some());
}

#[test]
fn shrinker_is_off_by_default_and_walks_when_on() {
    let mut z = sim(KernelEra::V6_18);
    let m = z.create_memcg(MemcgId::ROOT).unwrap();
    for s in 0..4 {
        z.store(s, m, &page_len(2048));
    }
    assert!(z.shrinker_scan(m, 10).stopped);
    assert_eq!(z.shrinker_count(m), 0);
    z.set_param(ParamName::ShrinkerEnabled, ParamValue::Bool(true))
        .unwrap();
    // 4 entries, 8192 compressed bytes = 2 pages backing 4 stored: 4 * 2 / 4
    assert_eq!(z.shrinker_count(m), 2);
    z.record_disk_swapin(m);
    assert_eq!(z.shrinker_count(m), 1, "3 * 2 / 4 after one disk swap-in");
    let scan = z.shrinker_scan(m, 6);
    assert_eq!(
        (scan.scanned, scan.freed),
        (6, 2),
        "4 rotations then 2 writebacks"
    );
    z.inject_fault(Fault::SwapCacheExists);
    let scan = z.shrinker_scan(m, 6);
    assert!(scan.stopped, "a folio in the swap cache stops the shrinker");
    assert_eq!(z.counters().debugfs.reject_reclaim_fail, 1);
}

#[test]
fn lone_referenced_entry_ends_the_walk() {
    let mut z = sim_with(rle(KernelEra::V6_12).shrinker_enabled(true));
    z.store(1, MemcgId::ROOT, &page_len(100));
    let scan = z.shrinker_scan(MemcgId::ROOT, 5);
    assert_eq!((scan.scanned, scan.freed), (1, 0));
}

#[test]
fn e1_zbud_evicts_the_lru_tail_page() {
    let mut z = sim_with(rle(KernelEra::V6_1).total_ram_pages(50));
    // 10 pages max; every page_len(3000) takes a zbud page of its own
    for s in 0..11 {
        z.store(s, MemcgId::ROOT, &page_len(3000));
    }
    assert_eq!(
        z.store(11, MemcgId::ROOT, &page_len(3000)),
        StoreOutcome::Rejected(RejectReason::PoolLimit)
    );
    let rep = z.run_shrink_worker();
    assert_eq!(rep.written_back, 1);
    assert!(z.swap_device_page(0).is_some(), "oldest page evicted");
    let c = z.counters();
    assert_eq!(c.debugfs.written_back_pages, 1);
    assert_eq!(
        c.debugfs.pool_total_size,
        11 * 4096,
        "cached size lags the freed page"
    );
    assert_eq!(z.total_pages(), 10);
    assert_eq!(c.vmstat.zswpwb, None);
}

#[test]
fn e1_zsmalloc_shrink_always_fails() {
    let mut z = sim_with(
        rle(KernelEra::V6_1)
            .total_ram_pages(50)
            .zpool(ZpoolKind::Zsmalloc),
    );
    for s in 0..12 {
        z.store(s, MemcgId::ROOT, &page_len(4096));
    }
    let rep = z.run_shrink_worker();
    assert!(rep.ran);
    assert_eq!(z.counters().debugfs.reject_reclaim_fail, 1);
    assert_eq!(z.counters().debugfs.written_back_pages, 0);
}

#[test]
fn e3_writeback_decompress_failure_keeps_entry() {
    let mut z = full_e2(KernelEra::V6_18);
    z.store(99, MemcgId::ROOT, &page_len(100));
    assert_eq!(z.run_shrink_worker().written_back, 0, "16 rotations");
    z.store(99, MemcgId::ROOT, &page_len(100));
    z.inject_fault(Fault::Decompress);
    let rep = z.run_shrink_worker();
    let c = z.counters().debugfs;
    assert_eq!(c.decompress_fail, Some(1));
    assert_eq!(c.reject_reclaim_fail, 1);
    assert_eq!(rep.written_back, 2);
    assert!(z.stored_length(0).is_some(), "failed entry stays");
    assert!(z.stored_length(1).is_none());
}

#[test]
fn writeback_flag_is_ignored_while_zswap_is_disabled() {
    let mut z = sim_with(rle(KernelEra::V6_12).shrinker_enabled(true));
    let m = z.create_memcg(MemcgId::ROOT).unwrap();
    z.store(1, m, &page_len(100));
    z.store(2, m, &page_len(100));
    z.set_memcg_zswap_writeback(m, false).unwrap();
    assert!(z.shrinker_scan(m, 4).stopped);
    z.set_param(ParamName::Enabled, ParamValue::Bool(false))
        .unwrap();
    let scan = z.shrinker_scan(m, 4);
    assert_eq!((scan.scanned, scan.freed), (4, 2));
}
