use super::*;
use crate::params::{ParamName, ParamValue, ZswapParams};
use crate::stats::debugfs::{DebugfsReading, DebugfsStats, DebugfsStatus};
use crate::stats::meminfo::parse_meminfo;
use crate::stats::vmstat::parse_vmstat;

fn sample(t_ms: u64, stored: u64, pool: u64, zswpout: u64) -> ZswapSample {
    let mut params = ZswapParams::default();
    params.insert(ParamName::MaxPoolPercent, ParamValue::Uint(20));
    params.insert(ParamName::AcceptThresholdPercent, ParamValue::Uint(90));
    let mut stats = DebugfsStats::default();
    stats.values.insert("stored_pages".into(), stored);
    stats.values.insert("pool_total_size".into(), pool);
    stats.values.insert("reject_compress_poor".into(), 2);
    stats.values.insert("written_back_pages".into(), 5);
    ZswapSample {
        taken_at_ms: t_ms,
        params: Some(params),
        debugfs: Some(DebugfsReading {
            status: DebugfsStatus::Available,
            stats: Some(stats),
        }),
        // 4 GiB of RAM
        meminfo: parse_meminfo(&zswap_testkit::meminfo_text(4 * 1024 * 1024, Some((0, 0)))),
        vmstat: parse_vmstat(&format!("zswpout {zswpout}\nzswpin 0\n")),
        ..Default::default()
    }
}

#[test]
fn ratio_and_limits_follow_kernel_arithmetic() {
    let m = ZswapModel::new(&sample(0, 300, 409_600, 0), None);
    assert_eq!(m.stored_bytes, Some(300 * 4096));
    assert_eq!(m.compression_ratio, Some(3.0));
    // docs/kernel-notes.md §3.2: 4 GiB, P=20 → 209 715 pages; A=90 → 188 743 pages
    assert_eq!(m.pool_limit_bytes, Some(209_715 * 4096));
    assert_eq!(m.accept_threshold_bytes, Some(188_743 * 4096));
    assert_eq!(m.rejects.get("compress_poor"), Some(&2));
    assert_eq!(
        m.rejects.get("compress_fail"),
        None,
        "not counted on this kernel"
    );
}

#[test]
fn empty_pool_has_no_ratio() {
    let m = ZswapModel::new(&sample(0, 0, 0, 0), None);
    assert_eq!(m.compression_ratio, None);
}

#[test]
fn rates_from_two_samples() {
    let a = sample(1_000, 0, 0, 100);
    let b = sample(3_000, 0, 0, 300);
    let m = ZswapModel::new(&b, Some(&a));
    assert_eq!(m.rates_per_sec.get("zswpout"), Some(&100.0));
    assert_eq!(m.rates_per_sec.get("written_back_pages"), Some(&0.0));
    assert!(
        !m.rates_per_sec.contains_key("stored_pages"),
        "gauges have no rate"
    );
}

#[test]
fn counter_going_backwards_gives_no_rate() {
    let a = sample(1_000, 0, 0, 500);
    let b = sample(2_000, 0, 0, 10);
    let m = ZswapModel::new(&b, Some(&a));
    assert_eq!(m.rates_per_sec.get("zswpout"), None);
}

#[test]
fn falls_back_to_meminfo_without_debugfs() {
    let mut s = sample(0, 0, 0, 0);
    s.debugfs = None;
    s.meminfo = parse_meminfo(&zswap_testkit::meminfo_text(1024 * 1024, Some((100, 400))));
    let m = ZswapModel::new(&s, None);
    assert_eq!(m.pool_bytes, Some(100 * 1024));
    assert_eq!(m.stored_pages, Some(100));
    assert_eq!(m.compression_ratio, Some(4.0));
}

#[test]
fn per_sec_rules() {
    assert_eq!(per_sec(Some(1), Some(3), 2.0), Some(1.0));
    assert_eq!(per_sec(None, Some(3), 2.0), None);
    assert_eq!(per_sec(Some(5), Some(3), 2.0), None);
}

/// A 16 KiB-page kernel: meminfo's bytes become pages (and pages bytes) by its own page size,
/// not by 4096.
#[test]
fn page_counts_use_the_sampled_kernels_page_size() {
    let mut params = ZswapParams::default();
    params.insert(ParamName::MaxPoolPercent, ParamValue::Uint(20));
    let s = ZswapSample {
        params: Some(params),
        // 4 GiB of RAM; 64 MiB in zswap holding 256 MiB
        meminfo: parse_meminfo(&zswap_testkit::meminfo_text(
            4 * 1024 * 1024,
            Some((64 * 1024, 256 * 1024)),
        )),
        page_size: Some(16384),
        ..Default::default()
    };
    let m = ZswapModel::new(&s, None);
    assert_eq!(m.stored_pages, Some(256 * 1024 * 1024 / 16384));
    assert_eq!(m.stored_bytes, Some(256 << 20));
    // 20% of 262,144 pages = 52,428 pages (rounded down in pages, as the kernel does)
    assert_eq!(m.pool_limit_bytes, Some(52_428 * 16384));
}
