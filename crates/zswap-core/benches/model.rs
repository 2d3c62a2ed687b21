//! Store throughput of the zswap model (`sim::Zswap`, 6.18 profile) per compressor, and the
//! raw compressor on the same pages as its peer: the difference is the model's own cost
//! (zero check, zsmalloc placement, entry, LRU and counter bookkeeping, replacing the entry
//! previously stored at the slot).
//!
//! Run: `cargo bench -p zswap-core --bench model` (results in target/criterion/model_*).

#![allow(clippy::expect_used)] // a benchmark that cannot set up cannot run
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use zswap_core::KernelEra;
use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::sim::{MemcgId, SimConfig, Zswap};
use zswap_workload::pages::mixed_corpus;

const ERA: KernelEra = KernelEra::V6_18;

fn bench(c: &mut Criterion) {
    let pages = mixed_corpus(42, 256);
    let mut g = c.benchmark_group("model_vs_compressor");
    g.throughput(Throughput::Elements(pages.len() as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(3));
    g.warm_up_time(Duration::from_secs(1));
    for alg in Algorithm::ALL {
        let Ok(mut raw) = PageCompressor::new(alg, ERA) else {
            continue;
        };
        let mut out = Vec::new();
        g.bench_function(BenchmarkId::new("compressor", alg), |b| {
            b.iter(|| {
                for p in &pages {
                    let _ = black_box(raw.compress(black_box(p), &mut out));
                }
            })
        });
        let mut z = Zswap::new(
            SimConfig::builder(ERA)
                .compressor(alg.kernel_name())
                .build(),
        );
        assert_eq!(z.params().compressor(), Some(alg.kernel_name()));
        g.bench_function(BenchmarkId::new("model_store", alg), |b| {
            b.iter(|| {
                for (i, p) in pages.iter().enumerate() {
                    black_box(z.store(i as u64, MemcgId::ROOT, black_box(p)));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
