//! Host prerequisites of the kernel matrix, installed when missing: QEMU, static busybox, the
//! tools that unpack kernel packages and modules, and Rust's musl target for guest binaries.
//! Each install is printed before it runs.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::initramfs::BUSYBOX;

/// The musl target guest binaries are built for.
pub(crate) const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";

/// A Debian package and how to tell it is installed.
struct Need {
    package: &'static str,
    present: fn() -> bool,
}

const NEEDS: &[Need] = &[
    // Installing qemu-system-x86 may remove qemu-img; disks are made with set_len instead.
    Need {
        package: "qemu-system-x86",
        present: || on_path("qemu-system-x86_64"),
    },
    Need {
        package: "busybox-static",
        present: || is_static_elf(Path::new(BUSYBOX)),
    },
    // crates that compile C (zstd-sys, for one) build for musl with musl-gcc.
    Need {
        package: "musl-tools",
        present: || on_path("musl-gcc"),
    },
    Need {
        package: "xz-utils",
        present: || on_path("xz"),
    },
    Need {
        package: "zstd",
        present: || on_path("zstd"),
    },
    Need {
        package: "dpkg",
        present: || on_path("dpkg-deb"),
    },
    Need {
        package: "tar",
        present: || on_path("tar"),
    },
];

/// Installs whatever is missing; returns what was installed.
pub(crate) fn ensure() -> Result<Vec<String>> {
    let mut installed = Vec::new();
    let missing: Vec<&str> = NEEDS
        .iter()
        .filter(|n| !(n.present)())
        .map(|n| n.package)
        .collect();
    if !missing.is_empty() {
        say(&format!(
            "installing {} (apt-get install -y)",
            missing.join(" ")
        ));
        let mut ok = apt_install(&missing)?;
        if !ok {
            say("apt-get install failed; running apt-get update and retrying");
            let _ = Command::new("apt-get")
                .args(["-q", "update"])
                .stdout(std::io::stderr())
                .status();
            ok = apt_install(&missing)?;
        }
        if !ok {
            bail!(
                "could not install {}; install them by hand",
                missing.join(" ")
            );
        }
        installed.extend(missing.iter().map(|s| s.to_string()));
    }
    if !musl_installed()? {
        say(&format!(
            "installing the Rust target {MUSL_TARGET} (rustup target add)"
        ));
        let st = Command::new("rustup")
            .args(["target", "add", MUSL_TARGET])
            .stdout(std::io::stderr())
            .status()
            .context("running 'rustup' (install rustup, or add the musl target by hand)")?;
        if !st.success() {
            bail!("'rustup target add {MUSL_TARGET}' failed");
        }
        installed.push(MUSL_TARGET.into());
    }
    Ok(installed)
}

/// The packages whose guest binaries always need the eBPF probe (the exporter's
/// `--collector.ebpf`): built without the eBPF toolchain, their scenarios can only fail, with
/// dozens of checks and no word of why. Scenarios that run
/// `zswapctl trace` say so themselves (`Scenario::loads_probe`): zswapctl's other commands
/// work without the probe.
const PROBE_PACKAGES: &[&str] = &["zswap-exporter"];

/// The script that installs the eBPF toolchain.
pub(crate) const EBPF_INSTALL: &str = "scripts/install-ebpf-toolchain.sh";

/// Why each binary of `bins` that embeds the eBPF probe would be built without it: see
/// [`ebpf_toolchain_gap`]. The scenarios needing those binaries then fail with the reason
/// before booting, rather than with dozens of checks. They are still built, so a later
/// install heals the build (`scripts/check-probe-heals.sh`).
pub(crate) fn ebpf_toolchain_gaps<'a>(
    bins: impl IntoIterator<Item = &'a str>,
) -> Vec<(&'a str, String)> {
    let needs: Vec<&str> = bins
        .into_iter()
        .filter(|p| PROBE_PACKAGES.contains(p))
        .collect();
    if needs.is_empty() {
        return Vec::new();
    }
    match ebpf_toolchain_gap() {
        None => Vec::new(),
        Some(why) => needs.into_iter().map(|b| (b, why.clone())).collect(),
    }
}

/// Why binaries built now would lack the eBPF probe: the toolchain
/// `crates/zswap-probe/build.rs` needs (nightly with rust-src, bpf-linker) is missing or
/// `AYA_BUILD_SKIP` is set; the reason names the install script. None when they would have it.
pub(crate) fn ebpf_toolchain_gap() -> Option<String> {
    #[allow(clippy::disallowed_methods)] // the same switch the probe's build script reads
    let skip =
        std::env::var("AYA_BUILD_SKIP").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    ebpf_missing(skip, nightly_has_rust_src(), on_path("bpf-linker")).map(gap_reason)
}

/// The failure reason of a scenario whose binary would lack the probe for `why`.
fn gap_reason(why: &str) -> String {
    format!(
        "it was built without the eBPF probe ({why}): install the toolchain with \
         '{EBPF_INSTALL}' (about 2 minutes) and run again"
    )
}

