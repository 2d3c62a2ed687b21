//! deflate as the kernel's `crypto/deflate.c` runs `lib/zlib_deflate`: raw deflate (no zlib
//! header or checksum), level 6, windowBits 11 (a 2 KiB window), memLevel 8, default strategy,
//! stream state reset for every page.
//!
//! The kernel's zlib is an old fork of zlib whose output equals the real zlib's for these
//! parameters (measured on 82 of 82 pages, docs/kernel-notes.md §5.3), so this uses flate2 on
//! the system zlib. flate2's other backends (miniz, zlib-rs, zlib-ng) give different bytes,
//! and cargo feature unification can switch the backend silently: [`Deflate::new`] therefore
//! checks a fixed page against the kernel's length and refuses to run on a mismatch.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::{Algorithm, CompressError, CompressFailure, DecodeResult, KernelEra, PAGE_SIZE};

/// deflate's window as the kernel sets it (`DEFLATE_DEF_WINBITS`).
const WINDOW_BITS: u8 = 11;

/// The check page: text with repeats and a counter, so both the matcher and the Huffman
/// coder matter.
fn check_page() -> [u8; PAGE_SIZE] {
    let mut page = [0u8; PAGE_SIZE];
    let words: [&[u8]; 8] = [
        b"zswap ",
        b"page ",
        b"kernel ",
        b"deflate ",
        b"4096 ",
        b"pool ",
        b"\n",
        b"lru ",
    ];
    let mut x: u32 = 12345;
    let mut i = 0;
    while i < PAGE_SIZE {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let w = words[(x >> 16) as usize % words.len()];
        let n = w.len().min(PAGE_SIZE - i);
        page[i..i + n].copy_from_slice(&w[..n]);
        i += n;
        if (x >> 8).is_multiple_of(7) && i < PAGE_SIZE {
            page[i] = (x >> 24) as u8;
            i += 1;
        }
    }
    page
}

/// The kernel's (and zlib's) compressed length of [`check_page`].
pub(super) const CHECK_PAGE_LEN: usize = 925;

pub(super) struct Deflate {
    comp: Compress,
    decomp: Decompress,
    failure: CompressFailure,
}

impl Deflate {
    pub(super) fn new(era: KernelEra) -> Result<Self, CompressError> {
        let mut d = Deflate {
            comp: Compress::new_with_window_bits(Compression::new(6), false, WINDOW_BITS),
            decomp: Decompress::new_with_window_bits(false, WINDOW_BITS),
            // 6.1/6.12: Z_FINISH without Z_STREAM_END is -EINVAL; 6.18's native acomp walk
            // reports a full destination as -ENOSPC (docs/kernel-notes.md §3.6).
            failure: if era >= KernelEra::V6_18 {
                CompressFailure::NoSpace
            } else {
                CompressFailure::Invalid
            },
        };
        let mut out = [0u8; PAGE_SIZE];
        let actual = d.compress(&check_page(), &mut out).unwrap_or(PAGE_SIZE + 1);
        if actual != CHECK_PAGE_LEN {
            return Err(CompressError::BackendMismatch {
                algorithm: Algorithm::Deflate,
                expected: CHECK_PAGE_LEN,
                actual,
            });
        }
        Ok(d)
    }

    pub(super) fn compress(
        &mut self,
        page: &[u8; PAGE_SIZE],
        out: &mut [u8],
    ) -> Result<usize, CompressFailure> {
        self.comp.reset();
        match self.comp.compress(page, out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => Ok(self.comp.total_out() as usize),
            _ => Err(self.failure),
        }
    }

    pub(super) fn decompress(&mut self, src: &[u8], out: &mut [u8; PAGE_SIZE]) -> DecodeResult {
        self.decomp.reset(false);
        match self.decomp.decompress(src, out, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) => Ok(self.decomp.total_out() as usize),
            Ok(_) => Err((
                self.decomp.total_in() as usize,
                "deflate stream does not end",
            )),
            Err(_) => Err((self.decomp.total_in() as usize, "invalid deflate stream")),
        }
    }
}
