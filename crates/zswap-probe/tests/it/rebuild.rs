//! A build made before the eBPF toolchain was installed must embed the probe on
//! the next build once the toolchain is there, without `cargo clean` and with `PATH`
//! unchanged. The toolchain's presence is stood in for by a directory on `PATH` that gains a
//! link to the real `bpf-linker` between two builds (as `cargo install bpf-linker` adds it to
//! `~/.cargo/bin`). Builds only `examples/probe-build.rs`, in its own target directory kept
//! under cargo's `target/tmp` so that later runs are incremental.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)] // test helpers panic with context; read PATH

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use zswap_testkit::host;

/// Every directory of `PATH` that holds a `bpf-linker`, and the first such linker.
fn linker_dirs(path: &OsString) -> (Vec<PathBuf>, Option<PathBuf>) {
    let dirs: Vec<PathBuf> = std::env::split_paths(path)
        .filter(|d| d.join("bpf-linker").is_file())
        .collect();
    let first = dirs.first().map(|d| d.join("bpf-linker"));
    (dirs, first)
}

/// `PATH` without any `bpf-linker`: `bin` first, holding links to every other program of
/// the dropped directories (cargo and rustup live beside the linker in `~/.cargo/bin`).
fn path_without_linker(path: &OsString, bin: &Path) -> OsString {
    let (dropped, _) = linker_dirs(path);
    for dir in &dropped {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name != "bpf-linker" && !bin.join(&name).exists() {
                std::os::unix::fs::symlink(entry.path(), bin.join(&name)).unwrap();
            }
        }
    }
    let kept = std::env::split_paths(path).filter(|d| !dropped.contains(d));
    std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(kept)).unwrap()
}

/// Builds and runs the example with `PATH` = `path`; its output.
fn build_and_run(path: &OsString, target: &Path) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "-p",
            "zswap-probe",
            "--example",
            "probe-build",
        ])
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("AYA_BUILD_SKIP")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo run failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn regress_21_toolchain_installed_after_a_build_is_picked_up_without_clean() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let (_, linker) = linker_dirs(&path);
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !host::require(
        "the eBPF toolchain (scripts/install-ebpf-toolchain.sh)",
        linker.is_some() && nightly,
    ) {
        return;
    }
    let linker = linker.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("probe-rebuild");
    let path = path_without_linker(&path, &bin);

    // 1. built before the toolchain is complete: probe-less, and it says why and what to run
    let before = build_and_run(&path, &target);
    assert!(
        before.starts_with(
            "eBPF probe: not built (bpf-linker is not installed); \
             run scripts/install-ebpf-toolchain.sh and rebuild"
        ),
        "{before}"
    );
    assert!(
        before.contains("load: the probe was not built (bpf-linker is not installed)")
            && before.contains("'scripts/install-ebpf-toolchain.sh'"),
        "{before}"
    );

    // 2. the linker lands in a directory already on PATH; PATH itself stays the same
    std::os::unix::fs::symlink(&linker, bin.join("bpf-linker")).unwrap();

    // 3. the next build embeds the probe
    let after = build_and_run(&path, &target);
    assert_eq!(after.trim_end(), "eBPF probe: built in", "{after}");
}
