//! Integration tests of the zswap-exporter binary: golden output, the HTTP server, promtool
//! and a real Prometheus, robustness and memory, the live host (root), and `deploy/`.
// Helpers outside #[test] fns are test code too: they panic with the failure's context.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::disallowed_methods)] // test support reads fixtures, the environment and /proc

mod common;
mod deploy;
mod docs;
mod golden;
mod kubepods;
mod layout;
mod live;
mod live_zram;
mod probe_build;
mod process;
mod prometheus;
mod reference;
mod robustness;
mod server;
mod webconfig_parity;
