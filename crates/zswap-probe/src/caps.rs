//! Whether this process may load and attach the probe, decided from its effective
//! capabilities rather than its uid: a service can run as its own user with `CAP_BPF` and
//! `CAP_PERFMON` granted by systemd's `AmbientCapabilities=` (see `deploy/systemd/README.md`).
//!
//! Since Linux 5.8, loading tracing programs and creating their maps takes `CAP_BPF`, and
//! attaching them (fentry, kprobe via perf) and reading kernel memory takes `CAP_PERFMON`;
//! `CAP_SYS_ADMIN` still implies both, and is the only way on older kernels.

use caps::{CapSet, Capability, CapsHashSet};

/// The capabilities the probe needs that the effective set `eff` lacks, by name; empty if
/// and only if the probe may be loaded (`CAP_BPF` and `CAP_PERFMON`, or `CAP_SYS_ADMIN`).
pub(crate) fn missing(eff: &CapsHashSet) -> Vec<&'static str> {
    if eff.contains(&Capability::CAP_SYS_ADMIN) {
        return Vec::new();
    }
    [
        (Capability::CAP_BPF, "CAP_BPF"),
        (Capability::CAP_PERFMON, "CAP_PERFMON"),
    ]
    .into_iter()
    .filter(|(cap, _)| !eff.contains(cap))
    .map(|(_, name)| name)
    .collect()
}

/// This thread's effective capability set.
pub(crate) fn effective() -> Result<CapsHashSet, caps::errors::CapsError> {
    caps::read(None, CapSet::Effective)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(caps: &[Capability]) -> CapsHashSet {
        caps.iter().copied().collect()
    }

    #[test]
    fn bpf_and_perfmon_are_enough() {
        assert!(missing(&set(&[Capability::CAP_BPF, Capability::CAP_PERFMON])).is_empty());
    }

    #[test]
    fn sys_admin_alone_is_enough() {
        assert!(missing(&set(&[Capability::CAP_SYS_ADMIN])).is_empty());
    }

    #[test]
    fn bpf_alone_lacks_perfmon() {
        assert_eq!(missing(&set(&[Capability::CAP_BPF])), ["CAP_PERFMON"]);
    }

    #[test]
    fn empty_set_lacks_both() {
        assert_eq!(missing(&set(&[])), ["CAP_BPF", "CAP_PERFMON"]);
    }

    #[test]
    fn this_process_can_be_asked() {
        assert!(effective().is_ok());
    }
}
