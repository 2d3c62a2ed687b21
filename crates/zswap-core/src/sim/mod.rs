//! A pure, deterministic reference model of zswap, zsmalloc and zbud.
//!
//! Follows `mm/zswap.c`, `mm/zsmalloc.c`, `mm/zbud.c` and the memcg parts of
//! `mm/memcontrol.c` of Linux 6.1, 6.12 and 6.18 (the era is a profile, [`KernelEra`]), as
//! summarised in `Documentation/admin-guide/mm/zswap.rst` and the project's kernel notes.
//! No I/O, no clock, no randomness.

mod era;
mod zbud;
mod zsmalloc;

pub use era::{KernelEra, ParseEraError};
pub use zbud::{Buddy, ZBUD_MAX_ALLOC, ZbudError, ZbudHandle, ZbudPool};
pub use zsmalloc::{ClassTable, SizeClass, ZsError, ZsHandle, ZsPool};

/// Page size of every modelled kernel (x86_64).
pub const PAGE_SIZE: u32 = 4096;
