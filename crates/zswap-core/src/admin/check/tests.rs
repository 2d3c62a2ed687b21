use super::*;
use crate::admin::caps::NoModules;
use crate::sample::{CollectOptions, collect_sample};
use crate::stats::cgroup::CgroupFilter;
use crate::sysroot::SysRoot;
use zswap_testkit::FixtureRoot;

fn sample(f: &FixtureRoot) -> ZswapSample {
    collect_sample(
        &SysRoot::at(f.path()),
        &CollectOptions {
            cgroups: Some(CgroupFilter::default()),
        },
    )
}

fn codes(v: &[Finding]) -> Vec<&'static str> {
    v.iter().map(|x| x.code).collect()
}

#[test]
fn enabled_without_swap_warns() {
    let f = FixtureRoot::era("6.18.2");
    f.param("enabled", "Y");
    let v = check_sample(&sample(&f), None, &NoModules);
    let w = v.iter().find(|x| x.code == "no-swap").unwrap();
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.fix.contains("swapon"));
}

#[test]
fn disabled_fresh_tree_has_only_info() {
    let f = FixtureRoot::era("6.18.2");
    let v = check_sample(&sample(&f), None, &NoModules);
    assert!(v.iter().all(|x| x.severity == Severity::Info), "{v:?}");
    assert!(codes(&v).contains(&"disabled"));
}

#[test]
fn unavailable_compressor() {
    let f = FixtureRoot::era("6.12.57");
    f.param("compressor", "zstd");
    let v = check_sample(&sample(&f), None, &NoModules);
    let c = v
        .iter()
        .find(|x| x.code == "compressor-unavailable")
        .unwrap();
    assert_eq!(c.severity, Severity::Warning);
    f.param("enabled", "Y");
    let v = check_sample(&sample(&f), None, &NoModules);
    let c = v
        .iter()
        .find(|x| x.code == "compressor-unavailable")
        .unwrap();
    assert_eq!(c.severity, Severity::Error);
    assert!(c.fix.contains("deflate, lzo, lzo-rle"), "{}", c.fix);
}

#[test]
fn loadable_compressor_of_disabled_zswap_is_only_info() {
    let f = FixtureRoot::era("6.12.57");
    f.param("compressor", "zstd");
    let modules = crate::admin::caps::ModulesAliasResolver::parse("alias crypto-zstd zstd\n");
    let v = check_sample(&sample(&f), None, &modules);
    let c = v
        .iter()
        .find(|x| x.code == "compressor-not-loaded")
        .unwrap();
    assert_eq!(c.severity, Severity::Info);
    assert!(!codes(&v).contains(&"compressor-unavailable"));
}

#[test]
fn pool_limits() {
    let f = FixtureRoot::era("6.18.2");
    f.param("enabled", "Y").param("max_pool_percent", "0");
    assert!(codes(&check_sample(&sample(&f), None, &NoModules)).contains(&"pool-limit-zero"));
    f.param("max_pool_percent", "75");
    assert!(codes(&check_sample(&sample(&f), None, &NoModules)).contains(&"pool-limit-high"));
    f.param("max_pool_percent", "1").proc(
        "meminfo",
        &zswap_testkit::meminfo_text(512 * 1024, Some((0, 0))),
    );
    assert!(codes(&check_sample(&sample(&f), None, &NoModules)).contains(&"pool-limit-tiny"));
    f.param("max_pool_percent", "20");
    let v = check_sample(&sample(&f), None, &NoModules);
    assert!(
        !codes(&v).iter().any(|c| c.starts_with("pool-limit")),
        "{v:?}"
    );
}

