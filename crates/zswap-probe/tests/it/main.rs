//! Integration tests of the probe loader on the live host.
//!
//! The development host refuses BPF tracing programs (fentry/fexit fail with EPERM) and has no
//! kprobes, so here loading must fail with a classified error that names the reason; where
//! tracing works, it must load and read back. Probing in real zswap traffic is done in QEMU
//! guests (`cargo xtask vmtest`, scenario `probe`).

mod rebuild;

use std::path::Path;

use caps::{CapSet, Capability};
use zswap_probe::{Probe, ProbeError, ProbeOptions, probe_built};
use zswap_testkit::host;

fn ready() -> bool {
    host::require("root", host::is_root())
        && host::require(
            "the eBPF probe built into this binary (scripts/install-ebpf-toolchain.sh)",
            probe_built(),
        )
        && host::require("kernel btf", Path::new("/sys/kernel/btf/vmlinux").exists())
}

#[test]
fn load_on_this_host_fails_cleanly_or_works() {
    if !ready() {
        return;
    }
    let kprobes = Path::new("/sys/bus/event_source/devices/kprobe").exists();
    match Probe::load(&ProbeOptions::default()) {
        Ok(probe) => {
            let snap = probe.snapshot().expect("snapshot of a loaded probe");
            assert_eq!(snap.size_buckets.len(), 255);
            assert!(!probe.attached().is_empty());
        }
        Err(e @ ProbeError::TracingRefused { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("EPERM"), "{msg}");
            assert!(
                msg.contains("zswap_store") || msg.contains("zswap_frontswap_store"),
                "{msg}"
            );
            if !kprobes {
                assert!(msg.contains("kprobes are not available"), "{msg}");
            }
            eprintln!("as expected on this host: {msg}");
        }
        Err(other) => panic!("unexpected error class: {other:?}\n{other}"),
    }
}

/// Sets this thread's effective capability set to `eff`, keeping the permitted set; returns
/// false if the kernel refused.
fn set_effective(eff: &[Capability]) -> bool {
    caps::set(None, CapSet::Effective, &eff.iter().copied().collect()).is_ok()
}

/// Runs `setup` then `Probe::load` in a forked child and returns what `judge` says of the
/// result (exit 2 if `setup` failed). The child never returns into the test harness.
fn in_child(setup: fn() -> bool, judge: fn(&zswap_probe::Result<Probe>) -> bool) -> i32 {
    // SAFETY: fork in a test; the child only changes its own credentials, runs the loader and
    // leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = if !setup() {
            2
        } else if judge(&Probe::load(&ProbeOptions::default())) {
            0
        } else {
            1
        };
        // SAFETY: leave the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(libc::WIFEXITED(status), "child did not exit");
    libc::WEXITSTATUS(status)
}

fn lacks_caps(r: &zswap_probe::Result<Probe>) -> bool {
    matches!(r, Err(ProbeError::MissingCapabilities { .. }))
}

#[test]
fn unprivileged_uid_is_refused_before_touching_the_kernel() {
    if !host::require("the eBPF probe built into this binary", probe_built()) {
        return;
    }
    if !host::is_root() {
        assert!(lacks_caps(&Probe::load(&ProbeOptions::default())));
        return;
    }
    let setup = || {
        // SAFETY: plain credential calls in the forked child.
        unsafe { libc::setgid(65534) == 0 && libc::setuid(65534) == 0 }
    };
    assert_eq!(in_child(setup, lacks_caps), 0, "uid 65534 was not refused");
}

#[test]
fn root_without_bpf_capabilities_is_refused() {
    if !host::require("root", host::is_root())
        || !host::require("the eBPF probe built into this binary", probe_built())
    {
        return;
    }
    assert_eq!(
        in_child(|| set_effective(&[]), lacks_caps),
        0,
        "uid 0 with an empty effective set was not refused"
    );
}

#[test]
fn other_uid_with_bpf_and_perfmon_passes_the_permission_check() {
    if !host::require("root", host::is_root())
        || !host::require("the eBPF probe built into this binary", probe_built())
    {
        return;
    }
    // What systemd does for `User=` plus `AmbientCapabilities=CAP_BPF CAP_PERFMON`: keep
    // the permitted set across setuid, then raise the two in the effective set. The load
    // may still fail later (this host refuses BPF), but not for want of permission.
    let setup = || {
        // SAFETY: plain credential calls in the forked child.
        let changed = unsafe {
            libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0
                && libc::setgid(65534) == 0
                && libc::setuid(65534) == 0
        };
        changed && set_effective(&[Capability::CAP_BPF, Capability::CAP_PERFMON])
    };
    assert_eq!(
        in_child(setup, |r| !lacks_caps(r)),
        0,
        "uid 65534 holding CAP_BPF and CAP_PERFMON was refused"
    );
}
