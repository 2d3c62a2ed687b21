//! `/proc/mounts`: where debugfs and the cgroup file systems are mounted.

use std::io::Cursor;
use std::path::PathBuf;

use procfs_core::FromBufRead;
use procfs_core::MountEntry;

use crate::error::{Error, Result};
use crate::sysroot::SysRoot;

/// One mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Mount point as the kernel names it.
    pub mount_point: PathBuf,
    /// File system type (`debugfs`, `cgroup2`, `cgroup`, …).
    pub fs_type: String,
    /// Options (`rw,relatime,memory`, …).
    pub options: Vec<String>,
}

/// Parses `/proc/mounts`.
pub fn parse_mounts(text: &str) -> Option<Vec<Mount>> {
    let entries = Vec::<MountEntry>::from_buf_read(Cursor::new(text)).ok()?;
    Some(
        entries
            .into_iter()
            .map(|e| Mount {
                mount_point: PathBuf::from(unescape_octal(&e.fs_file)),
                fs_type: e.fs_vfstype,
                options: e
                    .fs_mntops
                    .into_iter()
                    .map(|(k, v)| match v {
                        Some(v) => format!("{k}={v}"),
                        None => k,
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// Reads `<proc>/mounts`; `Ok(None)` when the tree has none (a fixture without it).
pub fn read_mounts(root: &SysRoot) -> Result<Option<Vec<Mount>>> {
    let path = root.proc("mounts");
    match root.read_opt(&path)? {
        None => Ok(None),
        Some(text) => parse_mounts(&text).map(Some).ok_or_else(|| {
            Error::parse(path, &text, "lines of 'device mountpoint type options 0 0'")
        }),
    }
}

/// Undoes the kernel's `\040`-style escaping of spaces and other characters in paths.
pub(crate) fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = b[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debugfs_and_cgroup2() {
        let m = parse_mounts(
            "debugfs /sys/kernel/debug debugfs rw,relatime 0 0\n\
             cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n",
        )
        .unwrap();
        assert_eq!(m[0].fs_type, "debugfs");
        assert_eq!(m[1].mount_point, PathBuf::from("/sys/fs/cgroup/unified"));
    }

    #[test]
    fn unescapes_spaces() {
        assert_eq!(unescape_octal("/swap\\040file"), "/swap file");
        assert_eq!(unescape_octal("/plain"), "/plain");
        assert_eq!(unescape_octal("/x\\04"), "/x\\04");
    }
}
