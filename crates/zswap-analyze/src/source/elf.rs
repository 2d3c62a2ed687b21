//! An ELF core file (`core(5)`, e.g. from `gcore` or the kernel's core dumper): the memory
//! image is the file contents of its `PT_LOAD` segments. Only 64-bit little-endian files are
//! read (x86-64 and other 64-bit LE targets). Segment bytes past `p_filesz` (memory the
//! dumper left out) are counted as not present.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use object::LittleEndian;
use object::elf::{ELFMAG, ET_CORE, FileHeader64, PT_LOAD};
use object::read::ReadCache;
use object::read::elf::{FileHeader, ProgramHeader};
use zswap_core::page::PAGE_SIZE;

use super::{PageSource, SourceSummary};
use crate::error::{AnalyzeError, Result};

const PAGE: u64 = PAGE_SIZE as u64;

/// True if and only if `head` starts with the ELF magic.
pub fn is_elf(head: &[u8]) -> bool {
    head.starts_with(&ELFMAG)
}

/// True if and only if `head` (the first 18 bytes or more) is a little-endian ELF core file.
pub(crate) fn is_core(head: &[u8]) -> bool {
    is_elf(head) && head.get(16..18) == Some(&ET_CORE.to_le_bytes()[..])
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

/// Reads the `PT_LOAD` segments of the core file `f`; errors are reasons for the user. The
/// headers are parsed by `object` through a read cache, so only they are read, not the
/// (possibly many gigabytes of) memory image; `object` also follows the extended program
/// header count (`PN_XNUM`) to section header 0.
pub(crate) fn load_segments(f: &File) -> std::result::Result<Vec<Segment>, String> {
    let mut ident = [0u8; 6];
    f.read_exact_at(&mut ident, 0)
        .map_err(|_| "shorter than an ELF header".to_owned())?;
    if !is_elf(&ident) {
        return Err("no ELF magic".to_owned());
    }
    if ident[4] != object::elf::ELFCLASS64 || ident[5] != object::elf::ELFDATA2LSB {
        return Err("not a 64-bit little-endian ELF file".to_owned());
    }
    let data = ReadCache::new(f);
    let bad = |e: object::read::Error| format!("unreadable ELF headers: {e}");
    let header = FileHeader64::<LittleEndian>::parse(&data).map_err(bad)?;
    let endian = header.endian().map_err(bad)?;
    let e_type = header.e_type(endian);
    if e_type != ET_CORE {
        return Err(format!(
            "ELF type {e_type} is not a core file (type {ET_CORE})"
        ));
    }
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    let mut out = Vec::new();
    for (i, ph) in header
        .program_headers(endian, &data)
        .map_err(bad)?
        .iter()
        .enumerate()
    {
        if ph.p_type(endian) != PT_LOAD {
            continue;
        }
        let seg = Segment {
            offset: ph.p_offset(endian),
            file_size: ph.p_filesz(endian),
            mem_size: ph.p_memsz(endian),
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

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the tests' own core files
mod tests {
    use super::*;

    /// A core with `loads` PT_LOAD segments of one page each after one PT_NOTE, whose
    /// program header count is in section header 0 (`e_phnum == PN_XNUM`), as the kernel
    /// writes a core with 65535 or more segments.
    fn extended_count_core(loads: u64) -> Vec<u8> {
        let phnum = loads + 1;
        let shoff = 64 + 56 * phnum;
        let data = (shoff + 64).next_multiple_of(PAGE);
        let mut f = vec![0u8; 64];
        f[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
        f[16..18].copy_from_slice(&ET_CORE.to_le_bytes());
        f[20..24].copy_from_slice(&1u32.to_le_bytes());
        f[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        f[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        f[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        f[0x38..0x3a].copy_from_slice(&object::elf::PN_XNUM.to_le_bytes());
        f[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        let mut note = [0u8; 56];
        note[..4].copy_from_slice(&object::elf::PT_NOTE.to_le_bytes());
        f.extend_from_slice(&note);
        for i in 0..loads {
            let mut ph = [0u8; 56];
            ph[..4].copy_from_slice(&PT_LOAD.to_le_bytes());
            ph[8..16].copy_from_slice(&(data + i * PAGE).to_le_bytes());
            ph[32..40].copy_from_slice(&PAGE.to_le_bytes());
            ph[40..48].copy_from_slice(&(2 * PAGE).to_le_bytes());
            f.extend_from_slice(&ph);
        }
        let mut sh0 = [0u8; 64];
        sh0[0x2c..0x30].copy_from_slice(&(phnum as u32).to_le_bytes());
        f.extend_from_slice(&sh0);
        f.resize((data + loads * PAGE) as usize, 7);
        f
    }

    #[test]
    fn extended_program_header_count_is_followed() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("core");
        std::fs::write(&p, extended_count_core(3)).unwrap();
        let segs = load_segments(&File::open(&p).unwrap()).unwrap();
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[0].file_size, PAGE);
        assert_eq!(segs[2].mem_size, 2 * PAGE);
        let src = CoreSource::open(&p).unwrap();
        assert_eq!(src.summary().pages_not_present, 3);
        assert_eq!(src.pages_hint(), Some(3));
    }

    #[test]
    fn not_a_core_is_refused_with_its_type() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("exec");
        let mut f = extended_count_core(1);
        f[16] = 2; // ET_EXEC
        std::fs::write(&p, f).unwrap();
        let e = load_segments(&File::open(&p).unwrap()).unwrap_err();
        assert_eq!(e, "ELF type 2 is not a core file (type 4)");
    }
}
