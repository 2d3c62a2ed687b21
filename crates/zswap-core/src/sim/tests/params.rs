use super::*;

#[test]
fn e2_limit_and_hysteresis_use_exact_integer_rules() {
    // T=100, P=20, A=90: max 20 pages, threshold 18 pages; each page_len(4096) is one page.
    let mut z = sim_with(rle(KernelEra::V6_12).total_ram_pages(100));
    for s in 0..20 {
        assert!(matches!(
            z.store(s, MemcgId::ROOT, &page_len(4096)),
            StoreOutcome::Stored { .. }
        ));
    }
    let p = page_len(4096);
    assert_eq!(
        z.store(20, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::PoolLimit)
    );
    assert_eq!(
        z.store(20, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::PoolLimit)
    );
    assert_eq!(
        z.counters().debugfs.pool_limit_hit,
        2,
        "every attempt at the limit counts"
    );
    assert!(z.shrink_work_pending());
    z.invalidate(0);
    assert_eq!(
        z.store(20, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::PoolLimitHysteresis),
        "19 > 18: still full"
    );
    z.invalidate(1);
    assert!(matches!(
        z.store(20, MemcgId::ROOT, &p),
        StoreOutcome::Stored { .. }
    ));
    assert_eq!(z.counters().debugfs.pool_limit_hit, 2);
}

#[test]
fn e1_limit_uses_strict_comparisons() {
    // full iff 20 < cur; re-accept iff 100*90/100*20/100 = 18 > cur.
    let mut z = sim_with(
        rle(KernelEra::V6_1)
            .total_ram_pages(100)
            .zpool(ZpoolKind::Zsmalloc),
    );
    let p = page_len(4096);
    for s in 0..21 {
        assert!(
            matches!(z.store(s, MemcgId::ROOT, &p), StoreOutcome::Stored { .. }),
            "{s}"
        );
    }
    assert_eq!(
        z.store(21, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::PoolLimit)
    );
    for s in 0..3 {
        z.invalidate(s);
    }
    assert_eq!(
        z.store(21, MemcgId::ROOT, &p),
        StoreOutcome::Rejected(RejectReason::PoolLimitHysteresis),
        "18 is not below 18"
    );
    z.invalidate(3);
    assert!(matches!(
        z.store(21, MemcgId::ROOT, &p),
        StoreOutcome::Stored { .. }
    ));
}

#[test]
fn memcg_limit_checks_before_compression() {
    let mut z = sim(KernelEra::V6_1);
    let m = z.create_memcg(MemcgId::ROOT).unwrap();
    z.set_memcg_zswap_max(m, Some(0)).unwrap();
    assert_eq!(
        z.store(1, m, &page_len(100)),
        StoreOutcome::Rejected(RejectReason::MemcgLimit)
    );
    // cgroup v1: no limit, no charge
    let mut z = sim_with(rle(KernelEra::V6_12).cgroup_v2(false));
    let m = z.create_memcg(MemcgId::ROOT).unwrap();
    z.set_memcg_zswap_max(m, Some(0)).unwrap();
    assert!(matches!(
        z.store(1, m, &page_len(100)),
        StoreOutcome::Stored { .. }
    ));
    let st = z.memcg_stat(m).unwrap();
    assert_eq!((st.zswap, st.zswpout), (0, 1));
}

#[test]
fn memcg_charges_compressed_bytes_hierarchically() {
    let mut z = sim(KernelEra::V6_18);
    let a = z.create_memcg(MemcgId::ROOT).unwrap();
    let a1 = z.create_memcg(a).unwrap();
    z.store(1, a1, &page_len(100));
    z.store(2, a1, &page_len(300));
    for m in [a, a1] {
        let st = z.memcg_stat(m).unwrap();
        assert_eq!((st.zswap, st.zswapped, st.zswpout), (400, 8192, 2));
    }
    let mut back = [0u8; 4096];
    z.load(1, &mut back);
    let st = z.memcg_stat(a).unwrap();
    assert_eq!((st.zswap, st.zswapped, st.zswpin), (300, 4096, 1));
}

#[test]
fn compressor_change_keeps_old_pool_until_empty() {
    let mut z = sim(KernelEra::V6_12);
    z.store(1, MemcgId::ROOT, &page_len(100));
    z.set_compressor("deflate").unwrap();
    z.store(2, MemcgId::ROOT, &page_len(100));
    let pools = z.pools();
    assert_eq!(pools.len(), 2);
    assert_eq!(
        (pools[0].compressor.as_str(), pools[0].current),
        ("deflate", true)
    );
    assert_eq!((pools[1].name.as_str(), pools[1].entries), ("zswap1", 1));
    assert_eq!(
        z.counters().debugfs.pool_total_size,
        2 * 7 * 4096,
        "both pools count"
    );
    // switching back reuses the old pool
    z.set_compressor("lzo").unwrap();
    assert_eq!(z.pools()[0].name, "zswap1");
    z.store(3, MemcgId::ROOT, &page_len(100));
    assert_eq!(z.pools()[0].entries, 2);
    // the deflate pool goes with its last entry
    z.invalidate(2);
    assert_eq!(z.pools().len(), 1);
    let mut back = [0u8; 4096];
    assert_eq!(z.load(1, &mut back), LoadOutcome::Loaded);
    assert_eq!(back, page_len(100));
}

