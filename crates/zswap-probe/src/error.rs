//! Why the probe could not be loaded or read. Every message says what to do about it.

use std::io;
use std::path::PathBuf;

use crate::btf::BtfError;

/// Result of the probe loader.
pub type Result<T, E = ProbeError> = std::result::Result<T, E>;

/// What went wrong loading, attaching or reading the probe.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// This build carries no eBPF object.
    #[error(
        "the probe was not built ({reason}): install the eBPF toolchain with \
         'scripts/install-ebpf-toolchain.sh' and rebuild"
    )]
    NotBuilt {
        /// Why the build script skipped it.
        reason: String,
    },
    /// The effective capability set lacks what loading the probe takes.
    #[error(
        "loading the probe needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), and uid '{euid}' \
         lacks '{missing}' in its effective set: run as root, or grant them (systemd: \
         AmbientCapabilities=CAP_BPF CAP_PERFMON)"
    )]
    MissingCapabilities {
        /// The effective uid (for the message only: the decision is made on capabilities).
        euid: u32,
        /// The missing capabilities, comma-separated.
        missing: String,
    },
    /// The kernel's BTF could not be read.
    #[error(
        "cannot read the kernel's btf '{}': {source}: the probe needs a kernel built with \
         CONFIG_DEBUG_INFO_BTF=y",
        path.display()
    )]
    NoBtf {
        /// The BTF file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The kernel's BTF is malformed or of an unsupported kind.
    #[error("cannot parse the kernel's btf '{}': {source}", path.display())]
    BadBtf {
        /// The BTF file.
        path: PathBuf,
        /// What was wrong.
        source: BtfError,
    },
    /// `/proc/kallsyms` could not be read.
    #[error("cannot read kernel symbols '{}': {source}", path.display())]
    Kallsyms {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: zswap_core::Error,
    },
    /// Neither era's store function exists.
    #[error(
        "this kernel has no zswap functions to probe (looked for '{looked_for}' in btf and \
         kallsyms): it is built without CONFIG_ZSWAP, or the functions were inlined"
    )]
    NoZswapSymbols {
        /// The names looked for, comma-separated.
        looked_for: String,
    },
    /// The eBPF object was rejected as a whole (maps, BTF, globals).
    #[error(
        "the kernel rejected the probe's eBPF object: {detail}: check 'dmesg' and the kernel's bpf support"
    )]
    Object {
        /// aya's error text.
        detail: String,
    },
    /// The kernel refused the tracing programs with EPERM, and kprobes are not available.
    #[error(
        "this kernel refuses BPF tracing: attaching fentry/fexit to '{function}' failed with \
         EPERM ({detail}) and {kprobes}: zswap can only be observed through its counters here \
         (kernel lockdown or a security module forbids tracing; try a kernel without them)"
    )]
    TracingRefused {
        /// The function whose attachment failed first.
        function: String,
        /// The kernel's error text.
        detail: String,
        /// What the kprobe fallback found.
        kprobes: String,
    },
    /// A program could not be attached by any mechanism, for another reason.
    #[error("cannot attach the probe to '{function}': {detail}")]
    Attach {
        /// The kernel function.
        function: String,
        /// Every attempt, with the kernel's answer.
        detail: String,
    },
    /// A map of the object is missing or has an unexpected type.
    #[error("cannot use the probe's map '{name}': {detail}")]
    Map {
        /// The map name.
        name: &'static str,
        /// aya's error text.
        detail: String,
    },
    /// Waiting for events failed.
    #[error("cannot wait for probe events: {source}")]
    Poll {
        /// The I/O error from poll(2).
        source: io::Error,
    },
}
