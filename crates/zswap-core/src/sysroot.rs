//! Every path zswap-tools reads or writes goes through [`SysRoot`], so that any reader can be
//! pointed at a captured fixture tree instead of the live kernel.
//!
//! Covers sysfs (`/sys`), procfs (`/proc`), debugfs (`/sys/kernel/debug`) and the cgroup
//! mounts found in `/proc/mounts`. See `Documentation/admin-guide/mm/zswap.rst`.
#![allow(clippy::disallowed_methods)] // the one place that touches std::fs for kernel files

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where the kernel's pseudo file systems are, for one run of a tool.
///
/// `SysRoot::host()` is the running kernel; `SysRoot::at(dir)` is a tree laid out like `/`
/// (`dir/sys`, `dir/proc`, `dir/sys/kernel/debug`). Each mount can be moved on its own, as
/// node_exporter's `--path.sysfs` and friends do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysRoot {
    root: PathBuf,
    sysfs: PathBuf,
    procfs: PathBuf,
    debugfs: PathBuf,
}

impl SysRoot {
    /// The live system: `/sys`, `/proc`, `/sys/kernel/debug`.
    pub fn host() -> Self {
        Self::at("/")
    }

    /// A tree laid out like `/` below `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        let root: PathBuf = dir.into();
        SysRoot {
            sysfs: root.join("sys"),
            procfs: root.join("proc"),
            debugfs: root.join("sys/kernel/debug"),
            root,
        }
    }

    /// Moves sysfs (default `<root>/sys`).
    pub fn with_sysfs(mut self, dir: impl Into<PathBuf>) -> Self {
        self.sysfs = dir.into();
        self
    }

    /// Moves procfs (default `<root>/proc`).
    pub fn with_procfs(mut self, dir: impl Into<PathBuf>) -> Self {
        self.procfs = dir.into();
        self
    }

    /// Moves debugfs (default `<root>/sys/kernel/debug`).
    pub fn with_debugfs(mut self, dir: impl Into<PathBuf>) -> Self {
        self.debugfs = dir.into();
        self
    }

    /// True if and only if this is the live system at `/` with default mounts.
    pub fn is_host(&self) -> bool {
        *self == SysRoot::host()
    }

    /// Bytes per page of the kernel this root shows: `sysconf(_SC_PAGESIZE)` for the running
    /// kernel (16 KiB or 64 KiB on some arm64 and ppc64 kernels), [`crate::page::PAGE_SIZE`]
    /// for a captured tree (the trees are of x86_64 kernels and do not record it).
    pub fn page_size(&self) -> u64 {
        if !self.is_host() {
            return crate::page::PAGE_SIZE as u64;
        }
        crate::page::running_kernel_page_size()
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `rel` below sysfs, e.g. `module/zswap/parameters`.
    pub fn sys(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.sysfs.join(rel)
    }

    /// `rel` below procfs, e.g. `meminfo`.
    pub fn proc(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.procfs.join(rel)
    }

    /// `rel` below debugfs, e.g. `zswap/stored_pages`.
    pub fn debug(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.debugfs.join(rel)
    }

    /// The debugfs directory itself.
    pub fn debugfs_dir(&self) -> &Path {
        &self.debugfs
    }

    /// Maps an absolute path as the running kernel names it (a mount point from
    /// `/proc/mounts`) into this root: `/sys/...` follows sysfs, `/proc/...` procfs,
    /// anything else lands below the root.
    pub fn map_abs(&self, abs: &Path) -> PathBuf {
        if let Ok(rest) = abs.strip_prefix("/sys/kernel/debug") {
            return self.debugfs.join(rest);
        }
        if let Ok(rest) = abs.strip_prefix("/sys") {
            return self.sysfs.join(rest);
        }
        if let Ok(rest) = abs.strip_prefix("/proc") {
            return self.procfs.join(rest);
        }
        match abs.strip_prefix("/") {
            Ok(rest) => self.root.join(rest),
            Err(_) => self.root.join(abs),
        }
    }

    /// Reads a whole file (retrying `EINTR`).
    pub fn read(&self, path: &Path) -> Result<String> {
        read_text(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })
    }

    /// Reads a whole file; a file that does not exist is `Ok(None)`.
    pub fn read_opt(&self, path: &Path) -> Result<Option<String>> {
        match read_text(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes `value` to an existing attribute in one `write(2)`: no create, so a missing
    /// file fails as it would in sysfs (`ENOENT`). The file is opened with `O_TRUNC`, which
    /// sysfs ignores (a shell's `echo x >` does the same) and which makes a fixture tree's
    /// regular file hold exactly the value written, so reading back works in trees too.
    pub fn write_attr(&self, path: &Path, value: &str) -> Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .map_err(|source| Error::Open {
                path: path.to_owned(),
                source,
            })?;
        match file.write(value.as_bytes()) {
            Ok(n) if n == value.len() => Ok(()),
            Ok(n) => Err(Error::Write {
                path: path.to_owned(),
                value: value.to_owned(),
                source: io::Error::new(
                    io::ErrorKind::WriteZero,
                    format!("short write: {n} of {} bytes", value.len()),
                ),
            }),
            Err(source) => Err(Error::Write {
                path: path.to_owned(),
                value: value.to_owned(),
                source,
            }),
        }
    }

    /// The names in a directory, sorted; a directory that does not exist is `Ok(None)`.
    pub fn list_dir(&self, path: &Path) -> Result<Option<Vec<String>>> {
        Ok(self
            .list_dir_typed(path)?
            .map(|v| v.into_iter().map(|(name, _)| name).collect()))
    }

    /// The names in a directory, sorted, each with whether it is a directory (a symbolic
    /// link counts as what it points to, as [`SysRoot::is_dir`] says); a directory that does
    /// not exist is `Ok(None)`. The type comes with the directory listing (`d_type`), so
    /// this costs no `stat` per entry where the file system gives it (sysfs, kernfs, procfs,
    /// debugfs, tmpfs, ext4), which matters in a cgroup directory of 50 files.
    pub fn list_dir_typed(&self, path: &Path) -> Result<Option<Vec<(String, bool)>>> {
        let entries = match std::fs::read_dir(path) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| Error::Read {
                path: path.to_owned(),
                source,
            })?;
            let is_dir = match entry.file_type() {
                Ok(t) if t.is_symlink() => entry.path().is_dir(),
                Ok(t) => t.is_dir(),
                // vanished since listed
                Err(_) => false,
            };
            names.push((entry.file_name().to_string_lossy().into_owned(), is_dir));
        }
        names.sort();
        Ok(Some(names))
    }

    /// The inode number of `path` (a final symlink is not followed); a path that does not
    /// exist is `Ok(None)`. A cgroup v2 directory's inode number is its cgroup id.
    pub fn inode(&self, path: &Path) -> Result<Option<u64>> {
        use std::os::unix::fs::MetadataExt;
        match std::fs::symlink_metadata(path) {
            Ok(m) => Ok(Some(m.ino())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// True if and only if `path` exists and is a directory.
    pub fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    /// True if and only if `path` exists (any kind).
    pub fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
}

/// Reads the whole file with `read(2)` until it returns 0. Not `read_to_end`: on a `File` it
/// first asks `statx` and `lseek` for the size, two system calls that kernel files answer
/// with 0 or 4096 whatever their content (docs/performance.md, "The exporter").
fn read_text(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 4096];
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(len);
    String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths() {
        let r = SysRoot::host();
        assert_eq!(
            r.sys("module/zswap/parameters"),
            Path::new("/sys/module/zswap/parameters")
        );
        assert_eq!(r.proc("meminfo"), Path::new("/proc/meminfo"));
        assert_eq!(r.debug("zswap"), Path::new("/sys/kernel/debug/zswap"));
        assert!(r.is_host());
    }

    #[test]
    fn map_abs_follows_moved_mounts() {
        let r = SysRoot::at("/t").with_sysfs("/s").with_debugfs("/d");
        assert_eq!(
            r.map_abs(Path::new("/sys/fs/cgroup")),
            Path::new("/s/fs/cgroup")
        );
        assert_eq!(
            r.map_abs(Path::new("/sys/kernel/debug/zswap")),
            Path::new("/d/zswap")
        );
        assert_eq!(
            r.map_abs(Path::new("/proc/self/mounts")),
            Path::new("/t/proc/self/mounts")
        );
        assert_eq!(r.map_abs(Path::new("/cg")), Path::new("/t/cg"));
    }

    #[test]
    fn read_opt_missing_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let r = SysRoot::at(dir.path());
        assert!(r.read_opt(&dir.path().join("nope")).unwrap().is_none());
    }

    #[test]
    fn write_attr_does_not_create() {
        let dir = tempfile::tempdir().unwrap();
        let r = SysRoot::at(dir.path());
        let p = dir.path().join("enabled");
        let err = r.write_attr(&p, "Y").unwrap_err();
        assert!(matches!(err, Error::Open { .. }), "{err:?}");
        assert!(!p.exists());
    }

    #[test]
    fn write_attr_overwrites_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let r = SysRoot::at(dir.path());
        let p = dir.path().join("enabled");
        std::fs::write(&p, "deflate\n").unwrap();
        r.write_attr(&p, "lzo").unwrap();
        // sysfs replaces the value; in a tree O_TRUNC drops the old tail
        assert_eq!(r.read(&p).unwrap(), "lzo");
    }
}
