//! Allocation throughput of the zbud model (`sim::ZbudPool`, the 6.1 zpool that
//! `zswapctl analyze` replays every compressed length into): 100,000 allocations into an empty
//! pool, and 100,000 free-then-allocate steps on a pool holding 50,000 objects with an LRU
//! eviction every 64 steps (zswap's shrink path).
//!
//! Run: `cargo bench -p zswap-core --bench zbud` (results in target/criterion/zbud_*).

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use zswap_core::sim::{ZBUD_MAX_ALLOC, ZbudHandle, ZbudPool};

const ALLOCS: usize = 100_000;
const RESIDENT: usize = 50_000;

/// Deterministic object sizes (xorshift64), 64..=ZBUD_MAX_ALLOC bytes with a bias to
/// 1-2 KiB objects as zswap sees from text and heap pages.
fn sizes(seed: u64, n: usize) -> Vec<usize> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let r = (x >> 16) as usize;
            if r.is_multiple_of(4) {
                64 + r % (ZBUD_MAX_ALLOC - 64)
            } else {
                1024 + r % 1024
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("zbud");
    g.throughput(Throughput::Elements(ALLOCS as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.warm_up_time(Duration::from_secs(1));

    let fill = sizes(1, ALLOCS);
    g.bench_function(BenchmarkId::new("malloc", ALLOCS), |b| {
        b.iter(|| {
            let mut pool = ZbudPool::new();
            for &s in &fill {
                let _ = black_box(pool.malloc(black_box(s)));
            }
            black_box(pool.total_pages())
        })
    });

    let resident = sizes(2, RESIDENT);
    let churn = sizes(3, ALLOCS);
    g.bench_function(BenchmarkId::new("churn", ALLOCS), |b| {
        b.iter(|| {
            let mut pool = ZbudPool::new();
            let mut live: Vec<Option<ZbudHandle>> =
                resident.iter().map(|&s| pool.malloc(s).ok()).collect();
            for (i, &s) in churn.iter().enumerate() {
                // Free a pseudo-random resident object (the size doubles as the index).
                let slot = (s * 7919 + i) % live.len();
                if let Some(h) = live[slot].take() {
                    pool.free(h);
                }
                live[slot] = pool.malloc(s).ok();
                if i % 64 == 0 {
                    pool.reclaim_page(8, |p, h| {
                        p.free(h);
                        true
                    });
                }
            }
            black_box(pool.total_pages())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
