//! Proof of the zsmalloc model against the running kernel: zram allocates from zsmalloc
//! exactly as zswap does (same class table, same placement), and `mm_stat`'s third field,
//! `mem_used_total`, is `zs_get_total_pages() × 4096`. Writing a corpus into a fresh zram
//! device and replaying the same allocations (and frees, for overwritten sectors) into
//! `sim::ZsPool` must give the same number of pages.
//!
//! zram-specific rules replayed here: same-filled pages take no allocation; pages that
//! compress to 3625 bytes (`zs_huge_class_size()`) or more are stored as 4096-byte objects;
//! an overwritten sector allocates the new object before freeing the old one.
//!
//! The corpus is not chosen by the test: pages of files on this machine picked by a seeded
//! generator, plus generated pages of every kind (text, heap, sparse, zero, random, ...).
//! Needs root and zram; takes the host lock; resets and removes its device even on failure.
#![allow(clippy::disallowed_methods)] // test: talks to sysfs and block devices directly
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)] // failures fail the test

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use zswap_core::KernelEra;
use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::page::{PAGE_SIZE as PAGE, same_filled_word};
use zswap_core::sim::{ZsHandle, ZsPool};
use zswap_testkit::host::{HostLock, is_root, require};
use zswap_workload::pages::{Rng, mixed_corpus};

/// A hot-added zram device; reset and hot-removed when dropped.
struct Zram(u32);

impl Zram {
    fn new(algorithm: &str, pages: usize) -> Zram {
        let id: u32 = fs::read_to_string("/sys/class/zram-control/hot_add")
            .expect("zram hot_add")
            .trim()
            .parse()
            .expect("zram device number");
        let z = Zram(id);
        z.write("comp_algorithm", algorithm);
        z.write("disksize", &(pages * PAGE).to_string());
        z
    }

    fn path(&self, attr: &str) -> PathBuf {
        PathBuf::from(format!("/sys/block/zram{}/{attr}", self.0))
    }

    fn write(&self, attr: &str, value: &str) {
        fs::write(self.path(attr), value)
            .unwrap_or_else(|e| panic!("zram{}: write '{value}' to {attr}: {e}", self.0));
    }

    /// `mem_used_total` in pages.
    fn pool_pages(&self) -> u64 {
        let text = fs::read_to_string(self.path("mm_stat")).expect("mm_stat");
        let used: u64 = text.split_whitespace().nth(2).unwrap().parse().unwrap();
        assert_eq!(used % PAGE as u64, 0);
        used / PAGE as u64
    }

    fn device(&self) -> File {
        OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(format!("/dev/zram{}", self.0))
            .expect("open zram device")
    }
}

impl Drop for Zram {
    fn drop(&mut self) {
        let _ = fs::write(self.path("reset"), "1");
        let _ = fs::write("/sys/class/zram-control/hot_remove", self.0.to_string());
    }
}

/// Writes whole pages with O_DIRECT through a page-aligned buffer.
struct Writer {
    file: File,
    buf: Vec<u8>,
    off: usize,
}

impl Writer {
    fn new(file: File) -> Writer {
        let buf = vec![0u8; 2 * PAGE];
        let off = buf.as_ptr().align_offset(PAGE);
        Writer { file, buf, off }
    }

    fn put(&mut self, sector_page: usize, page: &[u8; PAGE]) {
        self.buf[self.off..self.off + PAGE].copy_from_slice(page);
        self.file
            .write_all_at(
                &self.buf[self.off..self.off + PAGE],
                (sector_page * PAGE) as u64,
            )
            .expect("write a page to zram");
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>, cap: usize) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut names: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    names.sort();
    for p in names {
        if out.len() >= cap {
            break;
        }
        match fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => collect_files(&p, out, cap),
            Ok(m) if m.is_file() && m.len() >= PAGE as u64 => out.push(p),
            _ => {}
        }
    }
}

