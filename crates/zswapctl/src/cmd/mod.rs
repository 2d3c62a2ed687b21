//! One module per command.

pub(crate) mod admin;
pub(crate) mod analyze;
pub(crate) mod apply;
pub(crate) mod check;
pub(crate) mod generate;
pub(crate) mod get;
pub(crate) mod persist;
pub(crate) mod set;
pub(crate) mod simulate;
pub(crate) mod simulate_output;
pub(crate) mod simulate_trace;
pub(crate) mod status;
pub(crate) mod trace;
pub(crate) mod tracefile;
