//! Pages per second of each kernel compressor model on a realistic page mix, and of the C
//! libraries on the same pages (peers): liblz4 through the `lz4` crate, libzstd level 3
//! through `zstd::bulk`, zlib raw deflate through flate2.
//!
//! Run: `cargo bench -p zswap-core --bench compress` (results in target/criterion).
//!
//! Time is the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time: this
//! host's two cores are shared with other jobs, and wall time then measures the scheduler.

#![allow(clippy::expect_used)] // a benchmark without its peer context cannot run
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use zswap_core::KernelEra;
use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::page::PAGE_SIZE;
use zswap_workload::pages::mixed_corpus;

/// 256 pages: text, heap, sparse, repeats, text with noise, random, zero, filled.
fn corpus() -> Vec<[u8; PAGE_SIZE]> {
    mixed_corpus(42, 256)
}

/// CPU time of the calling thread; values and formatting are criterion's wall-time ones.
struct ThreadCpuTime(WallTime);

fn thread_cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_now()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        self.0.to_f64(v)
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.0.formatter()
    }
}

type Bench = Criterion<ThreadCpuTime>;

fn ours(c: &mut Bench) {
    let pages = corpus();
    let mut g = c.benchmark_group("compress");
    g.throughput(Throughput::Elements(pages.len() as u64));
    for alg in Algorithm::ALL {
        let Ok(mut comp) = PageCompressor::new(alg, KernelEra::V6_18) else {
            continue;
        };
        let mut out = Vec::new();
        g.bench_function(BenchmarkId::new("zswap-core", alg), |b| {
            b.iter(|| {
                for p in &pages {
                    let _ = black_box(comp.compress(black_box(p), &mut out));
                }
            })
        });
    }
    g.finish();
}

fn decompress(c: &mut Bench) {
    let pages = corpus();
    let mut g = c.benchmark_group("decompress");
    g.throughput(Throughput::Elements(pages.len() as u64));
    for alg in Algorithm::ALL {
        let Ok(mut comp) = PageCompressor::new(alg, KernelEra::V6_18) else {
            continue;
        };
        let mut out = Vec::new();
        let blobs: Vec<Vec<u8>> = pages
            .iter()
            .filter_map(|p| comp.compress(p, &mut out).ok().map(|_| out.clone()))
            .collect();
        let mut page = [0u8; PAGE_SIZE];
        g.bench_function(BenchmarkId::new("zswap-core", alg), |b| {
            b.iter(|| {
                for blob in &blobs {
                    let _ = black_box(comp.decompress(black_box(blob), &mut page));
                }
            })
        });
    }
    g.finish();
}

fn peers(c: &mut Bench) {
    let pages = corpus();
    let mut g = c.benchmark_group("compress");
    g.throughput(Throughput::Elements(pages.len() as u64));
    let mut out = vec![0u8; PAGE_SIZE];
    g.bench_function(BenchmarkId::new("liblz4 (lz4 crate)", "lz4"), |b| {
        b.iter(|| {
            for p in &pages {
                let _ = black_box(lz4::block::compress_to_buffer(
                    black_box(p),
                    Some(lz4::block::CompressionMode::DEFAULT),
                    false,
                    &mut out,
                ));
            }
        })
    });
    g.bench_function(BenchmarkId::new("liblz4 (lz4 crate)", "lz4hc"), |b| {
        b.iter(|| {
            for p in &pages {
                let _ = black_box(lz4::block::compress_to_buffer(
                    black_box(p),
                    Some(lz4::block::CompressionMode::HIGHCOMPRESSION(9)),
                    false,
                    &mut out,
                ));
            }
        })
    });
    let mut z = zstd::bulk::Compressor::new(3).expect("zstd context");
    g.bench_function(BenchmarkId::new("libzstd (zstd::bulk)", "zstd"), |b| {
        b.iter(|| {
            for p in &pages {
                let _ = black_box(z.compress_to_buffer(black_box(&p[..]), &mut out));
            }
        })
    });
    let mut d = flate2::Compress::new_with_window_bits(flate2::Compression::new(6), false, 11);
    g.bench_function(BenchmarkId::new("zlib (flate2)", "deflate"), |b| {
        b.iter(|| {
            for p in &pages {
                d.reset();
                let _ = black_box(d.compress(
                    black_box(&p[..]),
                    &mut out,
                    flate2::FlushCompress::Finish,
                ));
            }
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime(WallTime));
    targets = ours, decompress, peers
}
criterion_main!(benches);
