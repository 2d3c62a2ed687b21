//! Debian guest images with systemd as PID 1: a root file system made by `mmdebstrap` from
//! Debian's own packages, turned into an ext4 disk image with `mkfs.ext4 -d`, and the
//! rootfs's own kernel and initrd beside it. Built once per suite and package list, and kept
//! under the cache directory; a run boots a sparse copy, so the cached image stays pristine.
//!
//! mmdebstrap keeps its apt configuration inside the chroot it builds (its own sources line
//! for the suite): the machine's apt sources are neither read nor changed.
#![allow(clippy::disallowed_methods)] // builds files in the cache, not kernel attributes

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::vm::Series;

/// The packages on top of mmdebstrap's `minbase` variant: systemd as init, the suite's
/// kernel (its initramfs-tools initrd finds virtio disks), and the tools the scenario
/// scripts call (swap, process and file-system tools; perl-base is essential and makes the
/// memory pressure).
pub(crate) const PACKAGES: &[&str] = &[
    "systemd",
    "systemd-sysv",
    "udev",
    "kmod",
    "linux-image-amd64",
    "initramfs-tools",
    "e2fsprogs",
    "util-linux",
    "procps",
];

/// Files baked into every image: the runner that executes the host's scenario from the 9p
/// share, its unit, and DHCP on the user-mode network (for the exporter's port forward).
const BAKED: &[(&str, &str, u32)] = &[
    (
        "usr/local/sbin/fieldtest-run",
        include_str!("guest/fieldtest-run"),
        0o755,
    ),
    (
        "etc/systemd/system/fieldtest.service",
        include_str!("guest/fieldtest.service"),
        0o644,
    ),
    (
        "etc/systemd/network/10-wired.network",
        include_str!("guest/10-wired.network"),
        0o644,
    ),
    ("etc/hostname", "fieldtest\n", 0o644),
    ("etc/fstab", "", 0o644),
];

/// Units enabled in the image, as `(wants directory, unit path)`.
const ENABLED: &[(&str, &str)] = &[
    (
        "etc/systemd/system/multi-user.target.wants/fieldtest.service",
        "/etc/systemd/system/fieldtest.service",
    ),
    (
        "etc/systemd/system/multi-user.target.wants/systemd-networkd.service",
        "/lib/systemd/system/systemd-networkd.service",
    ),
];

/// Free space left in the file system beyond the rootfs (a 1 GiB swap file, the package).
const HEADROOM_MIB: u64 = 1536;

/// A built image: the disk and the kernel and initrd taken from it.
#[derive(Debug, Clone)]
pub(crate) struct Image {
    pub(crate) disk: PathBuf,
    pub(crate) vmlinuz: PathBuf,
    pub(crate) initrd: PathBuf,
}

/// The cache key: the suite, the package list and the baked files, so that changing any of
/// them builds a new image.
pub(crate) fn key(series: Series) -> String {
    let mut h = DefaultHasher::new();
    series.suite().hash(&mut h);
    PACKAGES.hash(&mut h);
    BAKED.hash(&mut h);
    ENABLED.hash(&mut h);
    format!("{}-{:016x}", series.suite(), h.finish())
}

fn image_in(dir: &Path) -> Image {
    Image {
        disk: dir.join("root.img"),
        vmlinuz: dir.join("vmlinuz"),
        initrd: dir.join("initrd.img"),
    }
}

