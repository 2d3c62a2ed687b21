//! Tests of the collectors together: what a fixture tree gives, in families and encoded.

use std::collections::BTreeMap;

use zswap_core::stats::cgroup::CgroupFilter;
use zswap_core::stats::debugfs::DebugfsStats;
use zswap_probe::{CgroupTotals, ProbeSnapshot};
use zswap_testkit::{FixtureRoot, meminfo_text};

use super::*;
use crate::encode::{Format, render};

fn debugfs_stats(s: &Scrape) -> Option<&DebugfsStats> {
    s.sample.debugfs.as_ref().and_then(|d| d.stats.as_ref())
}

fn config(f: &FixtureRoot) -> CollectConfig {
    CollectConfig {
        root: f.root(),
        enabled: CollectorName::ALL
            .into_iter()
            .filter(|c| *c != CollectorName::Ebpf)
            .collect(),
        cgroup_filter: CgroupFilter::default(),
        ebpf: None,
        page_size: 4096,
    }
}

fn outcome(s: &Scrape, name: CollectorName) -> &CollectorRun {
    s.outcomes.iter().find(|o| o.name == name).unwrap()
}

#[test]
fn empty_tree_fails_only_the_procfs_collectors() {
    let f = FixtureRoot::new();
    let s = collect(&config(&f));
    assert_eq!(outcome(&s, CollectorName::Sysfs).error, None);
    assert!(outcome(&s, CollectorName::Meminfo).error.is_some());
    assert!(outcome(&s, CollectorName::Vmstat).error.is_some());
    assert!(s.sample.params.is_none());
}

#[test]
fn a_kernel_without_zswap_succeeds_and_marks_the_sources_missing() {
    let f = FixtureRoot::new();
    f.file("sys/kernel/debug/sched/verbose", "N\n");
    f.proc("meminfo", &meminfo_text(1000, None));
    f.proc("vmstat", "nr_free_pages 100\npswpin 0\npswpout 0\n");
    let s = collect(&config(&f));
    for name in [
        CollectorName::Sysfs,
        CollectorName::Debugfs,
        CollectorName::Meminfo,
        CollectorName::Vmstat,
    ] {
        let o = outcome(&s, name);
        assert_eq!(o.error, None, "{name}");
        assert!(!o.source_present, "{name}");
    }
    // with zswap the same collectors find their sources
    f.params_6_18();
    f.debugfs("stored_pages", 7);
    f.proc("meminfo", &meminfo_text(1000, Some((4, 8))));
    f.proc("vmstat", "nr_free_pages 100\nzswpout 3\n");
    let s = collect(&config(&f));
    for name in [
        CollectorName::Sysfs,
        CollectorName::Debugfs,
        CollectorName::Meminfo,
        CollectorName::Vmstat,
    ] {
        assert!(outcome(&s, name).source_present, "{name}");
    }
}

#[test]
fn debugfs_not_mounted_is_a_failure_with_advice() {
    let f = FixtureRoot::new();
    f.params_6_18();
    let s = collect(&config(&f));
    let err = outcome(&s, CollectorName::Debugfs).error.clone().unwrap();
    assert!(err.contains("mount -t debugfs"), "{err}");
}

#[test]
fn debugfs_mounted_without_zswap_dir_is_no_data() {
    let f = FixtureRoot::new();
    f.file("sys/kernel/debug/sched/verbose", "N\n");
    let s = collect(&config(&f));
    assert_eq!(outcome(&s, CollectorName::Debugfs).error, None);
    assert!(debugfs_stats(&s).is_none());
}

#[test]
fn debugfs_appearing_later_is_picked_up() {
    let f = FixtureRoot::new();
    f.file("sys/kernel/debug/sched/verbose", "N\n");
    let cfg = config(&f);
    assert!(debugfs_stats(&collect(&cfg)).is_none());
    f.debugfs("stored_pages", 7);
    assert_eq!(
        debugfs_stats(&collect(&cfg)).unwrap().get("stored_pages"),
        Some(7)
    );
}

#[test]
fn disabled_collectors_do_not_run() {
    let f = FixtureRoot::new();
    f.proc("meminfo", &meminfo_text(1000, Some((4, 8))));
    let mut cfg = config(&f);
    cfg.enabled = [CollectorName::Meminfo].into_iter().collect();
    let s = collect(&cfg);
    assert_eq!(s.outcomes.len(), 1);
    assert!(s.sample.meminfo.is_some());
}

