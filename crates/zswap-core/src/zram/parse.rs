//! Parsers for the text of zram's per-device attributes (`drivers/block/zram/zram_drv.c`),
//! each taking `&str` and tested without files. The field lists per kernel are in
//! `docs/zram.md`; a field a kernel does not print is `None`, never 0.

use serde::Serialize;

use crate::stats::cgroup::Limit;

/// `mm_stat`: the device's memory figures. Byte fields are bytes as the kernel prints them;
/// page-count fields are counts of pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MmStat {
    /// `orig_data_size`: the stored pages at their uncompressed size (same-filled pages
    /// included).
    pub orig_data_size_bytes: u64,
    /// `compr_data_size`: the compressed size of what is stored.
    pub compr_data_size_bytes: u64,
    /// `mem_used_total`: memory zsmalloc holds for this device (whole pages, fragmentation
    /// and allocator metadata included).
    pub mem_used_total_bytes: u64,
    /// `mem_limit`: the most memory the device may use; the kernel prints 0 for none.
    pub mem_limit: Limit,
    /// `mem_used_max`: the highest `mem_used_total` since the last reset of this figure.
    pub mem_used_max_bytes: u64,
    /// `same_pages`: stored pages filled with one repeated word, kept without memory.
    pub same_pages: u64,
    /// `pages_compacted`: pages freed by zsmalloc compaction since the device was set up.
    pub pages_compacted: u64,
    /// `huge_pages`: pages stored uncompressed because they did not compress enough
    /// (4.15+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub huge_pages: Option<u64>,
    /// `huge_pages_since`: pages ever stored uncompressed since set-up (5.11+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub huge_pages_since: Option<u64>,
}

/// Parses `mm_stat`: 7 to 9 whitespace-separated unsigned numbers (see `docs/zram.md`).
/// `None` on fewer than 7 fields or a field that is not a number. Fields past the ninth
/// (a later kernel's) are ignored.
pub fn parse_mm_stat(text: &str) -> Option<MmStat> {
    let v = numbers(text)?;
    if v.len() < 7 {
        return None;
    }
    Some(MmStat {
        orig_data_size_bytes: v[0],
        compr_data_size_bytes: v[1],
        mem_used_total_bytes: v[2],
        mem_limit: if v[3] == 0 {
            Limit::Max
        } else {
            Limit::Bytes(v[3])
        },
        mem_used_max_bytes: v[4],
        same_pages: v[5],
        pages_compacted: v[6],
        huge_pages: v.get(7).copied(),
        huge_pages_since: v.get(8).copied(),
    })
}

/// `io_stat`: failure counters of the device (counts of requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IoStat {
    /// `failed_reads`.
    pub failed_reads: u64,
    /// `failed_writes`: writes zram refused, for instance because `mem_limit` was reached.
    pub failed_writes: u64,
    /// `invalid_io`: requests not aligned to the device's block size. Kernels that dropped
    /// this counter still print a literal 0 in its place, so 0 here may mean "not counted".
    pub invalid_io: u64,
    /// `notify_free`: slots freed because the swap layer told zram a page was no longer
    /// needed.
    pub notify_free: u64,
}

/// Parses `io_stat`: 4 unsigned numbers. `None` otherwise.
pub fn parse_io_stat(text: &str) -> Option<IoStat> {
    let v = numbers(text)?;
    let [failed_reads, failed_writes, invalid_io, notify_free, ..] = v[..] else {
        return None;
    };
    Some(IoStat {
        failed_reads,
        failed_writes,
        invalid_io,
        notify_free,
    })
}

/// `bd_stat`: writeback to the backing device (`CONFIG_ZRAM_WRITEBACK`), converted to bytes
/// from the kernel's 4 KiB units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BdStat {
    /// `bd_count`: data currently held on the backing device.
    pub bd_count_bytes: u64,
    /// `bd_reads`: data read back from the backing device since set-up.
    pub bd_reads_bytes: u64,
    /// `bd_writes`: data written to the backing device since set-up.
    pub bd_writes_bytes: u64,
}

/// The unit of `bd_stat` and `writeback_limit`: 4 KiB whatever the page size
/// (`docs/zram.md`).
pub const ZRAM_UNIT_BYTES: u64 = 4096;

/// Parses `bd_stat`: 3 unsigned numbers of 4 KiB units. `None` otherwise, or when a figure
/// in bytes would not fit in 64 bits.
pub fn parse_bd_stat(text: &str) -> Option<BdStat> {
    let v = numbers(text)?;
    let [count, reads, writes, ..] = v[..] else {
        return None;
    };
    let b = |n: u64| n.checked_mul(ZRAM_UNIT_BYTES);
    Some(BdStat {
        bd_count_bytes: b(count)?,
        bd_reads_bytes: b(reads)?,
        bd_writes_bytes: b(writes)?,
    })
}

/// `comp_algorithm`: the algorithm in use and those offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompAlgorithms {
    /// The one in brackets: what the device compresses with.
    pub selected: String,
    /// Every algorithm listed, the selected one included.
    pub available: Vec<String>,
}

/// Parses a `comp_algorithm` line such as `lzo [lzo-rle] lz4`. `None` unless exactly one
/// name is in brackets.
pub fn parse_comp_algorithm(text: &str) -> Option<CompAlgorithms> {
    let mut selected = None;
    let mut available = Vec::new();
    for word in text.split_whitespace() {
        match word.strip_prefix('[').and_then(|w| w.strip_suffix(']')) {
            Some(name) => {
                if selected.replace(name.to_owned()).is_some() {
                    return None;
                }
                available.push(name.to_owned());
            }
            None => available.push(word.to_owned()),
        }
    }
    Some(CompAlgorithms {
        selected: selected?,
        available,
    })
}

