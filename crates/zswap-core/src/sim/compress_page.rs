//! `zswap_compress` per era: compression, the incompressible-page rules
//! (docs/kernel-notes.md §3.6), the 6.1 zbud
//! header, and the allocation, with the reject counters they feed.

use super::codec::CodecError;
use super::config::ZpoolKind;
use super::memcg::MemcgId;
use super::pool::{AllocError, Handle};
use super::store::RejectReason;
use super::zswap::{Fault, Zswap};
use crate::era::KernelEra;
use crate::page::PAGE_SIZE;

/// A compressed (or raw) page placed in the allocator.
pub(crate) struct Compressed {
    pub(crate) length: u32,
    pub(crate) data: Vec<u8>,
    pub(crate) raw: bool,
    pub(crate) handle: Handle,
}

impl Zswap {
    /// Compresses and allocates per era; counts the reject counters of `zswap_compress`.
    pub(crate) fn compress_into(
        &mut self,
        pool_id: u32,
        page: &[u8; 4096],
        memcg: MemcgId,
    ) -> Result<Compressed, RejectReason> {
        let era = self.era;
        let mut buf = std::mem::take(&mut self.scratch);
        let Some(pool) = self.pools.get_mut(&pool_id) else {
            self.scratch = buf;
            return Err(RejectReason::NoPool);
        };
        let mut comp = pool.codec.compress(page, &mut buf);
        if let Ok(n) = comp
            && n > PAGE_SIZE
        {
            comp = Err(CodecError::NoSpace);
        }
        let kind = pool.kind;
        let (data, raw) = match comp {
            Ok(n) if era == KernelEra::V6_18 && (n == 0 || n >= PAGE_SIZE) => (None, true),
            Ok(n) => (Some(buf[..n].to_vec()), false),
            Err(_) if era == KernelEra::V6_18 => (None, true),
            Err(e) => {
                self.scratch = buf;
                return Err(match (era, e) {
                    (KernelEra::V6_1, _) => RejectReason::CompressFail,
                    (_, CodecError::NoSpace) => {
                        self.raw.reject_compress_poor += 1;
                        RejectReason::CompressPoor
                    }
                    (_, CodecError::Invalid) => {
                        self.raw.reject_compress_fail += 1;
                        RejectReason::CompressFail
                    }
                });
            }
        };
        self.scratch = buf;
        let data = match data {
            Some(d) => d,
            None => {
                // 6.18: store as-is unless the cgroup cannot write back.
                if !self.writeback_enabled(memcg) {
                    if comp == Err(CodecError::NoSpace) {
                        self.raw.reject_compress_poor += 1;
                        return Err(RejectReason::CompressPoor);
                    }
                    self.raw.reject_compress_fail += 1;
                    return Err(RejectReason::CompressFail);
                }
                page.to_vec()
            }
        };
        // 6.1 prepends the 8-byte zswap header for evictable zpools (zbud).
        let header = if era == KernelEra::V6_1 && kind == ZpoolKind::Zbud {
            8
        } else {
            0
        };
        let alloc = if self.take_fault(Fault::AllocatorAlloc) {
            Err(AllocError::Other)
        } else {
            match self.pools.get_mut(&pool_id) {
                Some(p) => p.alloc.malloc(data.len() + header),
                None => Err(AllocError::Other),
            }
        };
        match alloc {
            Ok(handle) => Ok(Compressed {
                length: data.len() as u32,
                data,
                raw,
                handle,
            }),
            Err(AllocError::NoSpace) => {
                self.raw.reject_compress_poor += 1;
                Err(RejectReason::CompressPoor)
            }
            Err(AllocError::Other) => {
                self.raw.reject_alloc_fail += 1;
                Err(RejectReason::AllocFail)
            }
        }
    }
}
