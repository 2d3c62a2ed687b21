//! Turns one [`Scrape`] into metric families, named by Prometheus' rules: prefix `zswap_`,
//! base units (`_bytes`, `_seconds`), `_total` only on counters (added by the encoder),
//! ratios from 0 to 1, string parameters as labels of `zswap_info`, a bounded `reason` label
//! for rejects. A file this kernel lacks gives no sample, and a family without samples is
//! not written: absent is never exported as 0.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};
use zswap_core::params::ParamValue;
use zswap_core::stats::cgroup::{CgroupZswap, Limit};
use zswap_core::{PAGE_SIZE, ParamName, REJECT_REASONS};

use crate::collect::Scrape;

/// Counter, gauge or info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Info,
    Histogram,
}

/// A sample's value. Integers stay exact; the encoder is given `u64` for counters and
/// `i64` (or `f64` when it does not fit) for gauges.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(u64),
    Float(f64),
    Histogram(Box<Hist>),
}

/// A classic histogram: per-bucket counts by upper bound (the encoder makes them
/// cumulative and adds `+Inf` = `count`), and the sum.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hist {
    pub(crate) sum: f64,
    pub(crate) count: u64,
    pub(crate) buckets: Vec<(f64, u64)>,
}

/// Label pairs of one sample.
pub(crate) type Labels = Vec<(&'static str, String)>;

/// One metric family: its base name (without unit and `_total`), unit, kind and samples.
#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub(crate) name: &'static str,
    pub(crate) help: &'static str,
    pub(crate) unit: Option<&'static str>,
    pub(crate) kind: Kind,
    pub(crate) samples: Vec<(Labels, Value)>,
}

impl Family {
    /// The name samples carry in the text formats (`_total`, `_info` included).
    #[cfg(test)]
    pub(crate) fn sample_name(&self) -> String {
        let mut n = self.name.to_owned();
        if let Some(u) = self.unit {
            n.push('_');
            n.push_str(u);
        }
        match self.kind {
            Kind::Counter => n.push_str("_total"),
            Kind::Info => n.push_str("_info"),
            Kind::Gauge | Kind::Histogram => {}
        }
        n
    }
}

/// Collects families, leaving out those with no sample.
#[derive(Debug, Default)]
pub(crate) struct Families {
    list: Vec<Family>,
}

impl Families {
    pub(crate) fn push(&mut self, f: Family) {
        if !f.samples.is_empty() {
            self.list.push(f);
        }
    }

    fn one(
        &mut self,
        kind: Kind,
        name: &'static str,
        unit: Option<&'static str>,
        help: &'static str,
        v: Option<Value>,
    ) {
        self.push(Family {
            name,
            help,
            unit,
            kind,
            samples: v.map(|v| (Vec::new(), v)).into_iter().collect(),
        });
    }

    fn gauge(
        &mut self,
        name: &'static str,
        unit: Option<&'static str>,
        help: &'static str,
        v: Option<Value>,
    ) {
        self.one(Kind::Gauge, name, unit, help, v);
    }

    fn counter(
        &mut self,
        name: &'static str,
        unit: Option<&'static str>,
        help: &'static str,
        v: Option<u64>,
    ) {
        self.one(Kind::Counter, name, unit, help, v.map(Value::Int));
    }

    /// The families, in output order.
    pub(crate) fn list(&self) -> &[Family] {
        &self.list
    }
}

fn int(v: Option<u64>) -> Option<Value> {
    v.map(Value::Int)
}

fn flag(b: Option<bool>) -> Option<Value> {
    b.map(|b| Value::Int(u64::from(b)))
}

fn ratio(percent: Option<u32>) -> Option<Value> {
    percent.map(|p| Value::Float(f64::from(p) / 100.0))
}

/// The families of one scrape, built from what it read.
pub(crate) fn families(s: &Scrape, version: &'static str) -> Families {
    let mut out = Families::default();
    sysfs(&mut out, s);
    debugfs(&mut out, s);
    meminfo(&mut out, s);
    vmstat(&mut out, s);
    derived(&mut out, s);
    cgroups(&mut out, s);
    crate::ebpf::families(&mut out, s);
    crate::zram::families(&mut out, s);
    exporter(&mut out, s, version);
    out
}

