//! Support for tests that touch the live host: a machine-wide lock (several test binaries,
//! and several developers' runs, share one kernel), an undo journal for the lock's holder, and
//! the rule for absent capabilities.
//!
//! Guards undo their change on drop, which a killed test process never reaches (a timeout, a
//! `kill`). So each change is also written to the journal while the lock is held; the lock's
//! clean release deletes the journal, and whoever takes the lock next finds a dead holder's
//! journal and undoes it first.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Where the machine-wide lock lives.
pub const HOST_LOCK_PATH: &str = "/run/zswap-tools-host.lock";
/// The lock holder's undo journal: one [`Undo`] per line, in the order of the changes.
pub const UNDO_JOURNAL_PATH: &str = "/run/zswap-tools-host.undo";

/// One change to the host and how to take it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// Write `value` back into a sysfs/procfs file (a zswap parameter as it was found).
    Write {
        /// The file.
        path: PathBuf,
        /// Its value before the change.
        value: String,
    },
    /// Swap off this swap file and delete it (and its directory, when left empty).
    SwapFile(PathBuf),
    /// Kill the processes of this memory cgroup and remove it.
    Cgroup(PathBuf),
    /// Unmount this mount point.
    Mount(PathBuf),
}

impl Undo {
    fn line(&self) -> String {
        let (kind, path, value) = match self {
            Undo::Write { path, value } => ("write", path, value.as_str()),
            Undo::SwapFile(p) => ("swapfile", p, ""),
            Undo::Cgroup(p) => ("cgroup", p, ""),
            Undo::Mount(p) => ("mount", p, ""),
        };
        format!("{kind}\t{}\t{value}", path.display())
    }

    fn parse(line: &str) -> Option<Undo> {
        let mut f = line.splitn(3, '\t');
        let (kind, path) = (f.next()?, PathBuf::from(f.next()?));
        let value = f.next().unwrap_or("").to_owned();
        Some(match kind {
            "write" => Undo::Write { path, value },
            "swapfile" => Undo::SwapFile(path),
            "cgroup" => Undo::Cgroup(path),
            "mount" => Undo::Mount(path),
            _ => return None,
        })
    }

    /// Takes the change back, ignoring what is already undone.
    fn apply(&self) {
        match self {
            Undo::Write { path, value } => {
                let _ = fs::write(path, value);
            }
            Undo::SwapFile(p) => {
                let _ = Command::new("swapoff").arg(p).status();
                let _ = fs::remove_file(p);
                if let Some(dir) = p.parent() {
                    let _ = fs::remove_dir(dir);
                }
            }
            Undo::Cgroup(p) => {
                let procs = fs::read_to_string(p.join("cgroup.procs")).unwrap_or_default();
                for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                    // SAFETY: kill has no memory preconditions; a gone pid is ESRCH.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                for _ in 0..50 {
                    if fs::remove_dir(p).is_ok() || !p.exists() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            Undo::Mount(p) => {
                let _ = Command::new("umount").arg(p).status();
            }
        }
    }
}

/// Notes a change the caller (holding [`HostLock`]) is about to make, so that the next
/// holder can undo it if this process dies before its guard does.
pub fn record(undo: &Undo) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(UNDO_JOURNAL_PATH)
        .unwrap_or_else(|e| panic!("cannot open undo journal '{UNDO_JOURNAL_PATH}': {e}"));
    writeln!(f, "{}", undo.line())
        .and_then(|()| f.sync_data())
        .unwrap_or_else(|e| panic!("cannot write undo journal '{UNDO_JOURNAL_PATH}': {e}"));
}

/// Undoes a dead holder's journal: swap files, cgroups and mounts newest first, then each
/// written file back to the value it had before the first change, `enabled` last.
#[allow(clippy::print_stderr)] // tells the test log why the host changed under it
fn recover(journal: &Path) {
    let Ok(text) = fs::read_to_string(journal) else {
        return;
    };
    let undos: Vec<Undo> = text.lines().filter_map(Undo::parse).collect();
    if !undos.is_empty() {
        eprintln!(
            "testkit: a killed test left {} change(s) in '{}'; undoing them",
            undos.len(),
            journal.display()
        );
    }
    for u in undos
        .iter()
        .rev()
        .filter(|u| !matches!(u, Undo::Write { .. }))
    {
        u.apply();
    }
    // per file, the first value recorded is the one found before any change
    let mut writes: Vec<&Undo> = Vec::new();
    for u in &undos {
        if let Undo::Write { path, .. } = u
            && !writes
                .iter()
                .any(|w| matches!(w, Undo::Write { path: p, .. } if p == path))
        {
            writes.push(u);
        }
    }
    writes.sort_by_key(|u| matches!(u, Undo::Write { path, .. } if path.ends_with("enabled")));
    for u in writes {
        u.apply();
    }
    let _ = fs::remove_file(journal);
}

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
        recover(Path::new(UNDO_JOURNAL_PATH));
        HostLock { _file: file }
    }
}

impl Drop for HostLock {
    /// The guards taken under the lock are dropped before it (declared after it), so their
    /// changes are undone: the journal has nothing left to say.
    fn drop(&mut self) {
        let _ = fs::remove_file(UNDO_JOURNAL_PATH);
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
