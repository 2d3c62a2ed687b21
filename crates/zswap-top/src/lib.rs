//! zswap-top: `zswapctl top`, a live terminal dashboard of Linux zswap
//! (`Documentation/admin-guide/mm/zswap.rst`).
//!
//! It shows the parameters, the pool against its limit with the accept threshold, the
//! compression ratio, store/load/writeback rates over time, reject reasons, incompressible
//! pages, a sortable per-cgroup table and, when an eBPF probe is available, latency
//! histograms. Where a figure cannot be read it says why instead of showing zero.
//!
//! The parts: [`App`] is the state with no drawing; [`Event`] is everything it reacts to;
//! [`draw`] renders an [`App`] into any ratatui backend (tests use `TestBackend`); a
//! collector thread reads the kernel through [`zswap_core::SysRoot`] and feeds the event
//! channel; [`run`] ties them to a real terminal and restores it on every exit, panics
//! included; [`run_json`] prints the same figures as a JSON line per reading instead.
#![deny(missing_docs)]

mod app;
mod args;
mod collector;
mod ebpf;
mod event;
mod explain;
mod format;
mod history;
mod json;
mod latency;
mod run;
mod terminal;
mod ui;

pub use app::{Action, App, AppOptions, CgroupRow, CgroupSort, Focus};
pub use args::{MAX_RATE, MIN_RATE, RateError, TopArgs, parse_rate};
pub use event::Event;
pub use format::human_bytes;
pub use latency::{OpLatency, ProbeSource, ProbeStatus};
pub use run::{TopError, TopOptions, run, run_json};
pub use ui::draw;
