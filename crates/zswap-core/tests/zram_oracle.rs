//! Proof against the running kernel: zram compresses with the same kernel libraries as zswap
//! (lzo, lzo-rle, lz4 are built in on this host), and `mm_stat`'s `compr_data_size` grows by
//! exactly the compressed length of each page written. So writing one page at a time and
//! reading the delta gives the kernel's compressed length, page by page, to compare with ours.
//!
//! Pages zram does not compress are left out: same-filled pages (`same_pages` grows) and pages
//! it stores raw because they compress to 3625 bytes or more (`huge_pages` grows). For those
//! the test checks that our length agrees with zram's decision instead.
//!
//! The corpus is not chosen by hand: pages of files under /usr/bin, /usr/lib and /usr/share
//! picked by a seeded generator, plus generated pages of every kind.
//!
//! Needs root and zram; takes the host lock; removes its device even on failure.
#![allow(clippy::disallowed_methods)] // test helper: reads and writes sysfs and files directly
#![allow(clippy::expect_used, clippy::panic)] // test helpers fail the test with a message

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use zswap_core::compress::{Algorithm, KernelEra, PAGE_SIZE, PageCompressor};
use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::pages::{Rng, mixed_corpus};

/// zram's huge-object threshold on this kernel (kernel notes §4, measured here).
const HUGE_THRESHOLD: usize = 3625;
const ZRAM_CONTROL: &str = "/sys/class/zram-control";

/// A zram device created by this test, reset and removed on drop.
struct ZramDevice {
    id: u32,
}

impl ZramDevice {
    fn add() -> ZramDevice {
        let id = fs::read_to_string(format!("{ZRAM_CONTROL}/hot_add"))
            .expect("hot_add a zram device")
            .trim()
            .parse()
            .expect("zram id");
        ZramDevice { id }
    }

    fn attr(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("/sys/block/zram{}/{name}", self.id))
    }

    fn set(&self, name: &str, value: &str) {
        fs::write(self.attr(name), value)
            .unwrap_or_else(|e| panic!("write '{value}' to zram{} {name}: {e}", self.id));
    }

    /// `mm_stat` fields: orig, compr, mem_used, limit, max_used, same, compacted, huge, ...
    fn mm_stat(&self) -> Vec<u64> {
        fs::read_to_string(self.attr("mm_stat"))
            .expect("read mm_stat")
            .split_whitespace()
            .map(|f| f.parse().expect("mm_stat number"))
            .collect()
    }

    fn configure(&self, algorithm: &str, pages: usize) {
        self.set("reset", "1");
        self.set("comp_algorithm", algorithm);
        self.set("disksize", &(pages * PAGE_SIZE).to_string());
    }

    fn open(&self) -> File {
        OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(format!("/dev/zram{}", self.id))
            .expect("open zram device with O_DIRECT")
    }
}

impl Drop for ZramDevice {
    fn drop(&mut self) {
        let _ = fs::write(self.attr("reset"), "1");
        let _ = fs::write(format!("{ZRAM_CONTROL}/hot_remove"), self.id.to_string());
    }
}

/// A page-aligned page buffer for O_DIRECT writes.
struct AlignedPage {
    buf: Vec<u8>,
    start: usize,
}

impl AlignedPage {
    fn new() -> Self {
        let buf = vec![0u8; 2 * PAGE_SIZE];
        let start = buf.as_ptr().align_offset(PAGE_SIZE);
        AlignedPage { buf, start }
    }

    fn fill(&mut self, page: &[u8; PAGE_SIZE]) -> &[u8] {
        let s = &mut self.buf[self.start..self.start + PAGE_SIZE];
        s.copy_from_slice(page);
        s
    }
}

/// Regular files under `dir` (recursively, sorted, at most `limit`) at least one page long.
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