/// `n` pages of files under /usr, picked by a seeded generator.
fn machine_pages(seed: u64, n: usize) -> Vec<[u8; PAGE]> {
    let mut files = Vec::new();
    for d in ["/usr/lib", "/usr/share", "/usr/bin", "/usr/sbin"] {
        let cap = files.len() + 3000;
        collect_files(Path::new(d), &mut files, cap);
    }
    assert!(files.len() > 100, "too few files under /usr");
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let f = &files[rng.below(files.len())];
        let Ok(file) = File::open(f) else { continue };
        let Ok(len) = file.metadata().map(|m| m.len() as usize) else {
            continue;
        };
        let mut page = [0u8; PAGE];
        let at = rng.below(len / PAGE) * PAGE;
        if file.read_exact_at(&mut page, at as u64).is_ok() {
            out.push(page);
        }
    }
    out
}

/// The object size zram hands zs_malloc for `p`, or None for a same-filled page.
fn zram_object(
    c: &mut PageCompressor,
    huge: u32,
    p: &[u8; PAGE],
    out: &mut Vec<u8>,
) -> Option<usize> {
    if same_filled_word(p).is_some() {
        return None;
    }
    match c.compress(p, out) {
        Ok(len) if (len as u32) < huge => Some(len),
        _ => Some(PAGE),
    }
}

#[test]
fn zsmalloc_pool_pages_equal_zram_mem_used_total() {
    let zram = Path::new("/sys/class/zram-control/hot_add").exists();
    if !require("root and zram (/sys/class/zram-control)", is_root() && zram) {
        return;
    }
    let _lock = HostLock::acquire();
    let mut corpus = machine_pages(0x9001_2026, 1500);
    corpus.extend(mixed_corpus(0x9002_2026, 500));
    // a seeded permutation interleaves machine and generated pages
    let mut rng = Rng::new(0x9003);
    for i in (1..corpus.len()).rev() {
        corpus.swap(i, rng.below(i + 1));
    }
    // a second pass overwrites a seeded third of the sectors with other pages
    let rewrites: Vec<(usize, usize)> = (0..corpus.len() / 3)
        .map(|_| (rng.below(corpus.len()), rng.below(corpus.len())))
        .collect();

    for alg in [Algorithm::Lzo, Algorithm::LzoRle, Algorithm::Lz4] {
        let dev = Zram::new(alg.kernel_name(), corpus.len());
        let mut w = Writer::new(dev.device());
        let mut pool = ZsPool::new(KernelEra::V6_18);
        let huge = pool.table().huge_class_size();
        assert_eq!(huge, 3625);
        let mut comp = PageCompressor::new(alg, KernelEra::V6_18).unwrap();
        let mut out = Vec::new();
        let mut handles: Vec<Option<ZsHandle>> = vec![None; corpus.len()];
        let (mut same, mut raw) = (0, 0);
        for (i, p) in corpus.iter().enumerate() {
            w.put(i, p);
            match zram_object(&mut comp, huge, p, &mut out) {
                None => same += 1,
                Some(len) => {
                    raw += usize::from(len == PAGE);
                    handles[i] = Some(pool.malloc(len).unwrap());
                }
            }
        }
        let after_fill = dev.pool_pages();
        println!(
            "{alg}: {} pages ({same} same-filled, {raw} huge): zram {after_fill} pool pages, \
             model {}",
            corpus.len(),
            pool.total_pages()
        );
        assert_eq!(
            pool.total_pages(),
            after_fill,
            "{alg}: pool after the first pass"
        );
        assert!(same > 0 && raw > 0 && pool.objects() > corpus.len() / 2);

        for &(sector, src) in &rewrites {
            let p = &corpus[src];
            w.put(sector, p);
            let new =
                zram_object(&mut comp, huge, p, &mut out).map(|len| pool.malloc(len).unwrap());
            if let Some(old) = std::mem::replace(&mut handles[sector], new) {
                pool.free(old);
            }
        }
        let after_rewrite = dev.pool_pages();
        println!(
            "{alg}: after {} overwrites: zram {after_rewrite} pool pages, model {}",
            rewrites.len(),
            pool.total_pages()
        );
        assert_eq!(
            pool.total_pages(),
            after_rewrite,
            "{alg}: pool after overwrites"
        );
    }
}