/// The cached image of `series`, built first when absent.
pub(crate) fn ensure(cache: &Path, series: Series) -> Result<Image> {
    let dir = cache.join(key(series));
    let image = image_in(&dir);
    if image.disk.is_file() && image.vmlinuz.is_file() && image.initrd.is_file() {
        return Ok(image);
    }
    let building = cache.join(format!("{}.building", key(series)));
    if building.exists() {
        fs::remove_dir_all(&building)
            .with_context(|| format!("removing '{}'", building.display()))?;
    }
    fs::create_dir_all(&building).with_context(|| format!("creating '{}'", building.display()))?;
    let started = Instant::now();
    let rootfs = building.join("rootfs");
    let built = build(series, &rootfs, &building);
    // the rootfs tree is only the input of mkfs: never keep it
    let _ = fs::remove_dir_all(&rootfs);
    if let Err(e) = built {
        let _ = fs::remove_dir_all(&building);
        return Err(e);
    }
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::rename(&building, &dir)
        .with_context(|| format!("moving '{}' to '{}'", building.display(), dir.display()))?;
    eprintln!(
        "fieldtest: built the {} image in {:.0} s ({})",
        series.suite(),
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(image)
}

fn build(series: Series, rootfs: &Path, out: &Path) -> Result<()> {
    eprintln!(
        "fieldtest: building the {} image with mmdebstrap ({})",
        series.suite(),
        PACKAGES.join(" ")
    );
    let st = Command::new("nice")
        .args([
            "-n",
            "10",
            "mmdebstrap",
            "--variant=minbase",
            "--components=main",
        ])
        .arg(format!("--include={}", PACKAGES.join(",")))
        .args([
            "--aptopt=Acquire::Languages \"none\"",
            // sid's Release file is valid for a week only, and the mirror may serve an older
            // one; its signature is still checked.
            "--aptopt=Acquire::Check-Valid-Until \"false\"",
            "--dpkgopt=path-exclude=/usr/share/doc/*",
            "--dpkgopt=path-exclude=/usr/share/man/*",
            "--dpkgopt=path-exclude=/usr/share/locale/*",
            series.suite(),
        ])
        .arg(rootfs)
        .arg("http://deb.debian.org/debian")
        .stdout(std::io::stderr())
        .status()
        .context("running 'mmdebstrap'")?;
    if !st.success() {
        bail!("'mmdebstrap {}' failed ({st})", series.suite());
    }
    // The package under test is installed whole: the exclusions only kept the image small.
    let _ = fs::remove_file(rootfs.join("etc/dpkg/dpkg.cfg.d/99mmdebstrap"));
    for (path, text, mode) in BAKED {
        let p = rootfs.join(path);
        if let Some(d) = p.parent() {
            fs::create_dir_all(d)?;
        }
        fs::write(&p, text).with_context(|| format!("writing '{}'", p.display()))?;
        fs::set_permissions(&p, fs::Permissions::from_mode(*mode))?;
    }
    for (link, target) in ENABLED {
        let p = rootfs.join(link);
        if let Some(d) = p.parent() {
            fs::create_dir_all(d)?;
        }
        let _ = fs::remove_file(&p);
        std::os::unix::fs::symlink(target, &p)
            .with_context(|| format!("linking '{}'", p.display()))?;
    }
    copy_boot_file(rootfs, "vmlinuz-", &out.join("vmlinuz"))?;
    copy_boot_file(rootfs, "initrd.img-", &out.join("initrd.img"))?;
    let size_mib = du_mib(rootfs)? + HEADROOM_MIB;
    let st = Command::new("mkfs.ext4")
        .args(["-q", "-L", "fieldtest", "-d"])
        .arg(rootfs)
        .arg(out.join("root.img"))
        .arg(format!("{size_mib}M"))
        .status()
        .context("running 'mkfs.ext4' (e2fsprogs)")?;
    if !st.success() {
        bail!("'mkfs.ext4 -d' failed ({st})");
    }
    fs::write(out.join("packages.txt"), PACKAGES.join("\n") + "\n")?;
    Ok(())
}

/// Copies the one `/boot/<prefix>*` of the rootfs to `to`.
fn copy_boot_file(rootfs: &Path, prefix: &str, to: &Path) -> Result<()> {
    let boot = rootfs.join("boot");
    let mut found: Vec<PathBuf> = fs::read_dir(&boot)
        .with_context(|| format!("reading '{}'", boot.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    found.sort();
    let Some(from) = found.pop() else {
        bail!("the rootfs has no '/boot/{prefix}*': did the kernel package install?");
    };
    fs::copy(&from, to).with_context(|| format!("copying '{}'", from.display()))?;
    Ok(())
}

fn du_mib(dir: &Path) -> Result<u64> {
    let out = Command::new("du")
        .args(["-sm", "--apparent-size"])
        .arg(dir)
        .output()
        .context("running 'du'")?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("reading the size of '{}' from du", dir.display()))
}

/// A sparse copy of the cached disk for one run.
pub(crate) fn working_copy(image: &Image, to: &Path) -> Result<()> {
    let st = Command::new("cp")
        .args(["--sparse=always"])
        .arg(&image.disk)
        .arg(to)
        .status()
        .context("running 'cp'")?;
    if !st.success() {
        bail!("copying '{}' failed", image.disk.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_the_suite_and_differs_per_suite() {
        assert!(key(Series::Bookworm).starts_with("bookworm-"));
        assert_ne!(key(Series::Bookworm), key(Series::Trixie));
        assert_eq!(key(Series::Sid), key(Series::Sid));
    }
}