fn sysfs(out: &mut Families, s: &Scrape) {
    let Some(p) = &s.params else { return };
    let b = |n: ParamName| p.get(n).and_then(ParamValue::as_bool);
    let u = |n: ParamName| p.get(n).and_then(ParamValue::as_uint);
    out.gauge(
        "zswap_enabled",
        None,
        "1 if zswap stores new pages (parameter enabled), else 0.",
        flag(b(ParamName::Enabled)),
    );
    out.gauge(
        "zswap_max_pool",
        Some("ratio"),
        "Pool limit as a fraction of RAM (parameter max_pool_percent / 100).",
        ratio(u(ParamName::MaxPoolPercent)),
    );
    out.gauge("zswap_accept_threshold", Some("ratio"), "After hitting the limit, the pool accepts stores again below this fraction of it (parameter accept_threshold_percent / 100).", ratio(u(ParamName::AcceptThresholdPercent)));
    out.gauge(
        "zswap_shrinker_enabled",
        None,
        "1 if proactive writeback under memory pressure is on (parameter shrinker_enabled, 6.8+).",
        flag(b(ParamName::ShrinkerEnabled)),
    );
    out.gauge("zswap_same_filled_pages_enabled", None, "1 if same-filled pages are stored without compression (parameter same_filled_pages_enabled, up to 6.9).", flag(b(ParamName::SameFilledPagesEnabled)));
    out.gauge("zswap_non_same_filled_pages_enabled", None, "1 if pages that are not same-filled are stored (parameter non_same_filled_pages_enabled, up to 6.9).", flag(b(ParamName::NonSameFilledPagesEnabled)));
    out.gauge(
        "zswap_exclusive_loads_enabled",
        None,
        "1 if a loaded page is dropped from the pool (parameter exclusive_loads, 6.5 to 6.7).",
        flag(b(ParamName::ExclusiveLoads)),
    );
    let mut labels: Labels = Vec::new();
    for (name, v) in p.iter() {
        if let ParamValue::Text(t) = v {
            labels.push((name.as_str(), t.clone()));
        }
    }
    if !labels.is_empty() {
        out.push(Family {
            name: "zswap",
            help: "zswap's string parameters (compressor, and zpool before 6.18) as labels; the value is 1.",
            unit: None,
            kind: Kind::Info,
            samples: vec![(labels, Value::Int(1))],
        });
    }
}

