//! Proof against the running kernel: zram compresses with the same kernel libraries as zswap
//! (lzo, lzo-rle, lz4 are built in on this host), and `mm_stat`'s `compr_data_size` grows by
//! exactly the compressed length of each page written (`zswap_testkit::zram`). Every page zram
//! compresses must have our exact length; same-filled pages are left out, and a page must be
//! one zram stores raw (huge, 3625 bytes or more on this 6.18 kernel) exactly when our length
//! says so.
//!
//! The corpus is not chosen by hand: pages of files under /usr picked by a seeded generator,
//! plus generated pages of every kind. Needs root and zram; takes the host lock; the device is
//! removed even on failure. `cargo xtask zram-oracle` runs the same comparison for every
//! compressor a kernel's zram offers, on the host or in the QEMU guests.

#![allow(clippy::unwrap_used)] // helpers of a test: failing is the point

use zswap_core::KernelEra;
use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::page::PAGE_SIZE;
use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::zram::{self, ZramDevice};
use zswap_workload::pages::mixed_corpus;

/// zram's huge-object threshold on this kernel (docs/kernel-notes.md §4.3, §7; measured here).
const HUGE_THRESHOLD: usize = 3625;

fn our_lengths(algorithm: Algorithm, pages: &[[u8; PAGE_SIZE]]) -> Vec<Option<usize>> {
    let mut c = PageCompressor::new(algorithm, KernelEra::V6_18).unwrap();
    let mut out = Vec::new();
    pages.iter().map(|p| c.compress(p, &mut out).ok()).collect()
}

#[test]
fn compressed_lengths_equal_the_running_kernels() {
    if !require(
        "root and zram (/sys/class/zram-control)",
        is_root() && zram::available(),
    ) {
        return;
    }
    let _lock = HostLock::acquire();
    let dev = ZramDevice::add().unwrap();
    let dirs = [
        "/usr/bin",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/share/doc",
        "/usr/share/perl",
    ];
    let mut pages = zram::pages_from_files(&dirs, 0x5eed_2026, 1200);
    assert!(
        pages.len() == 1200,
        "only {} pages from files under /usr",
        pages.len()
    );
    pages.extend(mixed_corpus(0x0dd_ba11, 400));
    let mut failures = Vec::new();
    for algorithm in [Algorithm::Lzo, Algorithm::LzoRle, Algorithm::Lz4] {
        let kernel = dev.store_each(algorithm.kernel_name(), &pages).unwrap();
        let t = zram::compare(
            &our_lengths(algorithm, &pages),
            &kernel,
            Some(HUGE_THRESHOLD),
        );
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
