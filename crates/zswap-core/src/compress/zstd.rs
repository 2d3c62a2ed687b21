//! zstd as the kernel's `crypto/zstd.c` drives `lib/zstd`: level 3 set through explicit
//! parameters, pledged source size 4096, content size in the frame header, no checksum.
//!
//! Era parameters (docs/kernel-notes.md §5.1): 6.18+ uses `zstd_get_params(3, 256 KiB)` =
//! windowLog 18, chainLog 16, hashLog 16, searchLog 1, minMatch 4, targetLength 0, dfast
//! (libzstd 1.5.7, which is also the library the `zstd` crate bundles); 6.1 and 6.12 use the
//! "unknown size" row: windowLog 21, hashLog 17, minMatch 5. Those kernels carry libzstd 1.4.10
//! and 1.5.2; this model runs their parameters on 1.5.7, so their lengths are not proven
//! byte-exact.

use ::zstd::zstd_safe::{CCtx, CParameter, DCtx, ResetDirective, Strategy};

use super::{Algorithm, CompressError, CompressFailure, DecodeResult, KernelEra, PAGE_SIZE};

/// A compression and a decompression context, reused across pages.
pub(super) struct Zstd {
    cctx: CCtx<'static>,
    dctx: DCtx<'static>,
    params: [CParameter; 10],
}

/// The explicit parameter list the kernel sets after resetting its context.
fn era_params(era: KernelEra) -> [CParameter; 10] {
    let (window_log, hash_log, min_match) = match era {
        KernelEra::V6_1 | KernelEra::V6_12 => (21, 17, 5),
        KernelEra::V6_18 => (18, 16, 4),
    };
    [
        CParameter::WindowLog(window_log),
        CParameter::HashLog(hash_log),
        CParameter::ChainLog(16),
        CParameter::SearchLog(1),
        CParameter::MinMatch(min_match),
        CParameter::TargetLength(0),
        CParameter::Strategy(Strategy::ZSTD_dfast),
        CParameter::ContentSizeFlag(true),
        CParameter::ChecksumFlag(false),
        CParameter::DictIdFlag(true),
    ]
}

fn param_name(p: &CParameter) -> &'static str {
    match p {
        CParameter::WindowLog(_) => "windowLog",
        CParameter::HashLog(_) => "hashLog",
        CParameter::ChainLog(_) => "chainLog",
        CParameter::SearchLog(_) => "searchLog",
        CParameter::MinMatch(_) => "minMatch",
        CParameter::TargetLength(_) => "targetLength",
        CParameter::Strategy(_) => "strategy",
        CParameter::ContentSizeFlag(_) => "contentSizeFlag",
        CParameter::ChecksumFlag(_) => "checksumFlag",
        _ => "dictIDFlag",
    }
}

impl Zstd {
    pub(super) fn new(era: KernelEra) -> Result<Self, CompressError> {
        let mut z = Zstd {
            cctx: CCtx::create(),
            dctx: DCtx::create(),
            params: era_params(era),
        };
        // Apply once now so a refused parameter is reported here, not per page.
        z.prepare()?;
        Ok(z)
    }

    /// The kernel's per-request sequence: reset, pledge 4096 bytes, set every parameter.
    fn prepare(&mut self) -> Result<(), CompressError> {
        let fail = |parameter: &'static str, code: usize| CompressError::Parameter {
            algorithm: Algorithm::Zstd,
            parameter,
            reason: ::zstd::zstd_safe::get_error_name(code).to_owned(),
        };
        self.cctx
            .reset(ResetDirective::SessionAndParameters)
            .map_err(|c| fail("reset", c))?;
        self.cctx
            .set_pledged_src_size(Some(PAGE_SIZE as u64))
            .map_err(|c| fail("pledgedSrcSize", c))?;
        for p in self.params.iter() {
            let name = param_name(p);
            self.cctx.set_parameter(*p).map_err(|c| fail(name, c))?;
        }
        Ok(())
    }

    /// Compresses into `out` (the 4096-byte capacity); a frame that does not fit is the
    /// library's dstSize_tooSmall error, which the kernel reports as -EINVAL in every era.
    pub(super) fn compress(
        &mut self,
        page: &[u8; PAGE_SIZE],
        out: &mut [u8],
    ) -> Result<usize, CompressFailure> {
        self.prepare().map_err(|_| CompressFailure::Invalid)?;
        self.cctx
            .compress2(out, page)
            .map_err(|_| CompressFailure::Invalid)
    }

    pub(super) fn decompress(&mut self, src: &[u8], out: &mut [u8; PAGE_SIZE]) -> DecodeResult {
        self.dctx
            .reset(ResetDirective::SessionOnly)
            .map_err(|_| (0, "cannot reset the zstd decoder"))?;
        self.dctx
            .decompress(&mut out[..], src)
            .map_err(|c| (0, ::zstd::zstd_safe::get_error_name(c)))
    }
}
