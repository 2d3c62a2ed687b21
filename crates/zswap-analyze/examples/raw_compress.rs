//! The baseline for `scripts/bench-analyze.sh`: only the page compressor, no zswap rules, no
//! tallies. Reads FILE into memory, then compresses every page with ALGORITHM on THREADS
//! threads and prints `wall_s cpu_s pages bytes`: wall time and CPU time (summed over
//! threads) of the compression alone. Reading the file is left out (it is read whole into
//! memory first), so analyze's CPU time, which includes streaming the file, over this one is
//! an upper bound of the model's overhead.
//!
//! Usage: `raw_compress FILE ALGORITHM THREADS`
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)] // a bench tool

use std::process::ExitCode;
use std::time::Instant;

use zswap_core::KernelEra;
use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::page::PAGE_SIZE;

fn cpu_s() -> f64 {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct we pass.
    let ru = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr());
        ru.assume_init()
    };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, algorithm, threads] = &args[..] else {
        eprintln!("usage: raw_compress FILE ALGORITHM THREADS");
        return ExitCode::from(2);
    };
    let (Ok(data), Ok(algorithm), Ok(threads)) = (
        std::fs::read(file),
        algorithm.parse::<Algorithm>(),
        threads.parse::<usize>(),
    ) else {
        eprintln!("raw_compress: cannot read '{file}' or bad algorithm/thread count");
        return ExitCode::from(2);
    };
    let pages: Vec<&[u8; PAGE_SIZE]> = data
        .chunks_exact(PAGE_SIZE)
        .filter_map(|p| p.try_into().ok())
        .collect();
    let per = pages.len().div_ceil(threads.max(1));
    let cpu0 = cpu_s();
    let t0 = Instant::now();
    let total: usize = std::thread::scope(|s| {
        let hs: Vec<_> = pages
            .chunks(per.max(1))
            .map(|part| {
                s.spawn(move || {
                    let Ok(mut c) = PageCompressor::new(algorithm, KernelEra::V6_18) else {
                        return 0;
                    };
                    let mut out = Vec::with_capacity(2 * PAGE_SIZE);
                    part.iter()
                        .map(|p| c.compress(p, &mut out).unwrap_or(PAGE_SIZE))
                        .sum::<usize>()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let wall = t0.elapsed().as_secs_f64();
    println!("{wall:.3} {:.3} {} {total}", cpu_s() - cpu0, pages.len());
    ExitCode::SUCCESS
}
