//! Which era's rules ([`KernelEra`]) a kernel follows: the running (or captured) kernel's,
//! from what its zswap exposes (`same_filled_pages_enabled` exists only in the 6.1 profile,
//! `zpool` only up to 6.17, docs/kernel-notes.md §1.1; otherwise the release decides), or a
//! recorded trace's, from its header's kernel release.

use zswap_core::KernelEra;
use zswap_core::params::PARAMS_DIR;
use zswap_core::trace::TraceHeader;
use zswap_core::{KernelRelease, SysRoot, read_release};

/// The era found and how it was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEra {
    /// The era profile.
    pub era: KernelEra,
    /// How it was decided, for messages.
    pub evidence: String,
}

/// The era of the kernel below `root`, or None when nothing tells it (no zswap parameters
/// and a release outside the modelled ones).
pub fn detect_era(root: &SysRoot) -> Option<ResolvedEra> {
    let params = root.sys(PARAMS_DIR);
    if root.exists(&params.join("same_filled_pages_enabled")) {
        return Some(ResolvedEra {
            era: KernelEra::V6_1,
            evidence: "zswap has same_filled_pages_enabled (6.1 profile)".to_owned(),
        });
    }
    let release = read_release(root).ok().flatten();
    if root.exists(&params.join("zpool")) {
        return Some(ResolvedEra {
            era: KernelEra::V6_12,
            evidence: "zswap has a zpool parameter (6.12 profile, kernels up to 6.17)".to_owned(),
        });
    }
    let r = release?;
    let era = KernelEra::of_release(&r)?;
    Some(ResolvedEra {
        era,
        evidence: format!("kernel release '{}'", r.text),
    })
}

/// The era of the kernel a trace was recorded on, from its header's release; None when the
/// release is missing or outside the modelled ones.
pub fn trace_era(header: &TraceHeader) -> Option<ResolvedEra> {
    let era = KernelRelease::parse(&header.kernel).and_then(|r| KernelEra::of_release(&r))?;
    Some(ResolvedEra {
        era,
        evidence: format!("trace kernel '{}'", header.kernel),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_testkit::FixtureRoot;

    #[test]
    fn same_filled_means_6_1() {
        let f = FixtureRoot::new();
        f.param("same_filled_pages_enabled", "Y")
            .param("zpool", "zbud");
        assert_eq!(detect_era(&f.root()).unwrap().era, KernelEra::V6_1);
    }

    #[test]
    fn zpool_means_6_12() {
        let f = FixtureRoot::new();
        f.param("zpool", "zsmalloc");
        f.proc("sys/kernel/osrelease", "6.12.57+deb13-amd64\n");
        assert_eq!(detect_era(&f.root()).unwrap().era, KernelEra::V6_12);
    }

    #[test]
    fn otherwise_the_release() {
        let f = FixtureRoot::new();
        f.params_6_18();
        f.proc("sys/kernel/osrelease", "6.18.44-fc-v595\n");
        assert_eq!(detect_era(&f.root()).unwrap().era, KernelEra::V6_18);
        let g = FixtureRoot::new();
        g.proc("sys/kernel/osrelease", "6.6.1\n");
        assert_eq!(detect_era(&g.root()), None);
    }

    #[test]
    fn a_trace_tells_its_era_by_its_kernel_release() {
        let header = |kernel: &str| {
            zswap_testkit::trace::bare_trace_header(kernel, zswap_core::ZswapInterface::Folio, &[])
        };
        let r = trace_era(&header("6.12.117+deb13-amd64")).unwrap();
        assert_eq!(r.era, KernelEra::V6_12);
        assert_eq!(r.evidence, "trace kernel '6.12.117+deb13-amd64'");
        assert_eq!(trace_era(&header("6.6.1")), None);
        assert_eq!(trace_era(&header("")), None);
    }
}
