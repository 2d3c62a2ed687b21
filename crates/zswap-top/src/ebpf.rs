//! The eBPF probe (`crates/zswap-probe`) as the latency panel's [`ProbeSource`]: store and
//! load latency histograms, by outcome, summed over CPUs since the probe was attached.

use zswap_core::SysRoot;
use zswap_core::trace::Op;
use zswap_probe::{LatencyHistogram, Probe, ProbeOptions, ProbeSnapshot};

use crate::latency::{OpLatency, ProbeSource};

/// The attached probe; detached when dropped (when the dashboard ends).
struct EbpfProbe(Probe);

impl ProbeSource for EbpfProbe {
    fn read(&mut self) -> Result<Vec<OpLatency>, String> {
        self.0
            .snapshot()
            .map(|s| histograms(&s))
            .map_err(|e| e.to_string())
    }
}

/// The snapshot's histograms, stores first, each with its operation.
pub(crate) fn histograms(s: &ProbeSnapshot) -> Vec<OpLatency> {
    let timed = |op: Op, h: &LatencyHistogram| OpLatency {
        op,
        histogram: h.clone(),
    };
    s.store_latency
        .iter()
        .map(|h| timed(Op::Store, h))
        .chain(s.load_latency.iter().map(|h| timed(Op::Load, h)))
        .collect()
}

/// Loads and attaches the probe to the running kernel, or says why not. A `--root` tree
/// is not the running kernel, so the probe is not loaded for one.
pub(crate) fn load(root: &SysRoot) -> Result<Box<dyn ProbeSource>, String> {
    if !root.is_host() {
        return Err("the probe watches the running kernel, not a --root tree".into());
    }
    Probe::load(&ProbeOptions::default())
        .map(|p| Box::new(EbpfProbe(p)) as Box<dyn ProbeSource>)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use zswap_probe_common::LATENCY_BUCKETS;

    use super::*;

    #[test]
    fn histograms_are_labelled_by_op_and_outcome() {
        let n = LATENCY_BUCKETS as usize;
        // outcome 0 (ok) and 1 (rejected) of stores; outcome 0 of loads
        let mut store = vec![0u64; n * 9];
        store[10] = 5;
        store[n + 12] = 2;
        let mut load = vec![0u64; n * 9];
        load[9] = 7;
        let snap = ProbeSnapshot::from_raw(&store, &load, &[], &[], BTreeMap::new());
        let h = histograms(&snap);
        let labels: Vec<String> = h.iter().map(OpLatency::label).collect();
        assert_eq!(labels, ["store ok", "store rejected", "load ok"]);
        assert_eq!(h[0].histogram.total(), 5);
        assert_eq!(h[0].histogram.quantile_ns(0.5), Some(1024));
        assert_eq!(h[2].histogram.total(), 7);
    }

    #[test]
    fn a_tree_is_not_probed() {
        let err = load(&SysRoot::at("/tmp/tree")).err().unwrap();
        assert!(err.contains("--root"), "{err}");
    }
}
