//! `cargo xtask vmtest`: boots real Debian kernels under QEMU (TCG) with a small initramfs and
//! runs scenarios in them. See `xtask/README.md`.
//!
//! The steps, each in its own module: install host prerequisites (`prereq`), resolve and cache
//! the newest kernel of each series through a private apt configuration (`apt`, `kernel`),
//! build the guest binaries for musl (`guest_bins`), assemble an initramfs (`initramfs`,
//! `cpio`, `modules`), boot (`qemu`) and read the verdict from the console (`console`), per
//! scenario (`scenario`).

pub(crate) mod apt;
mod console;
mod cpio;
pub(crate) mod guest_bins;
mod hysteresis_check;
mod initramfs;
mod kernel;
mod model_check;
mod modules;
mod overhead_check;
pub(crate) mod prereq;
mod qemu;
mod replay_predict_check;
pub(crate) mod scenario;

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};

use kernel::Kernel;
use scenario::Scenario;

/// A Debian kernel series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Series {
    /// bookworm, 6.1: `zpool` (zbud default), same-filled parameters, frontswap hooks.
    Bookworm,
    /// trixie, 6.12: `zpool` (zsmalloc default), `shrinker_enabled`.
    Trixie,
    /// sid, 7.x: no `zpool`.
    Sid,
}

impl Series {
    pub(crate) const ALL: [Series; 3] = [Series::Bookworm, Series::Trixie, Series::Sid];

    pub(crate) fn suite(self) -> &'static str {
        match self {
            Series::Bookworm => "bookworm",
            Series::Trixie => "trixie",
            Series::Sid => "sid",
        }
    }

    /// The zswap era of this series' kernels, for the models the host checks them against.
    pub(crate) fn era(self) -> zswap_core::KernelEra {
        use zswap_core::KernelEra;
        match self {
            Series::Bookworm => KernelEra::V6_1,
            Series::Trixie => KernelEra::V6_12,
            Series::Sid => KernelEra::V7,
        }
    }

    /// What `apt-cache pkgnames` is asked for.
    pub(crate) fn package_prefix(self) -> &'static str {
        match self {
            Series::Bookworm => "linux-image-6.1.0-",
            Series::Trixie => "linux-image-6.12.",
            Series::Sid => "linux-binary-7.",
        }
    }

    /// The kernel version in a package name of this series (`6.1.0-50`, `6.12.117+deb13`,
    /// `7.2.13+deb14`), or `None` for other packages and flavours (cloud, rt, dbg).
    pub(crate) fn version_of(self, name: &str) -> Option<String> {
        let v = match self {
            Series::Bookworm | Series::Trixie => name
                .strip_prefix("linux-image-")?
                .strip_suffix("-amd64-unsigned")?,
            Series::Sid => name.strip_prefix("linux-binary-")?.strip_suffix("-amd64")?,
        };
        let ok = match self {
            Series::Bookworm => v
                .strip_prefix("6.1.0-")
                .is_some_and(|abi| !abi.is_empty() && abi.bytes().all(|b| b.is_ascii_digit())),
            Series::Trixie => v.starts_with("6.12.") && !v.contains('-'),
            Series::Sid => v.starts_with("7.") && !v.contains('-'),
        };
        ok.then(|| v.to_string())
    }

    /// The packages holding vmlinuz and modules of `version`.
    pub(crate) fn packages(self, version: &str) -> Vec<String> {
        match self {
            Series::Bookworm | Series::Trixie => {
                vec![format!("linux-image-{version}-amd64-unsigned")]
            }
            Series::Sid => {
                vec![
                    format!("linux-binary-{version}-amd64"),
                    format!("linux-modules-{version}-amd64"),
                ]
            }
        }
    }
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Series::Bookworm => "6.1",
            Series::Trixie => "6.12",
            Series::Sid => "7",
        })
    }
}

impl FromStr for Series {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "6.1" | "bookworm" => Ok(Series::Bookworm),
            "6.12" | "trixie" => Ok(Series::Trixie),
            "7" | "7.x" | "sid" => Ok(Series::Sid),
            _ => Err(format!(
                "unknown kernel series '{s}'; use 6.1, 6.12 or 7 (bookworm, trixie, sid)"
            )),
        }
    }
}

/// `major.minor` of a kernel release: `6.12.117+deb13-amd64` → `6.12`.
pub(crate) fn major_minor(release: &str) -> String {
    release
        .split(['.', '-', '+'])
        .take(2)
        .collect::<Vec<_>>()
        .join(".")
}

/// Everything a matrix run needs.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) kernels: Vec<Series>,
    pub(crate) scenarios: Vec<&'static Scenario>,
    pub(crate) cache_dir: PathBuf,
    pub(crate) jobs: usize,
    pub(crate) timeout: Duration,
    pub(crate) memory_mb: Option<u32>,
    pub(crate) workspace: PathBuf,
    pub(crate) target_dir: PathBuf,
    pub(crate) cargo: String,
    /// Where kernel packages are downloaded from.
    pub(crate) mirror: crate::mirror::DebianMirror,
}

