//! Collectors, node_exporter's `collector/` layout: one file per kernel surface, each
//! reading through `zswap_core` fresh on every scrape and turning what it read into metric
//! families. This module runs the enabled ones, records whether each could read and how long
//! it took (node_exporter's `node_scrape_collector_{success,duration_seconds}` pattern), and
//! puts the families in output order. Imports run one way: `http` uses this module, this
//! module uses its collector files, and they use only `crate::families`.
//!
//! "No data" is not a failure: a kernel without zswap, debugfs without a `zswap/` directory
//! or a cgroup v2 hierarchy without the memory controller give success and no metrics. Not
//! being allowed to read (debugfs as a normal user) or not finding debugfs mounted is a
//! failure, with a reason.

mod cgroup;
mod debugfs;
mod derived;
mod ebpf;
mod meminfo;
mod params;
#[cfg(test)]
mod tests;
mod vmstat;
mod zram;

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use zswap_core::stats::cgroup::CgroupFilter;
use zswap_core::zram::ZramReading;
use zswap_core::{SysRoot, ZswapModel, ZswapSample};
use zswap_probe::ProbeSnapshot;

use crate::families::{Families, Family, Kind, Value};

use ebpf::CgroupLabels;
pub(crate) use ebpf::EbpfSource;

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
    /// zram devices: `/sys/block/zramN/*` and `/proc/swaps` (`zram.rs`).
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
    /// The kernel's page size in bytes (`main` asks the kernel; tests fix it).
    pub(crate) page_size: u64,
}

/// How one collector fared in one scrape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CollectorRun {
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
    /// What the sysfs, debugfs, meminfo, vmstat and cgroup collectors read, as the sample
    /// zswap-core's readers fill (the derived figures come from it unchanged).
    pub(crate) sample: ZswapSample,
    /// What the eBPF probe measured.
    pub(crate) ebpf: Option<ProbeSnapshot>,
    /// The cgroup paths of the probe's cgroup ids.
    pub(crate) ebpf_cgroups: Option<CgroupLabels>,
    /// zram devices.
    pub(crate) zram: Option<ZramReading>,
    /// One entry per collector that ran.
    pub(crate) outcomes: Vec<CollectorRun>,
}

impl Scrape {
    /// Whether the collector `name` found its kernel source in this scrape.
    fn has_source(&self, name: CollectorName) -> bool {
        let sample = &self.sample;
        match name {
            CollectorName::Sysfs => sample.params.is_some(),
            CollectorName::Debugfs => sample.debugfs.as_ref().is_some_and(|d| d.stats.is_some()),
            // the files are always there; zswap's lines are what this kernel may lack
            CollectorName::Meminfo => sample.meminfo.is_some_and(|m| m.zswap_bytes.is_some()),
            CollectorName::Vmstat => sample
                .vmstat
                .as_ref()
                .is_some_and(|v| v.get("zswpout").is_some()),
            CollectorName::Cgroup => sample.cgroups.is_some(),
            CollectorName::Ebpf => self.ebpf.is_some(),
            CollectorName::Zram => self.zram.as_ref().is_some_and(|z| !z.devices.is_empty()),
        }
    }
}

/// Runs every enabled collector once, reading the kernel's files now.
pub(crate) fn collect(cfg: &CollectConfig) -> Scrape {
    let mut s = Scrape::default();
    s.sample.page_size = Some(cfg.page_size);
    for name in CollectorName::ALL {
        if !cfg.enabled.contains(&name) {
            continue;
        }
        let start = Instant::now();
        let sample = &mut s.sample;
        let result = match name {
            CollectorName::Sysfs => params::read(&cfg.root).map(|p| sample.params = p),
            CollectorName::Debugfs => debugfs::read(&cfg.root).map(|d| sample.debugfs = Some(d)),
            CollectorName::Meminfo => meminfo::read(&cfg.root).map(|m| sample.meminfo = Some(m)),
            CollectorName::Vmstat => vmstat::read(&cfg.root).map(|v| sample.vmstat = Some(v)),
            CollectorName::Cgroup => {
                cgroup::read(&cfg.root, &cfg.cgroup_filter).map(|c| sample.cgroups = c)
            }
            CollectorName::Ebpf => collect_ebpf(cfg, &mut s),
            CollectorName::Zram => zram::read(&cfg.root).map(|z| s.zram = Some(z)),
        };
        let error = result.err();
        let source_present = error.is_none() && s.has_source(name);
        s.outcomes.push(CollectorRun {
            name,
            duration: start.elapsed(),
            error,
            source_present,
        });
    }
    s
}

