//! The compressor seen by the model: one 4096-byte page in, at most 4096 bytes out.
//!
//! The model runs over [`PageCodec`] so that tests can use the deterministic [`RleCodec`] and
//! real use can plug in the kernel-exact compressors. A [`CodecProvider`] resolves a
//! `compressor` parameter value to a codec, as `crypto_has_acomp()` + allocation do.

use crate::compress::Algorithm;
use crate::era::{KernelEra, StableFacts};
use crate::page::PAGE_SIZE;

/// Why a compressor failed; mirrors the kernel's errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecError {
    /// -ENOSPC: the output did not fit the 4096-byte capacity.
    NoSpace,
    /// -EINVAL: any other error (including "did not fit" for algorithms reporting it so).
    Invalid,
}

/// A page compressor with its decompressor.
pub trait PageCodec {
    /// Compresses `page` into `out` (cleared first) with an output capacity of one page.
    /// Returns the compressed length, which is `out.len()` and at most 4096.
    fn compress(&mut self, page: &[u8; 4096], out: &mut Vec<u8>) -> Result<usize, CodecError>;

    /// Decompresses `src` into `page`; returns the number of bytes produced.
    fn decompress(&mut self, src: &[u8], page: &mut [u8; 4096]) -> Result<usize, CodecError>;

    /// What names this codec's output exactly, if its compressed length is a pure function
    /// of the page and the key: two codecs with equal keys compress every page to the same
    /// length. None (the default) for a codec that promises nothing.
    fn key(&self) -> Option<CodecKey> {
        None
    }
}

/// The identity of a kernel-exact compressor: algorithm, era and stable-release facts
/// decide its output (docs/performance.md, simulate: what a remembered length is keyed by).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodecKey {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The era whose parameters it follows.
    pub era: KernelEra,
    /// The stable-release facts it follows.
    pub facts: StableFacts,
}

/// Resolves compressor names to codecs for an era.
pub trait CodecProvider {
    /// A codec for `name`, or None if this kernel would not have it (-ENOENT).
    fn codec(&self, name: &str, era: KernelEra) -> Option<Box<dyn PageCodec>>;
}

/// A deterministic run-length codec for tests: output is (run length 1..=255, byte) pairs.
/// When the encoding does not fit a page it fails with the configured error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RleCodec {
    /// The error reported for output that does not fit.
    pub overflow: CodecError,
}

impl PageCodec for RleCodec {
    fn compress(&mut self, page: &[u8; 4096], out: &mut Vec<u8>) -> Result<usize, CodecError> {
        out.clear();
        let mut i = 0;
        while i < page.len() {
            let b = page[i];
            let mut n = 1;
            while i + n < page.len() && page[i + n] == b && n < 255 {
                n += 1;
            }
            if out.len() + 2 > PAGE_SIZE {
                out.clear();
                return Err(self.overflow);
            }
            out.push(n as u8);
            out.push(b);
            i += n;
        }
        Ok(out.len())
    }

    fn decompress(&mut self, src: &[u8], page: &mut [u8; 4096]) -> Result<usize, CodecError> {
        let mut pos = 0usize;
        for pair in src.chunks(2) {
            let [n, b] = pair else {
                return Err(CodecError::Invalid);
            };
            let n = usize::from(*n);
            if n == 0 || pos + n > page.len() {
                return Err(CodecError::Invalid);
            }
            page[pos..pos + n].fill(*b);
            pos += n;
        }
        Ok(pos)
    }
}

/// Test provider: every kernel compressor name maps to an [`RleCodec`] that fails the way
/// that algorithm reports a too-large output in that era (docs/kernel-notes.md §3.6): lzo/lzo-rle
/// -ENOSPC before 6.18 and -EINVAL after; deflate -EINVAL before 6.18 and -ENOSPC after;
/// 842 -ENOSPC; lz4, lz4hc, zstd -EINVAL. `unavailable` names are refused.
#[derive(Debug, Clone, Default)]
pub struct RleProvider {
    /// Names this "kernel" does not have.
    pub unavailable: Vec<String>,
}

/// The error a kernel compressor reports for a page that does not fit, per era
/// (docs/kernel-notes.md §3.6).
pub fn overflow_error(name: &str, era: KernelEra) -> Option<CodecError> {
    let late = era == KernelEra::V6_18;
    Some(match name {
        "lzo" | "lzo-rle" if late => CodecError::Invalid,
        "lzo" | "lzo-rle" => CodecError::NoSpace,
        "deflate" if late => CodecError::NoSpace,
        "deflate" => CodecError::Invalid,
        "842" => CodecError::NoSpace,
        "lz4" | "lz4hc" | "zstd" => CodecError::Invalid,
        _ => return None,
    })
}

impl CodecProvider for RleProvider {
    fn codec(&self, name: &str, era: KernelEra) -> Option<Box<dyn PageCodec>> {
        if self.unavailable.iter().any(|u| u == name) {
            return None;
        }
        let overflow = overflow_error(name, era)?;
        Some(Box::new(RleCodec { overflow }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rle_round_trips() {
        let mut page = [0u8; 4096];
        page[100..300].fill(7);
        page[4000] = 1;
        let mut c = RleCodec {
            overflow: CodecError::NoSpace,
        };
        let mut out = Vec::new();
        let n = c.compress(&page, &mut out).unwrap();
        assert_eq!(n, out.len());
        let mut back = [1u8; 4096];
        assert_eq!(c.decompress(&out, &mut back).unwrap(), 4096);
        assert_eq!(back, page);
    }

    #[test]
    fn rle_overflow_uses_configured_error() {
        let page: [u8; 4096] = std::array::from_fn(|i| (i % 2) as u8);
        let mut c = RleCodec {
            overflow: CodecError::Invalid,
        };
        assert_eq!(c.compress(&page, &mut Vec::new()), Err(CodecError::Invalid));
    }

    #[test]
    fn provider_maps_error_kinds_per_era() {
        assert_eq!(
            overflow_error("lzo", KernelEra::V6_12),
            Some(CodecError::NoSpace)
        );
        assert_eq!(
            overflow_error("lzo", KernelEra::V6_18),
            Some(CodecError::Invalid)
        );
        assert_eq!(
            overflow_error("deflate", KernelEra::V6_18),
            Some(CodecError::NoSpace)
        );
        assert_eq!(
            overflow_error("lz4", KernelEra::V6_1),
            Some(CodecError::Invalid)
        );
        assert_eq!(overflow_error("sha256", KernelEra::V6_1), None);
    }
}
