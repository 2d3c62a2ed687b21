//! zswapctl's integration tests: one binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)] // test code reads the trees directly to check the tool against them

mod admin_trees;
mod analyze;
mod analyze_cost;
mod analyze_zram;
mod cli_gen;
mod docs;
mod fixtures;
mod host_admin;
mod host_status;
mod host_trace;
mod json_shapes;
mod messages;
mod params_lock;
mod persist_check;
mod probe_build;
mod simulate;
mod top_json;
mod top_tmux;
mod trace_totals;
mod util;
mod zram_check;
mod zram_status;
