//! The kernel's page compressors, as zswap calls them through the crypto API: one 4096-byte
//! page in, at most 4096 bytes out, with the kernel's parameters for each algorithm and era.
//!
//! Covers the kernel's `crypto/{lzo,lzo-rle,lz4,lz4hc,zstd,deflate,842}.c` and the libraries
//! under `lib/lzo`, `lib/lz4`, `lib/zstd`, `lib/zlib_deflate` and `lib/842`; see
//! `Documentation/admin-guide/mm/zswap.rst` and docs/kernel-notes.md §5.
//!
//! | algorithm | implementation | how it is shown to equal the kernel |
//! |---|---|---|
//! | lzo, lzo-rle, lz4 | ours (safe Rust, from the formats and the kernel's match finders) | per-page lengths through zram: this host (`tests/zram_oracle.rs`) and 6.1/6.12/7.2 guests (`cargo xtask vmtest --scenario compress`); exact bytes against the kernel's `lib/` C of Debian's 6.1, 6.12 and 7.x sources (`cargo xtask oracle`) |
//! | lz4hc | ours | lengths through zram in 6.1/6.12/7.2 guests; exact bytes by `cargo xtask oracle` |
//! | 842 | ours | exact bytes against the kernel's `lib/842` by `cargo xtask oracle`; no Debian kernel offers it through zram |
//! | zstd | libzstd 1.5.7 (`zstd` crate) with the kernel's parameter recipe | 6.18+: equals level 3, as measured against the kernel (docs/kernel-notes.md §5.3); 6.1 (libzstd 1.4.10) differs by a few bytes on about half the pages; 6.12 not measured |
//! | deflate | system zlib through flate2, raw, level 6, windowBits 11 | lengths through zram in 6.12/7.2 guests; a self-check refuses another flate2 backend |
//!
//! Which error a page that does not fit gets (docs/kernel-notes.md §3.6) depends on the
//! algorithm and era and decides zswap's `reject_compress_poor` versus `reject_compress_fail`
//! counter.
//!
//! This module is pure: no I/O, no clock. A [`PageCompressor`] keeps its work memory between
//! pages, so compressing a page allocates nothing once `out` has grown to its working size.

mod deflate;
mod lz4;
mod lz4hc;
mod lzo;
mod sw842;
mod zstd;

use std::fmt;
use std::str::FromStr;

use crate::era::{KernelEra, StableFacts};

use crate::page::PAGE_SIZE;

/// The output capacity zswap gives the compressor: one page.
pub const OUTPUT_CAPACITY: usize = PAGE_SIZE;

/// Working size of the `out` buffer: the capacity plus room for the eras whose compressors run
/// unbounded and are only then checked against the capacity.
const SCRATCH_SIZE: usize = PAGE_SIZE + 1024;

/// A compression algorithm as zswap's `compressor` parameter names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// `lzo`: LZO1X-1, bitstream version 0.
    Lzo,
    /// `lzo-rle`: LZO1X-1, bitstream version 1 (zero runs are run-length coded).
    LzoRle,
    /// `lz4`: `LZ4_compress_default`, acceleration 1.
    Lz4,
    /// `lz4hc`: `LZ4_compress_HC` at level 9.
    Lz4hc,
    /// `zstd`: level 3 with the era's explicit parameters.
    Zstd,
    /// `deflate`: raw deflate, level 6, 2 KiB window.
    Deflate,
    /// `842`: the software 842 compressor.
    Sw842,
}

impl Algorithm {
    /// Every algorithm, in the order of the kernel names list.
    pub const ALL: [Algorithm; 7] = [
        Algorithm::Lzo,
        Algorithm::LzoRle,
        Algorithm::Lz4,
        Algorithm::Lz4hc,
        Algorithm::Zstd,
        Algorithm::Deflate,
        Algorithm::Sw842,
    ];

    /// The name the kernel uses (`/sys/module/zswap/parameters/compressor`, `/proc/crypto`).
    pub const fn kernel_name(self) -> &'static str {
        match self {
            Algorithm::Lzo => "lzo",
            Algorithm::LzoRle => "lzo-rle",
            Algorithm::Lz4 => "lz4",
            Algorithm::Lz4hc => "lz4hc",
            Algorithm::Zstd => "zstd",
            Algorithm::Deflate => "deflate",
            Algorithm::Sw842 => "842",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kernel_name())
    }
}

