//! zswap-core: the kernel interface to Linux zswap and a reference model of zswap and
//! zsmalloc.
//!
//! All kernel I/O goes through [`SysRoot`], so every reader can be pointed at a captured
//! tree. What a kernel has is discovered, never assumed: a parameter, counter or file that
//! this kernel lacks is absent (`None`), not zero. See
//! `Documentation/admin-guide/mm/zswap.rst`. This crate does no printing and parses no
//! command line.
//!
//! Shared vocabulary lives here once: [`KernelEra`] (the behaviour profile the model, the
//! compressors and the analyses follow), [`ZswapInterface`] (the entry points the eBPF probe
//! hooks) and the swap-trace format ([`trace`]) that the probe writes and zswap-analyze reads.
#![deny(missing_docs)]

pub mod admin;
mod atomic_file;
pub mod compress;
mod era;
mod error;
mod kernel;
mod model;
pub mod page;
pub mod params;
mod sample;
pub mod sim;
pub mod stats;
mod sysroot;
pub mod trace;
mod units;
pub mod zram;

pub use atomic_file::{AtomicWriteError, write_atomically};
pub use compress::{
    Algorithm, CompressError, CompressFailure, DecompressError, PageCompressor, ParseAlgorithmError,
};
pub use era::{KernelEra, ParseEraError, StableFacts, ZswapInterface};
pub use error::{Error, Result};
pub use kernel::{KernelRelease, read_release};
pub use model::{REJECT_REASONS, ZswapModel, per_sec};
pub use page::PAGE_SIZE;
pub use params::{ParamName, ParamValue, ZswapParams, read_params};
pub use sample::{CollectOptions, Problem, ZswapSample, collect_sample};
pub use sysroot::SysRoot;
pub use units::{
    BareNumber, ParseUnitError, exact_bytes, human_bytes, human_count, human_ratio, parse_duration,
    parse_size,
};
