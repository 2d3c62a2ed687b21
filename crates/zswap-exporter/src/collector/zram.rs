//! The zram collector: every `/sys/block/zramN` device's `mm_stat`, `io_stat` and `bd_stat`
//! figures, its disk size, algorithm and swap priority, one series per `device` label
//! (`docs/zram.md`). A kernel without zram, or a device that is not set up or is removed
//! mid-scrape, gives fewer series, never a failed scrape: only an unreadable `/sys/block`
//! fails the collector.

use zswap_core::stats::cgroup::Limit;
use zswap_core::zram::{ZramDevice, ZramReading, read_zram};

use crate::families::{Families, Family, Kind, Labels, Value, int};

/// Reads every device now; the error names the file.
pub(crate) fn read(root: &zswap_core::SysRoot) -> Result<ZramReading, String> {
    read_zram(root).map_err(|e| e.to_string())
}

type Get = fn(&ZramDevice) -> Option<Value>;

/// Name, unit, kind, help and how to get the value of each per-device family.
const FAMILIES: &[(&str, Option<&str>, Kind, &str, Get)] = &[
    (
        "zram_disksize",
        Some("bytes"),
        Kind::Gauge,
        "Most uncompressed data the device can hold (disksize).",
        |d| int(d.disksize_bytes),
    ),
    (
        "zram_orig_data",
        Some("bytes"),
        Kind::Gauge,
        "Stored pages at their uncompressed size, same-filled pages included (mm_stat orig_data_size).",
        |d| int(d.mm_stat.map(|m| m.orig_data_size_bytes)),
    ),
    (
        "zram_compr_data",
        Some("bytes"),
        Kind::Gauge,
        "Compressed size of the stored data (mm_stat compr_data_size).",
        |d| int(d.mm_stat.map(|m| m.compr_data_size_bytes)),
    ),
    (
        "zram_memory_used",
        Some("bytes"),
        Kind::Gauge,
        "Memory the device's zsmalloc pool holds, fragmentation included (mm_stat mem_used_total).",
        |d| int(d.mm_stat.map(|m| m.mem_used_total_bytes)),
    ),
    (
        "zram_memory_limit",
        Some("bytes"),
        Kind::Gauge,
        "Most memory the device may use (mm_stat mem_limit); +Inf when unlimited.",
        |d| {
            d.mm_stat.map(|m| match m.mem_limit {
                Limit::Max => Value::Float(f64::INFINITY),
                Limit::Bytes(b) => Value::Int(b),
            })
        },
    ),
    (
        "zram_memory_used_max",
        Some("bytes"),
        Kind::Gauge,
        "Highest memory_used since set-up or the last reset of mem_used_max (mm_stat mem_used_max).",
        |d| int(d.mm_stat.map(|m| m.mem_used_max_bytes)),
    ),
    (
        "zram_same_pages",
        None,
        Kind::Gauge,
        "Stored pages filled with one repeated word, kept without memory (mm_stat same_pages).",
        |d| int(d.mm_stat.map(|m| m.same_pages)),
    ),
    (
        "zram_huge_pages",
        None,
        Kind::Gauge,
        "Stored pages kept uncompressed because they did not compress enough (mm_stat huge_pages, 4.15+).",
        |d| int(d.mm_stat.and_then(|m| m.huge_pages)),
    ),
    (
        "zram_huge_pages_stored",
        None,
        Kind::Counter,
        "Pages stored uncompressed since set-up (mm_stat huge_pages_since, 5.11+).",
        |d| int(d.mm_stat.and_then(|m| m.huge_pages_since)),
    ),
    (
        "zram_pages_compacted",
        None,
        Kind::Counter,
        "Pages freed by zsmalloc compaction since set-up (mm_stat pages_compacted).",
        |d| int(d.mm_stat.map(|m| m.pages_compacted)),
    ),
    (
        "zram_compression",
        Some("ratio"),
        Kind::Gauge,
        "Uncompressed size of the compressed pages over their compressed size ((orig_data_size - same_pages x page size) / compr_data_size); absent while nothing compressed is stored.",
        |d| d.compression_ratio().map(Value::Float),
    ),
    (
        "zram_failed_reads",
        None,
        Kind::Counter,
        "Failed reads (io_stat failed_reads).",
        |d| int(d.io_stat.map(|s| s.failed_reads)),
    ),
    (
        "zram_failed_writes",
        None,
        Kind::Counter,
        "Failed writes, e.g. refused at mem_limit (io_stat failed_writes).",
        |d| int(d.io_stat.map(|s| s.failed_writes)),
    ),
    (
        "zram_invalid_io",
        None,
        Kind::Counter,
        "Misaligned requests (io_stat invalid_io; newer kernels no longer count them and print 0).",
        |d| int(d.io_stat.map(|s| s.invalid_io)),
    ),
    (
        "zram_notify_free",
        None,
        Kind::Counter,
        "Slots freed on the swap layer's notice that a page is no longer needed (io_stat notify_free).",
        |d| int(d.io_stat.map(|s| s.notify_free)),
    ),
    (
        "zram_backing_device_stored",
        Some("bytes"),
        Kind::Gauge,
        "Data held on the backing device (bd_stat bd_count, CONFIG_ZRAM_WRITEBACK).",
        |d| int(d.bd_stat.map(|b| b.bd_count_bytes)),
    ),
    (
        "zram_backing_device_read",
        Some("bytes"),
        Kind::Counter,
        "Data read back from the backing device (bd_stat bd_reads).",
        |d| int(d.bd_stat.map(|b| b.bd_reads_bytes)),
    ),
    (
        "zram_backing_device_written",
        Some("bytes"),
        Kind::Counter,
        "Data written back to the backing device (bd_stat bd_writes).",
        |d| int(d.bd_stat.map(|b| b.bd_writes_bytes)),
    ),
    (
        "zram_writeback_limit",
        Some("bytes"),
        Kind::Gauge,
        "Writeback budget left (writeback_limit), exported while writeback_limit_enable is 1.",
        |d| match d.writeback_limit_enable {
            Some(true) => int(d.writeback_limit_bytes),
            _ => None,
        },
    ),
    (
        "zram_swap_priority",
        None,
        Kind::Gauge,
        "Swap priority of the device while it is active swap (/proc/swaps); no series otherwise.",
        |d| d.swap.map(|s| Value::Float(f64::from(s.priority))),
    ),
];