#[test]
fn unavailable_compressor_is_enoent() {
    let mut z = sim_with(rle(KernelEra::V6_18).codecs(RleProvider {
        unavailable: vec!["lz4".into()],
    }));
    let e = z.set_compressor("lz4").unwrap_err();
    assert_eq!(e.errno(), 2);
    assert_eq!(z.params().compressor(), Some("lzo"));
    assert!(z.set_compressor("sha256").is_err());
    assert!(
        z.set_compressor(" lzo\n").is_ok(),
        "whitespace stripped, same value"
    );
}

#[test]
fn params_of_other_eras_do_not_exist() {
    let mut z = sim(KernelEra::V6_18);
    assert!(matches!(
        z.set_param(ParamName::Zpool, ParamValue::Text("zbud".into())),
        Err(SimError::NoSuchParam { name: "zpool", .. })
    ));
    let mut z = sim(KernelEra::V6_1);
    assert!(
        z.set_param(ParamName::ShrinkerEnabled, ParamValue::Bool(true))
            .is_err()
    );
    assert!(
        z.set_param(ParamName::SameFilledPagesEnabled, ParamValue::Bool(false))
            .is_ok()
    );
}

#[test]
fn params_hold_exactly_the_eras_parameters() {
    // The sim's parameters are the host's type: the same names a read of
    // /sys/module/zswap/parameters of that kernel gives.
    let names = |era| {
        kconfig_defaults(era)
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
    };
    assert!(names(KernelEra::V6_1).contains(&"same_filled_pages_enabled"));
    assert!(!names(KernelEra::V6_1).contains(&"shrinker_enabled"));
    assert!(names(KernelEra::V6_12).contains(&"zpool"));
    assert!(!names(KernelEra::V6_18).contains(&"zpool"));
    let z = sim_with(rle(KernelEra::V6_18).zpool(ZpoolKind::Zbud));
    assert_eq!(
        z.params().zpool(),
        None,
        "a parameter the era lacks is ignored"
    );
}

#[test]
fn writes_of_unmodelled_zpools_or_wrong_kinds_are_refused() {
    let mut z = sim(KernelEra::V6_12);
    let e = z
        .set_param(ParamName::Zpool, ParamValue::Text("z3fold".into()))
        .unwrap_err();
    assert_eq!(
        e,
        SimError::ZpoolUnavailable {
            name: "z3fold".into()
        }
    );
    assert_eq!(e.errno(), 2);
    let e = z
        .set_param(ParamName::MaxPoolPercent, ParamValue::Bool(true))
        .unwrap_err();
    assert_eq!(e.errno(), 22);
    assert_eq!(z.params().max_pool_percent(), Some(20), "nothing changed");
    assert_eq!(z.params().zpool(), Some("zsmalloc"));
}

#[test]
fn e2_booted_disabled_validates_compressor_at_first_enable() {
    let mut z = sim_with(rle(KernelEra::V6_12).enabled(false));
    assert!(
        z.set_compressor("nonsense").is_ok(),
        "unchecked while uninitialised"
    );
    assert!(z.pools().is_empty());
    let mut back = [0u8; 4096];
    assert_eq!(z.load(1, &mut back), LoadOutcome::NotFound);
    z.set_param(ParamName::Enabled, ParamValue::Bool(true))
        .unwrap();
    assert_eq!(
        z.params().compressor(),
        Some("lzo"),
        "falls back to the default"
    );
    assert_eq!(z.pools().len(), 1);
}

#[test]
fn setup_without_any_compressor_is_enodev() {
    let mut z = sim_with(rle(KernelEra::V6_18).enabled(false).codecs(RleProvider {
        unavailable: vec!["lzo".into()],
    }));
    let e = z
        .set_param(ParamName::Enabled, ParamValue::Bool(true))
        .unwrap_err();
    assert_eq!(e.errno(), 19);
    assert_eq!(z.params().compressor(), Some(""));
    assert_eq!(z.params().enabled(), Some(false));
}

#[test]
fn meminfo_follows_pool_and_entries() {
    let mut z = sim(KernelEra::V6_12);
    z.store(1, MemcgId::ROOT, &page_len(2048));
    let m = z.counters().meminfo;
    assert_eq!((m.zswap_kb, m.zswapped_kb), (32, 4));
}