fn debugfs(out: &mut Families, s: &Scrape) {
    let Some(d) = &s.debugfs else { return };
    out.gauge(
        "zswap_pool_size",
        Some("bytes"),
        "Memory the compressed pool takes from the allocator (debugfs pool_total_size).",
        int(d.get("pool_total_size")),
    );
    out.gauge(
        "zswap_stored_pages",
        None,
        "Pages currently stored in zswap (debugfs stored_pages).",
        int(d.get("stored_pages")),
    );
    out.gauge(
        "zswap_same_filled_pages",
        None,
        "Stored pages kept as one repeated word (debugfs same_filled_pages, up to 6.11).",
        int(d.get("same_filled_pages")),
    );
    out.gauge("zswap_stored_incompressible_pages", None, "Stored pages kept uncompressed because they did not compress (debugfs stored_incompressible_pages, 6.18+).", int(d.get("stored_incompressible_pages")));
    out.counter(
        "zswap_pool_limit_hit",
        None,
        "Stores that found the pool at its limit (debugfs pool_limit_hit).",
        d.get("pool_limit_hit"),
    );
    let rejects: Vec<(Labels, Value)> = REJECT_REASONS
        .iter()
        .filter_map(|(reason, file)| {
            d.get(file)
                .map(|v| (vec![("reason", (*reason).to_owned())], Value::Int(v)))
        })
        .collect();
    out.push(Family {
        name: "zswap_rejects",
        help: "Pages zswap refused, by reason (debugfs reject_*); reclaim_fail counts failed writebacks of stored entries on 6.8+.",
        unit: None,
        kind: Kind::Counter,
        samples: rejects,
    });
    out.counter(
        "zswap_decompress_failures",
        None,
        "Loads or writebacks whose decompression failed (debugfs decompress_fail, 6.16+).",
        d.get("decompress_fail"),
    );
    out.counter(
        "zswap_written_back_pages",
        None,
        "Pages written back from zswap to the swap device (debugfs written_back_pages).",
        d.get("written_back_pages"),
    );
    out.counter(
        "zswap_duplicate_entries",
        None,
        "Stores that found an entry at the same swap offset (debugfs duplicate_entry, up to 6.8).",
        d.get("duplicate_entry"),
    );
    let fs = |k: &str| d.frontswap.get(k).copied();
    out.counter(
        "zswap_frontswap_loads",
        None,
        "frontswap loads (debugfs frontswap/loads, 6.1).",
        fs("loads"),
    );
    out.counter(
        "zswap_frontswap_succ_stores",
        None,
        "frontswap stores that succeeded (debugfs frontswap/succ_stores, 6.1).",
        fs("succ_stores"),
    );
    out.counter(
        "zswap_frontswap_failed_stores",
        None,
        "frontswap stores that failed (debugfs frontswap/failed_stores, 6.1).",
        fs("failed_stores"),
    );
    out.counter(
        "zswap_frontswap_invalidates",
        None,
        "frontswap invalidations (debugfs frontswap/invalidates, 6.1).",
        fs("invalidates"),
    );
}

fn meminfo(out: &mut Families, s: &Scrape) {
    let Some(m) = &s.meminfo else { return };
    out.gauge("zswap_meminfo_zswap", Some("bytes"), "Compressed pool size, allocator pages (/proc/meminfo Zswap; node_exporter's node_memory_Zswap_bytes).", int(m.zswap_bytes));
    out.gauge(
        "zswap_meminfo_zswapped",
        Some("bytes"),
        "Stored pages at their uncompressed size (/proc/meminfo Zswapped).",
        int(m.zswapped_bytes),
    );
}

fn vmstat(out: &mut Families, s: &Scrape) {
    let Some(v) = &s.vmstat else { return };
    out.counter(
        "zswap_pages_stored",
        None,
        "Pages stored into zswap (/proc/vmstat zswpout).",
        v.get("zswpout"),
    );
    out.counter(
        "zswap_pages_loaded",
        None,
        "Pages loaded from zswap (/proc/vmstat zswpin).",
        v.get("zswpin"),
    );
    out.counter(
        "zswap_pages_written_back",
        None,
        "Pages written back from zswap to swap (/proc/vmstat zswpwb, 6.8+).",
        v.get("zswpwb"),
    );
    out.counter(
        "zswap_swapout_zero_pages",
        None,
        "Zero-filled pages swapped out without I/O or zswap (/proc/vmstat swpout_zero, 6.12+).",
        v.get("swpout_zero"),
    );
    out.counter(
        "zswap_swapin_zero_pages",
        None,
        "Zero-filled pages swapped in without I/O (/proc/vmstat swpin_zero, 6.12+).",
        v.get("swpin_zero"),
    );
    out.counter(
        "zswap_swap_device_pages_out",
        None,
        "Pages written to swap devices (/proc/vmstat pswpout).",
        v.get("pswpout"),
    );
    out.counter(
        "zswap_swap_device_pages_in",
        None,
        "Pages read from swap devices (/proc/vmstat pswpin).",
        v.get("pswpin"),
    );
    let zs = v.get("nr_zspages").and_then(|p| p.checked_mul(PAGE_SIZE));
    out.gauge(
        "zswap_zsmalloc",
        Some("bytes"),
        "Memory of all zsmalloc pools, zswap's and zram's (/proc/vmstat nr_zspages).",
        int(zs),
    );
}

