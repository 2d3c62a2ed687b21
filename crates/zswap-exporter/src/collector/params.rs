//! `--collector.sysfs`: zswap's parameters (`/sys/module/zswap/parameters`), numbers and
//! flags as gauges, string parameters as labels of `zswap_info`; and the kernel's page size,
//! the unit of every `*_pages` metric.

use zswap_core::params::ParamValue;
use zswap_core::{ParamName, SysRoot, ZswapParams, read_params};

use crate::families::{Families, Family, Kind, Labels, Value, flag, ratio};

/// Reads the parameters now; `None` when the kernel has no zswap.
pub(crate) fn read(root: &SysRoot) -> Result<Option<ZswapParams>, String> {
    read_params(root).map_err(|e| e.to_string())
}

/// The parameter families; `page_size` is the kernel's, in bytes.
pub(crate) fn families(out: &mut Families, p: &ZswapParams, page_size: u64) {
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
    out.gauge(
        "zswap_page_size",
        Some("bytes"),
        "The kernel's page size, the unit of every *_pages metric: multiply by it for bytes (4096 on x86_64, 16384 or 65536 on some arm64 kernels).",
        Some(Value::Int(page_size)),
    );
}
