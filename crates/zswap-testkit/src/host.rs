//! Support for tests that touch the live host: a machine-wide lock (several test binaries,
//! and several developers' runs, share one kernel) and the rule for absent capabilities.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;

/// Where the machine-wide lock lives.
pub const HOST_LOCK_PATH: &str = "/run/zswap-tools-host.lock";

/// Exclusive hold on the host's zswap state (parameters, swap, zram devices, memory
/// cgroups) for as long as it lives. Every test that changes or measures host state takes it.
#[derive(Debug)]
pub struct HostLock {
    _file: File,
}

impl HostLock {
    /// Blocks until the lock is free.
    pub fn acquire() -> HostLock {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(HOST_LOCK_PATH)
            .unwrap_or_else(|e| panic!("cannot open host lock '{HOST_LOCK_PATH}': {e}"));
        // SAFETY: flock on a file descriptor we own; released when the file is closed.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        assert_eq!(
            rc,
            0,
            "flock '{HOST_LOCK_PATH}': {}",
            std::io::Error::last_os_error()
        );
        HostLock { _file: file }
    }
}

/// True if and only if `CI=true` is set: then a missing capability is a failure, not a skip.
pub fn in_ci() -> bool {
    #[allow(clippy::disallowed_methods)] // the test environment decides skip vs fail
    let v = std::env::var("CI").unwrap_or_default();
    v == "true" || v == "1"
}

/// Decides whether a test that needs `what` can run. Returns true if `available`; otherwise
/// prints why the test is skipped and returns false, or panics when running in CI, where
/// nothing the suite needs may be skipped.
#[allow(clippy::print_stderr)]
pub fn require(what: &str, available: bool) -> bool {
    if available {
        return true;
    }
    if in_ci() {
        panic!("CI=true and this test needs {what}, which is not available here");
    }
    eprintln!("skipped: needs {what}, which is not available here");
    false
}

/// True if and only if the process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
