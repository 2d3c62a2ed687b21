//! The eBPF latency histograms, when a probe is available. The dashboard does not load a
//! probe itself: the caller hands it a [`ProbeSource`] (the zswap-probe loader adapts to
//! it) or the reason there is none, and the panel shows either.

/// One log2 latency histogram: `buckets[b]` counts calls that took `[2^(b-1), 2^b)` ns
/// (`buckets[0]`: under 1 ns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyHistogram {
    /// What was timed, e.g. `store ok` or `load ok`.
    pub label: String,
    /// Counts per log2 bucket, cumulative since the probe was loaded.
    pub buckets: Vec<u64>,
}

impl LatencyHistogram {
    /// Calls counted.
    pub fn total(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// The upper bound in ns of the bucket holding quantile `q` (0..=1), or `None` if
    /// nothing was counted.
    pub fn quantile_ns(&self, q: f64) -> Option<u64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let want = ((total as f64) * q.clamp(0.0, 1.0)).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (b, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= want {
                return Some(bucket_high_ns(b));
            }
        }
        Some(bucket_high_ns(self.buckets.len().saturating_sub(1)))
    }
}

/// The exclusive upper bound in ns of log2 bucket `b`.
pub(crate) fn bucket_high_ns(b: usize) -> u64 {
    1u64.checked_shl(u32::try_from(b).unwrap_or(u32::MAX))
        .unwrap_or(u64::MAX)
}

/// Where the latency histograms come from, read once per refresh on the collector
/// thread.
pub trait ProbeSource: Send {
    /// The histograms so far, or why they cannot be read now (a sentence for people).
    fn read(&mut self) -> Result<Vec<LatencyHistogram>, String>;
}

/// What the latency panel shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeStatus {
    /// No probe: why (shown as `probe not loaded: <reason>`).
    NotLoaded(String),
    /// The probe is loaded and these are its histograms.
    Loaded(Vec<LatencyHistogram>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(buckets: &[u64]) -> LatencyHistogram {
        LatencyHistogram {
            label: "store ok".into(),
            buckets: buckets.to_vec(),
        }
    }

    #[test]
    fn quantiles_are_bucket_upper_bounds() {
        // 10 calls in [512, 1024) ns, 90 in [1024, 2048), 1 in [8192, 16384)
        let mut b = vec![0; 16];
        b[10] = 10;
        b[11] = 89;
        b[14] = 1;
        let h = hist(&b);
        assert_eq!(h.total(), 100);
        assert_eq!(h.quantile_ns(0.05), Some(1024));
        assert_eq!(h.quantile_ns(0.5), Some(2048));
        assert_eq!(h.quantile_ns(1.0), Some(16384));
    }

    #[test]
    fn empty_histogram_has_no_quantile() {
        assert_eq!(hist(&[0, 0, 0]).quantile_ns(0.5), None);
    }

    #[test]
    fn bucket_bounds_do_not_overflow() {
        assert_eq!(bucket_high_ns(0), 1);
        assert_eq!(bucket_high_ns(10), 1024);
        assert_eq!(bucket_high_ns(64), u64::MAX);
    }
}
