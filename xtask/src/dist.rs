//! `cargo xtask dist`: the release tarball and the Debian package, into `target/dist/`.
//!
//! Both carry static musl binaries (built the way vmtest builds its guest binaries, see
//! `vm/guest_bins.rs`) with the eBPF probe embedded: a build whose `--version` does not say
//! the probe is built in is refused. The package is assembled with `dpkg-deb` from the files
//! in `deploy/debian/` rather than with cargo-deb, so that the tarball and the package are
//! made from one staged tree by one program, and no extra cargo tool has to be installed.
#![allow(clippy::disallowed_methods)] // a packaging tool: reads and writes the repository

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::units::UNITS;
use crate::vm::guest_bins;
use crate::vm::scenario::GuestBin;

const BINS: [GuestBin; 2] = [
    GuestBin {
        package: "zswapctl",
        bin: "zswapctl",
    },
    GuestBin {
        package: "zswap-exporter",
        bin: "zswap-exporter",
    },
];

/// What `--version` prints when the probe is embedded (crates/zswap-probe/src/built.rs).
const PROBE_BUILT_IN: &str = "eBPF probe: built in";

/// The workspace version (the tarball's and the package's).
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The tarball's file name.
pub(crate) fn tarball_name() -> String {
    format!("zswap-tools-{VERSION}-x86_64-linux-musl.tar.gz")
}

/// The Debian package's file name.
pub(crate) fn deb_name() -> String {
    format!("zswap-tools_{VERSION}_amd64.deb")
}

