//! Integration tests of the zswap-exporter binary: golden output, the HTTP server, promtool
//! and a real Prometheus, robustness and memory, the live host (root), and `deploy/`.

mod common;
mod golden;
mod prometheus;
mod robustness;
mod server;
