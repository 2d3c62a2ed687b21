//! Figures derived by `zswap_core::ZswapModel` from what the sysfs, debugfs and meminfo
//! collectors read: compression ratio, pool limit and usage. Not a collector of its own.

use zswap_core::ZswapModel;

use crate::families::{Families, Value, int};

/// The derived families.
pub(crate) fn families(out: &mut Families, m: &ZswapModel) {
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
