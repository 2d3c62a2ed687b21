//! zswapctl's integration tests: one binary, one module per area.

mod fixtures;
mod host_status;
mod util;
