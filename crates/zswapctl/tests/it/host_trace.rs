//! `zswapctl trace` on the live host. This host refuses BPF tracing programs (EPERM) and
//! has no kprobes, so the command must fail with exit 1 and a message naming both reasons;
//! on a host where tracing works it must run for the given duration and print a summary.
//! Real traffic through the probe is checked in QEMU guests (vmtest scenario `probe`).

use std::path::Path;

use zswap_testkit::host::{is_root, require};

use crate::util::{zswapctl, zswapctl_as_nobody};

#[test]
fn trace_summary_fails_cleanly_or_runs() {
    if !require("root", is_root())
        || !require("the eBPF probe built in", zswap_probe::probe_built())
    {
        return;
    }
    let out = zswapctl(None, &["trace", "--summary", "--duration", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() {
        assert!(stdout.contains("stores"), "{stdout}");
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("zswapctl: error: this kernel refuses BPF tracing"),
        "{stderr}"
    );
    assert!(stderr.contains("EPERM"), "{stderr}");
    if !Path::new("/sys/bus/event_source/devices/kprobe").exists() {
        assert!(stderr.contains("kprobes are not available"), "{stderr}");
    }
    assert_eq!(stderr.lines().count(), 1, "one line, no panic: {stderr}");
}

#[test]
fn trace_refuses_a_captured_tree() {
    let tree = tempfile::tempdir().unwrap();
    let out = zswapctl(Some(tree.path()), &["trace"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("trace needs the running kernel"));
}

#[test]
fn self_cost_goes_with_summary() {
    let out = zswapctl(None, &["trace", "--self-cost"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--summary"), "{stderr}");
}

#[test]
fn regress_22_unprivileged_trace_exits_3_and_names_privilege() {
    let setpriv = std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !require(
        "root and setpriv (to drop privileges)",
        is_root() && setpriv,
    ) {
        return;
    }
    let out = zswapctl_as_nobody(None, &["trace", "--duration", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("root"), "{stderr}");
    assert!(
        !stderr.contains("rust-src") && !stderr.contains("toolchain"),
        "{stderr}"
    );
}
