//! zswap-core: the kernel interface to Linux zswap and a reference model of zswap and
//! zsmalloc.
//!
//! All kernel I/O goes through [`SysRoot`], so every reader can be pointed at a captured
//! tree. Kernel facts are summarised in `Documentation/admin-guide/mm/zswap.rst` and in the
//! project's kernel notes. This crate does no printing and parses no command line.
#![deny(missing_docs)]

mod error;
mod sysroot;

pub use error::{Error, Result};
pub use sysroot::SysRoot;
