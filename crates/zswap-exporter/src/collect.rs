//! Collectors: each reads one kernel surface through `zswap_core`, fresh on every scrape, and
//! records whether it could and how long it took (node_exporter's
//! `node_scrape_collector_{success,duration_seconds}` pattern). See
//! `Documentation/admin-guide/mm/zswap.rst`.
//!
//! "No data" is not a failure: a kernel without zswap, debugfs without a `zswap/` directory
//! (6.12+ create it on the first enable) or a cgroup v2 hierarchy without the memory
//! controller give success and no metrics. Not being allowed to read (debugfs as a normal
//! user) or not finding debugfs mounted is a failure, with a reason.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use zswap_core::stats::cgroup::{CgroupFilter, CgroupsReading, find_cgroup2, read_cgroups};
use zswap_core::stats::debugfs::{DebugfsReading, DebugfsStats, DebugfsStatus, read_debugfs};
use zswap_core::stats::meminfo::{MeminfoSample, read_meminfo};
use zswap_core::stats::vmstat::{VmstatSample, read_vmstat};
use zswap_core::{SysRoot, ZswapModel, ZswapParams, ZswapSample, read_params};
use zswap_probe::ProbeSnapshot;

use crate::ebpf::{CgroupLabels, EbpfSource};

/// A collector's name, as used in `--collector.<name>` and the `collector` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum CollectorName {
    /// `/sys/module/zswap/parameters`.
    Sysfs,
    /// `/sys/kernel/debug/zswap` (root).
    Debugfs,
    /// `/proc/meminfo` `Zswap`/`Zswapped`.
    Meminfo,
    /// `/proc/vmstat` zswap and swap counters.
    Vmstat,
    /// cgroup v2 `memory.zswap.*` and `memory.stat`.
    Cgroup,
    /// The eBPF probe's histograms and counts (root; off by default).
    Ebpf,
    /// zram devices: `/sys/block/zramN/*` and `/proc/swaps` (`crate::zram`).
    Zram,
}

impl CollectorName {
    /// Every collector, in output order.
    pub(crate) const ALL: [CollectorName; 7] = [
        CollectorName::Sysfs,
        CollectorName::Debugfs,
        CollectorName::Meminfo,
        CollectorName::Vmstat,
        CollectorName::Cgroup,
        CollectorName::Ebpf,
        CollectorName::Zram,
    ];

    /// The name in flags and labels.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CollectorName::Sysfs => "sysfs",
            CollectorName::Debugfs => "debugfs",
            CollectorName::Meminfo => "meminfo",
            CollectorName::Vmstat => "vmstat",
            CollectorName::Cgroup => "cgroup",
            CollectorName::Ebpf => "ebpf",
            CollectorName::Zram => "zram",
        }
    }
}

impl fmt::Display for CollectorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CollectorName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CollectorName::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown collector '{s}': known collectors are {}",
                    CollectorName::ALL.map(CollectorName::as_str).join(", ")
                )
            })
    }
}

/// What to read, and where.
#[derive(Debug, Clone)]
pub(crate) struct CollectConfig {
    /// The kernel's file systems (moved with `--path.*`).
    pub(crate) root: SysRoot,
    /// The collectors that run.
    pub(crate) enabled: BTreeSet<CollectorName>,
    /// Which cgroups, and how many at most.
    pub(crate) cgroup_filter: CgroupFilter,
    /// The loaded probe (or why it did not load) when the ebpf collector is on.
    pub(crate) ebpf: Option<EbpfSource>,
}

/// How one collector fared in one scrape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    /// Which collector.
    pub(crate) name: CollectorName,
    /// Time spent reading.
    pub(crate) duration: Duration,
    /// `None` on success; otherwise why it could not read, naming the file.
    pub(crate) error: Option<String>,
    /// Whether this kernel has what the collector reads. A successful collector may find
    /// nothing (no zswap, debugfs without `zswap/`, no memory controller, no zram device):
    /// that is no failure, but a dashboard must be able to tell it from "all zero".
    pub(crate) source_present: bool,
}

/// Everything one scrape read. A source that was not read, or that this kernel lacks, is
/// `None`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scrape {
    /// zswap's parameters.
    pub(crate) params: Option<ZswapParams>,
    /// debugfs counters.
    pub(crate) debugfs: Option<DebugfsStats>,
    /// `/proc/meminfo`.
    pub(crate) meminfo: Option<MeminfoSample>,
    /// `/proc/vmstat`.
    pub(crate) vmstat: Option<VmstatSample>,
    /// Per-cgroup figures.
    pub(crate) cgroups: Option<CgroupsReading>,
    /// What the eBPF probe measured.
    pub(crate) ebpf: Option<ProbeSnapshot>,
    /// The cgroup paths of the probe's cgroup ids.
    pub(crate) ebpf_cgroups: Option<CgroupLabels>,
    /// zram devices.
    pub(crate) zram: Option<zswap_core::zram::ZramReading>,
    /// One entry per collector that ran.
    pub(crate) outcomes: Vec<Outcome>,
}

