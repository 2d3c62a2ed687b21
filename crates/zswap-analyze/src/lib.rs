//! zswap-analyze: what each kernel compressor and zswap allocator would make of a workload's
//! own pages, read from a file of raw pages, a live process or an ELF core file.
//!
//! For every page it applies zswap's per-era rules (zero and same-filled pages, incompressible
//! pages, docs/kernel-notes.md §3.6, `Documentation/admin-guide/mm/zswap.rst`) with the
//! kernel-exact compressors of [`zswap_core::compress`], and sizes the zsmalloc pool with the
//! era's class table from [`zswap_core::sim`] (zbud too for 6.1). The result per compressor
//! is a [`CompressorReport`]; [`recommend`] weighs pool size against speed.
//!
//! [`analyze_sizes`] gives the same figures from recorded compressed lengths (a swap trace),
//! [`simulate`] replays a synthetic swapping workload through the reference model
//! (`zswap_core::sim::Zswap`) for `zswapctl simulate`, and [`replay`] does the same with a
//! swap trace the eBPF probe recorded.
//!
//! The input readers do I/O (files, `/proc/PID/*` through a [`zswap_core::SysRoot`]); the
//! per-page rules ([`page_outcomes`]) and reports are pure. [`analyze`] uses every core and bounded
//! memory; see `engine` for the threading design.
#![deny(missing_docs)]

mod cost;
mod engine;
mod era;
mod error;
pub mod page_outcomes;
mod replay;
mod report;
mod simulate;
mod size_memo;
mod source;
pub mod svg;
mod trace;

pub use cost::{ZramCost, ZswapCost, xarray_nodes};
pub use engine::{
    Analysis, AnalyzeOptions, CHUNK_PAGES, analyze, analyze_sizes, modelled_algorithms,
};
pub use era::{ResolvedEra, detect_era, trace_era};
pub use error::{AnalyzeError, FailureKind, Result};
pub use replay::{
    Agreement, KernelSide, RecordedSizes, RecordedSizesProvider, ReplayError, ReplayResult,
    StoreRefusal, TraceEvent, TraceOp, replay,
};
pub use report::{
    ClassBin, CompressorReport, Recommendation, SPEED_BUDGET, ZbudFigures, recommend,
};
pub use simulate::{
    Episode, Memo, Pattern, PoolPoint, SimResult, SimSettings, Workload, simulate, simulate_sweep,
    suggest_accept_threshold, suggest_max_pool_percent,
};
pub use source::{
    AddressRange, CoreSource, FileSource, InputKind, PageSource, ParseRangeError, PidSource,
    SourceSummary, anonymous_ranges, is_elf,
};
pub use trace::{SlotCount, TraceTotals, recorded_store_lengths};