impl FromStr for Algorithm {
    type Err = ParseAlgorithmError;

    /// Parses a kernel name; surrounding whitespace (sysfs' trailing newline) is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        Algorithm::ALL
            .into_iter()
            .find(|a| a.kernel_name() == name)
            .ok_or_else(|| ParseAlgorithmError {
                name: name.to_owned(),
            })
    }
}

/// A compressor name that is not one of the kernel algorithms this model knows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown compressor '{name}'; use one of lzo, lzo-rle, lz4, lz4hc, zstd, deflate, 842")]
#[non_exhaustive]
pub struct ParseAlgorithmError {
    /// The text that was given.
    pub name: String,
}

/// Why the kernel's compressor gave no output for a page; the error code decides which zswap
/// counter (`reject_compress_poor` or `reject_compress_fail`) a rejection goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum CompressFailure {
    /// The output did not fit in 4096 bytes and the kernel reports `-ENOSPC`.
    #[error("compressed page does not fit in 4096 bytes (kernel error -ENOSPC)")]
    NoSpace,
    /// The compressor failed with `-EINVAL` (the usual report of a full output buffer).
    #[error("compressor failed on the page (kernel error -EINVAL)")]
    Invalid,
}

impl CompressFailure {
    /// The kernel's negative errno for this failure.
    pub const fn errno(self) -> i32 {
        match self {
            CompressFailure::NoSpace => -28,
            CompressFailure::Invalid => -22,
        }
    }
}

/// A compressor that could not be set up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompressError {
    /// The C library refused a parameter.
    #[error("cannot set '{parameter}' for '{algorithm}': {reason}; the bundled library is too old")]
    Parameter {
        /// The algorithm being set up.
        algorithm: Algorithm,
        /// The parameter that was refused.
        parameter: &'static str,
        /// The library's message.
        reason: String,
    },
    /// The library's output for a fixed check page differs from the kernel's, so a dependency
    /// changed its backend (e.g. cargo feature unification switched flate2 to zlib-ng).
    #[error(
        "'{algorithm}' produced {actual} bytes for its check page where the kernel produces \
         {expected}; make sure the C library backend is used (flate2 feature 'zlib' only)"
    )]
    BackendMismatch {
        /// The algorithm being set up.
        algorithm: Algorithm,
        /// The kernel's length for the check page.
        expected: usize,
        /// The length the library produced.
        actual: usize,
    },
}

/// Compressed data that does not decode to exactly one page.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecompressError {
    /// The input is malformed: truncated, out-of-range reference, or bad checksum.
    #[error(
        "corrupt '{algorithm}' data at input byte {offset}: {reason}; the stored entry is damaged"
    )]
    Corrupt {
        /// The algorithm of the data.
        algorithm: Algorithm,
        /// Input offset at which decoding stopped.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// The data decoded to a length other than 4096 bytes.
    #[error(
        "'{algorithm}' data decoded to {actual} bytes, not one 4096-byte page; the entry is damaged"
    )]
    WrongLength {
        /// The algorithm of the data.
        algorithm: Algorithm,
        /// Bytes produced (or the length the data declares).
        actual: usize,
    },
}

/// One algorithm's compressor and decompressor with its kernel parameters and work memory.
///
/// Not shareable across threads at once: give each thread its own (as the kernel keeps one
/// per CPU).
pub struct PageCompressor {
    algorithm: Algorithm,
    era: KernelEra,
    facts: StableFacts,
    backend: Backend,
}

enum Backend {
    Lzo(lzo::Lzo),
    Lz4(lz4::Lz4),
    Lz4hc(lz4hc::Lz4hc),
    Zstd(zstd::Zstd),
    Deflate(deflate::Deflate),
    Sw842(sw842::Sw842),
}

impl fmt::Debug for PageCompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageCompressor")
            .field("algorithm", &self.algorithm)
            .field("era", &self.era)
            .finish_non_exhaustive()
    }
}

impl PageCompressor {
    /// A compressor for `algorithm` with the parameters of kernel `era` (and the stable
    /// facts of the release docs/kernel-notes.md §0.3 was read from, [`StableFacts::of_era`]).
    pub fn new(algorithm: Algorithm, era: KernelEra) -> Result<Self, CompressError> {
        PageCompressor::with_facts(algorithm, era, StableFacts::of_era(era))
    }

