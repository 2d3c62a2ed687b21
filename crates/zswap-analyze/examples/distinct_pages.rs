//! The peer of `cargo xtask bench`'s `simulate` comparison: compresses each distinct page
//! content of `zswapctl simulate`'s workload once (pages 0..PAGES of SEED, as
//! `zswap_workload::pages::synthetic_page` makes them) with ALGORITHM under Linux 6.18 rules, on one
//! thread, and prints `wall_s cpu_s pages bytes` of the compression alone (making the
//! pages is left out).
//!
//! Usage: `distinct_pages PAGES SEED ALGORITHM`
#![allow(clippy::print_stdout, clippy::print_stderr)] // a bench tool

use std::process::ExitCode;
use std::time::{Duration, Instant};

use zswap_core::KernelEra;
use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::page::PAGE_SIZE;
use zswap_workload::pages::synthetic_page;

fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec to a valid pointer we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, pages, seed, algorithm] = &args[..] else {
        eprintln!("usage: distinct_pages PAGES SEED ALGORITHM");
        return ExitCode::from(2);
    };
    let (Ok(pages), Ok(seed), Ok(algorithm)) = (
        pages.parse::<u64>(),
        seed.parse::<u64>(),
        algorithm.parse::<Algorithm>(),
    ) else {
        eprintln!("distinct_pages: bad page count, seed or algorithm");
        return ExitCode::from(2);
    };
    let Ok(mut c) = PageCompressor::new(algorithm, KernelEra::V6_18) else {
        eprintln!("distinct_pages: {algorithm} is not modelled");
        return ExitCode::from(2);
    };
    // Batches of 256 pages made first, then compressed and timed.
    const BATCH: u64 = 256;
    let mut batch = vec![[0u8; PAGE_SIZE]; BATCH as usize];
    let mut out = Vec::with_capacity(2 * PAGE_SIZE);
    let (mut wall, mut cpu, mut bytes) = (Duration::ZERO, Duration::ZERO, 0usize);
    let mut id = 0;
    while id < pages {
        let n = BATCH.min(pages - id) as usize;
        for (k, p) in batch[..n].iter_mut().enumerate() {
            synthetic_page(seed, id + k as u64, p);
        }
        let (t0, c0) = (Instant::now(), thread_cpu());
        for p in &batch[..n] {
            bytes += c.compress(p, &mut out).unwrap_or(PAGE_SIZE);
        }
        wall += t0.elapsed();
        cpu += thread_cpu().saturating_sub(c0);
        id += n as u64;
    }
    println!(
        "{:.3} {:.3} {pages} {bytes}",
        wall.as_secs_f64(),
        cpu.as_secs_f64()
    );
    ExitCode::SUCCESS
}
