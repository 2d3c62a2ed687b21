//! `analyze --json` against the running kernel: zram compresses with the same kernel
//! libraries as zswap and packs into the same zsmalloc, so after writing a corpus into a fresh
//! zram device, `mm_stat` must show exactly the figures analyze predicts:
//! `mem_used_total` = `pool_bytes`, and `compr_data_size` = `compressed_bytes` with every
//! huge-class object (3625 bytes or more) counted as 4096, since zram stores those raw.
//! Same-filled pages are left out of the corpus because zram keeps them without allocating
//! while 6.18 zswap compresses the non-zero ones.
//!
//! The corpus is pages of files on this machine picked by a clock-derived seed (printed, so a
//! failure can be replayed), so the test does not choose it. Needs root and zram; takes the
//! host lock; removes its device even on failure.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use zswap_core::page::PAGE_SIZE;
use zswap_core::page::same_filled_word;
use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::zram::{ZRAM_CONTROL, ZramDevice, pages_from_files};

use crate::util::{json, zswapctl};

/// `n` pages, none same-filled, from files under /usr picked by `seed`.
fn host_corpus(seed: u64, n: usize) -> Vec<u8> {
    let dirs = ["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share"];
    let pages = pages_from_files(&dirs, seed, 2 * n);
    let mut out = Vec::with_capacity(n * PAGE_SIZE);
    for p in pages
        .iter()
        .filter(|p| same_filled_word(p).is_none())
        .take(n)
    {
        out.extend_from_slice(p);
    }
    assert_eq!(
        out.len(),
        n * PAGE_SIZE,
        "not enough pages of files under /usr"
    );
    out
}

#[test]
fn analyze_json_equals_zram_for_lzo_lzo_rle_lz4() {
    let zram = Path::new(ZRAM_CONTROL).join("hot_add").exists();
    if !require("root and zram (/sys/class/zram-control)", is_root() && zram) {
        return;
    }
    let seed = std::env::var("ZSWAP_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("corpus seed {seed} (set ZSWAP_TEST_SEED to replay)");
    let corpus = host_corpus(seed, 3000);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corpus.bin");
    File::create(&file).unwrap().write_all(&corpus).unwrap();
    let v = json(&zswapctl(
        None,
        &[
            "--json",
            "analyze",
            "--kernel",
            "6.18",
            "--compressor",
            "lzo",
            "--compressor",
            "lzo-rle",
            "--compressor",
            "lz4",
            file.to_str().unwrap(),
        ],
    ));

    let _lock = HostLock::acquire();
    let dev = ZramDevice::add().unwrap();
    let compressors = v["compressors"].as_array().unwrap();
    let names: Vec<_> = compressors.iter().map(|c| &c["compressor"]).collect();
    assert_eq!(
        names,
        ["lzo", "lzo-rle", "lz4"],
        "analyze compared other compressors"
    );
    for c in compressors {
        let name = c["compressor"].as_str().unwrap();
        dev.configure(name, corpus.len() / PAGE_SIZE).unwrap();
        dev.write_pages(&corpus).unwrap();
        let mm = dev.mm_stat().unwrap();
        let (compr, mem_used, same, huge) = (mm[1], mm[2], mm[5], mm[7]);
        let bins = c["histogram"].as_array().unwrap();
        let huge_bin = bins.iter().find(|b| b["class_size"] == 4096);
        let huge_objects = huge_bin.map_or(0, |b| b["objects"].as_u64().unwrap());
        let huge_bytes = huge_bin.map_or(0, |b| b["compressed_bytes"].as_u64().unwrap());
        let expected_compr =
            c["compressed_bytes"].as_u64().unwrap() - huge_bytes + huge_objects * 4096;
        println!(
            "{name}: zram compr {compr} mem_used {mem_used} huge {huge}; analyze pool {} \
             compressed {} huge {huge_objects}",
            c["pool_bytes"], c["compressed_bytes"]
        );
        assert_eq!(same, 0, "{name}: the corpus has no same-filled pages");
        assert_eq!(c["pages"], 3000, "{name}");
        assert_eq!(huge, huge_objects, "{name}: huge pages (seed {seed})");
        assert_eq!(
            compr, expected_compr,
            "{name}: compr_data_size (seed {seed})"
        );
        assert_eq!(
            mem_used,
            c["pool_bytes"].as_u64().unwrap(),
            "{name}: mem_used_total vs pool_bytes (seed {seed})"
        );
    }
}

/// `zram_mem_used_bytes` counts what zram really does with same-filled pages (no memory),
/// so on a corpus with zero and same-filled pages it still equals `mem_used_total`, for each
/// compressor zram offers here.
#[test]
fn analyze_zram_figure_equals_mem_used_total_with_same_filled_pages() {
    if !require(
        "root and zram (/sys/class/zram-control)",
        is_root() && Path::new(ZRAM_CONTROL).join("hot_add").exists(),
    ) {
        return;
    }
    let pages = zswap_workload::pages::mixed_corpus(1806, 3000);
    assert!(
        pages.iter().any(|p| same_filled_word(p).is_some()),
        "the corpus should hold same-filled pages"
    );
    let corpus: Vec<u8> = pages.concat();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corpus.bin");
    File::create(&file).unwrap().write_all(&corpus).unwrap();
    let mut args = vec!["--json", "analyze", "--kernel", "6.18"];
    for c in ["lzo", "lzo-rle", "lz4"] {
        args.extend(["--compressor", c]);
    }
    args.push(file.to_str().unwrap());
    let v = json(&zswapctl(None, &args));

    let _lock = HostLock::acquire();
    let dev = ZramDevice::add().unwrap();
    for c in v["compressors"].as_array().unwrap() {
        let name = c["compressor"].as_str().unwrap();
        dev.configure(name, corpus.len() / PAGE_SIZE).unwrap();
        dev.write_pages(&corpus).unwrap();
        let mm = dev.mm_stat().unwrap();
        println!(
            "{name}: zram mem_used_total {} same {}; analyze zram {} zswap pool {}",
            mm[2], mm[5], c["zram_mem_used_bytes"], c["pool_bytes"]
        );
        assert!(mm[5] > 0, "{name}: zram saw no same-filled page");
        assert_eq!(
            c["zram_mem_used_bytes"].as_u64().unwrap(),
            mm[2],
            "{name}: zram_mem_used_bytes vs mm_stat mem_used_total"
        );
    }
}
