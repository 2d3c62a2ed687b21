//! zram as an oracle for the kernel's compressed page sizes: zram compresses each page it is
//! written with the kernel's own compressor, and `mm_stat`'s `compr_data_size` grows by
//! exactly that compressed length. Writing one page at a time and reading the delta gives the
//! kernel's length for every page. Used by zswap-core's `zram_oracle` test (host) and by
//! `cargo xtask zram-oracle` (host and QEMU guests).
//!
//! zram stores same-filled pages without compressing them (`same_pages` grows) and pages that
//! compress to its huge-class size or more uncompressed (`huge_pages` grows); for those the
//! compressed length is not observable.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use zswap_core::page::PAGE_SIZE;

use zswap_workload::pages::Rng;

/// Where zram devices are created and removed.
pub const ZRAM_CONTROL: &str = "/sys/class/zram-control";

/// True if and only if this kernel can create zram devices.
pub fn available() -> bool {
    Path::new(ZRAM_CONTROL).join("hot_add").exists()
}

/// A zram device created for a test; reset and removed on drop, even when the test fails.
#[derive(Debug)]
pub struct ZramDevice {
    id: u32,
    /// Created by `hot_add` (removed on drop) rather than claimed (only reset on drop).
    added: bool,
}

/// What zram did with one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZramPage {
    /// Growth of `compr_data_size`: the compressed length when stored compressed.
    pub compressed: u64,
    /// Stored as a same-filled page, without compression.
    pub same_filled: bool,
    /// Stored uncompressed as a huge object.
    pub huge: bool,
}

impl ZramDevice {
    /// Creates a device (`hot_add`).
    pub fn add() -> std::io::Result<ZramDevice> {
        let text = fs::read_to_string(format!("{ZRAM_CONTROL}/hot_add"))?;
        let id = text.trim().parse().map_err(|_| {
            std::io::Error::other(format!(
                "hot_add returned '{}', not a device number",
                text.trim()
            ))
        })?;
        Ok(ZramDevice { id, added: true })
    }

    /// Device `id` when it exists and is not set up (`disksize` 0, so nothing uses it), else
    /// a new one from `hot_add`. A claimed device is reset, not removed, on drop. Callers
    /// hold the host lock, so no other test sets it up meanwhile.
    pub fn unused_or_add(id: u32) -> std::io::Result<ZramDevice> {
        let size = fs::read_to_string(format!("/sys/block/zram{id}/disksize"));
        match size.as_deref().map(str::trim) {
            Ok("0") => Ok(ZramDevice { id, added: false }),
            _ => ZramDevice::add(),
        }
    }

    /// The device number N of `/dev/zramN`.
    pub fn id(&self) -> u32 {
        self.id
    }

    fn attr(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("/sys/block/zram{}/{name}", self.id))
    }

    fn set(&self, name: &str, value: &str) -> std::io::Result<()> {
        fs::write(self.attr(name), value).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("write '{value}' to zram{} {name}: {e}", self.id),
            )
        })
    }

    /// The compressors this device offers (`comp_algorithm`, selection brackets removed).
    pub fn algorithms(&self) -> std::io::Result<Vec<String>> {
        let text = fs::read_to_string(self.attr("comp_algorithm"))?;
        Ok(text
            .split_whitespace()
            .map(|a| a.trim_matches(|c| c == '[' || c == ']').to_owned())
            .collect())
    }

    /// `mm_stat`: orig, compr, mem_used, limit, max_used, same, compacted, huge, ...
    pub fn mm_stat(&self) -> std::io::Result<Vec<u64>> {
        let text = fs::read_to_string(self.attr("mm_stat"))?;
        Ok(text
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect())
    }

    /// Resets the device, then sets its compressor and a size of `pages` pages. A reset fails
    /// with EBUSY while anything (udev's blkid probe of a new device, or the last writer's
    /// close) still holds the device open, so it is retried for up to five seconds.
    pub fn configure(&self, algorithm: &str, pages: usize) -> std::io::Result<()> {
        let mut tries = 0;
        loop {
            match self.set("reset", "1") {
                Ok(()) => break,
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => return Err(e),
            }
        }
        self.set("comp_algorithm", algorithm)?;
        self.set("disksize", &(pages * PAGE_SIZE).to_string())
    }

    /// Writes `data` (whole pages) from offset 0 with O_DIRECT, in 1 MiB writes.
    pub fn write_pages(&self, data: &[u8]) -> std::io::Result<()> {
        let file = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(format!("/dev/zram{}", self.id))?;
        let chunk = 256 * PAGE_SIZE;
        // O_DIRECT needs a page-aligned buffer.
        let mut buf = vec![0u8; chunk + PAGE_SIZE];
        let start = buf.as_ptr().align_offset(PAGE_SIZE);
        for (i, part) in data.chunks(chunk).enumerate() {
            let b = &mut buf[start..start + part.len()];
            b.copy_from_slice(part);
            file.write_all_at(b, (i * chunk) as u64)?;
        }
        Ok(())
    }

    /// Configures the device for `algorithm` and writes `pages` one at a time with O_DIRECT,
    /// reporting what zram did with each.
    pub fn store_each(
        &self,
        algorithm: &str,
        pages: &[[u8; PAGE_SIZE]],
    ) -> std::io::Result<Vec<ZramPage>> {
        self.configure(algorithm, pages.len())?;
        let file = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(format!("/dev/zram{}", self.id))?;
        // O_DIRECT needs a page-aligned buffer.
        let mut buf = vec![0u8; 2 * PAGE_SIZE];
        let start = buf.as_ptr().align_offset(PAGE_SIZE);
        let mut before = self.mm_stat()?;
        let mut out = Vec::with_capacity(pages.len());
        for (i, page) in pages.iter().enumerate() {
            buf[start..start + PAGE_SIZE].copy_from_slice(page);
            file.write_all_at(&buf[start..start + PAGE_SIZE], (i * PAGE_SIZE) as u64)?;
            let after = self.mm_stat()?;
            let field = |v: &[u64], k: usize| v.get(k).copied().unwrap_or(0);
            out.push(ZramPage {
                compressed: field(&after, 1).wrapping_sub(field(&before, 1)),
                same_filled: field(&after, 5) > field(&before, 5),
                huge: field(&after, 7) > field(&before, 7),
            });
            before = after;
        }
        Ok(out)
    }
}

