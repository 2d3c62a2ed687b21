//! A zswap pool: compressor + allocator instance (docs/kernel-notes.md §3.1, §3.10).

use std::collections::BTreeMap;
use std::fmt;

use super::codec::PageCodec;
use super::config::ZpoolKind;
use super::zbud::{ZbudError, ZbudHandle, ZbudPool};
use super::zsmalloc::{ZsError, ZsHandle, ZsPool};
use crate::era::KernelEra;

/// An allocator handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Handle {
    Zs(ZsHandle),
    Zbud(ZbudHandle),
}

/// Allocator errors as zpool reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AllocError {
    NoSpace,
    Other,
}

#[derive(Debug, Clone)]
pub(crate) enum Allocator {
    Zs(ZsPool),
    Zbud(ZbudPool),
}

impl Allocator {
    pub(crate) fn new(kind: ZpoolKind, era: KernelEra) -> Allocator {
        match kind {
            ZpoolKind::Zsmalloc => Allocator::Zs(ZsPool::new(era)),
            ZpoolKind::Zbud => Allocator::Zbud(ZbudPool::new()),
        }
    }

    pub(crate) fn malloc(&mut self, size: usize) -> Result<Handle, AllocError> {
        match self {
            Allocator::Zs(p) => p.malloc(size).map(Handle::Zs).map_err(|e| match e {
                ZsError::NoSpace => AllocError::NoSpace,
                ZsError::Invalid => AllocError::Other,
            }),
            Allocator::Zbud(p) => p.malloc(size).map(Handle::Zbud).map_err(|e| match e {
                ZbudError::NoSpace => AllocError::NoSpace,
                ZbudError::Invalid => AllocError::Other,
            }),
        }
    }

    pub(crate) fn free(&mut self, h: Handle) {
        match (self, h) {
            (Allocator::Zs(p), Handle::Zs(h)) => p.free(h),
            (Allocator::Zbud(p), Handle::Zbud(h)) => p.free(h),
            _ => {}
        }
    }

    pub(crate) fn total_pages(&self) -> u64 {
        match self {
            Allocator::Zs(p) => p.total_pages(),
            Allocator::Zbud(p) => p.total_pages(),
        }
    }

    pub(crate) fn structural_pages(&self) -> u64 {
        match self {
            Allocator::Zs(p) => p.zspage_pages_sum(),
            Allocator::Zbud(p) => p.total_pages(),
        }
    }
}

/// One pool of compressor + allocator.
pub(crate) struct Pool {
    pub(crate) id: u32,
    pub(crate) compressor: String,
    pub(crate) kind: ZpoolKind,
    pub(crate) codec: Box<dyn PageCodec>,
    pub(crate) alloc: Allocator,
    pub(crate) entries: u64,
    /// 6.1: handle → swap slot (the zswap header zbud objects carry).
    pub(crate) owners: BTreeMap<Handle, u64>,
    /// 6.1: this pool's shrink work is queued.
    pub(crate) shrink_pending: bool,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("id", &self.id)
            .field("compressor", &self.compressor)
            .field("kind", &self.kind)
            .field("entries", &self.entries)
            .field("pages", &self.alloc.total_pages())
            .finish_non_exhaustive()
    }
}

/// What a pool looks like from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolInfo {
    /// zsmalloc pool name (`zswap` + hex counter, as in debugfs `zsmalloc/`).
    pub name: String,
    /// Compressor name.
    pub compressor: String,
    /// Allocator.
    pub zpool: ZpoolKind,
    /// Entries that reference the pool.
    pub entries: u64,
    /// Allocator pages.
    pub pages: u64,
    /// True if and only if new stores go to this pool.
    pub current: bool,
}