/// `n` pages from files on this machine, chosen by `seed`.
fn host_pages(seed: u64, n: usize) -> Vec<[u8; PAGE_SIZE]> {
    let mut files = Vec::new();
    for dir in [
        "/usr/bin",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/share/doc",
        "/usr/share/perl",
    ] {
        let mut some = Vec::new();
        files_under(Path::new(dir), 4000, &mut some);
        files.extend(some);
    }
    assert!(!files.is_empty(), "no files under /usr to take pages from");
    let mut rng = Rng::new(seed);
    let mut pages = Vec::with_capacity(n);
    while pages.len() < n {
        let path = &files[rng.below(files.len())];
        let Ok(f) = File::open(path) else { continue };
        let Ok(meta) = f.metadata() else { continue };
        let npages = (meta.len() as usize) / PAGE_SIZE;
        let at = rng.below(npages) * PAGE_SIZE;
        let mut page = [0u8; PAGE_SIZE];
        if f.read_exact_at(&mut page, at as u64).is_ok() {
            pages.push(page);
        }
    }
    pages
}

/// Outcome of one algorithm's comparison.
#[derive(Debug, Default)]
struct Tally {
    compared: usize,
    same_filled: usize,
    huge: usize,
    mismatches: Vec<String>,
}

fn compare(dev: &ZramDevice, algorithm: Algorithm, pages: &[[u8; PAGE_SIZE]]) -> Tally {
    dev.configure(algorithm.kernel_name(), pages.len());
    let file = dev.open();
    let mut ours = PageCompressor::new(algorithm, KernelEra::V6_18).expect("compressor");
    let mut out = Vec::new();
    let mut buf = AlignedPage::new();
    let mut tally = Tally::default();
    let mut before = dev.mm_stat();
    for (i, page) in pages.iter().enumerate() {
        file.write_all_at(buf.fill(page), (i * PAGE_SIZE) as u64)
            .expect("O_DIRECT write to zram");
        let after = dev.mm_stat();
        let kernel_len = (after[1] - before[1]) as usize;
        let same = after[5] > before[5];
        let huge = after[7] > before[7];
        before = after;
        let our_len = ours.compress(page, &mut out).ok();
        if same {
            tally.same_filled += 1;
            continue;
        }
        let our_huge = our_len.is_none_or(|l| l >= HUGE_THRESHOLD);
        if huge || our_huge {
            tally.huge += 1;
            if huge != our_huge {
                tally.mismatches.push(format!(
                    "page {i}: zram huge={huge} ({kernel_len} bytes), ours {our_len:?}"
                ));
            }
            continue;
        }
        tally.compared += 1;
        if our_len != Some(kernel_len) {
            tally.mismatches.push(format!(
                "page {i}: kernel {kernel_len} bytes, ours {our_len:?}"
            ));
        }
    }
    tally
}

#[test]
fn compressed_lengths_equal_the_running_kernels() {
    let zram = Path::new(ZRAM_CONTROL).join("hot_add").exists();
    if !require("root and zram (/sys/class/zram-control)", is_root() && zram) {
        return;
    }
    let _lock = HostLock::acquire();
    let dev = ZramDevice::add();
    let mut pages = host_pages(0x5eed_2026, 1200);
    pages.extend(mixed_corpus(0x0dd_ba11, 400));
    let mut failures = Vec::new();
    for algorithm in [Algorithm::Lzo, Algorithm::LzoRle, Algorithm::Lz4] {
        let t = compare(&dev, algorithm, &pages);
        println!(
            "{algorithm}: {} pages compared exactly, {} same-filled and {} huge left to zram, {} mismatches",
            t.compared,
            t.same_filled,
            t.huge,
            t.mismatches.len()
        );
        assert!(
            t.compared > pages.len() / 2,
            "{algorithm}: too few pages compared: {t:?}"
        );
        if !t.mismatches.is_empty() {
            failures.push(format!(
                "{algorithm}: {:?}",
                &t.mismatches[..t.mismatches.len().min(10)]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "lengths differ from the kernel's: {failures:#?}"
    );
}
