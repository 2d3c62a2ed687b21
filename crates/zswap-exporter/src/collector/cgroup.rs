//! `--collector.cgroup`: per-cgroup `memory.zswap.*` and the zswap keys of `memory.stat` in
//! the cgroup v2 hierarchy, one series per `cgroup` label (the path, `/` for the root). No
//! cgroup v2 hierarchy, or one without the memory controller, is no data, not a failure.

use zswap_core::SysRoot;
use zswap_core::stats::cgroup::kubepods::parse_kubepods_path;
use zswap_core::stats::cgroup::{
    CgroupFilter, CgroupZswap, CgroupsReading, Limit, find_cgroup2, read_cgroups,
};

use crate::families::{Families, Family, Kind, Labels, Value, flag};

/// Reads the cgroups `filter` selects now; `None` when there is nothing to read.
pub(crate) fn read(
    root: &SysRoot,
    filter: &CgroupFilter,
) -> Result<Option<CgroupsReading>, String> {
    let mount = match find_cgroup2(root).map_err(|e| e.to_string())? {
        Some(m) if m.memory_controller => m,
        _ => return Ok(None),
    };
    read_cgroups(root, &mount, filter)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// `cgroup`, and for a kubelet's cgroups what the path says of the pod and container.
pub(crate) fn cgroup_labels(path: &str) -> Labels {
    let mut labels = vec![("cgroup", path.to_owned())];
    if let Some(k) = parse_kubepods_path(path) {
        labels.push(("qos_class", k.qos_class.as_str().to_owned()));
        labels.extend(k.pod_uid.map(|u| ("pod_uid", u)));
        labels.extend(k.container_id.map(|c| ("container_id", c)));
    }
    labels
}

/// The per-cgroup families.
pub(crate) fn families(out: &mut Families, r: &CgroupsReading) {
    let per = |f: &dyn Fn(&CgroupZswap) -> Option<Value>| -> Vec<(Labels, Value)> {
        r.cgroups
            .iter()
            .filter_map(|cg| f(cg).map(|v| (cgroup_labels(&cg.path), v)))
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
