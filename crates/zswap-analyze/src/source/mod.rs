//! Where pages come from: a file of raw pages, a live process, an ELF core file.
//!
//! Every source hands out whole 4096-byte pages in order, a buffer at a time, so the analysis
//! streams inputs larger than RAM with a fixed amount of memory.

mod elf;
mod file;
mod pid;

use std::io::Read as _;
use std::path::Path;

use serde::Serialize;

pub use self::elf::{CoreSource, is_elf};
pub use self::file::FileSource;
pub use self::pid::{AddressRange, ParseRangeError, PidSource, anonymous_ranges};
use crate::error::{AnalyzeError, Result};

/// What an input file holds, told from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// An ELF core file.
    Core,
    /// A swap trace (`zswap_core::trace`).
    Trace,
    /// Raw pages (anything else, other ELF files included).
    Raw,
}

impl InputKind {
    /// Looks at the first bytes of `path`: an ELF core header means a core file, a trace
    /// header a swap trace; anything else is raw pages.
    pub fn sniff(path: &Path) -> Result<InputKind> {
        let mut head = Vec::with_capacity(32);
        let f = std::fs::File::open(path).map_err(|e| AnalyzeError::open(path, e))?;
        f.take(32)
            .read_to_end(&mut head)
            .map_err(|e| AnalyzeError::open(path, e))?;
        Ok(InputKind::of_head(&head))
    }

    /// The kind of a file that starts with `head` (at least its first 32 bytes, when it has
    /// that many).
    pub fn of_head(head: &[u8]) -> InputKind {
        let trace_start = format!("{{\"format\":\"{}", zswap_core::trace::TRACE_FORMAT);
        if self::elf::is_core(head) {
            InputKind::Core
        } else if head.starts_with(trace_start.as_bytes()) {
            InputKind::Trace
        } else {
            InputKind::Raw
        }
    }
}

/// A stream of whole pages.
pub trait PageSource: Send {
    /// Fills the start of `buf` (whose length is a multiple of 4096) with the next pages and
    /// returns how many; 0 means the source is exhausted.
    fn read_pages(&mut self, buf: &mut [u8]) -> Result<usize>;

    /// Pages the source expects to deliver, if known (for progress).
    fn pages_hint(&self) -> Option<u64>;

    /// What was read and what was skipped so far.
    fn summary(&self) -> SourceSummary;
}

/// What a source read and skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceSummary {
    /// `file`, `pid`, `core` or `trace`.
    pub kind: &'static str,
    /// The file path or pid.
    pub name: String,
    /// Whole pages delivered.
    pub pages: u64,
    /// Trailing bytes that do not make a whole page and were not analysed.
    pub bytes_ignored: u64,
    /// Pages of the address space skipped because they were not in memory (pid: not
    /// present in `/proc/PID/pagemap`, swapped out included; core: beyond a segment's
    /// file size).
    pub pages_not_present: u64,
    /// Pages that could not be read (pid: `/proc/PID/mem` refused them).
    pub pages_unreadable: u64,
    /// Mappings (pid), PT_LOAD segments (core) or records (trace) read.
    pub regions: u64,
}
