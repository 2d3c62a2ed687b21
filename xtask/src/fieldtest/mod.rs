//! `cargo xtask fieldtest`: the release `.deb` on Debian guests that boot with systemd as
//! PID 1 (bookworm/6.1, trixie/6.12, sid/7.x), one `PASS|FAIL <distro> <scenario>` line per
//! run. Images: `image.rs`; booting and the host side of the scenarios: `guest.rs`; the
//! scenarios themselves are the shell scripts in `guest/`, run inside the guest.
//!
//! A missing capability (mmdebstrap, QEMU, mkfs.ext4, the network for a first image build) is
//! a failure, never a skip: there is nothing to fall back to.
#![allow(clippy::disallowed_methods)] // a test driver: reads and writes its own work tree

mod guest;
pub(crate) mod image;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::vm::Series;

/// One scenario: its guest script, and the host's checks of the scrapes it asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    script: &'static str,
    host_checks: fn(&Path) -> Vec<String>,
}

const LIB: &str = include_str!("guest/lib.sh");

pub(crate) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "package",
        script: include_str!("guest/package.sh"),
        host_checks: no_host_checks,
    },
    Scenario {
        name: "persist-reboot",
        script: include_str!("guest/persist-reboot.sh"),
        host_checks: no_host_checks,
    },
    Scenario {
        name: "exporter-service",
        script: include_str!("guest/exporter-service.sh"),
        host_checks: exporter_scrapes,
    },
    Scenario {
        name: "bad-host",
        script: include_str!("guest/bad-host.sh"),
        host_checks: bad_host_scrape,
    },
];

fn no_host_checks(_: &Path) -> Vec<String> {
    Vec::new()
}

/// The value of the first sample `series` (name with labels, exactly as exposed) in a
/// Prometheus text exposition.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// What the exporter-service scrapes must show: the probe counted stores and loads of the
/// guest's swap traffic, the debugfs families are there, and the restarted exporter serves
/// with its probe and debugfs collectors working, and so does the one `zswap-exporter.socket`
/// started for the third scrape.
fn exporter_scrapes(share: &Path) -> Vec<String> {
    let mut failed = Vec::new();
    let read =
        |n: u32| fs::read_to_string(share.join(format!("scrape-{n}.txt"))).unwrap_or_default();
    let first = read(1);
    let second = read(2);
    let third = read(3);
    let positive = [
        r#"zswap_ebpf_stores_total{result="ok"}"#,
        r#"zswap_ebpf_loads_total{result="ok"}"#,
    ];
    for s in positive {
        match sample(&first, s) {
            Some(v) if v > 0.0 => {}
            got => failed.push(format!("scrape 1: {s} is {got:?}, wanted > 0")),
        }
    }
    if sample(&first, "zswap_stored_pages").is_none() {
        failed.push("scrape 1: no zswap_stored_pages (debugfs)".into());
    }
    for (n, text) in [(1, &first), (2, &second), (3, &third)] {
        for c in ["ebpf", "debugfs"] {
            let s = format!("zswap_exporter_collector_success{{collector=\"{c}\"}}");
            if sample(text, &s) != Some(1.0) {
                failed.push(format!("scrape {n}: {s} is {:?}", sample(text, &s)));
            }
        }
    }
    failed
}

/// What the bad-host scrape must show: the exporter serves, the collectors of the hidden
/// sources succeed and say their source is missing, and no zswap parameter is exported.
fn bad_host_scrape(share: &Path) -> Vec<String> {
    let mut failed = Vec::new();
    let text = fs::read_to_string(share.join("scrape-1.txt")).unwrap_or_default();
    for c in ["sysfs", "debugfs"] {
        for (family, want) in [
            ("zswap_exporter_collector_success", 1.0),
            ("zswap_exporter_collector_source_present", 0.0),
        ] {
            let s = format!("{family}{{collector=\"{c}\"}}");
            if sample(&text, &s) != Some(want) {
                failed.push(format!(
                    "scrape 1: {s} is {:?}, wanted {want}",
                    sample(&text, &s)
                ));
            }
        }
    }
    if sample(&text, "zswap_enabled").is_some() {
        failed.push("scrape 1: zswap_enabled is exported on a host without zswap".into());
    }
    failed
}

