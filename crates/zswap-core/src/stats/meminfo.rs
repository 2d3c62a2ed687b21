//! `/proc/meminfo` (`fs/proc/meminfo.c`): `Zswap` is the pool's allocator memory,
//! `Zswapped` the pages it holds at their uncompressed size (both 5.19+).

use std::io::Cursor;

use procfs_core::{FromBufRead, Meminfo};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::sysroot::SysRoot;

/// The memory figures zswap-tools uses, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MeminfoSample {
    /// `MemTotal`: RAM the kernel manages (`totalram_pages`), the base of `max_pool_percent`.
    pub mem_total_bytes: u64,
    /// `MemAvailable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mem_available_bytes: Option<u64>,
    /// `SwapTotal`.
    pub swap_total_bytes: u64,
    /// `SwapFree`.
    pub swap_free_bytes: u64,
    /// `Zswap`: compressed pool size (allocator pages), absent before 5.19.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zswap_bytes: Option<u64>,
    /// `Zswapped`: stored pages × page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zswapped_bytes: Option<u64>,
}

/// Parses `/proc/meminfo` text.
pub fn parse_meminfo(text: &str) -> Option<MeminfoSample> {
    let m = Meminfo::from_buf_read(Cursor::new(text)).ok()?;
    Some(MeminfoSample {
        mem_total_bytes: m.mem_total,
        mem_available_bytes: m.mem_available,
        swap_total_bytes: m.swap_total,
        swap_free_bytes: m.swap_free,
        zswap_bytes: m.z_swap,
        zswapped_bytes: m.z_swapped,
    })
}

/// Reads `<proc>/meminfo`.
pub fn read_meminfo(root: &SysRoot) -> Result<MeminfoSample> {
    let path = root.proc("meminfo");
    let text = root.read(&path)?;
    parse_meminfo(&text).ok_or_else(|| Error::parse(path, &text, "'Key: value kB' lines"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_testkit::FixtureRoot;
    use zswap_testkit::meminfo_text;

    #[test]
    fn reads_zswap_fields_in_bytes() {
        let f = FixtureRoot::new();
        f.proc("meminfo", &meminfo_text(4_000_000, Some((1024, 4096))));
        let m = read_meminfo(&SysRoot::at(f.path())).unwrap();
        assert_eq!(m.mem_total_bytes, 4_000_000 * 1024);
        assert_eq!(m.zswap_bytes, Some(1024 * 1024));
        assert_eq!(m.zswapped_bytes, Some(4096 * 1024));
    }

    #[test]
    fn kernel_without_zswap_lines_gives_none() {
        let m = parse_meminfo(&meminfo_text(1000, None)).unwrap();
        assert_eq!(m.zswap_bytes, None);
        assert_eq!(m.zswapped_bytes, None);
    }

    #[test]
    fn missing_file_is_error() {
        let f = FixtureRoot::new();
        assert!(matches!(
            read_meminfo(&SysRoot::at(f.path())),
            Err(Error::Read { .. })
        ));
    }

    #[test]
    fn garbage_is_parse_error() {
        let f = FixtureRoot::new();
        f.proc("meminfo", "MemTotal: lots kB\n");
        let err = read_meminfo(&SysRoot::at(f.path())).unwrap_err();
        assert!(matches!(err, Error::Parse { .. }), "{err}");
    }
}