    /// A compressor for `algorithm` with the parameters of kernel `era` and the facts of one
    /// stable release of it (such as whether lzo is bounded).
    pub fn with_facts(
        algorithm: Algorithm,
        era: KernelEra,
        facts: StableFacts,
    ) -> Result<Self, CompressError> {
        let backend = match algorithm {
            Algorithm::Lzo => Backend::Lzo(lzo::Lzo::new(false, facts.lzo_bounded)),
            Algorithm::LzoRle => Backend::Lzo(lzo::Lzo::new(true, facts.lzo_bounded)),
            Algorithm::Zstd => Backend::Zstd(zstd::Zstd::new(era)?),
            Algorithm::Deflate => Backend::Deflate(deflate::Deflate::new(era)?),
            Algorithm::Lz4 => Backend::Lz4(lz4::Lz4::new()),
            Algorithm::Lz4hc => Backend::Lz4hc(lz4hc::Lz4hc::new()),
            Algorithm::Sw842 => Backend::Sw842(sw842::Sw842::new()),
        };
        Ok(PageCompressor {
            algorithm,
            era,
            facts,
            backend,
        })
    }

    /// The stable-release facts it follows.
    pub fn facts(&self) -> StableFacts {
        self.facts
    }

    /// The algorithm this compressor runs.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The kernel era whose parameters and failure codes it follows.
    pub fn era(&self) -> KernelEra {
        self.era
    }

    /// Compresses one page into `out` (cleared first) as the kernel does for zswap, with an
    /// output capacity of 4096 bytes. Returns the compressed length, equal to `out.len()`.
    /// On failure `out` is empty and the error is the one the kernel reports for this
    /// algorithm and era (docs/kernel-notes.md §3.6).
    pub fn compress(
        &mut self,
        page: &[u8; PAGE_SIZE],
        out: &mut Vec<u8>,
    ) -> Result<usize, CompressFailure> {
        out.clear();
        out.resize(SCRATCH_SIZE, 0);
        let result = match &mut self.backend {
            Backend::Lzo(c) => c.compress(page, out),
            Backend::Lz4(c) => c.compress(page, out),
            Backend::Lz4hc(c) => c.compress(page, out),
            Backend::Zstd(c) => c.compress(page, &mut out[..OUTPUT_CAPACITY]),
            Backend::Deflate(c) => c.compress(page, &mut out[..OUTPUT_CAPACITY]),
            Backend::Sw842(c) => c.compress(page, out),
        };
        match result {
            Ok(len) => {
                out.truncate(len);
                Ok(len)
            }
            Err(e) => {
                out.clear();
                Err(e)
            }
        }
    }

    /// Decompresses `src` into `out`; the data must decode to exactly one page.
    pub fn decompress(
        &mut self,
        src: &[u8],
        out: &mut [u8; PAGE_SIZE],
    ) -> Result<(), DecompressError> {
        let algorithm = self.algorithm;
        let produced = match &mut self.backend {
            Backend::Lzo(c) => c.decompress(src, out),
            Backend::Lz4(_) | Backend::Lz4hc(_) => lz4::decompress(src, out),
            Backend::Zstd(c) => c.decompress(src, out),
            Backend::Deflate(c) => c.decompress(src, out),
            Backend::Sw842(c) => c.decompress(src, out),
        };
        match produced {
            Ok(PAGE_SIZE) => Ok(()),
            Ok(actual) => Err(DecompressError::WrongLength { algorithm, actual }),
            Err((offset, reason)) => Err(DecompressError::Corrupt {
                algorithm,
                offset,
                reason,
            }),
        }
    }
}

/// Copies `len` bytes from `dist` bytes back to `op`; an overlapping copy (`dist < len`)
/// repeats the pattern, as LZ77 decoders do. The caller has checked the bounds.
fn copy_match(out: &mut [u8], op: usize, dist: usize, len: usize) {
    if dist >= len {
        out.copy_within(op - dist..op - dist + len, op);
    } else {
        for i in op..op + len {
            out[i] = out[i - dist];
        }
    }
}

/// A decoder's failure: input offset and reason.
type DecodeResult = Result<usize, (usize, &'static str)>;

#[cfg(test)]
mod tests;
