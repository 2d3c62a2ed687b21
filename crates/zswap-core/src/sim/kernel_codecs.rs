//! The kernel-exact compressors of [`crate::compress`] as model codecs.

use super::codec::{CodecError, CodecKey, CodecProvider, PageCodec};
use crate::compress::{Algorithm, CompressFailure, PageCompressor};
use crate::era::{KernelEra, StableFacts};

impl PageCodec for PageCompressor {
    fn compress(&mut self, page: &[u8; 4096], out: &mut Vec<u8>) -> Result<usize, CodecError> {
        PageCompressor::compress(self, page, out).map_err(|e| match e {
            CompressFailure::NoSpace => CodecError::NoSpace,
            CompressFailure::Invalid => CodecError::Invalid,
        })
    }

    fn decompress(&mut self, src: &[u8], page: &mut [u8; 4096]) -> Result<usize, CodecError> {
        PageCompressor::decompress(self, src, page)
            .map(|()| page.len())
            .map_err(|_| CodecError::Invalid)
    }

    fn key(&self) -> Option<CodecKey> {
        Some(CodecKey {
            algorithm: self.algorithm(),
            era: self.era(),
            facts: self.facts(),
        })
    }
}

/// Resolves compressor names to the kernel-exact compressors of the era. Names the crate does
/// not model, and names left out of `only` (to mimic a kernel built without them, such as
/// this host's missing lz4 in zswap), are unavailable (-ENOENT).
#[derive(Debug, Clone, Default)]
pub struct KernelCodecs {
    /// If set, only these algorithms exist.
    pub only: Option<Vec<Algorithm>>,
    /// The facts of one stable release; unset, those of the era
    /// ([`StableFacts::of_era`]).
    pub facts: Option<StableFacts>,
}

impl KernelCodecs {
    /// Only `algorithms` exist.
    pub fn only(algorithms: &[Algorithm]) -> KernelCodecs {
        KernelCodecs {
            only: Some(algorithms.to_vec()),
            facts: None,
        }
    }

    /// The compressors of one stable release, such as `StableFacts::for_release(6, 12, 117)`.
    pub fn with_facts(mut self, facts: StableFacts) -> KernelCodecs {
        self.facts = Some(facts);
        self
    }
}

impl CodecProvider for KernelCodecs {
    fn codec(&self, name: &str, era: KernelEra) -> Option<Box<dyn PageCodec>> {
        let alg: Algorithm = name.parse().ok()?;
        if self.only.as_ref().is_some_and(|o| !o.contains(&alg)) {
            return None;
        }
        let facts = self.facts.unwrap_or_else(|| StableFacts::of_era(era));
        let c = PageCompressor::with_facts(alg, era, facts).ok()?;
        Some(Box::new(c))
    }
}