#[test]
fn ebpf_load_failure_is_reported_every_scrape() {
    let f = FixtureRoot::new();
    let mut cfg = config(&f);
    cfg.enabled = [CollectorName::Ebpf].into_iter().collect();
    cfg.ebpf = Some(EbpfSource::failed("fentry refused"));
    for _ in 0..2 {
        let s = collect(&cfg);
        assert_eq!(
            outcome(&s, CollectorName::Ebpf).error.as_deref(),
            Some("fentry refused")
        );
        assert!(s.ebpf.is_none());
    }
}

#[test]
fn collector_names_round_trip() {
    for c in CollectorName::ALL {
        assert_eq!(c.as_str().parse::<CollectorName>().unwrap(), c);
    }
    assert!("bpf".parse::<CollectorName>().is_err());
}

// the families a fixture tree gives

fn scrape(f: &FixtureRoot) -> Scrape {
    collect(&config(f))
}

fn names(s: &Scrape) -> Vec<String> {
    families(s, "test")
        .list()
        .iter()
        .map(Family::sample_name)
        .collect()
}

fn family<'a>(f: &'a Families, name: &str) -> Option<&'a Family> {
    f.list().iter().find(|x| x.sample_name() == name)
}

fn tree_6_18() -> FixtureRoot {
    let f = FixtureRoot::new();
    f.params_6_18();
    f.proc("meminfo", &meminfo_text(1_000_000, Some((400, 1600))));
    f.proc(
        "vmstat",
        "zswpin 3\nzswpout 10\nzswpwb 1\nswpout_zero 2\nswpin_zero 1\n",
    );
    for (n, v) in [
        ("pool_total_size", 409_600u64),
        ("stored_pages", 400),
        ("stored_incompressible_pages", 2),
        ("pool_limit_hit", 0),
        ("reject_compress_poor", 1),
        ("reject_compress_fail", 2),
        ("reject_alloc_fail", 3),
        ("reject_kmemcache_fail", 4),
        ("reject_reclaim_fail", 5),
        ("decompress_fail", 0),
        ("written_back_pages", 6),
    ] {
        f.debugfs(n, v);
    }
    f
}

#[test]
fn every_6_18_file_has_its_metric() {
    let n = names(&scrape(&tree_6_18()));
    for want in [
        "zswap_enabled",
        "zswap_info",
        "zswap_pool_size_bytes",
        "zswap_stored_pages",
        "zswap_stored_incompressible_pages",
        "zswap_rejects_total",
        "zswap_decompress_failures_total",
        "zswap_written_back_pages_total",
        "zswap_vmstat_zswpwb_total",
        "zswap_meminfo_zswap_bytes",
        "zswap_compression_ratio",
        "zswap_pool_limit_bytes",
    ] {
        assert!(n.iter().any(|x| x == want), "{want} missing from {n:?}");
    }
    // 6.1-only files are absent, not zero
    assert!(!n.iter().any(|x| x == "zswap_same_filled_pages"));
    assert!(!n.iter().any(|x| x == "zswap_duplicate_entries_total"));
}

#[test]
fn rejects_carry_only_the_reasons_this_kernel_counts() {
    let f = tree_6_18();
    std::fs::remove_file(f.path().join("sys/kernel/debug/zswap/reject_compress_fail")).unwrap();
    let fams = families(&scrape(&f), "test");
    let r = family(&fams, "zswap_rejects_total").unwrap();
    let reasons: Vec<&str> = r.samples.iter().map(|(l, _)| l[0].1.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "compress_poor",
            "alloc_fail",
            "kmemcache_fail",
            "reclaim_fail"
        ]
    );
}

#[test]
fn ratios_are_fractions() {
    let fams = families(&scrape(&tree_6_18()), "test");
    let v = |n: &str| family(&fams, n).unwrap().samples[0].1.clone();
    assert_eq!(v("zswap_max_pool_ratio"), Value::Float(0.2));
    assert_eq!(v("zswap_accept_threshold_ratio"), Value::Float(0.9));
    // 400 pages x 4096 / 409600 bytes
    assert_eq!(v("zswap_compression_ratio"), Value::Float(4.0));
}

#[test]
fn zpool_is_an_info_label_on_6_12() {
    let f = FixtureRoot::new();
    f.params_6_18().param("zpool", "zsmalloc");
    let fams = families(&scrape(&f), "test");
    let info = family(&fams, "zswap_info").unwrap();
    assert_eq!(
        info.samples[0].0,
        vec![
            ("zpool", "zsmalloc".to_owned()),
            ("compressor", "lzo".to_owned())
        ]
    );
}

#[test]
fn kernel_without_zswap_exports_only_self_metrics() {
    let f = FixtureRoot::new();
    f.proc("meminfo", &meminfo_text(1000, None));
    f.proc("vmstat", "nr_free_pages 1\n");
    let n = names(&scrape(&f));
    assert!(n.iter().all(|x| x.starts_with("zswap_exporter_")), "{n:?}");
}

