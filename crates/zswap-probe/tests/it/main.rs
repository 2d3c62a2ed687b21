//! Integration tests of the probe loader on the live host.
//!
//! The development host refuses BPF tracing programs (fentry/fexit fail with EPERM) and has no
//! kprobes, so here loading must fail with a classified error that names the reason; where
//! tracing works, it must load and read back. Probing in real zswap traffic is done in QEMU
//! guests (`cargo xtask vmtest`, scenario `probe`).

mod rebuild;

use std::path::Path;

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

#[test]
fn not_root_is_reported_before_touching_the_kernel() {
    if !host::require("the eBPF probe built into this binary", probe_built()) {
        return;
    }
    if host::is_root() {
        // Run the check as an unprivileged child: drop to uid 65534 in a forked process.
        // SAFETY: fork in a test; the child only calls async-signal-safe setuid/_exit and the
        // loader, then exits without returning to the test harness.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            // SAFETY: see above.
            let code = unsafe {
                if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                    2
                } else {
                    match Probe::load(&ProbeOptions::default()) {
                        Err(ProbeError::NotRoot { euid: 65534 }) => 0,
                        _ => 1,
                    }
                }
            };
            // SAFETY: leave the child without running the parent's destructors.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status), "child did not exit");
        assert_eq!(libc::WEXITSTATUS(status), 0, "child did not see NotRoot");
    } else {
        assert!(matches!(
            Probe::load(&ProbeOptions::default()),
            Err(ProbeError::NotRoot { .. })
        ));
    }
}
