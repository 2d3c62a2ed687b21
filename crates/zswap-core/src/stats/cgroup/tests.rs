use super::*;
use zswap_testkit::FixtureRoot;

fn tree() -> FixtureRoot {
    let f = FixtureRoot::new();
    f.proc("mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n")
        .file("sys/fs/cgroup/cgroup.controllers", "cpu memory io\n")
        .file(
            "sys/fs/cgroup/memory.stat",
            "anon 1\nzswap 0\nzswapped 0\nzswpin 0\nzswpout 0\n",
        )
        .file("sys/fs/cgroup/memory.zswap.writeback", "1\n")
        .file("sys/fs/cgroup/work/memory.zswap.current", "8192\n")
        .file("sys/fs/cgroup/work/memory.zswap.max", "max\n")
        .file("sys/fs/cgroup/work/memory.zswap.writeback", "0\n")
        .file(
            "sys/fs/cgroup/work/memory.stat",
            "anon 4096\nzswap 8192\nzswapped 16384\nzswpin 1\nzswpout 4\nzswpwb 0\n",
        )
        .file("sys/fs/cgroup/work/sub/memory.stat", "zswap 0\n")
        .file("sys/fs/cgroup/work/sub/memory.zswap.max", "0\n");
    f
}

#[test]
fn finds_hierarchy_with_memory_controller() {
    let f = tree();
    let m = find_cgroup2(&SysRoot::at(f.path())).unwrap().unwrap();
    assert!(m.memory_controller);
    assert_eq!(m.path, f.path().join("sys/fs/cgroup"));
}

#[test]
fn reads_every_cgroup_breadth_first() {
    let f = tree();
    let r = SysRoot::at(f.path());
    let m = find_cgroup2(&r).unwrap().unwrap();
    let got = read_cgroups(&r, &m, &CgroupFilter::default()).unwrap();
    let paths: Vec<_> = got.cgroups.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["/", "/work", "/work/sub"]);
    let work = &got.cgroups[1];
    assert_eq!(work.zswap_current_bytes, Some(8192));
    assert_eq!(work.zswap_max, Some(Limit::Max));
    assert_eq!(work.zswap_writeback, Some(false));
    assert_eq!(work.stat.get("zswpout"), Some(&4));
    assert_eq!(work.stat.get("anon"), None);
    assert_eq!(got.cgroups[2].zswap_max, Some(Limit::Bytes(0)));
    assert_eq!(
        got.cgroups[0].zswap_current_bytes, None,
        "root has no memory.zswap.current"
    );
}

#[test]
fn prefix_and_cap_bound_the_walk() {
    let f = tree();
    let r = SysRoot::at(f.path());
    let m = find_cgroup2(&r).unwrap().unwrap();
    let only = CgroupFilter {
        prefix: Some("/work/sub".into()),
        max_cgroups: 10,
    };
    let got = read_cgroups(&r, &m, &only).unwrap();
    assert_eq!(got.cgroups.len(), 1);
    let capped = read_cgroups(
        &r,
        &m,
        &CgroupFilter {
            prefix: None,
            max_cgroups: 2,
        },
    )
    .unwrap();
    assert_eq!(capped.cgroups.len(), 2);
    assert!(capped.truncated);
}

#[test]
fn no_cgroup2_mount_is_none() {
    let f = FixtureRoot::new();
    f.proc(
        "mounts",
        "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n",
    );
    assert_eq!(find_cgroup2(&SysRoot::at(f.path())).unwrap(), None);
}

#[test]
fn garbage_current_is_parse_error() {
    let f = tree();
    f.file("sys/fs/cgroup/work/memory.zswap.current", "lots\n");
    let r = SysRoot::at(f.path());
    let err = read_cgroup(&r, &f.path().join("sys/fs/cgroup/work"), "/work").unwrap_err();
    assert!(err.to_string().contains("memory.zswap.current"), "{err}");
}

#[test]
fn garbage_writeback_is_parse_error() {
    let f = tree();
    f.file("sys/fs/cgroup/work/memory.zswap.writeback", "2\n");
    let r = SysRoot::at(f.path());
    assert!(read_cgroup(&r, &f.path().join("sys/fs/cgroup/work"), "/work").is_err());
}

#[test]
fn missing_files_are_absent() {
    let f = FixtureRoot::new();
    f.file("cg/memory.stat", "anon 0\n");
    let cg = read_cgroup(&SysRoot::at(f.path()), &f.path().join("cg"), "/cg").unwrap();
    assert_eq!(cg.zswap_current_bytes, None);
    assert_eq!(cg.zswap_writeback, None);
    assert!(cg.stat.is_empty());
}

#[test]
fn limits_parse() {
    assert_eq!(parse_limit("max\n"), Some(Limit::Max));
    assert_eq!(parse_limit("4096"), Some(Limit::Bytes(4096)));
    assert_eq!(parse_limit("-1"), None);
}

fn ino(f: &FixtureRoot, rel: &str) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(f.path().join(rel)).unwrap().ino()
}

#[test]
fn cgroup_ids_map_to_paths() {
    let f = tree();
    let r = SysRoot::at(f.path());
    let m = find_cgroup2(&r).unwrap().unwrap();
    let (top, work, sub) = (
        ino(&f, "sys/fs/cgroup"),
        ino(&f, "sys/fs/cgroup/work"),
        ino(&f, "sys/fs/cgroup/work/sub"),
    );
    let got = find_cgroup_paths(&r, &m, &BTreeSet::from([top, work, sub])).unwrap();
    assert_eq!(
        got,
        BTreeMap::from([
            (top, "/".to_owned()),
            (work, "/work".to_owned()),
            (sub, "/work/sub".to_owned())
        ])
    );
}

#[test]
fn cgroup_ids_of_removed_cgroups_are_absent() {
    let f = tree();
    let r = SysRoot::at(f.path());
    let m = find_cgroup2(&r).unwrap().unwrap();
    let sub = ino(&f, "sys/fs/cgroup/work/sub");
    std::fs::remove_dir_all(f.path().join("sys/fs/cgroup/work/sub")).unwrap();
    let got = find_cgroup_paths(&r, &m, &BTreeSet::from([sub])).unwrap();
    assert!(got.is_empty(), "{got:?}");
}
