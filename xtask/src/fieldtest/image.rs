//! Debian guest images with systemd as PID 1: a root file system made by `mmdebstrap` from
//! Debian's own packages, turned into a disk image (an MBR with one partition, an ext4 file
//! system made by `mkfs.ext4 -d` in it), and the rootfs's own kernel and initrd beside it.
//! The partition table leaves room for GRUB's boot code, which `persist-reboot` installs from
//! inside the guest to boot the disk through the firmware. Built once per suite and package list, and kept
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

use crate::mirror::DebianMirror;
use crate::vm::Series;

/// The packages on top of mmdebstrap's `minbase` variant: systemd as init, the suite's
/// kernel (its initramfs-tools initrd finds virtio disks), and the tools the scenario
/// scripts call (swap, process and file-system tools; perl-base is essential and makes the
/// memory pressure; grub-pc for `persist --method grub`: installing it in a chroot touches no
/// disk, the scenario runs `grub-install` in the guest).
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
    "grub-pc",
];

/// Where the root partition starts: 1 MiB, GRUB's usual gap for its core image.
pub(crate) const PART_OFFSET: u64 = 1 << 20;

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
pub(crate) fn ensure(cache: &Path, series: Series, mirror: &DebianMirror) -> Result<Image> {
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
    let built = build(series, &rootfs, &building, mirror);
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

fn build(series: Series, rootfs: &Path, out: &Path, mirror: &DebianMirror) -> Result<()> {
    // the machine's own Debian archive (a local mirror or proxy works as for apt-get)
    let mirror = mirror.uri()?;
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
        .arg(&mirror)
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
    let disk = out.join("root.img");
    let st = Command::new("mkfs.ext4")
        .args(["-q", "-L", "fieldtest"])
        .arg("-E")
        .arg(format!("offset={PART_OFFSET}"))
        .arg("-d")
        .arg(rootfs)
        .arg(&disk)
        .arg(format!("{size_mib}M"))
        .status()
        .context("running 'mkfs.ext4' (e2fsprogs)")?;
    if !st.success() {
        bail!("'mkfs.ext4 -d' failed ({st})");
    }
    write_mbr(&disk, size_mib << 20)?;
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

/// A classic MBR in the first sector of `disk`: one bootable Linux partition of `part_bytes`
/// at `PART_OFFSET`, no boot code (GRUB writes its own when installed), LBA addressing only
/// (CHS fields at their "use LBA" maximum).
fn write_mbr(disk: &Path, part_bytes: u64) -> Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = fs::OpenOptions::new()
        .write(true)
        .open(disk)
        .with_context(|| format!("opening '{}'", disk.display()))?;
    f.seek(SeekFrom::Start(0))?;
    f.write_all(&mbr(PART_OFFSET / 512, part_bytes / 512)?)
        .with_context(|| format!("writing the partition table of '{}'", disk.display()))
}

fn mbr(first_lba: u64, sectors: u64) -> Result<[u8; 512]> {
    let lba = u32::try_from(first_lba).context("partition start beyond an MBR's reach")?;
    let len = u32::try_from(sectors).context("partition size beyond an MBR's reach")?;
    let mut s = [0u8; 512];
    // a fixed disk signature, so that the image is the same on every build
    s[440..444].copy_from_slice(&0x2f5a_5357u32.to_le_bytes());
    let e = &mut s[446..462];
    e[0] = 0x80; // bootable
    e[1..4].copy_from_slice(&[0xfe, 0xff, 0xff]);
    e[4] = 0x83; // Linux
    e[5..8].copy_from_slice(&[0xfe, 0xff, 0xff]);
    e[8..12].copy_from_slice(&lba.to_le_bytes());
    e[12..16].copy_from_slice(&len.to_le_bytes());
    s[510] = 0x55;
    s[511] = 0xaa;
    Ok(s)
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

    #[test]
    fn mbr_has_one_bootable_linux_partition_at_one_mib() {
        let s = mbr(2048, 4096).unwrap();
        assert_eq!(&s[510..], &[0x55, 0xaa]);
        assert_eq!(s[446], 0x80);
        assert_eq!(s[450], 0x83);
        assert_eq!(&s[454..458], &2048u32.to_le_bytes());
        assert_eq!(&s[458..462], &4096u32.to_le_bytes());
        // the other three entries are empty
        assert!(s[462..510].iter().all(|&b| b == 0));
        assert!(mbr(2048, 1 << 33).is_err());
    }
}
