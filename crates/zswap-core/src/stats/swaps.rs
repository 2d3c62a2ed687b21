//! `/proc/swaps` (`mm/swapfile.c` `swap_show`): the active swap devices. zswap only sees
//! pages on their way to one of these.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::stats::mounts::unescape_octal;
use crate::sysroot::SysRoot;

/// One active swap area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwapDevice {
    /// Path of the file or partition.
    pub filename: String,
    /// `partition` or `file`.
    pub kind: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Used space in bytes.
    pub used_bytes: u64,
    /// Priority (higher is used first).
    pub priority: i32,
}

/// Parses `/proc/swaps`: a header line, then `Filename Type Size Used Priority` in KiB.
pub fn parse_swaps(text: &str) -> Option<Vec<SwapDevice>> {
    let mut lines = text.lines();
    let header = lines.next()?;
    if !header.starts_with("Filename") {
        return None;
    }
    let mut out = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [name, kind, size, used, prio] = f[..] else {
            return None;
        };
        out.push(SwapDevice {
            filename: unescape_octal(name),
            kind: kind.to_owned(),
            size_bytes: size.parse::<u64>().ok()?.checked_mul(1024)?,
            used_bytes: used.parse::<u64>().ok()?.checked_mul(1024)?,
            priority: prio.parse().ok()?,
        });
    }
    Some(out)
}

/// Reads `<proc>/swaps`.
pub fn read_swaps(root: &SysRoot) -> Result<Vec<SwapDevice>> {
    let path = root.proc("swaps");
    let text = root.read(&path)?;
    parse_swaps(&text)
        .ok_or_else(|| Error::parse(path, &text, "a 'Filename Type Size Used Priority' table"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_testkit::FixtureRoot;

    const HEADER: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

    #[test]
    fn reads_devices() {
        let f = FixtureRoot::new();
        f.proc(
            "swaps",
            &format!(
                "{HEADER}/swap\\040file file 1048572 1024 -2\n/dev/vdb partition 262140 0 -3\n"
            ),
        );
        let s = read_swaps(&SysRoot::at(f.path())).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].filename, "/swap file");
        assert_eq!(s[0].size_bytes, 1048572 * 1024);
        assert_eq!(s[1].priority, -3);
    }

    #[test]
    fn no_swap_is_empty() {
        assert_eq!(parse_swaps(HEADER).unwrap(), vec![]);
    }

    #[test]
    fn missing_file_is_error() {
        let f = FixtureRoot::new();
        assert!(read_swaps(&SysRoot::at(f.path())).is_err());
    }

    #[test]
    fn garbage_is_parse_error() {
        let f = FixtureRoot::new();
        f.proc("swaps", &format!("{HEADER}/swap file big 0 -2\n"));
        assert!(matches!(
            read_swaps(&SysRoot::at(f.path())),
            Err(Error::Parse { .. })
        ));
    }
}
