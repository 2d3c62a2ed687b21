//! The eBPF latency histograms, when a probe is available. The dashboard does not load a
//! probe itself: the caller hands it a [`ProbeSource`] (the zswap-probe loader adapts to
//! it) or the reason there is none, and the panel shows either.

use zswap_core::trace::Op;
use zswap_probe::LatencyHistogram;

/// The calls of one operation that ended one way, timed: a row of the latency panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpLatency {
    /// What was timed.
    pub op: Op,
    /// How long the calls with this outcome took, cumulative since the probe was loaded.
    pub histogram: LatencyHistogram,
}

impl OpLatency {
    /// The row's label, `<op> <outcome>` (e.g. `store ok`).
    pub fn label(&self) -> String {
        format!("{} {}", self.op.name(), self.histogram.outcome.name())
    }
}

/// Where the latency histograms come from, read once per refresh on the collector
/// thread.
pub trait ProbeSource: Send {
    /// The histograms so far, or why they cannot be read now (a sentence for people).
    fn read(&mut self) -> Result<Vec<OpLatency>, String>;
}

/// What the latency panel shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeStatus {
    /// No probe: why (shown as `probe not loaded: <reason>`).
    NotLoaded(String),
    /// The probe is loaded and these are its histograms.
    Loaded(Vec<OpLatency>),
}
