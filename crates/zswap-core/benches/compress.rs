//! Pages per second of each kernel compressor model on a realistic page mix, and of the C
//! libraries on the same pages (peers): liblz4 through the `lz4` crate, libzstd level 3
//! through `zstd::bulk`, zlib raw deflate through flate2.
//!
//! Run: `cargo bench -p zswap-core --bench compress` (one core is enough; results in
//! target/criterion).

#![allow(clippy::expect_used)] // a benchmark without its peer context cannot run

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use zswap_core::compress::{Algorithm, KernelEra, PAGE_SIZE, PageCompressor};
use zswap_testkit::pages::mixed_corpus;

/// 256 pages: text, heap, sparse, repeats, text with noise, random, zero, filled.
fn corpus() -> Vec<[u8; PAGE_SIZE]> {
    mixed_corpus(42, 256)
}

fn ours(c: &mut Criterion) {
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

fn decompress(c: &mut Criterion) {
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

fn peers(c: &mut Criterion) {
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

criterion_group!(benches, ours, decompress, peers);
criterion_main!(benches);