fn derived(out: &mut Families, s: &Scrape) {
    if s.params.is_none() && s.debugfs.is_none() && s.meminfo.is_none() {
        return;
    }
    let m = s.model();
    out.gauge("zswap_compression", Some("ratio"), "Uncompressed size of the stored pages over the pool size (stored_pages x page size / pool_total_size, else Zswapped / Zswap); absent while the pool is empty.", m.compression_ratio.map(Value::Float));
    out.gauge(
        "zswap_pool_limit",
        Some("bytes"),
        "Pool limit: MemTotal pages x max_pool_percent / 100, in bytes.",
        int(m.pool_limit_bytes),
    );
    out.gauge("zswap_pool_accept_threshold", Some("bytes"), "After hitting the limit, stores resume below this pool size (limit x accept_threshold_percent / 100).", int(m.accept_threshold_bytes));
    out.gauge(
        "zswap_pool_usage",
        Some("ratio"),
        "Pool size over the pool limit.",
        m.pool_usage_ratio.map(Value::Float),
    );
}

fn cgroups(out: &mut Families, s: &Scrape) {
    let Some(r) = &s.cgroups else { return };
    let per = |f: &dyn Fn(&CgroupZswap) -> Option<Value>| -> Vec<(Labels, Value)> {
        r.cgroups
            .iter()
            .filter_map(|cg| f(cg).map(|v| (vec![("cgroup", cg.path.clone())], v)))
            .collect()
    };
    let stat = |k: &'static str| move |cg: &CgroupZswap| cg.stat.get(k).copied().map(Value::Int);
    let fams = [
        (
            "zswap_cgroup_compressed",
            Some("bytes"),
            Kind::Gauge,
            "Compressed bytes charged to the cgroup (memory.stat zswap, else memory.zswap.current).",
            per(&|cg| {
                cg.stat
                    .get("zswap")
                    .copied()
                    .or(cg.zswap_current_bytes)
                    .map(Value::Int)
            }),
        ),
        (
            "zswap_cgroup_stored",
            Some("bytes"),
            Kind::Gauge,
            "The cgroup's stored pages at their uncompressed size (memory.stat zswapped).",
            per(&stat("zswapped")),
        ),
        (
            "zswap_cgroup_incompressible",
            Some("bytes"),
            Kind::Gauge,
            "The cgroup's pages stored uncompressed (memory.stat zswap_incomp, 7.0+).",
            per(&stat("zswap_incomp")),
        ),
        (
            "zswap_cgroup_pages_stored",
            None,
            Kind::Counter,
            "Pages of the cgroup stored into zswap (memory.stat zswpout).",
            per(&stat("zswpout")),
        ),
        (
            "zswap_cgroup_pages_loaded",
            None,
            Kind::Counter,
            "Pages of the cgroup loaded from zswap (memory.stat zswpin).",
            per(&stat("zswpin")),
        ),
        (
            "zswap_cgroup_pages_written_back",
            None,
            Kind::Counter,
            "Pages of the cgroup written back to swap (memory.stat zswpwb, 6.8+).",
            per(&stat("zswpwb")),
        ),
        (
            "zswap_cgroup_max",
            Some("bytes"),
            Kind::Gauge,
            "The cgroup's zswap limit (memory.zswap.max); +Inf when 'max'.",
            per(&|cg| {
                cg.zswap_max.map(|l| match l {
                    Limit::Max => Value::Float(f64::INFINITY),
                    Limit::Bytes(b) => Value::Int(b),
                })
            }),
        ),
        (
            "zswap_cgroup_writeback_enabled",
            None,
            Kind::Gauge,
            "1 if the cgroup's pages may be written back from zswap to swap (memory.zswap.writeback, 6.8+).",
            per(&|cg| flag(cg.zswap_writeback)),
        ),
    ];
    for (name, unit, kind, help, samples) in fams {
        out.push(Family {
            name,
            help,
            unit,
            kind,
            samples,
        });
    }
}

