//! zswapctl's integration tests: one binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)] // test code reads the trees directly to check the tool against them

mod fixtures;
mod host_status;
mod top_tmux;
mod util;
