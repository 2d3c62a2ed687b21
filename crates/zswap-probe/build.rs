//! Builds the eBPF programs (`ebpf/zswap-probe-ebpf`) with aya-build and leaves the object in
//! `OUT_DIR/zswap-probe` for `include_bytes_aligned!`.
//!
//! When the eBPF toolchain is absent (no nightly with rust-src, no bpf-linker) or
//! `AYA_BUILD_SKIP=1` is set, nothing is built: the crate then compiles without the object
//! and `zswap_probe::PROBE_BUILD` carries the reason given here. A toolchain that is present
//! but fails to build the programs fails the build.
//!
//! The script reruns when the toolchain's presence may have changed, so a build made before
//! `scripts/install-ebpf-toolchain.sh` picks the probe up on the next build,
//! for every target (the musl guests of `cargo xtask vmtest` too): it watches the resolved
//! `bpf-linker` (or, while there is none, every directory on `PATH`, where an install adds
//! one), the nightly toolchain's component list (rust-src), and a stamp the install script
//! touches (covers a nightly toolchain installed later).
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

    watch_toolchain();
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

/// Tells cargo to rerun this script when the toolchain may have come or gone. Cargo compares
/// the mtimes of these paths (a directory: of everything in it) with its last run; a watched
/// path that does not exist would rerun the script on every build, so only existing ones are
/// named.
fn watch_toolchain() {
    let path = env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = env::split_paths(&path).filter(|d| d.is_dir()).collect();
    match dirs
        .iter()
        .map(|d| d.join("bpf-linker"))
        .find(|p| p.is_file())
    {
        Some(linker) => watch(&linker),
        // an install adds the linker to one of these directories, changing its mtime
        None => dirs.iter().for_each(|d| watch(d)),
    }
    if let Some(sysroot) = nightly_sysroot() {
        // rustup rewrites this list when rust-src is added or removed
        let components = Path::new(&sysroot).join("lib/rustlib/components");
        if components.is_file() {
            watch(&components);
        }
    }
    if let Some(stamp) = install_stamp() {
        watch(&stamp);
    }
}

fn watch(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
}

/// The stamp `scripts/install-ebpf-toolchain.sh` touches when it has finished:
/// `${XDG_CACHE_HOME:-$HOME/.cache}/zswap-tools/ebpf-toolchain.stamp`, created empty here
/// when missing so that cargo can watch it. `None` when it cannot be created (no home).
fn install_stamp() -> Option<PathBuf> {
    let cache = env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let stamp = cache.join("zswap-tools/ebpf-toolchain.stamp");
    if !stamp.is_file() {
        let dir = stamp.parent()?;
        std::fs::create_dir_all(dir).ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&stamp)
            .ok()?;
    }
    Some(stamp)
}

/// The nightly toolchain's sysroot, if rustup has one.
fn nightly_sysroot() -> Option<String> {
    let out = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--print", "sysroot"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
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