impl Drop for ZramDevice {
    fn drop(&mut self) {
        // reset fails with EBUSY while a writer's close is still being processed: retry
        for _ in 0..50 {
            match fs::write(self.attr("reset"), "1") {
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                _ => break,
            }
        }
        if self.added {
            let _ = fs::write(format!("{ZRAM_CONTROL}/hot_remove"), self.id.to_string());
        }
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

/// `n` pages of the files under `dirs` (at most 4000 files each), chosen by `seed`: the same
/// files give the same pages. Empty when no file is at least a page long.
pub fn pages_from_files(dirs: &[&str], seed: u64, n: usize) -> Vec<[u8; PAGE_SIZE]> {
    let mut files = Vec::new();
    for dir in dirs {
        let mut some = Vec::new();
        files_under(Path::new(dir), 4000, &mut some);
        files.extend(some);
    }
    let mut rng = Rng::new(seed);
    let mut pages = Vec::with_capacity(n);
    let mut attempts = 0;
    while pages.len() < n && !files.is_empty() && attempts < 20 * n {
        attempts += 1;
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

/// Result of comparing our compressed lengths with zram's, page by page.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Pages zram compressed whose length was compared exactly.
    pub compared: usize,
    /// Same-filled pages, left out.
    pub same_filled: usize,
    /// Pages zram stored raw, left out (only their "huge" status is checked).
    pub huge: usize,
    /// One line per disagreement.
    pub mismatches: Vec<String>,
}

/// Lengths below this never make a zram huge object in any era (6.1's huge class, with
/// 4-page zspages, is the smallest).
const HUGE_FLOOR: usize = 3000;

/// Compares `ours` (our compressed length per page, `None` if our compressor fails) with
/// what zram did. With `huge_threshold` known (3625 on 6.18 with chain size 8), our length
/// must be at least it exactly when zram stored the page raw.
pub fn compare(ours: &[Option<usize>], zram: &[ZramPage], huge_threshold: Option<usize>) -> Tally {
    let mut t = Tally::default();
    for (i, (our, z)) in ours.iter().zip(zram).enumerate() {
        if z.same_filled {
            t.same_filled += 1;
            continue;
        }
        let our_huge = match huge_threshold {
            Some(h) => our.is_none_or(|l| l >= h),
            None => z.huge && our.is_none_or(|l| l >= HUGE_FLOOR),
        };
        if z.huge || our_huge {
            t.huge += 1;
            if z.huge != our_huge {
                t.mismatches.push(format!(
                    "page {i}: zram huge={} ({} bytes), ours {our:?}",
                    z.huge, z.compressed
                ));
            }
            continue;
        }
        t.compared += 1;
        if *our != Some(z.compressed as usize) {
            t.mismatches.push(format!(
                "page {i}: kernel {} bytes, ours {our:?}",
                z.compressed
            ));
        }
    }
    t
}