/// The zram families of one scrape.
pub(crate) fn families(out: &mut Families, r: &ZramReading) {
    let devices = &r.devices;
    let label = |d: &ZramDevice| -> Labels { vec![("device", d.device.clone())] };
    out.push(Family {
        name: "zram_device_info",
        help: "One series per zram device: its algorithm and backing device (none when writeback has no device or is not built).",
        unit: None,
        // a gauge of 1 per device: the info type carries one series per family here
        kind: Kind::Gauge,
        samples: devices
            .iter()
            .map(|d| {
                let mut l = label(d);
                let alg = d.comp_algorithm.as_ref().map_or("", |c| c.selected.as_str());
                l.push(("algorithm", alg.to_owned()));
                l.push((
                    "backing_device",
                    d.backing_dev.clone().unwrap_or_else(|| "none".to_owned()),
                ));
                (l, Value::Int(1))
            })
            .collect(),
    });
    for &(name, unit, kind, help, get) in FAMILIES {
        out.push(Family {
            name,
            help,
            unit,
            kind,
            samples: devices
                .iter()
                .filter_map(|d| get(d).map(|v| (label(d), v)))
                .collect(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_testkit::FixtureRoot;

    const SWAPS: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

    fn scrape(f: &FixtureRoot) -> Result<ZramReading, String> {
        read(&f.root())
    }

    fn fams(r: &Result<ZramReading, String>) -> Families {
        let mut out = Families::default();
        families(&mut out, r.as_ref().unwrap());
        out
    }

    fn series(f: &Families, sample_name: &str) -> Vec<(Labels, Value)> {
        f.list()
            .iter()
            .find(|x| x.sample_name() == sample_name)
            .map(|x| x.samples.clone())
            .unwrap_or_default()
    }

    fn dev(name: &str) -> Labels {
        vec![("device", name.to_owned())]
    }

    #[test]
    fn memory_used_is_mem_used_total_per_device() {
        let f = FixtureRoot::new();
        f.proc("swaps", &format!("{SWAPS}/dev/zram1 partition 1020 0 -5\n"));
        f.zram(0, 1 << 20, "lz4", "8192 4096 12288 0 16384 0 0 0 0");
        f.zram(1, 1 << 20, "lzo", "0 0 4096 65536 4096 0 0 0 0");
        let s = scrape(&f);
        assert!(s.is_ok(), "{s:?}");
        let fs = fams(&s);
        assert_eq!(
            series(&fs, "zram_memory_used_bytes"),
            vec![
                (dev("zram0"), Value::Int(12288)),
                (dev("zram1"), Value::Int(4096))
            ]
        );
        assert_eq!(
            series(&fs, "zram_memory_limit_bytes"),
            vec![
                (dev("zram0"), Value::Float(f64::INFINITY)),
                (dev("zram1"), Value::Int(65536))
            ]
        );
        assert_eq!(
            series(&fs, "zram_swap_priority"),
            vec![(dev("zram1"), Value::Float(-5.0))]
        );
        assert_eq!(series(&fs, "zram_failed_writes_total").len(), 2);
        // no writeback built: no bd_stat series
        assert!(series(&fs, "zram_backing_device_written_bytes_total").is_empty());
    }

    #[test]
    fn no_zram_is_success_and_no_series() {
        let f = FixtureRoot::new();
        f.dir("sys/block/vda");
        let s = scrape(&f);
        assert!(s.is_ok(), "{s:?}");
        assert!(fams(&s).list().is_empty());
    }

    #[test]
    fn unset_up_device_has_only_its_size_and_info() {
        let f = FixtureRoot::new();
        f.proc("swaps", SWAPS);
        f.zram(0, 0, "lzo-rle", "0 0 0 0 0 0 0 0 0");
        let fs = fams(&scrape(&f));
        let names: Vec<String> = fs.list().iter().map(Family::sample_name).collect();
        assert_eq!(names, ["zram_device_info", "zram_disksize_bytes"]);
    }

    #[test]
    fn device_removed_during_the_scrape_is_no_failure() {
        let f = FixtureRoot::new();
        f.proc("swaps", SWAPS);
        f.zram(0, 4096, "lzo", "0 0 0 0 0 0 0 0 0");
        std::fs::remove_dir_all(f.path().join("sys/block/zram0")).unwrap();
        std::os::unix::fs::symlink("/nonexistent", f.path().join("sys/block/zram0")).unwrap();
        let s = scrape(&f);
        assert!(s.is_ok(), "{s:?}");
        let names: Vec<String> = fams(&s).list().iter().map(Family::sample_name).collect();
        assert_eq!(names, ["zram_device_info"]);
    }

    #[test]
    fn unlistable_block_dir_fails_the_collector_with_the_path() {
        let f = FixtureRoot::new();
        f.file("sys/block", "not a directory\n");
        let s = scrape(&f);
        let err = s.unwrap_err();
        assert!(err.contains("sys/block"), "{err}");
    }
}
