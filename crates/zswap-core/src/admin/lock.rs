//! The host-wide lock every writer of zswap parameters holds (docs/params-lock.md), so that two
//! writers at once (the boot unit and an Ansible run, two operators) never leave a mix of
//! their configurations: a writer takes it before it reads the kernel's values to plan,
//! and keeps it until the last read-back (and rollback) is done. Readers never take it.
//!
//! Protocol, for other tools too (`docs/params-lock.md`): open
//! `<root>/run/zswap-tools/zswap-params.lock` (created mode 0644, directory 0755, where
//! `<root>` is `/` on the live system and the `--root` tree otherwise), take `flock(2)`
//! `LOCK_EX` on it, then replace its content with `pid=<pid>`, `since_ms=<ms since the Unix
//! epoch>` and `command=<command line>` lines. The kernel releases the lock when the holder's
//! file is closed, also when it crashes or is killed, so a stale content never blocks anyone.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::admin::check::{Finding, Severity};
use crate::sysroot::SysRoot;

/// Where the lock is, relative to the root (`/` on the live system).
pub const PARAMS_LOCK: &str = "run/zswap-tools/zswap-params.lock";

/// How long a waiting writer sleeps between attempts.
const POLL: Duration = Duration::from_millis(20);

/// A lock held this long is reported by `check`: an apply takes well under a second.
pub const LOCK_HELD_LONG: Duration = Duration::from_secs(60);

/// Who holds the lock, as the holder wrote it. Any field may be missing: the holder may be
/// between taking the lock and writing its content, or be another tool.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LockHolder {
    /// Its process id.
    pub pid: Option<u32>,
    /// When it took the lock, in milliseconds since the Unix epoch.
    pub since_ms: Option<u64>,
    /// Its command line.
    pub command: Option<String>,
}

impl LockHolder {
    /// Parses the lock file's `key=value` lines; unknown keys are ignored.
    pub fn parse(text: &str) -> LockHolder {
        let mut h = LockHolder::default();
        for line in text.lines() {
            match line.split_once('=') {
                Some(("pid", v)) => h.pid = v.trim().parse().ok(),
                Some(("since_ms", v)) => h.since_ms = v.trim().parse().ok(),
                Some(("command", v)) => h.command = Some(v.to_owned()),
                _ => {}
            }
        }
        h
    }

    /// The lock file's content for a holder.
    fn render(pid: u32, since_ms: u64, command: &str) -> String {
        // one line per key: a newline in the command would start a new key
        let command = command.replace('\n', " ");
        format!("pid={pid}\nsince_ms={since_ms}\ncommand={command}\n")
    }
}

/// `pid '123' ('zswapctl apply -f a.yaml')`, or what is known of it.
impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.pid, &self.command) {
            (Some(pid), Some(c)) => write!(f, "pid '{pid}' ('{c}')"),
            (Some(pid), None) => write!(f, "pid '{pid}'"),
            (None, _) => f.write_str("a process that did not say who it is"),
        }
    }
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another writer holds it.
    #[error(
        "the zswap parameters are being changed by {holder} (lock '{}'){}: try again when it \
         has finished, or stop it if it hangs",
        path.display(),
        waited_text(*waited)
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// Who holds it.
        holder: LockHolder,
        /// How long this writer waited (zero with no wait).
        waited: Duration,
    },
    /// The lock file could not be created, opened or locked.
    #[error("cannot take the zswap parameter lock '{}': {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

fn waited_text(waited: Duration) -> String {
    if waited.is_zero() {
        "; not waiting (--no-wait)".into()
    } else {
        format!("; gave up after waiting {:.1} s", waited.as_secs_f64())
    }
}

impl LockError {
    /// True if and only if the lock file could not be created or opened for lack of
    /// privilege (a writer needs root on the live system anyway).
    pub fn is_permission(&self) -> bool {
        matches!(self, LockError::Io { source, .. }
            if matches!(source.raw_os_error(), Some(libc::EACCES | libc::EPERM | libc::EROFS)))
    }
}

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct ParamsLock {
    file: File,
    path: PathBuf,
}

impl ParamsLock {
    /// Takes the lock below `root`, waiting up to `wait` (zero: not at all) while another
    /// writer holds it, and records this process and `command` as the holder.
    pub fn acquire(root: &SysRoot, wait: Duration, command: &str) -> Result<ParamsLock, LockError> {
        let path = lock_path(root);
        let io_err = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(dir)
                .map_err(io_err)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(&path)
            .map_err(io_err)?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    let waited = start.elapsed();
                    if waited >= wait {
                        return Err(LockError::Busy {
                            holder: read_holder(&mut file).unwrap_or_default(),
                            path,
                            waited: if wait.is_zero() {
                                Duration::ZERO
                            } else {
                                waited
                            },
                        });
                    }
                    std::thread::sleep(POLL.min(wait - waited));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err(e)),
            }
        }
        let content = LockHolder::render(std::process::id(), now_ms(), command);
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(content.as_bytes()))
            .map_err(io_err)?;
        Ok(ParamsLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ParamsLock {
    fn drop(&mut self) {
        // closing the file releases the lock too; unlocking first keeps the order plain
        let _ = self.file.unlock();
    }
}

/// The lock file below `root`.
pub fn lock_path(root: &SysRoot) -> PathBuf {
    root.root().join(PARAMS_LOCK)
}

/// Who holds the lock now, or `None` when nobody does (or there is no lock file). Tests it
/// with a shared `flock` taken and dropped at once, so a writer is never held up for more
/// than that instant.
pub fn lock_holder(root: &SysRoot) -> Result<Option<LockHolder>, LockError> {
    let path = lock_path(root);
    let mut file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(LockError::Io { path, source }),
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            Ok(None)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            Ok(Some(read_holder(&mut file).unwrap_or_default()))
        }
        Err(std::fs::TryLockError::Error(source)) => Err(LockError::Io { path, source }),
    }
}

/// A finding when `holder` has held the lock for [`LOCK_HELD_LONG`] or more at `now_ms`.
pub fn check_lock(holder: Option<&LockHolder>, path: &Path, now_ms: u64) -> Option<Finding> {
    let h = holder?;
    let held = Duration::from_millis(now_ms.saturating_sub(h.since_ms?));
    if held < LOCK_HELD_LONG {
        return None;
    }
    let fix = match h.pid {
        Some(pid) => format!(
            "see what pid '{pid}' is doing; if it hangs, end it ('kill {pid}'): the lock is \
             released when it exits and the parameters are as its read-back left them"
        ),
        None => "find the holder with 'fuser' on the lock file and end it if it hangs".into(),
    };
    Some(Finding {
        severity: Severity::Warning,
        code: "params-lock-held",
        message: format!(
            "{h} has held the zswap parameter lock '{}' for {} s: other writers (set, apply, \
             the boot unit) wait for it or fail",
            path.display(),
            held.as_secs()
        ),
        fix,
    })
}

fn read_holder(file: &mut File) -> io::Result<LockHolder> {
    let mut text = String::new();
    file.rewind()?;
    file.read_to_string(&mut text)?;
    Ok(LockHolder::parse(&text))
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests;
