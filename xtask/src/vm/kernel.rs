//! The kernel cache: downloaded `.deb`s and, per release, the extracted vmlinuz and module
//! tree. Layout under the cache directory:
//!
//! ```text
//! apt/                     private apt configuration (see apt.rs)
//! resolved                 series -> newest release, refreshed at most once a day
//! debs/*.deb               downloaded packages
//! kernels/RELEASE/root/    the packages' files (boot/, lib/modules/RELEASE/ or usr/lib/...)
//! kernels/RELEASE/complete marker: extraction finished
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

use super::Series;
use super::apt::{self, PrivateApt, Resolved};
use crate::mirror::DebianMirror;

/// An extracted kernel ready to boot.
#[derive(Debug, Clone)]
pub(crate) struct Kernel {
    pub(crate) series: Series,
    pub(crate) release: String,
    pub(crate) vmlinuz: PathBuf,
    /// `lib/modules/RELEASE` (or `usr/lib/modules/RELEASE`) of the extracted packages.
    pub(crate) modules_dir: PathBuf,
}

/// Resolves the newest release of each series, using the cached answer when it is younger
/// than a day, and falling back to a stale one when apt cannot be reached.
pub(crate) fn resolve_all(
    cache: &Path,
    series: &[Series],
    mirror: &DebianMirror,
) -> Result<Vec<Resolved>> {
    let file = cache.join("resolved");
    #[allow(clippy::disallowed_methods)] // our cache file, not a kernel attribute
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let (at, cached) = apt::parse_resolutions(&text);
    let fresh = at
        .and_then(|at| SystemTime::now().duration_since(at).ok())
        .is_some_and(|age| age < apt::RESOLVE_MAX_AGE);
    let have_all = series.iter().all(|s| cached.iter().any(|r| r.series == *s));
    if fresh && have_all {
        return Ok(pick(&cached, series));
    }
    let fetched = PrivateApt::new(&cache.join("apt"), mirror).and_then(|apt| {
        apt.update()?;
        Series::ALL
            .iter()
            .map(|s| apt.resolve(*s))
            .collect::<Result<Vec<_>>>()
    });
    match fetched {
        Ok(all) => {
            #[allow(clippy::disallowed_methods)] // our cache file
            std::fs::write(&file, apt::format_resolutions(SystemTime::now(), &all))
                .with_context(|| format!("writing '{}'", file.display()))?;
            for r in &all {
                log(&format!("resolved {} -> {}", r.series, r.release));
            }
            Ok(pick(&all, series))
        }
        Err(e) if have_all => {
            log(&format!(
                "warning: cannot refresh kernel versions ({e:#}); using the cached ones"
            ));
            Ok(pick(&cached, series))
        }
        Err(e) => Err(e.context("resolving kernel versions (needs the Debian mirror once)")),
    }
}

fn pick(all: &[Resolved], series: &[Series]) -> Vec<Resolved> {
    series
        .iter()
        .filter_map(|s| all.iter().find(|r| r.series == *s).cloned())
        .collect()
}

/// Downloads (if needed) and extracts (if needed) one resolved kernel.
pub(crate) fn ensure(cache: &Path, r: &Resolved, mirror: &DebianMirror) -> Result<Kernel> {
    let kdir = cache.join("kernels").join(&r.release);
    let root = kdir.join("root");
    if !kdir.join("complete").exists() {
        let debs = cache.join("debs");
        let missing: Vec<String> = r
            .packages
            .iter()
            .filter(|p| find_deb(&debs, p).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            log(&format!("downloading {}", missing.join(" ")));
            PrivateApt::new(&cache.join("apt"), mirror)?.download(&missing, &debs)?;
        }
        let tmp = kdir.join("root.partial");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        for p in &r.packages {
            let deb = find_deb(&debs, p).with_context(|| {
                format!("package '{p}' was not downloaded into '{}'", debs.display())
            })?;
            log(&format!("extracting {}", deb.display()));
            let st = Command::new("dpkg-deb")
                .arg("-x")
                .arg(&deb)
                .arg(&tmp)
                .status()
                .context("running 'dpkg-deb' (install dpkg)")?;
            if !st.success() {
                bail!("'dpkg-deb -x {}' failed", deb.display());
            }
        }
        if root.exists() {
            std::fs::remove_dir_all(&root)?;
        }
        std::fs::rename(&tmp, &root)?;
        #[allow(clippy::disallowed_methods)] // marker file in our cache
        std::fs::write(kdir.join("complete"), &r.release)?;
    }
    locate(&root, r)
}

fn locate(root: &Path, r: &Resolved) -> Result<Kernel> {
    let rel = &r.release;
    let vmlinuz = [
        root.join(format!("boot/vmlinuz-{rel}")),
        root.join(format!("usr/lib/modules/{rel}/vmlinuz")),
        root.join(format!("lib/modules/{rel}/vmlinuz")),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .with_context(|| format!("no vmlinuz for '{rel}' under '{}'", root.display()))?;
    let modules_dir = [
        root.join(format!("usr/lib/modules/{rel}")),
        root.join(format!("lib/modules/{rel}")),
    ]
    .into_iter()
    .find(|p| p.join("kernel").is_dir())
    .with_context(|| format!("no module tree for '{rel}' under '{}'", root.display()))?;
    Ok(Kernel {
        series: r.series,
        release: rel.clone(),
        vmlinuz,
        modules_dir,
    })
}

/// The downloaded `.deb` of `package`, named `PACKAGE_VERSION_ARCH.deb` by apt.
fn find_deb(dir: &Path, package: &str) -> Option<PathBuf> {
    let prefix = format!("{package}_");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
        })
}

#[allow(clippy::print_stderr)] // xtask progress goes to stderr
fn log(msg: &str) {
    eprintln!("vmtest: {msg}");
}
