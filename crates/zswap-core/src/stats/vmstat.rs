//! `/proc/vmstat` (`mm/vmstat.c`): zswap's event counters and the swap zero-page counters.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::stats::parse_key_values;
use crate::sysroot::SysRoot;

/// The vmstat keys zswap-tools reads: name and meaning.
pub const KEYS: [(&str, &str); 8] = [
    ("zswpout", "pages stored into zswap"),
    ("zswpin", "pages loaded from zswap"),
    ("zswpwb", "pages written back from zswap to swap (≈6.8+)"),
    (
        "swpout_zero",
        "zero-filled pages swapped out without I/O or zswap (6.12+)",
    ),
    (
        "swpin_zero",
        "zero-filled pages swapped in without I/O (6.12+)",
    ),
    ("pswpout", "pages written to swap devices"),
    ("pswpin", "pages read from swap devices"),
    (
        "nr_zspages",
        "pages owned by all zsmalloc pools (zswap and zram)",
    ),
];

/// The vmstat counters this kernel has among [`KEYS`]; absent keys are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct VmstatSample {
    values: BTreeMap<String, u64>,
}

impl VmstatSample {
    /// A counter, if this kernel has it.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.values.get(key).copied()
    }

    /// The counters present.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.values.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

/// Parses `/proc/vmstat`, keeping the keys of [`KEYS`]. `None` if a line is malformed.
pub fn parse_vmstat(text: &str) -> Option<VmstatSample> {
    let (pairs, bad) = parse_key_values(text);
    if bad.is_some() {
        return None;
    }
    let values = pairs
        .into_iter()
        .filter(|(k, _)| KEYS.iter().any(|(name, _)| name == k))
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Some(VmstatSample { values })
}

/// Reads `<proc>/vmstat`.
pub fn read_vmstat(root: &SysRoot) -> Result<VmstatSample> {
    let path = root.proc("vmstat");
    let text = root.read(&path)?;
    parse_vmstat(&text).ok_or_else(|| Error::parse(path, &text, "'name value' lines"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_testkit::FixtureRoot;

    #[test]
    fn reads_zswap_keys() {
        let f = FixtureRoot::new();
        f.proc(
            "vmstat",
            "nr_free_pages 5\nzswpin 3\nzswpout 10\nzswpwb 1\nswpout_zero 4\n",
        );
        let v = read_vmstat(&SysRoot::at(f.path())).unwrap();
        assert_eq!(v.get("zswpout"), Some(10));
        assert_eq!(v.get("zswpwb"), Some(1));
        assert_eq!(v.get("nr_free_pages"), None);
    }

    #[test]
    fn era_without_zswpwb_leaves_it_absent() {
        let v = parse_vmstat("zswpin 0\nzswpout 0\n").unwrap();
        assert_eq!(v.get("zswpwb"), None);
        assert_eq!(v.get("swpout_zero"), None);
    }

    #[test]
    fn missing_file_is_error() {
        let f = FixtureRoot::new();
        assert!(read_vmstat(&SysRoot::at(f.path())).is_err());
    }

    #[test]
    fn garbage_is_parse_error() {
        let f = FixtureRoot::new();
        f.proc("vmstat", "zswpout many\n");
        assert!(matches!(
            read_vmstat(&SysRoot::at(f.path())),
            Err(Error::Parse { .. })
        ));
    }
}