/// One secondary (re-compression) algorithm slot of `recomp_algorithm`
/// (`CONFIG_ZRAM_MULTI_COMP`, 6.2+).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecompAlgorithm {
    /// The slot's priority (1 and up; 0 is the primary `comp_algorithm`).
    pub priority: u32,
    /// The algorithm selected for this slot.
    pub selected: String,
}

/// Parses `recomp_algorithm`: one `#N: a [b] c` line per configured slot; an empty file
/// means none is configured. `None` if a line has another form.
pub fn parse_recomp_algorithm(text: &str) -> Option<Vec<RecompAlgorithm>> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (prio, rest) = line.trim().strip_prefix('#')?.split_once(':')?;
        out.push(RecompAlgorithm {
            priority: prio.trim().parse().ok()?,
            selected: parse_comp_algorithm(rest)?.selected,
        });
    }
    Some(out)
}

/// Parses a single unsigned number (`disksize`, `writeback_limit`).
pub fn parse_u64(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// Parses a 0/1 attribute (`initstate`, `writeback_limit_enable`).
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim() {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

/// Parses `backing_dev`: the kernel prints `none` when no backing device is set.
pub fn parse_backing_dev(text: &str) -> Option<String> {
    match text.trim() {
        "" | "none" => None,
        path => Some(path.to_owned()),
    }
}

fn numbers(text: &str) -> Option<Vec<u64>> {
    text.split_whitespace().map(|f| f.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MM_6_18: &str =
        "  1048576    20480    65536        0    69632        3        0        1        2\n";

    #[test]
    fn mm_stat_nine_fields() {
        let m = parse_mm_stat(MM_6_18).unwrap();
        assert_eq!(m.orig_data_size_bytes, 1_048_576);
        assert_eq!(m.compr_data_size_bytes, 20_480);
        assert_eq!(m.mem_used_total_bytes, 65_536);
        assert_eq!(m.mem_limit, Limit::Max);
        assert_eq!(m.same_pages, 3);
        assert_eq!(m.huge_pages, Some(1));
        assert_eq!(m.huge_pages_since, Some(2));
    }

    #[test]
    fn mm_stat_seven_fields_leaves_huge_absent() {
        let m = parse_mm_stat("1 2 3 4096 5 6 7\n").unwrap();
        assert_eq!(m.mem_limit, Limit::Bytes(4096));
        assert_eq!(m.huge_pages, None);
        assert_eq!(m.huge_pages_since, None);
    }

    #[test]
    fn mm_stat_eight_fields_has_huge_only() {
        let m = parse_mm_stat("1 2 3 0 5 6 7 8\n").unwrap();
        assert_eq!(m.huge_pages, Some(8));
        assert_eq!(m.huge_pages_since, None);
    }

    #[test]
    fn mm_stat_short_or_garbage_is_none() {
        assert_eq!(parse_mm_stat("1 2 3\n"), None);
        assert_eq!(parse_mm_stat("1 2 3 x 5 6 7\n"), None);
        assert_eq!(parse_mm_stat(""), None);
    }

    #[test]
    fn io_stat_with_literal_zero_invalid_io() {
        let s = parse_io_stat("       0        7 0        9\n").unwrap();
        assert_eq!(s.failed_writes, 7);
        assert_eq!(s.invalid_io, 0);
        assert_eq!(s.notify_free, 9);
        assert_eq!(parse_io_stat("1 2\n"), None);
    }

    #[test]
    fn bd_stat_is_in_4k_units() {
        let b = parse_bd_stat("       2        3        4\n").unwrap();
        assert_eq!(b.bd_count_bytes, 8192);
        assert_eq!(b.bd_writes_bytes, 16384);
        assert_eq!(parse_bd_stat(&format!("{} 0 0", u64::MAX)), None);
    }

    #[test]
    fn comp_algorithm_selected_in_brackets() {
        let c = parse_comp_algorithm("lzo [lzo-rle] lz4 \n").unwrap();
        assert_eq!(c.selected, "lzo-rle");
        assert_eq!(c.available, ["lzo", "lzo-rle", "lz4"]);
        assert_eq!(parse_comp_algorithm("lzo lz4\n"), None);
        assert_eq!(parse_comp_algorithm("[lzo] [lz4]\n"), None);
    }

    #[test]
    fn recomp_algorithm_lines() {
        let r = parse_recomp_algorithm("#1: lzo lzo-rle [lz4] zstd\n#2: [zstd] lz4\n").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].selected, "lz4");
        assert_eq!(r[1].priority, 2);
        assert_eq!(parse_recomp_algorithm("").unwrap(), vec![]);
        assert_eq!(parse_recomp_algorithm("lz4\n"), None);
    }

    #[test]
    fn backing_dev_none_is_absent() {
        assert_eq!(parse_backing_dev("none\n"), None);
        assert_eq!(parse_backing_dev("/dev/vdb\n").as_deref(), Some("/dev/vdb"));
    }

    #[test]
    fn flags_are_zero_or_one() {
        assert_eq!(parse_flag("1\n"), Some(true));
        assert_eq!(parse_flag("0\n"), Some(false));
        assert_eq!(parse_flag("Y\n"), None);
    }
}