/// What to run.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) distros: Vec<Series>,
    pub(crate) scenarios: Vec<&'static Scenario>,
    pub(crate) work_dir: PathBuf,
    pub(crate) deb: PathBuf,
    pub(crate) memory_mb: u32,
    pub(crate) boot_timeout: Duration,
    /// Guests booted at the same time.
    pub(crate) jobs: usize,
}

pub(crate) fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

pub(crate) fn names() -> String {
    SCENARIOS
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One verdict line.
#[derive(Debug)]
pub(crate) struct Verdict {
    pub(crate) pass: bool,
    pub(crate) line: String,
}

/// The tools fieldtest needs, installed with apt when missing.
const TOOLS: &[(&str, &str)] = &[
    ("mmdebstrap", "mmdebstrap"),
    ("mkfs.ext4", "e2fsprogs"),
    ("qemu-system-x86_64", "qemu-system-x86"),
];

fn ensure_tools() -> Result<()> {
    let missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(tool, _)| !on_path(tool))
        .map(|(_, p)| *p)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!(
        "fieldtest: installing {} (apt-get install -y)",
        missing.join(" ")
    );
    if !crate::vm::prereq::apt_install(&missing)? {
        bail!(
            "could not install {}: fieldtest needs mmdebstrap, mkfs.ext4 and QEMU",
            missing.join(" ")
        );
    }
    Ok(())
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// The images of `distros`, each built first when not cached (tools installed when missing).
/// Runs while `dist` compiles: an image build mostly waits on the mirror and on dpkg.
pub(crate) fn prepare_images(
    cache_dir: &Path,
    distros: &[Series],
    mirror: &crate::mirror::DebianMirror,
) -> Vec<Result<image::Image>> {
    let tools = ensure_tools();
    distros
        .iter()
        .map(|&distro| {
            let started = Instant::now();
            let image = tools
                .as_ref()
                .map_err(|e| anyhow::anyhow!("{e:#}"))
                .and_then(|()| image::ensure(cache_dir, distro, mirror));
            if image.is_ok() {
                eprintln!(
                    "fieldtest: {} image ready after {:.0} s",
                    distro.suite(),
                    started.elapsed().as_secs_f64()
                );
            }
            image
        })
        .collect()
}

/// Runs every distro × scenario pair on the images `prepare_images` gave for
/// `opts.distros`, `opts.jobs` guests at a time (TCG runs one guest CPU on one host core),
/// printing each verdict as it comes.
pub(crate) fn run(
    opts: &Options,
    images: &[Result<image::Image>],
    report: &(dyn Fn(&Verdict) + Sync),
) -> Vec<Verdict> {
    let pairs: Vec<(Series, &Result<image::Image>, &Scenario)> = opts
        .distros
        .iter()
        .zip(images)
        .flat_map(|(&d, img)| opts.scenarios.iter().map(move |&sc| (d, img, sc)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&(distro, image, sc)) = pairs.get(i) else {
                        break;
                    };
                    let o = run_pair(opts, image, distro, sc);
                    report(&o);
                    outcomes
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(o);
                }
            });
        }
    });
    outcomes
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn run_pair(
    opts: &Options,
    image: &Result<image::Image>,
    distro: Series,
    sc: &Scenario,
) -> Verdict {
    let started = Instant::now();
    let verdict = image
        .as_ref()
        .map_err(|e| anyhow::anyhow!("image: {e:#}"))
        .and_then(|img| run_one(opts, img, distro, sc));
    eprintln!(
        "fieldtest: {} {} took {:.0} s",
        distro.suite(),
        sc.name,
        started.elapsed().as_secs_f64()
    );
    match verdict {
        Ok(()) => Verdict {
            pass: true,
            line: format!("PASS {} {}", distro.suite(), sc.name),
        },
        Err(e) => Verdict {
            pass: false,
            line: format!(
                "FAIL {} {} {}",
                distro.suite(),
                sc.name,
                format!("{e:#}").replace('\n', " | ")
            ),
        },
    }
}