impl Scrape {
    /// Whether the collector `name` found its kernel source in this scrape.
    fn has_source(&self, name: CollectorName) -> bool {
        match name {
            CollectorName::Sysfs => self.params.is_some(),
            CollectorName::Debugfs => self.debugfs.is_some(),
            // the files are always there; zswap's lines are what this kernel may lack
            CollectorName::Meminfo => self.meminfo.is_some_and(|m| m.zswap_bytes.is_some()),
            CollectorName::Vmstat => self
                .vmstat
                .as_ref()
                .is_some_and(|v| v.get("zswpout").is_some()),
            CollectorName::Cgroup => self.cgroups.is_some(),
            CollectorName::Ebpf => self.ebpf.is_some(),
            CollectorName::Zram => self.zram.as_ref().is_some_and(|z| !z.devices.is_empty()),
        }
    }

    /// The derived figures (ratio, pool limit) from what was read.
    pub(crate) fn model(&self) -> ZswapModel {
        let sample = ZswapSample {
            params: self.params.clone(),
            debugfs: self.debugfs.clone().map(|stats| DebugfsReading {
                status: DebugfsStatus::Available,
                stats: Some(stats),
            }),
            meminfo: self.meminfo,
            vmstat: self.vmstat.clone(),
            ..Default::default()
        };
        ZswapModel::new(&sample, None)
    }
}

/// Runs every enabled collector once, reading the kernel's files now.
pub(crate) fn collect(cfg: &CollectConfig) -> Scrape {
    let mut s = Scrape::default();
    for name in CollectorName::ALL {
        if !cfg.enabled.contains(&name) {
            continue;
        }
        let start = Instant::now();
        let error = match name {
            CollectorName::Sysfs => read_params(&cfg.root)
                .map(|p| s.params = p)
                .map_err(|e| e.to_string())
                .err(),
            CollectorName::Debugfs => collect_debugfs(&cfg.root, &mut s),
            CollectorName::Meminfo => read_meminfo(&cfg.root)
                .map(|m| s.meminfo = Some(m))
                .map_err(|e| e.to_string())
                .err(),
            CollectorName::Vmstat => read_vmstat(&cfg.root)
                .map(|v| s.vmstat = Some(v))
                .map_err(|e| e.to_string())
                .err(),
            CollectorName::Cgroup => collect_cgroups(cfg, &mut s),
            CollectorName::Ebpf => collect_ebpf(cfg, &mut s),
            CollectorName::Zram => crate::zram::collect(&cfg.root, &mut s),
        };
        let source_present = error.is_none() && s.has_source(name);
        s.outcomes.push(Outcome {
            name,
            duration: start.elapsed(),
            error,
            source_present,
        });
    }
    s
}

fn collect_ebpf(cfg: &CollectConfig, s: &mut Scrape) -> Option<String> {
    let Some(src) = &cfg.ebpf else {
        return Some("the probe was not loaded".to_owned());
    };
    let snap = match src.snapshot() {
        Ok(snap) => snap,
        Err(e) => return Some(e),
    };
    // the global figures are exported even when the per-cgroup ones cannot be labelled
    let labels = src.cgroup_labels(&cfg.root, &snap, &cfg.cgroup_filter);
    s.ebpf = Some(snap);
    match labels {
        Ok(l) => {
            s.ebpf_cgroups = Some(l);
            None
        }
        Err(e) => Some(format!("per-cgroup totals: {e}")),
    }
}

fn collect_debugfs(root: &SysRoot, s: &mut Scrape) -> Option<String> {
    match read_debugfs(root) {
        Ok(reading) => match reading.status {
            DebugfsStatus::Available => {
                s.debugfs = reading.stats;
                None
            }
            // zswap never enabled on this boot: nothing to report yet, not a failure. The
            // directory is looked for again on the next scrape.
            DebugfsStatus::NoZswapDir => None,
            DebugfsStatus::NotMounted | DebugfsStatus::PermissionDenied => {
                Some(reading.status.explain().to_owned())
            }
        },
        Err(e) => Some(e.to_string()),
    }
}