#[test]
fn cgroup_limits() {
    let f = FixtureRoot::era("6.12.57");
    f.param("enabled", "Y")
        .file("sys/fs/cgroup/cgroup.controllers", "cpu memory\n")
        .file("sys/fs/cgroup/memory.stat", "zswap 0\n")
        .file("sys/fs/cgroup/a/memory.stat", "zswap 0\n")
        .file("sys/fs/cgroup/a/memory.zswap.max", "0\n")
        .file("sys/fs/cgroup/a/memory.zswap.writeback", "1\n")
        .file("sys/fs/cgroup/b/memory.stat", "zswap 0\n")
        .file("sys/fs/cgroup/b/memory.zswap.max", "max\n")
        .file("sys/fs/cgroup/b/memory.zswap.writeback", "0\n");
    let v = check_sample(&sample(&f), None, &NoModules);
    let max = v
        .iter()
        .find(|x| x.code == "cgroup-zswap-max-zero")
        .unwrap();
    assert!(max.message.contains("'/a'"), "{}", max.message);
    let wb = v.iter().find(|x| x.code == "cgroup-writeback-off").unwrap();
    assert!(wb.message.contains("'/b'"), "{}", wb.message);
    assert_eq!(wb.severity, Severity::Warning);
}

#[test]
fn debugfs_not_mounted_is_info() {
    let f = FixtureRoot::era("6.18.2");
    f.proc(
        "mounts",
        "proc /proc proc rw 0 0\nsysfs /sys sysfs rw 0 0\n",
    );
    let v = check_sample(&sample(&f), None, &NoModules);
    let d = v.iter().find(|x| x.code == "debugfs-unavailable").unwrap();
    assert_eq!(d.severity, Severity::Info);
    assert!(d.fix.contains("mount -t debugfs"));
}

#[test]
fn rising_rejects_since_last_look() {
    let f = FixtureRoot::era("6.18.2");
    f.debugfs("pool_limit_hit", 3)
        .debugfs("reject_compress_poor", 10)
        .debugfs("reject_reclaim_fail", 0);
    let first = sample(&f);
    let v = check_sample(&first, None, &NoModules);
    assert!(codes(&v).contains(&"first-look"));
    let snap = counter_snapshot(&first);
    assert_eq!(snap.counters.get("reject_compress_poor"), Some(&10));
    f.debugfs("reject_compress_poor", 25);
    let v = check_sample(&sample(&f), Some(&snap), &NoModules);
    let r: Vec<_> = v.iter().filter(|x| x.code == "rejects-rising").collect();
    assert_eq!(r.len(), 1, "{v:?}");
    assert!(
        r[0].message.contains("reject_compress_poor rose by 15"),
        "{}",
        r[0].message
    );
    assert!(r[0].fix.contains("zstd"));
    f.debugfs("reject_compress_poor", 1);
    assert!(codes(&check_sample(&sample(&f), Some(&snap), &NoModules)).contains(&"counters-reset"));
}

#[test]
fn config_with_removed_zpool_is_an_error() {
    let f = FixtureRoot::era("6.18.2");
    let caps = KernelCaps::discover(&SysRoot::at(f.path()))
        .unwrap()
        .unwrap();
    let v = check_config(
        "/etc/zswap/zswap.yaml",
        "enabled: true\nzpool: zsmalloc\n",
        &caps,
        &NoModules,
    );
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].code, "config-removed-setting");
    assert!(v[0].message.contains("line 2") && v[0].message.contains("6.18"));
    let bad = check_config("c.yaml", "enabled: maybe\n", &caps, &NoModules);
    assert_eq!(bad[0].code, "config-invalid");
    assert!(check_config("c.yaml", "enabled: true\n", &caps, &NoModules).is_empty());
}

#[test]
fn cmdline_with_removed_zpool_warns() {
    let f = FixtureRoot::era("6.18.2");
    let caps = KernelCaps::discover(&SysRoot::at(f.path()))
        .unwrap()
        .unwrap();
    let v = check_cmdline("ro zswap.enabled=1 zswap.zpool=z3fold quiet", &caps);
    assert_eq!(v.len(), 1);
    assert!(v[0].message.contains("zswap.zpool=z3fold"));
    let f = FixtureRoot::era("6.1.0-41-amd64");
    let caps = KernelCaps::discover(&SysRoot::at(f.path()))
        .unwrap()
        .unwrap();
    assert!(check_cmdline("zswap.zpool=z3fold", &caps).is_empty());
}
