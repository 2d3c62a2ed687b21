//! Proof of the zswap model against this host's zswap (6.18): known pages are put into a
//! tmpfs file by a process inside a cgroup-v1 memory group, then `memory.force_empty` makes
//! the kernel reclaim every one of them through `swap_writeout` → zeromap or `zswap_store`.
//! With the pool empty beforehand, debugfs `stored_pages`, `pool_total_size` and
//! `stored_incompressible_pages` and vmstat `zswpout`/`swpout_zero` must then move by
//! exactly what `sim::Zswap` predicts for the same pages (allocation-only zsmalloc page
//! counts do not depend on the order the kernel reclaims the pages in).
//!
//! Runs for deflate, lzo and lzo-rle (the compressors this kernel has). Needs root, a memory
//! cgroup v1 hierarchy, swap support and zswap; takes the host lock; restores the zswap
//! parameters (the host's are enabled=N, compressor=lzo), swaps off and deletes its swap file,
//! removes its cgroup and unmounts its tmpfs (and debugfs if it mounted it), even on failure.
#![allow(clippy::disallowed_methods)] // test: drives sysfs, cgroupfs and tools directly
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)] // failures fail the test

use std::fs;
use std::path::PathBuf;

use zswap_core::KernelEra;
use zswap_core::sim::{MemcgId, SimConfig, StoreOutcome, Zswap};
use zswap_testkit::host::{HostLock, require};
use zswap_testkit::swapout::{self, Debugfs, Reclaimable, SavedParams, SwapFile, debugfs};
use zswap_workload::pages::{Rng, mixed_corpus};

fn vmstat(key: &str) -> u64 {
    fs::read_to_string("/proc/vmstat")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("vmstat {key}"))
}

/// Pages of files under /usr chosen by a seeded generator, plus generated pages of every kind.
fn corpus() -> Vec<[u8; 4096]> {
    let mut files = Vec::new();
    for d in ["/usr/share/doc", "/usr/lib/x86_64-linux-gnu", "/usr/bin"] {
        let mut rd: Vec<PathBuf> = fs::read_dir(d)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        rd.sort();
        files.extend(
            rd.into_iter()
                .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| m.is_file() && m.len() >= 4096)),
        );
    }
    assert!(files.len() > 50);
    let mut rng = Rng::new(0x0ac1_e2026);
    let mut pages = Vec::new();
    while pages.len() < 1500 {
        let f = &files[rng.below(files.len())];
        let Ok(data) = fs::read(f) else { continue };
        let at = rng.below(data.len() / 4096) * 4096;
        pages.push(data[at..at + 4096].try_into().unwrap());
    }
    pages.extend(mixed_corpus(0x0ac1_e2027, 500));
    pages
}

fn total_ram_pages() -> u64 {
    let kb: u64 = fs::read_to_string("/proc/meminfo")
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .trim()
                .strip_suffix(" kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap();
    kb / 4
}

#[test]
fn host_zswap_counters_equal_the_model() {
    if !require(
        "root, zswap, a cgroup-v1 memory hierarchy and swap",
        swapout::available(),
    ) {
        return;
    }
    let _lock = HostLock::acquire();
    let pages = corpus();
    let work = tempfile::Builder::new()
        .prefix("zswap-oracle")
        .tempdir_in("/var/tmp")
        .unwrap();
    let src = work.path().join("pages");
    fs::write(&src, pages.concat()).unwrap();

    let params = SavedParams::save();
    let _debugfs = Debugfs::ensure();
    params.set("max_pool_percent", "20");
    params.set("accept_threshold_percent", "90");
    params.set("shrinker_enabled", "N");
    params.set("enabled", "Y");
    let swap = SwapFile::on(work.path().join("swap"), 256 << 20);
    let group = Reclaimable::new(
        work.path(),
        &format!("zswap-oracle-{}", std::process::id()),
        64,
    );

    let mut failures = Vec::new();
    for alg in ["deflate", "lzo", "lzo-rle"] {
        params.set("compressor", alg);
        if debugfs("pool_total_size") != 0 {
            swap.cycle();
        }
        assert_eq!(
            debugfs("pool_total_size"),
            0,
            "{alg}: pool not empty before the run"
        );
        let before = (
            debugfs("stored_pages"),
            debugfs("stored_incompressible_pages"),
            vmstat("zswpout"),
            vmstat("swpout_zero"),
            debugfs("reject_compress_poor") + debugfs("reject_compress_fail"),
        );
        group.fill_from(&src);
        group.push_out();
        let host = (
            debugfs("stored_pages") - before.0,
            debugfs("stored_incompressible_pages") - before.1,
            debugfs("pool_total_size"),
            vmstat("zswpout") - before.2,
            vmstat("swpout_zero") - before.3,
            debugfs("reject_compress_poor") + debugfs("reject_compress_fail") - before.4,
        );

        let mut model = Zswap::new(
            SimConfig::builder(KernelEra::V6_18)
                .total_ram_pages(total_ram_pages())
                .compressor(alg)
                .build(),
        );
        assert_eq!(model.params().compressor(), Some(alg));
        for (i, p) in pages.iter().enumerate() {
            let out = model.store(i as u64, MemcgId::ROOT, p);
            assert!(
                !matches!(out, StoreOutcome::Rejected(_)),
                "{alg}: model rejected {i}: {out:?}"
            );
        }
        let c = model.counters();
        let predicted = (
            c.debugfs.stored_pages,
            c.debugfs.stored_incompressible_pages.unwrap(),
            c.debugfs.pool_total_size,
            c.vmstat.zswpout,
            c.vmstat.swpout_zero.unwrap(),
            0,
        );
        println!(
            "{alg}: host (stored, incompressible, pool bytes, zswpout, swpout_zero, rejects) = \
             {host:?}, model = {predicted:?}"
        );
        if host != predicted {
            failures.push(format!("{alg}: host {host:?} model {predicted:?}"));
        }
        group.clear();
        // Slots of the deleted file are freed (and their entries invalidated) shortly after.
        let mut left = debugfs("stored_pages");
        for _ in 0..50 {
            if left == before.0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            left = debugfs("stored_pages");
        }
        assert_eq!(left, before.0, "{alg}: entries not freed with the file");
    }
    drop(group);
    drop(swap);
    assert!(failures.is_empty(), "{failures:#?}");
}
