//! A live process's anonymous memory: `/proc/PID/maps` for the mappings, `/proc/PID/pagemap`
//! for which pages are in memory, `/proc/PID/mem` for their bytes (see `proc(5)` and
//! `Documentation/admin-guide/mm/pagemap.rst`). Paths come from a [`SysRoot`], so tests point
//! them at fixture files.
//!
//! Pages not present (never touched, or swapped out) are skipped and counted, so the analysis
//! neither faults memory in nor swaps it back. Reading another user's process needs
//! `PTRACE_MODE_ATTACH` rights: root, `CAP_SYS_PTRACE`, or the same user under a permissive
//! Yama policy.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::str::FromStr;

use procfs_core::FromBufRead;
use procfs_core::process::{MMPermissions, MMapPath, MemoryMaps};
use zswap_core::SysRoot;
use zswap_core::page::PAGE_SIZE;

use super::{PageSource, SourceSummary};
use crate::error::{AnalyzeError, Result};

const PAGE: u64 = PAGE_SIZE as u64;
/// `/proc/PID/pagemap` bit 63: the page is present in RAM.
const PM_PRESENT: u64 = 1 << 63;

/// A half-open address range `START-END` (hexadecimal, as in `/proc/PID/maps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRange {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

impl fmt::Display for AddressRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}-{:x}", self.start, self.end)
    }
}

/// An address range that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address range '{text}': use START-END in hexadecimal, e.g. 7f00a000-7f00c000")]
pub struct ParseRangeError {
    /// The text given.
    pub text: String,
}

impl FromStr for AddressRange {
    type Err = ParseRangeError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let err = || ParseRangeError { text: s.to_owned() };
        let (a, b) = s.trim().split_once('-').ok_or_else(err)?;
        let hex = |t: &str| u64::from_str_radix(t.trim().trim_start_matches("0x"), 16);
        let (start, end) = (hex(a).map_err(|_| err())?, hex(b).map_err(|_| err())?);
        if start >= end {
            return Err(err());
        }
        Ok(AddressRange { start, end })
    }
}

/// True if and only if a mapping holds anonymous memory: no backing file (heap, stacks,
/// `mmap(MAP_ANONYMOUS)`, named `[anon:…]` regions), readable, and not a kernel-provided page.
fn is_anonymous(path: &MMapPath, inode: u64, perms: MMPermissions) -> bool {
    let anon_path = match path {
        MMapPath::Anonymous | MMapPath::Heap | MMapPath::Stack | MMapPath::TStack(_) => true,
        MMapPath::Other(name) => name.starts_with("[anon"),
        _ => false,
    };
    anon_path && inode == 0 && perms.contains(MMPermissions::READ)
}

/// The page-aligned anonymous ranges of a `/proc/PID/maps` text, clipped to `only`.
pub fn anonymous_ranges(
    maps: &str,
    only: Option<AddressRange>,
) -> std::result::Result<Vec<(u64, u64)>, String> {
    let maps = MemoryMaps::from_buf_read(maps.as_bytes()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for m in maps {
        if !is_anonymous(&m.pathname, m.inode, m.perms) {
            continue;
        }
        let (mut start, mut end) = m.address;
        if let Some(r) = only {
            start = start.max(r.start);
            end = end.min(r.end);
        }
        let start = start.next_multiple_of(PAGE);
        let end = end / PAGE * PAGE;
        if start < end {
            out.push((start, end));
        }
    }
    Ok(out)
}

/// Pages of a live process's anonymous memory.
#[derive(Debug)]
pub struct PidSource {
    pid: u32,
    mem: File,
    pagemap: Option<File>,
    ranges: Vec<(u64, u64)>,
    range: usize,
    addr: u64,
    entries: Vec<u8>,
    summary: SourceSummary,
}

fn pid_error(pid: u32, path: PathBuf, e: io::Error) -> AnalyzeError {
    match e.kind() {
        io::ErrorKind::NotFound => AnalyzeError::NoSuchProcess { pid },
        io::ErrorKind::PermissionDenied => AnalyzeError::PidPermission {
            pid,
            path,
            source: e,
        },
        _ => AnalyzeError::Process {
            pid,
            path,
            reason: e.to_string(),
        },
    }
}

impl PidSource {
    /// Opens process `pid` below `root`'s procfs; `only` restricts the analysis to one
    /// address range.
    pub fn open(root: &SysRoot, pid: u32, only: Option<AddressRange>) -> Result<PidSource> {
        if !root.is_dir(&root.proc(pid.to_string())) {
            return Err(AnalyzeError::NoSuchProcess { pid });
        }
        let maps_path = root.proc(format!("{pid}/maps"));
        let mut text = String::new();
        File::open(&maps_path)
            .and_then(|mut f| f.read_to_string(&mut text))
            .map_err(|e| pid_error(pid, maps_path.clone(), e))?;
        let ranges = anonymous_ranges(&text, only).map_err(|reason| AnalyzeError::Process {
            pid,
            path: maps_path,
            reason,
        })?;
        let mem_path = root.proc(format!("{pid}/mem"));
        let mem = File::open(&mem_path).map_err(|e| pid_error(pid, mem_path.clone(), e))?;
        // Without pagemap (old kernels, fixture trees) every page counts as present and
        // pages that cannot be read are counted as unreadable instead.
        let pagemap = File::open(root.proc(format!("{pid}/pagemap"))).ok();
        let summary = SourceSummary {
            kind: "pid",
            name: pid.to_string(),
            regions: ranges.len() as u64,
            ..SourceSummary::default()
        };
        Ok(PidSource {
            pid,
            mem,
            pagemap,
            addr: ranges.first().map_or(0, |r| r.0),
            ranges,
            range: 0,
            entries: Vec::new(),
            summary,
        })
    }

    /// The pid.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Present-bits of `count` pages from `addr`; all true if pagemap is unavailable.
    fn present(&mut self, addr: u64, count: usize, out: &mut Vec<bool>) {
        out.clear();
        let Some(pm) = &self.pagemap else {
            out.resize(count, true);
            return;
        };
        self.entries.resize(count * 8, 0);
        match pm.read_exact_at(&mut self.entries, addr / PAGE * 8) {
            Ok(()) => out.extend(self.entries.chunks_exact(8).map(|e| {
                let v = u64::from_le_bytes([e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]]);
                v & PM_PRESENT != 0
            })),
            Err(_) => out.resize(count, true),
        }
    }

    /// Reads the present run `[addr, addr + pages*4096)` into `dst` from byte `at`, skipping
    /// pages `mem` refuses; returns the bytes written (a multiple of 4096).
    fn read_run(&mut self, addr: u64, pages: usize, dst: &mut [u8], at: usize) -> usize {
        let end = addr + pages as u64 * PAGE;
        let (mut src, mut pos) = (addr, at);
        while src < end {
            let want = (end - src) as usize;
            match self.mem.read_at(&mut dst[pos..pos + want], src) {
                Ok(n) if n > 0 => {
                    src += n as u64;
                    pos += n;
                }
                Ok(_) | Err(_) => {
                    // Drop a partly read page and skip the page that failed.
                    let partial = (src % PAGE) as usize;
                    pos -= partial;
                    src = src - partial as u64 + PAGE;
                    self.summary.pages_unreadable += 1;
                }
            }
        }
        pos - at
    }
}