/// The verdict on one kernel and scenario.
#[derive(Debug, Clone)]
pub(crate) struct ScenarioVerdict {
    pub(crate) release: String,
    pub(crate) scenario: &'static str,
    pub(crate) failure: Option<String>,
    pub(crate) console_tail: String,
    pub(crate) run_dir: PathBuf,
}

impl ScenarioVerdict {
    /// The summary line: `PASS <kernel> <scenario>` or `FAIL <kernel> <scenario> <reason>`.
    pub(crate) fn line(&self) -> String {
        match &self.failure {
            None => format!("PASS {} {}", self.release, self.scenario),
            Some(r) => format!("FAIL {} {} {}", self.release, self.scenario, one_line(r)),
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs every scenario on every kernel; returns one outcome per pair, in matrix order.
pub(crate) fn run_matrix(opts: &Options) -> Result<Vec<ScenarioVerdict>> {
    let installed = prereq::ensure()?;
    if !installed.is_empty() {
        log(&format!("installed: {}", installed.join(", ")));
    }
    std::fs::create_dir_all(&opts.cache_dir)
        .with_context(|| format!("creating cache dir '{}'", opts.cache_dir.display()))?;
    // One process at a time resolves, downloads and extracts; the lock ends with this scope.
    let lock = CacheLock::acquire(&opts.cache_dir)?;
    let resolved = kernel::resolve_all(&opts.cache_dir, &opts.kernels, &opts.mirror)?;
    let mut kernels: Vec<Result<Kernel, String>> = Vec::new();
    for r in &resolved {
        kernels.push(
            kernel::ensure(&opts.cache_dir, r, &opts.mirror)
                .map_err(|e| format!("preparing kernel: {e:#}")),
        );
    }
    drop(lock);
    let wanted: BTreeSet<_> = opts
        .scenarios
        .iter()
        .flat_map(|s| s.binaries.iter().copied())
        .collect();
    let mut built = guest_bins::build(&opts.workspace, &opts.target_dir, &opts.cargo, &wanted);
    // built even so (a later toolchain install heals the build), but not booted without it
    for (bin, why) in prereq::ebpf_toolchain_gaps(wanted.iter().map(|b| b.bin)) {
        built.failed.insert(bin, why);
    }
    if opts.scenarios.iter().any(|s| s.loads_probe) {
        built.probe_gap = prereq::ebpf_toolchain_gap();
    }
    let built = Arc::new(built);

    let mut jobs = VecDeque::new();
    let mut done: Vec<(usize, ScenarioVerdict)> = Vec::new();
    for (ki, (k, r)) in kernels.iter().zip(&resolved).enumerate() {
        for (si, sc) in opts.scenarios.iter().enumerate() {
            let idx = ki * opts.scenarios.len() + si;
            // Per process, so concurrent runs (several developers, one cache) do not collide.
            let run_dir = opts.cache_dir.join("runs").join(&r.release).join(format!(
                "{}.{}",
                sc.name,
                std::process::id()
            ));
            match k {
                Ok(k) => jobs.push_back((idx, k.clone(), *sc, run_dir)),
                Err(e) => done.push((
                    idx,
                    ScenarioVerdict {
                        release: r.release.clone(),
                        scenario: sc.name,
                        failure: Some(e.clone()),
                        console_tail: String::new(),
                        run_dir,
                    },
                )),
            }
        }
    }
    let queue = Arc::new(Mutex::new(jobs));
    let results = Arc::new(Mutex::new(done));
    let workers: Vec<_> = (0..opts.jobs.max(1))
        .map(|_| {
            let (queue, results, built, opts) =
                (queue.clone(), results.clone(), built.clone(), opts.clone());
            std::thread::spawn(move || {
                loop {
                    let job = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some((idx, k, sc, run_dir)) = job else {
                        break;
                    };
                    let o = run_one(&opts, &built, &k, sc, run_dir);
                    log(&o.line());
                    if let Ok(mut r) = results.lock() {
                        r.push((idx, o));
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let mut out = results.lock().map(|r| r.clone()).unwrap_or_default();
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, o)| o).collect())
}

fn run_one(
    opts: &Options,
    built: &guest_bins::Built,
    k: &Kernel,
    sc: &'static Scenario,
    run_dir: PathBuf,
) -> ScenarioVerdict {
    let mut o = ScenarioVerdict {
        release: k.release.clone(),
        scenario: sc.name,
        failure: None,
        console_tail: String::new(),
        run_dir: run_dir.clone(),
    };
    if let Some((bin, why)) = sc
        .binaries
        .iter()
        .find_map(|b| built.failed.get_key_value(b.bin))
    {
        o.failure = Some(format!("guest binary '{bin}' unavailable: {why}"));
        return o;
    }
    if let Some(why) = built.probe_gap.as_ref().filter(|_| sc.loads_probe) {
        o.failure = Some(format!(
            "'zswapctl trace' cannot load the eBPF probe: {why}"
        ));
        return o;
    }
    match boot(opts, built, k, sc, &run_dir) {
        Ok((run, report)) => {
            o.console_tail = console::tail(&run.console, 40);
            let mut failure = report.failure(&sc.declared_checks(k.series));
            if failure.is_none()
                && let Some(check) = sc.host_check
            {
                failure = check(&report, k.series).err();
            }
            o.failure = match (&run.ending, failure) {
                (qemu::Ending::TimedOut, f) => Some(format!(
                    "timed out after {} s ({})",
                    run.elapsed.as_secs(),
                    f.unwrap_or_else(|| "no verdict".into())
                )),
                (_, f) => f,
            };
        }
        Err(e) => o.failure = Some(format!("{e:#}")),
    }
    o
}

fn boot(
    opts: &Options,
    built: &guest_bins::Built,
    k: &Kernel,
    sc: &Scenario,
    run_dir: &Path,
) -> Result<(qemu::GuestRun, console::Report)> {
    std::fs::create_dir_all(run_dir)
        .with_context(|| format!("creating '{}'", run_dir.display()))?;
    let initrd = run_dir.join("initramfs.cpio");
    let image = initramfs::build(k, sc, &built.bins)?;
    #[allow(clippy::disallowed_methods)] // a build artifact
    std::fs::write(&initrd, image).with_context(|| format!("writing '{}'", initrd.display()))?;
    let swap = run_dir.join("swap.img");
    qemu::raw_disk(&swap, 256 << 20)?;
    let mut disks = vec![swap];
    if let Some(mb) = sc.out_disk_mb {
        let out = run_dir.join("out.img");
        qemu::raw_disk(&out, mb << 20)?;
        disks.push(out);
    }
    // no_timer_check: under TCG on a loaded host the boot-time timer check can miss its
    // ticks and panic ("IO-APIC + timer doesn't work!"); seen once in a CI run
    let mut cmdline = String::from("console=ttyS0 panic=-1 quiet no_timer_check");
    for a in sc.cmdline {
        cmdline.push(' ');
        cmdline.push_str(a);
    }
    let spec = qemu::GuestSpec {
        vmlinuz: k.vmlinuz.clone(),
        initrd,
        cmdline,
        memory_mb: opts.memory_mb.unwrap_or(sc.memory_mb),
        disks,
        timeout: opts.timeout,
        console_log: run_dir.join("console.log"),
        extra_args: sc.qemu_args,
    };
    let run = qemu::run(&spec);
    // The swap disk and initramfs are large and rebuilt each time; the console log stays.
    let _ = std::fs::remove_file(run_dir.join("swap.img"));
    let _ = std::fs::remove_file(run_dir.join("initramfs.cpio"));
    let run = run?;
    let report = console::Report::parse(&run.console);
    Ok((run, report))
}

/// An exclusive `flock` on `CACHE/lock`, held while the kernel cache is being changed.
struct CacheLock {
    _file: std::fs::File,
}

impl CacheLock {
    fn acquire(cache: &Path) -> Result<CacheLock> {
        use std::os::fd::AsRawFd;
        let path = cache.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening '{}'", path.display()))?;
        // SAFETY: flock on a descriptor we own; released when the file is closed.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("locking '{}'", path.display()));
        }
        Ok(CacheLock { _file: file })
    }
}

#[allow(clippy::print_stderr)] // xtask progress
fn log(msg: &str) {
    eprintln!("vmtest: {msg}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_parse_and_display() {
        assert_eq!("bookworm".parse::<Series>().unwrap(), Series::Bookworm);
        assert_eq!("6.12".parse::<Series>().unwrap().to_string(), "6.12");
        assert_eq!("7.x".parse::<Series>().unwrap(), Series::Sid);
        assert!("6.6".parse::<Series>().unwrap_err().contains("'6.6'"));
    }

    #[test]
    fn version_of_rejects_flavours() {
        assert_eq!(
            Series::Trixie.version_of("linux-image-6.12.117+deb13-cloud-amd64-unsigned"),
            None
        );
        assert_eq!(
            Series::Bookworm.version_of("linux-image-6.1.0-50-rt-amd64-unsigned"),
            None
        );
        assert_eq!(
            Series::Sid
                .version_of("linux-binary-7.2.13+deb14-rt-amd64")
                .as_deref(),
            None
        );
        assert_eq!(
            Series::Sid
                .version_of("linux-binary-7.2.13+deb14-amd64")
                .as_deref(),
            Some("7.2.13+deb14")
        );
    }

    #[test]
    fn major_minor_of_debian_releases() {
        assert_eq!(major_minor("6.1.0-50-amd64"), "6.1");
        assert_eq!(major_minor("6.12.117+deb13-amd64"), "6.12");
        assert_eq!(major_minor("7.2.13+deb14-amd64"), "7.2");
    }

    #[test]
    fn outcome_lines() {
        let mut o = ScenarioVerdict {
            release: "6.12.1-amd64".into(),
            scenario: "ctl",
            failure: None,
            console_tail: String::new(),
            run_dir: PathBuf::new(),
        };
        assert_eq!(o.line(), "PASS 6.12.1-amd64 ctl");
        o.failure = Some("kernel panic:\n  oops".into());
        assert_eq!(o.line(), "FAIL 6.12.1-amd64 ctl kernel panic: oops");
    }
}
