//! zswap-probe: loads zswap-tools' eBPF probe of zswap's store, load, invalidate and
//! writeback paths, and reads what it measured.
//!
//! The probe keeps, in the kernel, log2 latency histograms of stores and loads by outcome, a
//! histogram of compressed sizes by zsmalloc size class, per-cgroup totals and, on request,
//! a ring buffer of [`ProbeEvent`]s. Which functions are hooked, and how, is decided at load
//! time from the running kernel's BTF and `/proc/kallsyms` (see [`AttachPlan`]); struct
//! offsets come from BTF too. Kernel background: `Documentation/admin-guide/mm/zswap.rst`.
//!
//! ```no_run
//! let probe = zswap_probe::Probe::load(&zswap_probe::ProbeOptions::default())?;
//! let snap = probe.snapshot()?;
//! # Ok::<(), zswap_probe::ProbeError>(())
//! ```
//!
//! A build without the eBPF toolchain still compiles; [`PROBE_BUILD`] says so and why,
//! and [`Probe::load`] then returns [`ProbeError::NotBuilt`] naming the install script.
#![deny(missing_docs)]

mod btf;
mod built;
mod caps;
mod error;
mod events;
mod kallsyms;
mod plan;
mod probe;
mod record;
mod snapshot;

pub use btf::{Btf, BtfError, FuncSig, ReturnType};
pub use built::{INSTALL_SCRIPT, PROBE_BUILD, PROBE_VERSION_LINE, ProbeBuild};
pub use error::{ProbeError, Result};
pub use events::{EventStream, ProbeEvent, SwapSlot};
pub use kallsyms::KernelSymbols;
pub use plan::{AttachPlan, Hook, MemcgOffsets, Role, plan};
pub use probe::{Attached, Mechanism, Probe, ProbeOptions, ProgramCost, Skipped, probe_built};
pub use snapshot::{CgroupTotals, Counters, LatencyHistogram, ProbeSnapshot};