/// The probe's pages for the workload cgroup come out under the same `cgroup` label as
/// its memory.stat zswpout, so the two series can be compared (the exporter vmtest
/// scenario checks they are equal on real kernels).
#[test]
fn ebpf_cgroup_pages_share_the_cgroup_label_with_memory_stat() {
    use std::collections::BTreeMap;
    use std::os::unix::fs::MetadataExt;

    use zswap_probe::{CgroupTotals, ProbeSnapshot};

    let f = FixtureRoot::new();
    f.proc("mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
    f.file("sys/fs/cgroup/cgroup.controllers", "memory\n");
    f.file("sys/fs/cgroup/memory.stat", "zswpout 20\n");
    f.file(
        "sys/fs/cgroup/workload/memory.stat",
        "zswap 8192\nzswpout 13\n",
    );
    let id = std::fs::metadata(f.path().join("sys/fs/cgroup/workload"))
        .unwrap()
        .ino();
    let totals = CgroupTotals {
        store_ok_pages: 13,
        ..CgroupTotals::default()
    };
    let snap = ProbeSnapshot::from_raw(&[], &[], &[], &[], BTreeMap::from([(id, totals)]));
    let s = collect(&CollectConfig {
        root: f.root(),
        enabled: [CollectorName::Cgroup, CollectorName::Ebpf]
            .into_iter()
            .collect(),
        cgroup_filter: CgroupFilter::default(),
        ebpf: Some(EbpfSource::fixed(snap)),
        page_size: 4096,
    });
    assert!(
        s.outcomes.iter().all(|o| o.error.is_none()),
        "{:?}",
        s.outcomes
    );
    let fams = families(&s, "t");
    let sample = |name: &str| {
        family(&fams, name)
            .unwrap()
            .samples
            .iter()
            .find(|(l, _)| l == &vec![("cgroup", "/workload".to_owned())])
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        sample("zswap_ebpf_cgroup_pages_stored_total"),
        Some(Value::Int(13))
    );
    assert_eq!(
        sample("zswap_ebpf_cgroup_pages_stored_total"),
        sample("zswap_cgroup_pages_stored_total")
    );
}

#[test]
fn cgroup_max_is_infinite_when_unlimited() {
    let f = FixtureRoot::new();
    f.file("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
    f.file(
        "sys/fs/cgroup/memory.stat",
        "anon 1\nzswap 10\nzswapped 40\nzswpin 1\nzswpout 2\nzswpwb 0\n",
    );
    f.file(
        "sys/fs/cgroup/work/memory.stat",
        "zswap 5\nzswapped 20\nzswpin 1\nzswpout 1\n",
    );
    f.file("sys/fs/cgroup/work/memory.zswap.current", "5\n");
    f.file("sys/fs/cgroup/work/memory.zswap.max", "max\n");
    f.file("sys/fs/cgroup/work/memory.zswap.writeback", "1\n");
    let fams = families(&scrape(&f), "test");
    let max = family(&fams, "zswap_cgroup_max_bytes").unwrap();
    assert_eq!(
        max.samples,
        vec![(
            vec![("cgroup", "/work".to_owned())],
            Value::Float(f64::INFINITY)
        )]
    );
    let c = family(&fams, "zswap_cgroup_compressed_bytes").unwrap();
    assert_eq!(c.samples.len(), 2);
    assert!(family(&fams, "zswap_cgroup_incompressible_bytes").is_none());
    let text = render(fams, Format::Text).unwrap();
    assert!(
        text.contains("zswap_cgroup_max_bytes{cgroup=\"/work\"} +Inf\n"),
        "{text}"
    );
}

// the ebpf collector's families, encoded

fn snapshot() -> ProbeSnapshot {
    // outcome 0 (ok): 10 stores in [1024, 2048) ns; outcome 1 (rejected): 2 in [4, 8) µs
    let mut store = vec![0u64; 9 * 64];
    store[11] = 10;
    store[64 + 13] = 2;
    let mut load = vec![0u64; 9 * 64];
    load[10] = 4;
    let mut sizes = vec![0u64; 255];
    sizes[40] = 10;
    let mut counters = vec![0u64; 13];
    counters[0] = 10; // store_ok
    counters[1] = 2; // store_fail
    counters[2] = 10; // store_ok_pages
    counters[3] = 4; // load_ok
    // cgroup 100 is /work; 200 was removed
    let work = CgroupTotals {
        store_ok_pages: 7,
        store_fail: 2,
        stored_bytes: 9000,
        load_ok: 4,
        load_fail: 0,
    };
    let gone = CgroupTotals {
        store_ok_pages: 3,
        ..CgroupTotals::default()
    };
    let cgroups = BTreeMap::from([(100, work), (200, gone)]);
    ProbeSnapshot::from_raw(&store, &load, &sizes, &counters, cgroups)
}

fn labels() -> CgroupLabels {
    CgroupLabels {
        paths: BTreeMap::from([(100, "/work".to_owned())]),
        unresolved: 1,
    }
}

#[test]
fn cgroup_totals_are_labelled_by_path() {
    let s = Scrape {
        ebpf: Some(snapshot()),
        ebpf_cgroups: Some(labels()),
        ..Default::default()
    };
    let text = render(families(&s, "t"), Format::Text).unwrap();
    for want in [
        "# TYPE zswap_ebpf_cgroup_pages_stored_total counter\n",
        "zswap_ebpf_cgroup_pages_stored_total{cgroup=\"/work\"} 7\n",
        "zswap_ebpf_cgroup_store_failures_total{cgroup=\"/work\"} 2\n",
        "zswap_ebpf_cgroup_stored_compressed_bytes_total{cgroup=\"/work\"} 9000\n",
        "zswap_ebpf_cgroup_loads_total{cgroup=\"/work\",result=\"ok\"} 4\n",
        "zswap_ebpf_cgroup_loads_total{cgroup=\"/work\",result=\"fail\"} 0\n",
        "zswap_ebpf_cgroups_unresolved 1\n",
    ] {
        assert!(text.contains(want), "no {want} in\n{text}");
    }
    // the removed cgroup's 3 pages are in no per-cgroup series
    assert_eq!(
        text.matches("zswap_ebpf_cgroup_pages_stored_total{")
            .count(),
        1
    );
}

#[test]
fn no_labels_no_cgroup_families() {
    let s = Scrape {
        ebpf: Some(snapshot()),
        ..Default::default()
    };
    let text = render(families(&s, "t"), Format::Text).unwrap();
    assert!(!text.contains("zswap_ebpf_cgroup"), "{text}");
}

#[test]
fn histograms_and_counts_render_in_both_formats() {
    let s = Scrape {
        ebpf: Some(snapshot()),
        ..Default::default()
    };
    let text = render(families(&s, "t"), Format::Text).unwrap();
    assert!(
        text.contains("# TYPE zswap_ebpf_store_latency_seconds histogram\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "zswap_ebpf_store_latency_seconds_bucket{outcome=\"ok\",le=\"2.048e-06\"} 10\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("zswap_ebpf_store_latency_seconds_count{outcome=\"rejected\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("zswap_ebpf_stores_total{result=\"fail\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("zswap_ebpf_compressed_size_bytes_bucket{le=\"1024\"} 10\n"),
        "{text}"
    );
    let om = render(families(&s, "t"), Format::OpenMetrics).unwrap();
    assert!(
        om.contains("# UNIT zswap_ebpf_load_latency_seconds seconds\n"),
        "{om}"
    );
    assert!(
        om.contains("zswap_ebpf_load_latency_seconds_bucket{le=\"+Inf\",outcome=\"ok\"} 4\n"),
        "{om}"
    );
}

/// The ebpf families of a fixed snapshot, as golden output: `tests/golden/ebpf.prom`
/// (which the deploy tests also read to know these names).
#[test]
#[allow(clippy::disallowed_methods)] // golden file and the update switch
fn golden_ebpf_families() {
    let s = Scrape {
        ebpf: Some(snapshot()),
        ebpf_cgroups: Some(labels()),
        ..Default::default()
    };
    let text = render(families(&s, "t"), Format::Text).unwrap();
    // the build's commit and compiler change from build to build
    let text = text
        .replace(env!("ZSWAP_EXPORTER_REVISION"), "<revision>")
        .replace(env!("ZSWAP_EXPORTER_RUSTVERSION"), "<rustversion>");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ebpf.prom");
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        want, text,
        "run UPDATE_GOLDEN=1 cargo test -p zswap-exporter if intended"
    );
}

#[test]
fn no_snapshot_no_ebpf_families() {
    let text = render(families(&Scrape::default(), "t"), Format::Text).unwrap();
    assert!(!text.contains("zswap_ebpf"));
}

/// The build info's revision is the checkout's commit (or `unknown` where git cannot say,
/// as in a tarball build), and rustversion a version number.
#[test]
fn build_info_names_the_commit_and_compiler() {
    let text = render(families(&Scrape::default(), "t"), Format::Text).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("zswap_exporter_build_info{"))
        .unwrap();
    let head = std::process::Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    assert!(line.contains(&format!("revision=\"{head}\"")), "{line}");
    let rv = env!("ZSWAP_EXPORTER_RUSTVERSION");
    assert!(rv.split('.').all(|p| p.parse::<u32>().is_ok()), "{line}");
}
