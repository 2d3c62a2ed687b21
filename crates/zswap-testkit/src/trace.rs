//! Trace fixtures: the header a probe writes, for tests of the trace format and of what
//! reads traces.

use zswap_core::ZswapInterface;
use zswap_core::trace::{TRACE_FORMAT, TRACE_VERSION, TraceHeader};

/// The header `zswapctl trace --record` writes on a 64 MiB (16384-page) Debian 13 guest with
/// the 6.12 kernel and default settings: lzo, `max_pool_percent` 20,
/// `accept_threshold_percent` 90, shrinker off. Vary it with struct update syntax
/// (`TraceHeader { kernel: …, ..trace_header() }`).
pub fn trace_header() -> TraceHeader {
    TraceHeader {
        format: TRACE_FORMAT.into(),
        version: TRACE_VERSION,
        kernel: "6.12.117+deb13-amd64".into(),
        era: ZswapInterface::Folio,
        page_size: 4096,
        clock: "monotonic".into(),
        hooks: vec!["store:zswap_store:fentry".into()],
        compressor: Some("lzo".into()),
        max_pool_percent: Some(20),
        accept_threshold_percent: Some(90),
        shrinker_enabled: Some(false),
        ram_pages: Some(16384),
    }
}

/// [`trace_header`] without the settings a trace may lack (older recordings), for `kernel`
/// of interface `era` hooked at `hooks`.
pub fn bare_trace_header(kernel: &str, era: ZswapInterface, hooks: &[&str]) -> TraceHeader {
    TraceHeader {
        kernel: kernel.into(),
        era,
        hooks: hooks.iter().map(|h| (*h).to_owned()).collect(),
        compressor: None,
        max_pool_percent: None,
        accept_threshold_percent: None,
        shrinker_enabled: None,
        ram_pages: None,
        ..trace_header()
    }
}
