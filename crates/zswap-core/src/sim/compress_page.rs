//! `zswap_compress` per era: compression, the incompressible-page rules
//! (docs/kernel-notes.md §3.6), the 6.1 zbud
//! header, and the allocation, with the reject counters they feed.

use super::codec::CodecError;
use super::config::ZpoolKind;
use super::folio_source::FolioSource;
use super::memcg::MemcgId;
use super::pool::{AllocError, Handle};
use super::store::RejectReason;
use super::zswap::{Fault, Zswap};
use crate::era::KernelEra;
use crate::page::PAGE_SIZE;

/// A compressed (or raw) page placed in the allocator.
pub(crate) struct Compressed {
    pub(crate) length: u32,
    /// The stored bytes; empty when only the length was known.
    pub(crate) data: Vec<u8>,
    pub(crate) bytes_known: bool,
    pub(crate) raw: bool,
    pub(crate) handle: Handle,
}

impl Zswap {
    /// Compresses page `i` of `src` and allocates per era; counts the reject counters of
    /// `zswap_compress`. A length the source knows for the pool's codec stands for the
    /// compression (and no bytes are kept).
    pub(crate) fn compress_into(
        &mut self,
        pool_id: u32,
        src: &mut dyn FolioSource,
        i: usize,
        memcg: MemcgId,
    ) -> Result<Compressed, RejectReason> {
        let era = self.era;
        let mut buf = std::mem::take(&mut self.scratch);
        let Some(pool) = self.pools.get_mut(&pool_id) else {
            self.scratch = buf;
            return Err(RejectReason::NoPool);
        };
        let key = pool.codec.key();
        let known = key.as_ref().and_then(|k| src.known_compression(i, k));
        let bytes_known = known.is_none();
        let mut comp = match known {
            Some(k) => k.map(usize::from),
            None => pool.codec.compress(src.bytes(i), &mut buf),
        };
        if let Ok(n) = comp
            && n > PAGE_SIZE
        {
            comp = Err(CodecError::NoSpace);
        }
        if bytes_known && let Some(k) = &key {
            // Lengths are at most a page here, so they fit u16.
            src.compressed(i, k, comp.map(|n| n as u16));
        }
        let kind = pool.kind;
        let (len, compressed) = match comp {
            Ok(n) if era == KernelEra::V6_18 && (n == 0 || n >= PAGE_SIZE) => (PAGE_SIZE, false),
            Ok(n) => (n, true),
            Err(_) if era == KernelEra::V6_18 => (PAGE_SIZE, false),
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
        let data = if !bytes_known {
            Vec::new()
        } else if compressed {
            buf[..len].to_vec()
        } else {
            Vec::new()
        };
        self.scratch = buf;
        let raw = !compressed;
        // 6.18: store as-is unless the cgroup cannot write back.
        if raw && !self.writeback_enabled(memcg) {
            if comp == Err(CodecError::NoSpace) {
                self.raw.reject_compress_poor += 1;
                return Err(RejectReason::CompressPoor);
            }
            self.raw.reject_compress_fail += 1;
            return Err(RejectReason::CompressFail);
        }
        let data = if raw && bytes_known {
            src.bytes(i).to_vec()
        } else {
            data
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
                Some(p) => p.alloc.malloc(len + header),
                None => Err(AllocError::Other),
            }
        };
        match alloc {
            Ok(handle) => Ok(Compressed {
                length: len as u32,
                data,
                bytes_known,
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