impl PageSource for PidSource {
    fn read_pages(&mut self, buf: &mut [u8]) -> Result<usize> {
        let cap = buf.len() / PAGE_SIZE;
        let mut filled = 0usize;
        let mut present = Vec::new();
        while filled < cap && self.range < self.ranges.len() {
            let (_, end) = self.ranges[self.range];
            if self.addr >= end {
                self.range += 1;
                if let Some(&(start, _)) = self.ranges.get(self.range) {
                    self.addr = start;
                }
                continue;
            }
            let count = (cap - filled).min(((end - self.addr) / PAGE) as usize);
            let base = self.addr;
            self.present(base, count, &mut present);
            let mut i = 0;
            while i < count {
                if !present[i] {
                    self.summary.pages_not_present += 1;
                    i += 1;
                    continue;
                }
                let j = (i..count).find(|&k| !present[k]).unwrap_or(count);
                let got = self.read_run(base + i as u64 * PAGE, j - i, buf, filled * PAGE_SIZE);
                filled += got / PAGE_SIZE;
                i = j;
            }
            self.addr = base + count as u64 * PAGE;
        }
        self.summary.pages += filled as u64;
        Ok(filled)
    }

    fn pages_hint(&self) -> Option<u64> {
        Some(self.ranges.iter().map(|(s, e)| (e - s) / PAGE).sum())
    }

    fn summary(&self) -> SourceSummary {
        self.summary.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // As the kernel prints it: an unnamed mapping's line ends in a space after the inode.
    const MAPS: &str = concat!(
        "00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon\n",
        "00e03000-00e24000 rw-p 00000000 00:00 0           [heap]\n",
        "7f0000000000-7f0000004000 rw-p 00000000 00:00 0 \n",
        "7f0000010000-7f0000011000 ---p 00000000 00:00 0 \n",
        "7ffd5a2f1000-7ffd5a2f3000 r-xp 00000000 00:00 0   [vdso]\n",
        "7ffd5a400000-7ffd5a421000 rw-p 00000000 00:00 0   [stack]\n",
    );

    #[test]
    fn keeps_readable_anonymous_mappings() {
        let r = anonymous_ranges(MAPS, None).unwrap();
        assert_eq!(
            r,
            vec![
                (0xe03000, 0xe24000),
                (0x7f0000000000, 0x7f0000004000),
                (0x7ffd5a400000, 0x7ffd5a421000)
            ]
        );
    }

    #[test]
    fn clips_to_the_address_range() {
        let only = "7f0000001000-7f0000002800".parse().unwrap();
        let r = anonymous_ranges(MAPS, Some(only)).unwrap();
        assert_eq!(r, vec![(0x7f0000001000, 0x7f0000002000)]);
    }

    #[test]
    fn range_parse_errors_name_the_text() {
        let e = "zz-1".parse::<AddressRange>().unwrap_err();
        assert!(e.to_string().contains("'zz-1'"));
        assert!("2000-1000".parse::<AddressRange>().is_err());
        assert_eq!(
            "0x1000-2000".parse::<AddressRange>().unwrap(),
            AddressRange {
                start: 0x1000,
                end: 0x2000
            }
        );
    }

    #[test]
    fn garbage_maps_is_an_error() {
        assert!(anonymous_ranges("not a maps line\n", None).is_err());
    }
}
