//! Whether this build carries the eBPF object, and if not why: the one answer every binary
//! gives (`--version`, `zswapctl trace`, `zswap-exporter --collector.ebpf`). The build script
//! (`crates/zswap-probe/build.rs`) decides it and passes the reason in
//! `ZSWAP_PROBE_NOT_BUILT`.

use std::fmt;

/// The script that installs the eBPF toolchain, relative to the repository's top.
macro_rules! install_script {
    () => {
        "scripts/install-ebpf-toolchain.sh"
    };
}

/// The script that installs the eBPF toolchain (nightly with rust-src, bpf-linker), relative
/// to the repository's top. A rebuild after running it embeds the probe.
pub const INSTALL_SCRIPT: &str = install_script!();

/// Whether the eBPF object is built into this binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeBuild {
    /// The object is embedded; [`crate::Probe::load`] can load it.
    BuiltIn,
    /// The build script skipped the object.
    NotBuilt {
        /// Why, as the build script found it (e.g. `bpf-linker is not installed`).
        reason: &'static str,
    },
}

/// This build's answer.
#[cfg(zswap_probe_built)]
pub const PROBE_BUILD: ProbeBuild = ProbeBuild::BuiltIn;
/// This build's answer.
#[cfg(not(zswap_probe_built))]
pub const PROBE_BUILD: ProbeBuild = ProbeBuild::NotBuilt {
    reason: env!("ZSWAP_PROBE_NOT_BUILT"),
};

/// The line binaries add to their `--version`: `eBPF probe: built in`, or
/// `eBPF probe: not built (<reason>); run scripts/install-ebpf-toolchain.sh and rebuild`.
#[cfg(zswap_probe_built)]
pub const PROBE_VERSION_LINE: &str = "eBPF probe: built in";
/// The line binaries add to their `--version`: `eBPF probe: built in`, or
/// `eBPF probe: not built (<reason>); run scripts/install-ebpf-toolchain.sh and rebuild`.
#[cfg(not(zswap_probe_built))]
pub const PROBE_VERSION_LINE: &str = concat!(
    "eBPF probe: not built (",
    env!("ZSWAP_PROBE_NOT_BUILT"),
    "); run ",
    install_script!(),
    " and rebuild"
);

impl ProbeBuild {
    /// True if and only if the object is embedded.
    pub const fn is_built(self) -> bool {
        matches!(self, ProbeBuild::BuiltIn)
    }

    /// Why the object is missing, or `None` when it is built in.
    pub const fn not_built_reason(self) -> Option<&'static str> {
        match self {
            ProbeBuild::BuiltIn => None,
            ProbeBuild::NotBuilt { reason } => Some(reason),
        }
    }
}

/// `built in`, or `not built (<reason>); run scripts/install-ebpf-toolchain.sh and rebuild`.
impl fmt::Display for ProbeBuild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeBuild::BuiltIn => f.write_str("built in"),
            ProbeBuild::NotBuilt { reason } => {
                write!(f, "not built ({reason}); run {INSTALL_SCRIPT} and rebuild")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_line_agrees_with_the_build() {
        assert_eq!(PROBE_VERSION_LINE, format!("eBPF probe: {PROBE_BUILD}"));
    }

    #[test]
    fn not_built_names_reason_and_script() {
        let b = ProbeBuild::NotBuilt {
            reason: "bpf-linker is not installed",
        };
        assert!(!b.is_built());
        assert_eq!(b.not_built_reason(), Some("bpf-linker is not installed"));
        assert_eq!(
            b.to_string(),
            "not built (bpf-linker is not installed); run scripts/install-ebpf-toolchain.sh and rebuild"
        );
    }

    #[test]
    fn built_in_has_no_reason() {
        assert!(ProbeBuild::BuiltIn.is_built());
        assert_eq!(ProbeBuild::BuiltIn.not_built_reason(), None);
        assert_eq!(ProbeBuild::BuiltIn.to_string(), "built in");
    }
}