/// Why the probe would not be built, from what was found.
fn ebpf_missing(skip: bool, rust_src: bool, linker: bool) -> Option<&'static str> {
    if skip {
        Some("AYA_BUILD_SKIP is set")
    } else if !rust_src {
        Some("there is no nightly toolchain with the rust-src component")
    } else if !linker {
        Some("'bpf-linker' is not on PATH")
    } else {
        None
    }
}

/// True if and only if rustup's nightly toolchain has its library sources (rust-src).
fn nightly_has_rust_src() -> bool {
    Command::new("rustup")
        .args(["run", "nightly", "rustc", "--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .is_some_and(|o| {
            Path::new(String::from_utf8_lossy(&o.stdout).trim())
                .join("lib/rustlib/src/rust/library/core")
                .is_dir()
        })
}

pub(crate) fn apt_install(pkgs: &[&str]) -> Result<bool> {
    let st = Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        // another apt (fieldtest installs its tools while dist installs musl-tools) waits
        // for the lock instead of failing
        .args(["-o", "DPkg::Lock::Timeout=600"])
        .args(pkgs)
        .env("DEBIAN_FRONTEND", "noninteractive")
        // Keep stdout for the verdict lines: apt's progress goes to stderr.
        .stdout(std::io::stderr())
        .status()
        .context("running 'apt-get install' (needs root)")?;
    Ok(st.success())
}

fn musl_installed() -> Result<bool> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running 'rustup target list'")?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == MUSL_TARGET))
}

fn on_path(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// True if and only if `path` is an ELF64 executable without a `PT_INTERP` program header
/// (a dynamic busybox would not run in the initramfs, which has no libc).
pub(crate) fn is_static_elf(path: &Path) -> bool {
    #[allow(clippy::disallowed_methods)] // an executable's headers, not a kernel attribute
    std::fs::read(path)
        .map(|b| elf_is_static(&b))
        .unwrap_or(false)
}

fn elf_is_static(b: &[u8]) -> bool {
    let u16_at = |o: usize| {
        b.get(o..o + 2)
            .map(|x| u16::from_le_bytes([x[0], x[1]]) as usize)
    };
    let u32_at = |o: usize| {
        b.get(o..o + 4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
    };
    let u64_at = |o: usize| {
        b.get(o..o + 8).map(|x| {
            let mut a = [0u8; 8];
            a.copy_from_slice(x);
            u64::from_le_bytes(a) as usize
        })
    };
    if b.get(..5) != Some(b"\x7fELF\x02") {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    const PT_INTERP: u32 = 3;
    (0..phnum).all(|i| u32_at(phoff + i * phentsize).is_some_and(|t| t != PT_INTERP))
}

#[allow(clippy::print_stderr)] // xtask progress
fn say(msg: &str) {
    eprintln!("vmtest: {msg}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf_with_phdrs(types: &[u32]) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        b[..5].copy_from_slice(b"\x7fELF\x02");
        b[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        b[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        b[0x38..0x3a].copy_from_slice(&(types.len() as u16).to_le_bytes());
        for t in types {
            let mut ph = [0u8; 56];
            ph[..4].copy_from_slice(&t.to_le_bytes());
            b.extend_from_slice(&ph);
        }
        b
    }

    #[test]
    fn elf_without_interp_is_static() {
        assert!(elf_is_static(&elf_with_phdrs(&[1, 1, 4])));
    }

    #[test]
    fn elf_with_interp_is_dynamic() {
        assert!(!elf_is_static(&elf_with_phdrs(&[6, 3, 1])));
    }

    #[test]
    fn ebpf_toolchain_gaps_are_named() {
        assert_eq!(ebpf_missing(false, true, true), None);
        assert_eq!(
            ebpf_missing(true, true, true),
            Some("AYA_BUILD_SKIP is set")
        );
        assert_eq!(
            ebpf_missing(false, false, true),
            Some("there is no nightly toolchain with the rust-src component")
        );
        assert_eq!(
            ebpf_missing(false, true, false),
            Some("'bpf-linker' is not on PATH")
        );
    }

    #[test]
    fn scenarios_without_the_probe_need_no_toolchain() {
        // whatever this machine has: nothing to build with the probe, nothing to require
        assert!(ebpf_toolchain_gaps(["zswapctl", "zswap-workload", "xtask"]).is_empty());
    }

    #[test]
    fn a_gap_names_the_install_script() {
        let r = gap_reason("'bpf-linker' is not on PATH");
        assert!(r.contains("('bpf-linker' is not on PATH)"), "{r}");
        assert!(r.contains("'scripts/install-ebpf-toolchain.sh'"), "{r}");
    }

    #[test]
    fn install_script_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        assert!(root.join(EBPF_INSTALL).is_file());
    }

    #[test]
    fn non_elf_is_not_static() {
        assert!(!elf_is_static(b"#!/bin/sh\n"));
    }
}
