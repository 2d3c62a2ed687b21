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

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use zswap_core::compress::PAGE_SIZE;
use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::pages::Rng;

use crate::util::{json, zswapctl};

const ZRAM_CONTROL: &str = "/sys/class/zram-control";

/// A zram device made by this test; reset and removed on drop.
struct Zram {
    id: u32,
}

impl Zram {
    fn add() -> Zram {
        let id = fs::read_to_string(format!("{ZRAM_CONTROL}/hot_add"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        Zram { id }
    }

    fn attr(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("/sys/block/zram{}/{name}", self.id))
    }

    fn configure(&self, algorithm: &str, bytes: usize) {
        // A reset fails with EBUSY while anything (udev's blkid probe of a new device, or the
        // last writer's close) still holds the device open: retry for a few seconds.
        let mut tries = 0;
        while let Err(e) = fs::write(self.attr("reset"), "1") {
            tries += 1;
            assert!(tries < 50, "reset zram{}: {e}", self.id);
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        fs::write(self.attr("comp_algorithm"), algorithm).unwrap();
        fs::write(self.attr("disksize"), bytes.to_string()).unwrap();
    }

    /// orig, compr, mem_used, limit, max_used, same, compacted, huge, ...
    fn mm_stat(&self) -> Vec<u64> {
        fs::read_to_string(self.attr("mm_stat"))
            .unwrap()
            .split_whitespace()
            .map(|f| f.parse().unwrap())
            .collect()
    }

    /// Writes `data` (whole pages) from offset 0 with O_DIRECT.
    fn write(&self, data: &[u8]) {
        let dev = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(format!("/dev/zram{}", self.id))
            .unwrap();
        let chunk = 256 * PAGE_SIZE;
        let mut buf = vec![0u8; chunk + PAGE_SIZE];
        let start = buf.as_ptr().align_offset(PAGE_SIZE);
        for (i, part) in data.chunks(chunk).enumerate() {
            let b = &mut buf[start..start + part.len()];
            b.copy_from_slice(part);
            dev.write_all_at(b, (i * chunk) as u64).unwrap();
        }
    }
}

impl Drop for Zram {
    fn drop(&mut self) {
        let _ = fs::write(self.attr("reset"), "1");
        let _ = fs::write(format!("{ZRAM_CONTROL}/hot_remove"), self.id.to_string());
    }
}

fn files_under(dir: &Path, limit: usize, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if out.len() >= limit {
            return;
        }
        let Ok(meta) = fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            files_under(&p, limit, out);
        } else if meta.is_file() && meta.len() >= PAGE_SIZE as u64 {
            out.push(p);
        }
    }
}

fn same_filled(p: &[u8]) -> bool {
    p.chunks_exact(8).all(|w| w == &p[..8])
}

/// `n` pages, none same-filled, from files under /usr picked by `seed`.
fn host_corpus(seed: u64, n: usize) -> Vec<u8> {
    let mut files = Vec::new();
    for dir in ["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share"] {
        files_under(Path::new(dir), 3000, &mut files);
    }
    assert!(!files.is_empty(), "no files under /usr to take pages from");
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n * PAGE_SIZE);
    let mut page = [0u8; PAGE_SIZE];
    while out.len() < n * PAGE_SIZE {
        let path = &files[rng.below(files.len())];
        let Ok(f) = File::open(path) else { continue };
        let Ok(meta) = f.metadata() else { continue };
        let at = rng.below(meta.len() as usize / PAGE_SIZE) * PAGE_SIZE;
        if f.read_exact_at(&mut page, at as u64).is_ok() && !same_filled(&page) {
            out.extend_from_slice(&page);
        }
    }
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
    let dev = Zram::add();
    for c in v["compressors"].as_array().unwrap() {
        let name = c["compressor"].as_str().unwrap();
        dev.configure(name, corpus.len());
        dev.write(&corpus);
        let mm = dev.mm_stat();
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