fn run(cmd: &mut Command) -> Result<Vec<u8>> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().with_context(|| format!("running {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// Fails unless `bin --version` says the probe is built in, quoting what it says instead.
fn require_probe(bin: &Path) -> Result<()> {
    let out = run(Command::new(bin).arg("--version"))?;
    let text = String::from_utf8_lossy(&out);
    if !text.contains(PROBE_BUILT_IN) {
        bail!(
            "'{}' was built without the eBPF probe ({}): a release must carry it; install the \
             toolchain with 'scripts/install-ebpf-toolchain.sh' and run 'cargo xtask dist' again",
            bin.display(),
            text.lines().nth(1).unwrap_or("no probe line").trim()
        );
    }
    Ok(())
}

/// Fails unless `file` calls `bin` statically linked.
fn require_static(bin: &Path) -> Result<()> {
    let out = run(Command::new("file").arg("-b").arg(bin))?;
    let text = String::from_utf8_lossy(&out);
    if !is_static(&text) {
        bail!(
            "'{}' is not static ('file' says '{}'): the release binaries are built for '{}'",
            bin.display(),
            text.trim(),
            crate::vm::prereq::MUSL_TARGET
        );
    }
    Ok(())
}

/// Whether `file -b` output describes a static executable (`static-pie linked` or
/// `statically linked`).
fn is_static(file_says: &str) -> bool {
    file_says.contains("static-pie linked") || file_says.contains("statically linked")
}

/// Runs lintian on the package when it is installed, and fails on any error; warnings kept are
/// listed with their reasons in deploy/debian/README.md. Under `CI=true` a missing lintian fails.
fn lintian(deb: &Path) -> Result<()> {
    if which("lintian").is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            bail!("'lintian' is not installed (CI=true): run 'scripts/setup-test-deps.sh'");
        }
        eprintln!("dist: lintian is not installed; the package was not checked");
        return Ok(());
    }
    let out = Command::new("lintian")
        .args(["--fail-on", "error"])
        .arg(deb)
        .output()
        .context("running 'lintian'")?;
    let said = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "lintian found errors in '{}':\n{}{}",
            deb.display(),
            said.trim_end(),
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    if !said.trim().is_empty() {
        eprintln!(
            "dist: lintian (warnings kept, see deploy/debian/README.md):\n{}",
            said.trim_end()
        );
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating '{}'", dir.display()))?;
    }
    fs::write(path, bytes).with_context(|| format!("writing '{}'", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the mode of '{}'", path.display()))
}

fn copy(from: &Path, to: &Path, mode: u32) -> Result<()> {
    let bytes = fs::read(from).with_context(|| format!("reading '{}'", from.display()))?;
    write(to, &bytes, mode)
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

/// The exporter's man page: its `--help` in a minimal man(7) frame (the exporter has no
/// man-page generator of its own).
fn exporter_man(help: &str) -> String {
    let body: String = help
        .lines()
        .map(|l| {
            let l = l.replace('\\', "\\e");
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    format!(
        ".TH ZSWAP-EXPORTER 1 \"\" \"zswap-tools {VERSION}\"\n.SH NAME\nzswap-exporter \\- \
         Prometheus exporter for Linux zswap\n.SH DESCRIPTION\n.nf\n{body}.fi\n"
    )
}

/// The generated documents: man pages and completions, from the built binaries.
struct Generated {
    zswapctl_man: Vec<u8>,
    exporter_man: Vec<u8>,
    bash: Vec<u8>,
    zsh: Vec<u8>,
    fish: Vec<u8>,
}

fn generate(zswapctl: &Path, exporter: &Path) -> Result<Generated> {
    let help = run(Command::new(exporter).arg("--help"))?;
    Ok(Generated {
        zswapctl_man: run(Command::new(zswapctl).arg("man"))?,
        exporter_man: exporter_man(&String::from_utf8_lossy(&help)).into_bytes(),
        bash: run(Command::new(zswapctl).args(["completions", "bash"]))?,
        zsh: run(Command::new(zswapctl).args(["completions", "zsh"]))?,
        fish: run(Command::new(zswapctl).args(["completions", "fish"]))?,
    })
}

fn stage_tarball(ws: &Path, dir: &Path, bins: &[PathBuf; 2], g: &Generated) -> Result<()> {
    copy(&bins[0], &dir.join("bin/zswapctl"), 0o755)?;
    copy(&bins[1], &dir.join("bin/zswap-exporter"), 0o755)?;
    write(&dir.join("man/man1/zswapctl.1"), &g.zswapctl_man, 0o644)?;
    write(
        &dir.join("man/man1/zswap-exporter.1"),
        &g.exporter_man,
        0o644,
    )?;
    write(&dir.join("completions/zswapctl.bash"), &g.bash, 0o644)?;
    write(&dir.join("completions/_zswapctl"), &g.zsh, 0o644)?;
    write(&dir.join("completions/zswapctl.fish"), &g.fish, 0o644)?;
    for unit in UNITS {
        copy(
            &ws.join("deploy/systemd").join(unit),
            &dir.join("systemd").join(unit),
            0o644,
        )?;
    }
    copy(
        &ws.join("deploy/zswap.yaml"),
        &dir.join("zswap.yaml.example"),
        0o644,
    )?;
    copy(
        &ws.join("deploy/debian/copyright"),
        &dir.join("COPYRIGHT"),
        0o644,
    )?;
    Ok(())
}

fn stage_deb(ws: &Path, dir: &Path, bins: &[PathBuf; 2], g: &Generated) -> Result<()> {
    let deb = ws.join("deploy/debian");
    copy(&bins[0], &dir.join("usr/bin/zswapctl"), 0o755)?;
    copy(&bins[1], &dir.join("usr/bin/zswap-exporter"), 0o755)?;
    let man = dir.join("usr/share/man/man1");
    write(&man.join("zswapctl.1.gz"), &gzip(&g.zswapctl_man)?, 0o644)?;
    write(
        &man.join("zswap-exporter.1.gz"),
        &gzip(&g.exporter_man)?,
        0o644,
    )?;
    write(
        &dir.join("usr/share/bash-completion/completions/zswapctl"),
        &g.bash,
        0o644,
    )?;
    write(
        &dir.join("usr/share/zsh/vendor-completions/_zswapctl"),
        &g.zsh,
        0o644,
    )?;
    write(
        &dir.join("usr/share/fish/vendor_completions.d/zswapctl.fish"),
        &g.fish,
        0o644,
    )?;
    for unit in UNITS {
        copy(
            &ws.join("deploy/systemd").join(unit),
            &dir.join("usr/lib/systemd/system").join(unit),
            0o644,
        )?;
    }
    copy(
        &deb.join("default-zswap-exporter"),
        &dir.join("etc/default/zswap-exporter"),
        0o644,
    )?;
    let doc = dir.join("usr/share/doc/zswap-tools");
    copy(&deb.join("copyright"), &doc.join("copyright"), 0o644)?;
    let changelog = format!(
        "zswap-tools ({VERSION}) unstable; urgency=medium\n\n  * Release {VERSION}.\n\n \
         -- zswap-tools maintainers <maintainers@users.noreply.github.com>  \
         Sat, 05 Dec 2026 00:00:00 +0000\n"
    );
    write(
        // A version without a Debian revision makes a native package, whose changelog is
        // `changelog.gz` (lintian: wrong-name-for-changelog-of-native-package).
        &doc.join("changelog.gz"),
        &gzip(changelog.as_bytes())?,
        0o644,
    )?;
    copy(
        &ws.join("deploy/zswap.yaml"),
        &doc.join("examples/zswap.yaml"),
        0o644,
    )?;
    let control = dir.join("DEBIAN");
    for script in ["postinst", "prerm", "postrm"] {
        copy(&deb.join(script), &control.join(script), 0o755)?;
    }
    copy(&deb.join("conffiles"), &control.join("conffiles"), 0o644)?;
    // `dpkg --verify` and debsums read DEBIAN/md5sums.
    let md5 = run(Command::new("sh")
        .current_dir(dir)
        .args(["-c", "find usr -type f | LC_ALL=C sort | xargs md5sum"]))?;
    write(&control.join("md5sums"), &md5, 0o644)?;
    let size_kib = dir_size(dir)?.div_ceil(1024);
    let text = fs::read_to_string(deb.join("control"))?
        .replace("@VERSION@", VERSION)
        .replace("@SIZE@", &size_kib.to_string());
    write(&control.join("control"), text.as_bytes(), 0o644)?;
    Ok(())
}

fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

/// Builds both artefacts into `<target>/dist/` and returns their paths.
pub(crate) fn dist(ws: &Path, target_dir: &Path, cargo: &str) -> Result<Vec<PathBuf>> {
    // the musl target and musl-gcc, as for the guest binaries: a fresh machine has neither
    crate::vm::prereq::ensure()?;
    for tool in ["tar", "dpkg-deb", "sha256sum", "strip", "file", "md5sum"] {
        if which(tool).is_none() {
            bail!(
                "'{tool}' is not installed: 'cargo xtask dist' needs tar, dpkg-deb, sha256sum, \
                 md5sum, strip (binutils) and file"
            );
        }
    }
    if let Some(missing) = ebpf_toolchain_missing() {
        bail!(
            "the eBPF toolchain is missing ({missing}), and a release without the probe is not \
             a release: install it with 'scripts/install-ebpf-toolchain.sh'"
        );
    }
    let wanted: BTreeSet<GuestBin> = BINS.into_iter().collect();
    let built = guest_bins::build(ws, target_dir, cargo, &wanted);
    if let Some((bin, why)) = built.failed.iter().next() {
        bail!("building '{bin}' failed: {why}");
    }
    let path = |name: &str| {
        built
            .bins
            .get(name)
            .cloned()
            .with_context(|| format!("the build left no '{name}'"))
    };
    let out = target_dir.join("dist");
    let stage = out.join("stage");
    if stage.exists() {
        fs::remove_dir_all(&stage)?;
    }
    // Stripped copies (lintian's unstripped-binary-or-object is an error): the probe's object
    // is data in the binary, not a symbol table, so `--version` is checked after stripping.
    let mut bins = [path("zswapctl")?, path("zswap-exporter")?];
    for b in &mut bins {
        let name = b.file_name().context("a binary path without a file name")?;
        let stripped = stage.join("bin").join(name);
        copy(b, &stripped, 0o755)?;
        run(Command::new("strip").arg("--strip-all").arg(&stripped))?;
        require_static(&stripped)?;
        require_probe(&stripped)?;
        *b = stripped;
    }
    let generated = generate(&bins[0], &bins[1])?;
    let top = format!("zswap-tools-{VERSION}-x86_64-linux-musl");
    stage_tarball(ws, &stage.join(&top), &bins, &generated)?;
    let tarball = out.join(tarball_name());
    run(Command::new("tar")
        .arg("-C")
        .arg(&stage)
        .args([
            "--sort=name",
            "--owner=0",
            "--group=0",
            "--numeric-owner",
            "--mtime=@0",
            "-czf",
        ])
        .arg(&tarball)
        .arg(&top))?;

    let root = stage.join("deb");
    stage_deb(ws, &root, &bins, &generated)?;
    let deb = out.join(deb_name());
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zxz", "--build"])
        .arg(&root)
        .arg(&deb))?;

    lintian(&deb)?;

    let sums = run(Command::new("sha256sum")
        .current_dir(&out)
        .arg(tarball_name())
        .arg(deb_name()))?;
    write(&out.join("SHA256SUMS"), &sums, 0o644)?;
    Ok(vec![tarball, deb, out.join("SHA256SUMS")])
}

/// What of the probe's toolchain (scripts/install-ebpf-toolchain.sh: nightly with rust-src,
/// and bpf-linker) is absent, if anything.
fn ebpf_toolchain_missing() -> Option<String> {
    if which("bpf-linker").is_none() {
        return Some("'bpf-linker' is not on PATH".into());
    }
    let sysroot = Command::new("rustc")
        .args(["+nightly", "--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    let Some(sysroot) = sysroot else {
        return Some("no nightly toolchain ('rustc +nightly' failed)".into());
    };
    let src = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim())
        .join("lib/rustlib/src/rust/library");
    if !src.is_dir() {
        return Some(format!(
            "nightly has no rust-src: '{}' is absent",
            src.display()
        ));
    }
    None
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(tool))
            .find(|f| f.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_conventions() {
        assert_eq!(
            tarball_name(),
            format!("zswap-tools-{VERSION}-x86_64-linux-musl.tar.gz")
        );
        assert_eq!(deb_name(), format!("zswap-tools_{VERSION}_amd64.deb"));
    }

    #[test]
    fn man_page_escapes_leading_dots_and_backslashes() {
        let page = exporter_man(".hidden\na\\b\n");
        assert!(page.contains("\n\\&.hidden\n"), "{page}");
        assert!(page.contains("\na\\eb\n"), "{page}");
        assert!(page.starts_with(".TH ZSWAP-EXPORTER 1"));
    }

    #[test]
    fn static_is_read_from_file_output() {
        assert!(is_static(
            "ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), static-pie linked, stripped"
        ));
        assert!(is_static(
            "ELF 64-bit LSB executable, x86-64, statically linked, stripped"
        ));
        assert!(!is_static(
            "ELF 64-bit LSB pie executable, x86-64, dynamically linked, interpreter /lib64/ld-linux-x86-64.so.2"
        ));
    }
}
