//! An ELF core file (`core(5)`, e.g. from `gcore` or the kernel's core dumper): the memory
//! image is the file contents of its `PT_LOAD` segments. Only 64-bit little-endian files are
//! read (x86-64 and other 64-bit LE targets). Segment bytes past `p_filesz` (memory the
//! dumper left out) are counted as not present.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use zswap_core::page::PAGE_SIZE;

use super::{PageSource, SourceSummary};
use crate::error::{AnalyzeError, Result};

const PAGE: u64 = PAGE_SIZE as u64;
const ET_CORE: u16 = 4;
const PT_LOAD: u32 = 1;
/// `e_phnum` value saying the real count is in section header 0's `sh_info`.
const PN_XNUM: u16 = 0xffff;

/// True if and only if `head` starts with the ELF magic.
pub fn is_elf(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// One `PT_LOAD` segment: file offset, bytes in the file, bytes in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    /// `p_offset`.
    pub(crate) offset: u64,
    /// `p_filesz`.
    pub(crate) file_size: u64,
    /// `p_memsz`.
    pub(crate) mem_size: u64,
}

/// Reads the `PT_LOAD` segments of the core file `f`; errors are reasons for the user.
pub(crate) fn load_segments(f: &File) -> std::result::Result<Vec<Segment>, String> {
    let mut eh = [0u8; 64];
    f.read_exact_at(&mut eh, 0)
        .map_err(|_| "shorter than an ELF header".to_owned())?;
    if !is_elf(&eh) {
        return Err("no ELF magic".to_owned());
    }
    if eh[4] != 2 || eh[5] != 1 {
        return Err("not a 64-bit little-endian ELF file".to_owned());
    }
    let e_type = u16_at(&eh, 16);
    if e_type != ET_CORE {
        return Err(format!("ELF type {e_type} is not a core file (type 4)"));
    }
    let phoff = u64_at(&eh, 0x20);
    let shoff = u64_at(&eh, 0x28);
    let phentsize = u64::from(u16_at(&eh, 0x36));
    let mut phnum = u64::from(u16_at(&eh, 0x38));
    if phentsize < 56 {
        return Err(format!("program header size {phentsize} is below 56"));
    }
    if phnum == u64::from(PN_XNUM) {
        let mut sh = [0u8; 64];
        f.read_exact_at(&mut sh, shoff).map_err(|_| {
            "section header 0 (extended program header count) is missing".to_owned()
        })?;
        phnum = u64::from(u32_at(&sh, 0x2c));
    }
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    let mut out = Vec::new();
    let mut ph = [0u8; 56];
    for i in 0..phnum {
        let at = phoff
            .checked_add(i * phentsize)
            .ok_or_else(|| "program header offset overflows".to_owned())?;
        f.read_exact_at(&mut ph, at)
            .map_err(|_| format!("program header {i} lies past the end of the file"))?;
        if u32_at(&ph, 0) != PT_LOAD {
            continue;
        }
        let seg = Segment {
            offset: u64_at(&ph, 8),
            file_size: u64_at(&ph, 32),
            mem_size: u64_at(&ph, 40),
        };
        if seg
            .offset
            .checked_add(seg.file_size)
            .is_none_or(|e| e > len)
        {
            return Err(format!(
                "segment {i} (offset {}, {} bytes) lies past the end of the file ({len} bytes); \
                 the core is truncated",
                seg.offset, seg.file_size
            ));
        }
        out.push(seg);
    }
    Ok(out)
}

/// Pages of an ELF core file's `PT_LOAD` segments.
#[derive(Debug)]
pub struct CoreSource {
    path: PathBuf,
    file: File,
    segments: Vec<Segment>,
    seg: usize,
    pos: u64,
    summary: SourceSummary,
}

impl CoreSource {
    /// Opens and checks a core file.
    pub fn open(path: &Path) -> Result<CoreSource> {
        let file = File::open(path).map_err(|e| AnalyzeError::open(path, e))?;
        let segments = load_segments(&file).map_err(|reason| AnalyzeError::BadCore {
            path: path.to_owned(),
            reason,
        })?;
        let summary = SourceSummary {
            kind: "core",
            name: path.display().to_string(),
            regions: segments.len() as u64,
            pages_not_present: segments
                .iter()
                .map(|s| s.mem_size.saturating_sub(s.file_size).div_ceil(PAGE))
                .sum(),
            bytes_ignored: segments.iter().map(|s| s.file_size % PAGE).sum(),
            ..SourceSummary::default()
        };
        Ok(CoreSource {
            path: path.to_owned(),
            file,
            segments,
            seg: 0,
            pos: 0,
            summary,
        })
    }
}

impl PageSource for CoreSource {
    fn read_pages(&mut self, buf: &mut [u8]) -> Result<usize> {
        let cap = buf.len() / PAGE_SIZE;
        let mut filled = 0;
        while filled < cap && self.seg < self.segments.len() {
            let s = self.segments[self.seg];
            let whole = s.file_size / PAGE * PAGE;
            if self.pos >= whole {
                self.seg += 1;
                self.pos = 0;
                continue;
            }
            let n = (cap - filled).min(((whole - self.pos) / PAGE) as usize);
            let dst = &mut buf[filled * PAGE_SIZE..(filled + n) * PAGE_SIZE];
            self.file
                .read_exact_at(dst, s.offset + self.pos)
                .map_err(|source| AnalyzeError::Unreadable {
                    path: self.path.clone(),
                    source,
                })?;
            self.pos += n as u64 * PAGE;
            filled += n;
        }
        self.summary.pages += filled as u64;
        Ok(filled)
    }

    fn pages_hint(&self) -> Option<u64> {
        Some(self.segments.iter().map(|s| s.file_size / PAGE).sum())
    }

    fn summary(&self) -> SourceSummary {
        self.summary.clone()
    }
}
