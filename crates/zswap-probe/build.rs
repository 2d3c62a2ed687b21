//! Builds the eBPF programs (`ebpf/zswap-probe-ebpf`) with aya-build and leaves the object in
//! `OUT_DIR/zswap-probe` for `include_bytes_aligned!`.
//!
//! When the eBPF toolchain is absent (no nightly with rust-src, no bpf-linker) or
//! `AYA_BUILD_SKIP=1` is set, nothing is built: the crate then compiles without the object
//! and `Probe::load` reports `ProbeError::NotBuilt` with the reason given here. A toolchain
//! that is present but fails to build the programs fails the build.
#![allow(
    clippy::print_stdout,
    reason = "cargo reads build script instructions on stdout"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "a build script reads cargo's environment"
)]

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

const INSTALL: &str = "scripts/install-ebpf-toolchain.sh";

fn main() -> anyhow::Result<()> {
    println!("cargo::rustc-check-cfg=cfg(zswap_probe_built)");
    println!("cargo:rerun-if-env-changed=AYA_BUILD_SKIP");
    println!("cargo:rerun-if-env-changed=PATH");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").context("CARGO_MANIFEST_DIR")?);
    let ebpf_dir = manifest.join("../../ebpf/zswap-probe-ebpf");
    let common_dir = manifest.join("../../ebpf/zswap-probe-common");
    println!("cargo:rerun-if-changed={}", common_dir.display());
    println!("cargo:rerun-if-changed={}", ebpf_dir.display());

    if let Some(reason) = missing_toolchain() {
        println!("cargo:warning=the eBPF probe is not built: {reason}; run '{INSTALL}'");
        println!("cargo:rustc-env=ZSWAP_PROBE_NOT_BUILT={reason}");
        return Ok(());
    }
    println!("cargo:rustc-env=ZSWAP_PROBE_NOT_BUILT=");
    // aya-build runs `cargo build --package zswap-probe-ebpf` in the current directory; the
    // probe is its own workspace, so run it from there.
    env::set_current_dir(&ebpf_dir)
        .with_context(|| format!("cannot enter '{}'", ebpf_dir.display()))?;
    let root_dir = ebpf_dir
        .to_str()
        .context("the eBPF crate's path is not UTF-8")?;
    let package = aya_build::Package {
        name: "zswap-probe-ebpf",
        root_dir,
        ..Default::default()
    };
    aya_build::build_ebpf([package], aya_build::Toolchain::Nightly)
        .context("building the eBPF probe failed")?;
    println!("cargo:rustc-cfg=zswap_probe_built");
    Ok(())
}

/// Why the probe cannot be built here, or `None` if it can.
fn missing_toolchain() -> Option<String> {
    if let Some(v) = env::var_os("AYA_BUILD_SKIP")
        && (v == "1" || v.eq_ignore_ascii_case("true"))
    {
        return Some("AYA_BUILD_SKIP is set".into());
    }
    let sysroot = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--print", "sysroot"])
        .output();
    let sysroot = match sysroot {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Ok(_) => return Some("no nightly toolchain ('rustup run nightly rustc' failed)".into()),
        Err(e) => return Some(format!("rustup is not available ({e})")),
    };
    let core_src = Path::new(&sysroot).join("lib/rustlib/src/rust/library/core");
    if !core_src.is_dir() {
        return Some("the nightly toolchain has no rust-src component".into());
    }
    match Command::new("bpf-linker").arg("--version").output() {
        Ok(out) if out.status.success() => None,
        Ok(_) => Some("bpf-linker does not run ('bpf-linker --version' failed)".into()),
        Err(_) => Some("bpf-linker is not installed".into()),
    }
}