fn exporter(out: &mut Families, s: &Scrape, version: &'static str) {
    let label = |o: &crate::collect::Outcome| vec![("collector", o.name.as_str().to_owned())];
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
        s.cgroups
            .as_ref()
            .map(|r| Value::Int(u64::from(r.truncated))),
    );
    out.push(Family {
        name: "zswap_exporter_build",
        help: "The exporter's version as a label; the value is 1.",
        unit: None,
        kind: Kind::Info,
        samples: vec![(vec![("version", version.to_owned())], Value::Int(1))],
    });
}

/// The exposition formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Prometheus text 0.0.4 (also what node_exporter's textfile collector reads).
    Text,
    /// OpenMetrics text 1.0.0.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Text => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

#[derive(Debug)]
struct FamiliesCollector(Families);

impl Collector for FamiliesCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for f in self.0.list() {
            let unit = f.unit.map(|u| match u {
                "bytes" => Unit::Bytes,
                "seconds" => Unit::Seconds,
                other => Unit::Other(other.to_owned()),
            });
            let ty = match f.kind {
                Kind::Counter => MetricType::Counter,
                Kind::Gauge => MetricType::Gauge,
                Kind::Info => MetricType::Info,
                Kind::Histogram => MetricType::Histogram,
            };
            let mut me = encoder.encode_descriptor(f.name, f.help, unit.as_ref(), ty)?;
            if f.kind == Kind::Info {
                // one sample per info family, by construction
                if let Some((labels, _)) = f.samples.first() {
                    Info::new(labels.clone()).encode(me)?;
                }
                continue;
            }
            for (labels, value) in &f.samples {
                let mut fe = me.encode_family(labels)?;
                match (f.kind, value) {
                    (_, Value::Histogram(h)) => {
                        fe.encode_histogram::<Vec<(&str, &str)>>(h.sum, h.count, &h.buckets, None)?
                    }
                    (Kind::Counter, Value::Int(v)) => ConstCounter::new(*v).encode(fe)?,
                    (Kind::Counter, Value::Float(v)) => ConstCounter::new(*v).encode(fe)?,
                    (_, Value::Int(v)) => match i64::try_from(*v) {
                        Ok(i) => ConstGauge::new(i).encode(fe)?,
                        // beyond i64 the client refuses integers; a float keeps the magnitude
                        Err(_) => ConstGauge::new(*v as f64).encode(fe)?,
                    },
                    (_, Value::Float(v)) => ConstGauge::new(*v).encode(fe)?,
                }
            }
        }
        Ok(())
    }
}