fn collect_ebpf(cfg: &CollectConfig, s: &mut Scrape) -> Result<(), String> {
    let Some(src) = &cfg.ebpf else {
        return Err("the probe was not loaded".to_owned());
    };
    let snap = src.snapshot()?;
    // the global figures are exported even when the per-cgroup ones cannot be labelled
    let labels = src.cgroup_labels(&cfg.root, &snap, &cfg.cgroup_filter);
    s.ebpf = Some(snap);
    s.ebpf_cgroups = Some(labels.map_err(|e| format!("per-cgroup totals: {e}"))?);
    Ok(())
}

/// The families of one scrape, in output order.
pub(crate) fn families(s: &Scrape, version: &'static str) -> Families {
    let mut out = Families::default();
    let sample = &s.sample;
    if let Some(p) = &sample.params {
        params::families(&mut out, p, sample.page_bytes());
    }
    if let Some(d) = sample.debugfs.as_ref().and_then(|r| r.stats.as_ref()) {
        debugfs::families(&mut out, d);
    }
    if let Some(m) = &sample.meminfo {
        meminfo::families(&mut out, m);
    }
    if let Some(v) = &sample.vmstat {
        vmstat::families(&mut out, v, sample.page_bytes());
    }
    if sample.params.is_some() || sample.debugfs.is_some() || sample.meminfo.is_some() {
        derived::families(&mut out, &ZswapModel::new(sample, None));
    }
    if let Some(c) = &sample.cgroups {
        cgroup::families(&mut out, c);
    }
    if let Some(snap) = &s.ebpf {
        ebpf::families(&mut out, snap, s.ebpf_cgroups.as_ref());
    }
    if let Some(z) = &s.zram {
        zram::families(&mut out, z);
    }
    exporter(&mut out, s, version);
    out
}

/// The exporter's own families: how each collector fared, and its version.
fn exporter(out: &mut Families, s: &Scrape, version: &'static str) {
    let label = |o: &CollectorRun| vec![("collector", o.name.as_str().to_owned())];
    out.push(Family {
        name: "zswap_exporter_collector_success",
        help: "1 if the collector could read its files in this scrape, else 0 (the exporter's log says why).",
        unit: None,
        kind: Kind::Gauge,
        samples: s
            .outcomes
            .iter()
            .map(|o| (label(o), Value::Int(u64::from(o.error.is_none()))))
            .collect(),
    });
    out.push(Family {
        name: "zswap_exporter_collector_source_present",
        help: "1 if this kernel has what the collector reads, 0 if it lacks it (no zswap, debugfs without zswap/, no cgroup v2 memory controller, no zram device) or the collector failed.",
        unit: None,
        kind: Kind::Gauge,
        samples: s
            .outcomes
            .iter()
            .map(|o| (label(o), Value::Int(u64::from(o.source_present))))
            .collect(),
    });
    out.push(Family {
        name: "zswap_exporter_collector_duration",
        help: "Time the collector took in this scrape.",
        unit: Some("seconds"),
        kind: Kind::Gauge,
        samples: s
            .outcomes
            .iter()
            .map(|o| (label(o), Value::Float(o.duration.as_secs_f64())))
            .collect(),
    });
    out.gauge(
        "zswap_exporter_cgroups_truncated",
        None,
        "1 if more cgroups matched than --collector.cgroup.max-count and the rest were left out.",
        s.sample
            .cgroups
            .as_ref()
            .map(|r| Value::Int(u64::from(r.truncated))),
    );
    out.push(Family {
        name: "zswap_exporter_build",
        help: "The exporter's version, git commit (revision, unknown when built outside git) and compiler version (rustversion) as labels; the value is 1.",
        unit: None,
        kind: Kind::Info,
        samples: vec![(
            vec![
                ("version", version.to_owned()),
                ("revision", env!("ZSWAP_EXPORTER_REVISION").to_owned()),
                ("rustversion", env!("ZSWAP_EXPORTER_RUSTVERSION").to_owned()),
            ],
            Value::Int(1),
        )],
    });
}
