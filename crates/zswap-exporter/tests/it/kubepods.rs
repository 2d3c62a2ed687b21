//! Kubernetes labels on the per-cgroup families (docs/kubernetes.md#labels): `--once` over
//! trees laid out as the kubelet's systemd and cgroupfs drivers lay out pods, with
//! containerd, CRI-O and Docker containers, and over a cgroup v1 host.

use zswap_testkit::FixtureRoot;

use crate::common::{once, tree_6_18};

const UID_G: &str = "0f9c7a52-3d8e-4b21-9c1e-7d2f5a6b8c90";
const UID_B: &str = "6a1e2f3d-4c5b-4a69-8788-99aabbccddee";
const UID_E: &str = "11223344-5566-4778-899a-abbccddeeff0";
const ID_1: &str = "4d9a3f2b1c0e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a";
const ID_2: &str = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1";
const ID_3: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

/// A cgroup v2 directory with zswap figures: `compressed` bytes in `memory.stat`.
fn cgroup(f: &FixtureRoot, rel: &str, compressed: u64) {
    let dir = format!("sys/fs/cgroup/{rel}");
    f.file(
        &format!("{dir}/memory.stat"),
        &format!(
            "anon 1\nzswap {compressed}\nzswapped {}\nzswpin 0\nzswpout 1\nzswpwb 0\n",
            compressed * 3
        ),
    );
    f.file(
        &format!("{dir}/memory.zswap.current"),
        &format!("{compressed}\n"),
    );
    f.file(&format!("{dir}/memory.zswap.max"), "max\n");
}

/// The `zswap_cgroup_compressed_bytes` line for `path` with the labels the path should give.
fn line(path: &str, labels: &str, compressed: u64) -> String {
    format!("zswap_cgroup_compressed_bytes{{cgroup=\"/{path}\"{labels}}} {compressed}\n")
}

fn pod_labels(qos: &str, uid: &str, id: Option<&str>) -> String {
    let mut s = format!(",qos_class=\"{qos}\",pod_uid=\"{uid}\"");
    if let Some(id) = id {
        s += &format!(",container_id=\"{id}\"");
    }
    s
}

fn assert_lines(out: &str, want: &[String]) {
    for l in want {
        assert!(out.contains(l.as_str()), "missing {l}in:\n{out}");
    }
}

#[test]
fn systemd_driver_tree_gives_pod_labels() {
    let f = tree_6_18();
    let g = format!(
        "kubepods.slice/kubepods-pod{}.slice",
        UID_G.replace('-', "_")
    );
    let b = format!(
        "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice",
        UID_B.replace('-', "_")
    );
    let e = format!(
        "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{}.slice",
        UID_E.replace('-', "_")
    );
    let cases = [
        ("kubepods.slice".to_owned(), String::new(), 100),
        (
            "kubepods.slice/kubepods-burstable.slice".to_owned(),
            ",qos_class=\"Burstable\"".to_owned(),
            200,
        ),
        (g.clone(), pod_labels("Guaranteed", UID_G, None), 300),
        (
            format!("{g}/cri-containerd-{ID_1}.scope"),
            pod_labels("Guaranteed", UID_G, Some(ID_1)),
            301,
        ),
        (
            format!("{b}/crio-{ID_2}.scope"),
            pod_labels("Burstable", UID_B, Some(ID_2)),
            401,
        ),
        (
            format!("{b}/crio-conmon-{ID_2}.scope"),
            pod_labels("Burstable", UID_B, None),
            402,
        ),
        (
            format!("{e}/docker-{ID_3}.scope"),
            pod_labels("BestEffort", UID_E, Some(ID_3)),
            501,
        ),
        (
            "system.slice/containerd.service".to_owned(),
            String::new(),
            600,
        ),
    ];
    for (path, _, v) in &cases {
        cgroup(&f, path, *v);
    }
    let out = once(f.path(), &[]);
    let want: Vec<String> = cases.iter().map(|(p, l, v)| line(p, l, *v)).collect();
    assert_lines(&out, &want);
    // every per-cgroup family carries the same labels
    assert!(out.contains(&format!(
        "zswap_cgroup_stored_bytes{{cgroup=\"/{e}/docker-{ID_3}.scope\"{}}} 1503\n",
        pod_labels("BestEffort", UID_E, Some(ID_3))
    )));
}

#[test]
fn cgroupfs_driver_tree_gives_pod_labels() {
    let f = tree_6_18();
    let cases = [
        ("kubepods".to_owned(), String::new(), 100),
        (
            format!("kubepods/pod{UID_G}"),
            pod_labels("Guaranteed", UID_G, None),
            300,
        ),
        (
            format!("kubepods/pod{UID_G}/{ID_1}"),
            pod_labels("Guaranteed", UID_G, Some(ID_1)),
            301,
        ),
        (
            "kubepods/burstable".to_owned(),
            ",qos_class=\"Burstable\"".to_owned(),
            400,
        ),
        (
            format!("kubepods/burstable/pod{UID_B}/crio-{ID_2}"),
            pod_labels("Burstable", UID_B, Some(ID_2)),
            401,
        ),
        (
            format!("kubepods/besteffort/pod{UID_E}/{ID_3}"),
            pod_labels("BestEffort", UID_E, Some(ID_3)),
            501,
        ),
    ];
    for (path, _, v) in &cases {
        cgroup(&f, path, *v);
    }
    let out = once(f.path(), &[]);
    let want: Vec<String> = cases.iter().map(|(p, l, v)| line(p, l, *v)).collect();
    assert_lines(&out, &want);
}

/// cgroup v1's memory controller keeps no zswap accounting, so a v1 host's pods have no
/// per-cgroup series to label: the node-wide families are still there.
#[test]
fn cgroup_v1_host_has_node_figures_and_no_pod_series() {
    let f = tree_6_18();
    f.proc(
        "mounts",
        "sysfs /sys sysfs rw 0 0\nproc /proc proc rw 0 0\n\
         cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n\
         cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n",
    );
    f.file("sys/fs/cgroup/unified/cgroup.controllers", "");
    f.file(
        &format!("sys/fs/cgroup/memory/kubepods/burstable/pod{UID_B}/{ID_2}/memory.stat"),
        "cache 0\nrss 4096\n",
    );
    let out = once(f.path(), &[]);
    assert!(out.contains("zswap_stored_pages "), "{out}");
    assert!(!out.contains("pod_uid="), "{out}");
    assert!(!out.contains("zswap_cgroup_compressed_bytes{"), "{out}");
}