fn run_one(opts: &Options, img: &image::Image, distro: Series, sc: &Scenario) -> Result<()> {
    let dir = opts
        .work_dir
        .join(format!("{}-{}", distro.suite(), sc.name));
    if dir.exists() {
        fs::remove_dir_all(&dir).with_context(|| format!("removing '{}'", dir.display()))?;
    }
    let share = dir.join("share");
    fs::create_dir_all(&share).with_context(|| format!("creating '{}'", share.display()))?;
    fs::write(share.join("lib.sh"), LIB)?;
    fs::write(share.join(format!("{}.sh", sc.name)), sc.script)?;
    fs::write(share.join("scenario"), sc.name)?;
    fs::copy(&opts.deb, share.join("zswap-tools.deb"))
        .with_context(|| format!("copying '{}'", opts.deb.display()))?;
    let run = guest::Run {
        image: img,
        disk: dir.join("disk.img"),
        share: share.clone(),
        console_log: dir.join("console.log"),
        memory_mb: opts.memory_mb,
        boot_timeout: opts.boot_timeout,
    };
    image::working_copy(img, &run.disk)?;
    let booted = guest::boot_until_result(&run);
    guest::clean(&run);
    let _ = fs::remove_file(share.join("zswap-tools.deb"));
    booted.with_context(|| format!("console: '{}'", run.console_log.display()))?;
    for note in fs::read_to_string(share.join("notes"))
        .unwrap_or_default()
        .lines()
    {
        eprintln!("fieldtest: {} {}: {note}", distro.suite(), sc.name);
    }
    let result = fs::read_to_string(share.join("result")).unwrap_or_default();
    let checks = fs::read_to_string(share.join("checks")).unwrap_or_default();
    let mut failed: Vec<String> = checks
        .lines()
        .filter_map(|l| l.strip_prefix("fail "))
        .map(str::to_owned)
        .collect();
    failed.extend((sc.host_checks)(&share));
    if result.trim() == "PASS" && failed.is_empty() {
        return Ok(());
    }
    if failed.is_empty() {
        failed.push(format!("the guest reported '{}'", result.trim()));
    }
    bail!(
        "{} (log: '{}')",
        failed.join("; "),
        share.join("guest.log").display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRAPE: &str = "# HELP zswap_ebpf_stores_total x\n\
        zswap_ebpf_stores_total{result=\"ok\"} 12\n\
        zswap_ebpf_stores_total{result=\"fail\"} 0\n\
        zswap_stored_pages 5\n\
        zswap_exporter_collector_success{collector=\"ebpf\"} 1\n";

    #[test]
    fn sample_reads_a_labelled_series() {
        assert_eq!(
            sample(SCRAPE, r#"zswap_ebpf_stores_total{result="ok"}"#),
            Some(12.0)
        );
        assert_eq!(sample(SCRAPE, "zswap_stored_pages"), Some(5.0));
        assert_eq!(sample(SCRAPE, "zswap_stored"), None);
    }

    #[test]
    fn exporter_checks_want_probe_counts_and_both_scrapes() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("scrape-1.txt"), SCRAPE).unwrap();
        let failed = exporter_scrapes(dir.path());
        // no loads, no debugfs success, and no second scrape at all
        assert!(
            failed.iter().any(|f| f.contains("zswap_ebpf_loads_total")),
            "{failed:?}"
        );
        assert!(
            failed.iter().any(|f| f.starts_with("scrape 2:")),
            "{failed:?}"
        );
        // nor the socket-activated one
        assert!(
            failed.iter().any(|f| f.starts_with("scrape 3:")),
            "{failed:?}"
        );
        assert!(
            !failed.iter().any(|f| f.contains("stores_total")),
            "{failed:?}"
        );
    }

    #[test]
    fn bad_host_checks_want_the_missing_sources_marked() {
        let dir = tempfile::tempdir().unwrap();
        let good = "zswap_exporter_collector_success{collector=\"sysfs\"} 1\n\
            zswap_exporter_collector_success{collector=\"debugfs\"} 1\n\
            zswap_exporter_collector_source_present{collector=\"sysfs\"} 0\n\
            zswap_exporter_collector_source_present{collector=\"debugfs\"} 0\n";
        fs::write(dir.path().join("scrape-1.txt"), good).unwrap();
        assert_eq!(bad_host_scrape(dir.path()), Vec::<String>::new());
        let with_zswap = good.replace("sysfs\"} 0", "sysfs\"} 1") + "zswap_enabled 1\n";
        fs::write(dir.path().join("scrape-1.txt"), with_zswap).unwrap();
        let failed = bad_host_scrape(dir.path());
        assert_eq!(failed.len(), 2, "{failed:?}");
    }

    #[test]
    fn scenario_names_are_unique_and_found() {
        for s in SCENARIOS {
            assert_eq!(find(s.name).map(|f| f.name), Some(s.name));
        }
        assert!(find("nope").is_none());
    }
}
