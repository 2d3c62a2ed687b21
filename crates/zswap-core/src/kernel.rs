//! The running kernel's release (`/proc/sys/kernel/osrelease`) and what it tells about
//! zswap's era.

use std::fmt;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::sysroot::SysRoot;

/// A kernel release such as `6.18.44-fc-v595` or `6.1.0-41-amd64`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KernelRelease {
    /// The release string as the kernel prints it.
    pub text: String,
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch level (0 when absent).
    pub patch: u32,
}

impl KernelRelease {
    /// Parses a release string: `MAJOR.MINOR[.PATCH][anything]`.
    pub fn parse(text: &str) -> Option<KernelRelease> {
        let t = text.trim();
        let mut nums = t.split(|c: char| !c.is_ascii_digit());
        let major = nums.next()?.parse().ok()?;
        let minor = nums.next()?.parse().ok()?;
        let rest = &t[t.find('.')? + 1..];
        let after_minor = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        let patch = after_minor
            .strip_prefix('.')
            .and_then(|p| p.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        Some(KernelRelease {
            text: t.to_owned(),
            major,
            minor,
            patch,
        })
    }

    /// True if and only if this release is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl fmt::Display for KernelRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Reads `<proc>/sys/kernel/osrelease`; `Ok(None)` if the tree has none.
pub fn read_release(root: &SysRoot) -> Result<Option<KernelRelease>> {
    let path = root.proc("sys/kernel/osrelease");
    match root.read_opt(&path)? {
        None => Ok(None),
        Some(text) => KernelRelease::parse(&text)
            .map(Some)
            .ok_or_else(|| Error::parse(path, &text, "a release such as '6.18.2'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_testkit::FixtureRoot;

    #[test]
    fn parses_forms() {
        let r = KernelRelease::parse("6.18.44-fc-v595\n").unwrap();
        assert_eq!((r.major, r.minor, r.patch), (6, 18, 44));
        let r = KernelRelease::parse("6.1.0-41-amd64").unwrap();
        assert_eq!((r.major, r.minor, r.patch), (6, 1, 0));
        let r = KernelRelease::parse("7.2-rc1").unwrap();
        assert_eq!((r.major, r.minor, r.patch), (7, 2, 0));
        assert!(r.at_least(6, 18) && !r.at_least(7, 3));
    }

    #[test]
    fn refuses_garbage() {
        assert_eq!(KernelRelease::parse("linux"), None);
        assert_eq!(KernelRelease::parse(""), None);
    }

    #[test]
    fn reader_missing_and_garbage() {
        let f = FixtureRoot::new();
        let r = SysRoot::at(f.path());
        assert_eq!(read_release(&r).unwrap(), None);
        f.proc("sys/kernel/osrelease", "banana\n");
        assert!(read_release(&r).is_err());
        f.proc("sys/kernel/osrelease", "6.12.57+deb13-amd64\n");
        assert_eq!(read_release(&r).unwrap().unwrap().minor, 12);
    }
}
