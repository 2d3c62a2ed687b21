//! `--collector.meminfo`: `/proc/meminfo` `Zswap` and `Zswapped`.

use zswap_core::stats::meminfo::MeminfoSample;

use crate::families::{Families, int};

/// The meminfo families.
pub(crate) fn families(out: &mut Families, m: &MeminfoSample) {
    out.gauge("zswap_meminfo_zswap", Some("bytes"), "Compressed pool size, allocator pages (/proc/meminfo Zswap; node_exporter's node_memory_Zswap_bytes).", int(m.zswap_bytes));
    out.gauge(
        "zswap_meminfo_zswapped",
        Some("bytes"),
        "Stored pages at their uncompressed size (/proc/meminfo Zswapped).",
        int(m.zswapped_bytes),
    );
}