fn collect_cgroups(cfg: &CollectConfig, s: &mut Scrape) -> Option<String> {
    let mount = match find_cgroup2(&cfg.root) {
        Ok(Some(m)) => m,
        // no cgroup v2 hierarchy, or one without the memory controller: no data
        Ok(None) => return None,
        Err(e) => return Some(e.to_string()),
    };
    if !mount.memory_controller {
        return None;
    }
    match read_cgroups(&cfg.root, &mount, &cfg.cgroup_filter) {
        Ok(r) => {
            s.cgroups = Some(r);
            None
        }
        Err(e) => Some(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_testkit::{FixtureRoot, meminfo_text};

    fn config(f: &FixtureRoot) -> CollectConfig {
        CollectConfig {
            root: f.root(),
            enabled: CollectorName::ALL
                .into_iter()
                .filter(|c| *c != CollectorName::Ebpf)
                .collect(),
            cgroup_filter: CgroupFilter::default(),
            ebpf: None,
        }
    }

    fn outcome(s: &Scrape, name: CollectorName) -> &Outcome {
        s.outcomes.iter().find(|o| o.name == name).unwrap()
    }

    #[test]
    fn empty_tree_fails_only_the_procfs_collectors() {
        let f = FixtureRoot::new();
        let s = collect(&config(&f));
        assert_eq!(outcome(&s, CollectorName::Sysfs).error, None);
        assert!(outcome(&s, CollectorName::Meminfo).error.is_some());
        assert!(outcome(&s, CollectorName::Vmstat).error.is_some());
        assert!(s.params.is_none());
    }

    #[test]
    fn a_kernel_without_zswap_succeeds_and_marks_the_sources_missing() {
        let f = FixtureRoot::new();
        f.file("sys/kernel/debug/sched/verbose", "N\n");
        f.proc("meminfo", &meminfo_text(1000, None));
        f.proc("vmstat", "nr_free_pages 100\npswpin 0\npswpout 0\n");
        let s = collect(&config(&f));
        for name in [
            CollectorName::Sysfs,
            CollectorName::Debugfs,
            CollectorName::Meminfo,
            CollectorName::Vmstat,
        ] {
            let o = outcome(&s, name);
            assert_eq!(o.error, None, "{name}");
            assert!(!o.source_present, "{name}");
        }
        // with zswap the same collectors find their sources
        f.params_6_18();
        f.debugfs("stored_pages", 7);
        f.proc("meminfo", &meminfo_text(1000, Some((4, 8))));
        f.proc("vmstat", "nr_free_pages 100\nzswpout 3\n");
        let s = collect(&config(&f));
        for name in [
            CollectorName::Sysfs,
            CollectorName::Debugfs,
            CollectorName::Meminfo,
            CollectorName::Vmstat,
        ] {
            assert!(outcome(&s, name).source_present, "{name}");
        }
    }

    #[test]
    fn debugfs_not_mounted_is_a_failure_with_advice() {
        let f = FixtureRoot::new();
        f.params_6_18();
        let s = collect(&config(&f));
        let err = outcome(&s, CollectorName::Debugfs).error.clone().unwrap();
        assert!(err.contains("mount -t debugfs"), "{err}");
    }

    #[test]
    fn debugfs_mounted_without_zswap_dir_is_no_data() {
        let f = FixtureRoot::new();
        f.file("sys/kernel/debug/sched/verbose", "N\n");
        let s = collect(&config(&f));
        assert_eq!(outcome(&s, CollectorName::Debugfs).error, None);
        assert!(s.debugfs.is_none());
    }

    #[test]
    fn debugfs_appearing_later_is_picked_up() {
        let f = FixtureRoot::new();
        f.file("sys/kernel/debug/sched/verbose", "N\n");
        let cfg = config(&f);
        assert!(collect(&cfg).debugfs.is_none());
        f.debugfs("stored_pages", 7);
        assert_eq!(collect(&cfg).debugfs.unwrap().get("stored_pages"), Some(7));
    }

    #[test]
    fn disabled_collectors_do_not_run() {
        let f = FixtureRoot::new();
        f.proc("meminfo", &meminfo_text(1000, Some((4, 8))));
        let mut cfg = config(&f);
        cfg.enabled = [CollectorName::Meminfo].into_iter().collect();
        let s = collect(&cfg);
        assert_eq!(s.outcomes.len(), 1);
        assert!(s.meminfo.is_some());
    }

    #[test]
    fn ebpf_load_failure_is_reported_every_scrape() {
        let f = FixtureRoot::new();
        let mut cfg = config(&f);
        cfg.enabled = [CollectorName::Ebpf].into_iter().collect();
        cfg.ebpf = Some(EbpfSource::failed("fentry refused"));
        for _ in 0..2 {
            let s = collect(&cfg);
            assert_eq!(
                outcome(&s, CollectorName::Ebpf).error.as_deref(),
                Some("fentry refused")
            );
            assert!(s.ebpf.is_none());
        }
    }

    #[test]
    fn collector_names_round_trip() {
        for c in CollectorName::ALL {
            assert_eq!(c.as_str().parse::<CollectorName>().unwrap(), c);
        }
        assert!("bpf".parse::<CollectorName>().is_err());
    }
}
