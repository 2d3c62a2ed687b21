//! zswap-top's integration tests: one binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)] // test code builds fixture trees directly

mod panic;
mod render;
mod support;