/// Encodes the families in `format`.
pub(crate) fn render(fams: Families, format: Format) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(FamiliesCollector(fams)));
    let mut buf = String::with_capacity(16 * 1024);
    match format {
        Format::Text => prometheus_client::encoding::prometheus_text::encode(&mut buf, &registry)?,
        Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut buf, &registry)?,
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::{CollectConfig, CollectorName, collect};
    use zswap_core::stats::cgroup::CgroupFilter;
    use zswap_testkit::{FixtureRoot, meminfo_text};

    fn scrape(f: &FixtureRoot) -> Scrape {
        collect(&CollectConfig {
            root: f.root(),
            enabled: CollectorName::ALL
                .into_iter()
                .filter(|c| *c != CollectorName::Ebpf)
                .collect(),
            cgroup_filter: CgroupFilter::default(),
            ebpf: None,
        })
    }

    fn names(s: &Scrape) -> Vec<String> {
        families(s, "test")
            .list()
            .iter()
            .map(Family::sample_name)
            .collect()
    }

    fn family<'a>(f: &'a Families, name: &str) -> Option<&'a Family> {
        f.list().iter().find(|x| x.sample_name() == name)
    }

    fn tree_6_18() -> FixtureRoot {
        let f = FixtureRoot::new();
        f.params_6_18();
        f.proc("meminfo", &meminfo_text(1_000_000, Some((400, 1600))));
        f.proc(
            "vmstat",
            "zswpin 3\nzswpout 10\nzswpwb 1\nswpout_zero 2\nswpin_zero 1\n",
        );
        for (n, v) in [
            ("pool_total_size", 409_600u64),
            ("stored_pages", 400),
            ("stored_incompressible_pages", 2),
            ("pool_limit_hit", 0),
            ("reject_compress_poor", 1),
            ("reject_compress_fail", 2),
            ("reject_alloc_fail", 3),
            ("reject_kmemcache_fail", 4),
            ("reject_reclaim_fail", 5),
            ("decompress_fail", 0),
            ("written_back_pages", 6),
        ] {
            f.debugfs(n, v);
        }
        f
    }

    #[test]
    fn every_6_18_file_has_its_metric() {
        let n = names(&scrape(&tree_6_18()));
        for want in [
            "zswap_enabled",
            "zswap_info",
            "zswap_pool_size_bytes",
            "zswap_stored_pages",
            "zswap_stored_incompressible_pages",
            "zswap_rejects_total",
            "zswap_decompress_failures_total",
            "zswap_written_back_pages_total",
            "zswap_pages_written_back_total",
            "zswap_meminfo_zswap_bytes",
            "zswap_compression_ratio",
            "zswap_pool_limit_bytes",
        ] {
            assert!(n.iter().any(|x| x == want), "{want} missing from {n:?}");
        }
        // 6.1-only files are absent, not zero
        assert!(!n.iter().any(|x| x == "zswap_same_filled_pages"));
        assert!(!n.iter().any(|x| x == "zswap_duplicate_entries_total"));
    }

    #[test]
    fn rejects_carry_only_the_reasons_this_kernel_counts() {
        let f = tree_6_18();
        std::fs::remove_file(f.path().join("sys/kernel/debug/zswap/reject_compress_fail")).unwrap();
        let fams = families(&scrape(&f), "test");
        let r = family(&fams, "zswap_rejects_total").unwrap();
        let reasons: Vec<&str> = r.samples.iter().map(|(l, _)| l[0].1.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "compress_poor",
                "alloc_fail",
                "kmemcache_fail",
                "reclaim_fail"
            ]
        );
    }

    #[test]
    fn ratios_are_fractions() {
        let fams = families(&scrape(&tree_6_18()), "test");
        let v = |n: &str| family(&fams, n).unwrap().samples[0].1.clone();
        assert_eq!(v("zswap_max_pool_ratio"), Value::Float(0.2));
        assert_eq!(v("zswap_accept_threshold_ratio"), Value::Float(0.9));
        // 400 pages x 4096 / 409600 bytes
        assert_eq!(v("zswap_compression_ratio"), Value::Float(4.0));
    }

    #[test]
    fn zpool_is_an_info_label_on_6_12() {
        let f = FixtureRoot::new();
        f.params_6_18().param("zpool", "zsmalloc");
        let fams = families(&scrape(&f), "test");
        let info = family(&fams, "zswap_info").unwrap();
        assert_eq!(
            info.samples[0].0,
            vec![
                ("zpool", "zsmalloc".to_owned()),
                ("compressor", "lzo".to_owned())
            ]
        );
    }

    #[test]
    fn kernel_without_zswap_exports_only_self_metrics() {
        let f = FixtureRoot::new();
        f.proc("meminfo", &meminfo_text(1000, None));
        f.proc("vmstat", "nr_free_pages 1\n");
        let n = names(&scrape(&f));
        assert!(n.iter().all(|x| x.starts_with("zswap_exporter_")), "{n:?}");
    }

    /// The probe's pages for the workload cgroup come out under the same `cgroup` label as
    /// its memory.stat zswpout, so the two series can be compared (the exporter vmtest
    /// scenario checks they are equal on real kernels).
    #[test]
    fn ebpf_cgroup_pages_share_the_cgroup_label_with_memory_stat() {
        use std::collections::BTreeMap;
        use std::os::unix::fs::MetadataExt;

        use zswap_probe::{CgroupTotals, ProbeSnapshot};

        let f = FixtureRoot::new();
        f.proc("mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
        f.file("sys/fs/cgroup/cgroup.controllers", "memory\n");
        f.file("sys/fs/cgroup/memory.stat", "zswpout 20\n");
        f.file(
            "sys/fs/cgroup/workload/memory.stat",
            "zswap 8192\nzswpout 13\n",
        );
        let id = std::fs::metadata(f.path().join("sys/fs/cgroup/workload"))
            .unwrap()
            .ino();
        let totals = CgroupTotals {
            store_ok_pages: 13,
            ..CgroupTotals::default()
        };
        let snap = ProbeSnapshot::from_raw(&[], &[], &[], &[], BTreeMap::from([(id, totals)]));
        let s = collect(&CollectConfig {
            root: f.root(),
            enabled: [CollectorName::Cgroup, CollectorName::Ebpf]
                .into_iter()
                .collect(),
            cgroup_filter: CgroupFilter::default(),
            ebpf: Some(crate::ebpf::EbpfSource::fixed(snap)),
        });
        assert!(
            s.outcomes.iter().all(|o| o.error.is_none()),
            "{:?}",
            s.outcomes
        );
        let fams = families(&s, "t");
        let sample = |name: &str| {
            family(&fams, name)
                .unwrap()
                .samples
                .iter()
                .find(|(l, _)| l == &vec![("cgroup", "/workload".to_owned())])
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            sample("zswap_ebpf_cgroup_pages_stored_total"),
            Some(Value::Int(13))
        );
        assert_eq!(
            sample("zswap_ebpf_cgroup_pages_stored_total"),
            sample("zswap_cgroup_pages_stored_total")
        );
    }

    #[test]
    fn cgroup_max_is_infinite_when_unlimited() {
        let f = FixtureRoot::new();
        f.file("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        f.file(
            "sys/fs/cgroup/memory.stat",
            "anon 1\nzswap 10\nzswapped 40\nzswpin 1\nzswpout 2\nzswpwb 0\n",
        );
        f.file(
            "sys/fs/cgroup/work/memory.stat",
            "zswap 5\nzswapped 20\nzswpin 1\nzswpout 1\n",
        );
        f.file("sys/fs/cgroup/work/memory.zswap.current", "5\n");
        f.file("sys/fs/cgroup/work/memory.zswap.max", "max\n");
        f.file("sys/fs/cgroup/work/memory.zswap.writeback", "1\n");
        let fams = families(&scrape(&f), "test");
        let max = family(&fams, "zswap_cgroup_max_bytes").unwrap();
        assert_eq!(
            max.samples,
            vec![(
                vec![("cgroup", "/work".to_owned())],
                Value::Float(f64::INFINITY)
            )]
        );
        let c = family(&fams, "zswap_cgroup_compressed_bytes").unwrap();
        assert_eq!(c.samples.len(), 2);
        assert!(family(&fams, "zswap_cgroup_incompressible_bytes").is_none());
        let text = render(fams, Format::Text).unwrap();
        assert!(
            text.contains("zswap_cgroup_max_bytes{cgroup=\"/work\"} +Inf\n"),
            "{text}"
        );
    }

    #[test]
    fn openmetrics_has_units_and_eof() {
        let text = render(families(&scrape(&tree_6_18()), "test"), Format::OpenMetrics).unwrap();
        assert!(
            text.contains("# UNIT zswap_pool_size_bytes bytes\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE zswap_rejects counter\n"), "{text}");
        assert!(
            text.contains("zswap_rejects_total{reason=\"alloc_fail\"} 3\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE zswap info\n"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn text_format_types_counters_by_sample_name() {
        let text = render(families(&scrape(&tree_6_18()), "test"), Format::Text).unwrap();
        assert!(
            text.contains("# TYPE zswap_rejects_total counter\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE zswap_info gauge\n"), "{text}");
        assert!(!text.contains("# EOF"));
    }

    #[test]
    fn huge_gauges_do_not_fail_encoding() {
        let mut fams = Families::default();
        fams.gauge("zswap_x", None, "h", Some(Value::Int(u64::MAX)));
        let text = render(fams, Format::Text).unwrap();
        assert!(text.contains("zswap_x 18446744073709553000.0\n"), "{text}");
    }
}
