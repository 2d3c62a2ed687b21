//! Deterministic pages for zswap tests, workloads and benchmarks ([`pages`], the one page
//! generator), and the workloads that push them through zswap.
//!
//! The guest workload (`zswap-workload`): page `i` of a workload with seed `s` is always the
//! same 4096 bytes ([`pages::workload_page`]), so a guest can verify pages after they came
//! back from zswap and a model can predict what the kernel compressed.
//!
//! [`synthetic`] is the swapping workload of `zswapctl simulate`, shared with the model.
#![deny(missing_docs)]

pub mod pages;
pub mod synthetic;
