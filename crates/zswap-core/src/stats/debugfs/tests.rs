use super::*;
use zswap_testkit::FixtureRoot;

fn root(f: &FixtureRoot) -> SysRoot {
    SysRoot::at(f.path())
}

#[test]
fn reads_every_counter_present() {
    let f = FixtureRoot::new();
    f.debugfs("stored_pages", 12)
        .debugfs("pool_total_size", 32768)
        .debugfs("stored_incompressible_pages", 1)
        .debugfs("decompress_fail", 0);
    let r = read_debugfs(&root(&f)).unwrap();
    assert_eq!(r.status, DebugfsStatus::Available);
    let s = r.stats.unwrap();
    assert_eq!(s.get("stored_pages"), Some(12));
    assert_eq!(s.get("pool_total_size"), Some(32768));
    assert_eq!(
        s.get("same_filled_pages"),
        None,
        "absent on this era, not 0"
    );
}

#[test]
fn reads_6_1_frontswap_dir() {
    let f = FixtureRoot::new();
    f.debugfs("same_filled_pages", 3)
        .file("sys/kernel/debug/frontswap/succ_stores", "9\n");
    let s = read_debugfs(&root(&f)).unwrap().stats.unwrap();
    assert_eq!(s.get("same_filled_pages"), Some(3));
    assert_eq!(s.frontswap.get("succ_stores"), Some(&9));
}

#[test]
fn missing_debugfs_is_not_mounted() {
    let f = FixtureRoot::new();
    f.proc("mounts", "proc /proc proc rw 0 0\n");
    let r = read_debugfs(&root(&f)).unwrap();
    assert_eq!(r.status, DebugfsStatus::NotMounted);
    assert!(r.status.explain().contains("mount -t debugfs"));
}

#[test]
fn mounted_without_zswap_dir_means_never_enabled() {
    let f = FixtureRoot::new();
    f.proc("mounts", "debugfs /sys/kernel/debug debugfs rw 0 0\n")
        .dir("sys/kernel/debug/bdi");
    let r = read_debugfs(&root(&f)).unwrap();
    assert_eq!(r.status, DebugfsStatus::NoZswapDir);
}

#[test]
fn no_mounts_file_infers_from_directory() {
    let f = FixtureRoot::new();
    f.dir("sys/kernel/debug/bdi");
    assert_eq!(
        read_debugfs(&root(&f)).unwrap().status,
        DebugfsStatus::NoZswapDir
    );
}

#[test]
fn garbage_counter_is_error_naming_file() {
    let f = FixtureRoot::new();
    f.file("sys/kernel/debug/zswap/stored_pages", "lots\n");
    let err = read_debugfs(&root(&f)).unwrap_err().to_string();
    assert!(
        err.contains("stored_pages") && err.contains("lots"),
        "{err}"
    );
}

#[test]
fn every_known_counter_has_unique_name() {
    let mut names: Vec<_> = COUNTERS.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), COUNTERS.len());
}
