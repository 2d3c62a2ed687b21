//! `--collector.vmstat`: the zswap and swap counters of `/proc/vmstat`, and zsmalloc's
//! `nr_zspages` in bytes.

use zswap_core::SysRoot;
use zswap_core::stats::vmstat::{VmstatSample, read_vmstat};

use crate::families::{Families, int};

/// Reads `/proc/vmstat` now.
pub(crate) fn read(root: &SysRoot) -> Result<VmstatSample, String> {
    read_vmstat(root).map_err(|e| e.to_string())
}

/// The vmstat families; `page_size` (the kernel's) turns `nr_zspages` into bytes.
pub(crate) fn families(out: &mut Families, v: &VmstatSample, page_size: u64) {
    out.counter(
        "zswap_vmstat_zswpout",
        None,
        "Pages stored into zswap since boot (/proc/vmstat zswpout, node_exporter's node_vmstat_zswpout); the pages stored now are zswap_stored_pages (debugfs).",
        v.get("zswpout"),
    );
    out.counter(
        "zswap_vmstat_zswpin",
        None,
        "Pages loaded from zswap since boot (/proc/vmstat zswpin, node_exporter's node_vmstat_zswpin).",
        v.get("zswpin"),
    );
    out.counter(
        "zswap_vmstat_zswpwb",
        None,
        "Pages written back from zswap to swap (/proc/vmstat zswpwb, 6.8+, readable without root); debugfs counts the same as zswap_written_back_pages_total.",
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
    let zs = v.get("nr_zspages").and_then(|p| p.checked_mul(page_size));
    out.gauge(
        "zswap_zsmalloc",
        Some("bytes"),
        "Memory of all zsmalloc pools, zswap's and zram's (/proc/vmstat nr_zspages).",
        int(zs),
    );
}
