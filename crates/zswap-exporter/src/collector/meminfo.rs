//! `--collector.meminfo`: `/proc/meminfo` `Zswap` and `Zswapped`.

use zswap_core::SysRoot;
use zswap_core::stats::meminfo::{MeminfoSample, read_meminfo};

use crate::families::{Families, int};

/// Reads `/proc/meminfo` now.
pub(crate) fn read(root: &SysRoot) -> Result<MeminfoSample, String> {
    read_meminfo(root).map_err(|e| e.to_string())
}

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
