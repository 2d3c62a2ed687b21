//! A synthetic swapping workload replayed through the reference model (`zswap_core::sim`):
//! a process touches a working set larger than the memory it may keep resident; every access
//! to a page that is not resident swaps it in (zswap load, else a disk read) and swaps the
//! least recently used resident page out (zswap store, else a disk write). The workload
//! itself (pages, order) is [`zswap_workload::synthetic`], which `zswap-workload --synthetic`
//! runs on a real kernel (the `hysteresis` scenario of `cargo xtask vmtest`).
//! The shrink work the model queues runs right after the store that queued it; the kernel's
//! worker is asynchronous (what that changes is measured in README-analyze.md).
//!
//! Pure and deterministic: no I/O, no clock; the access pattern comes from a seeded generator.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use zswap_core::KernelEra;
use zswap_core::compress::Algorithm;
use zswap_core::page::PAGE_SIZE;
use zswap_core::sim::{
    CodecProvider, FolioSource, KernelCodecs, LoadOutcome, MemcgId, RejectReason, SimConfig,
    SimError, StoreOutcome, Zswap,
};
use zswap_workload::pages::synthetic_page;
pub use zswap_workload::synthetic::Episode;
pub use zswap_workload::synthetic::Pattern;
use zswap_workload::synthetic::{Shape, note_store};

use crate::size_memo::{MemoRun, SizeMemo};

/// The synthetic workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Workload {
    /// Pages the process uses.
    pub working_set_pages: u64,
    /// Pages it may keep in memory; the rest lives in swap.
    pub resident_pages: u64,
    /// Accesses after the working set has been touched once.
    pub accesses: u64,
    /// Access pattern.
    #[serde(serialize_with = "ser_display")]
    pub pattern: Pattern,
    /// Seed of the pattern and of the page contents.
    pub seed: u64,
}

impl Workload {
    /// The pages and their order.
    pub fn shape(&self) -> Shape {
        Shape {
            working_set_pages: self.working_set_pages,
            resident_pages: self.resident_pages,
            accesses: self.accesses,
            pattern: self.pattern,
            seed: self.seed,
        }
    }
}

/// The kernel and zswap settings of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimSettings {
    /// Era profile.
    #[serde(serialize_with = "ser_display")]
    pub era: KernelEra,
    /// `totalram_pages()`.
    pub ram_pages: u64,
    /// `compressor`.
    #[serde(serialize_with = "ser_display")]
    pub compressor: Algorithm,
    /// `max_pool_percent`.
    pub max_pool_percent: u32,
    /// `accept_threshold_percent`.
    pub accept_threshold_percent: u32,
    /// `shrinker_enabled` (6.12+; the model runs the shrinker only when asked, so this only
    /// sets the parameter).
    pub shrinker_enabled: bool,
}

fn ser_display<T: fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// One point of the pool-size curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PoolPoint {
    /// Operations (page touches) so far.
    pub op: u64,
    /// `pool_total_size`, bytes.
    pub pool_bytes: u64,
    /// `stored_pages`.
    pub stored_pages: u64,
    /// `pool_limit_hit` so far.
    pub pool_limit_hit: u64,
    /// `written_back_pages` so far.
    pub written_back_pages: u64,
}

/// The outcome of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimResult {
    /// The settings.
    pub settings: SimSettings,
    /// `max_pool_percent` of RAM in pages (`T*P/100`).
    pub max_pool_pages: u64,
    /// Accept threshold in pages (6.12+ rule, `max_pool_pages*A/100`).
    pub accept_threshold_pages: u64,
    /// Stores offered to zswap.
    pub stores: u64,
    /// Stores zswap refused, for any reason (they go to disk).
    pub rejects: u64,
    /// Refusals because the pool was full or had not yet fallen to the accept threshold.
    pub limit_rejects: u64,
    /// Swap-ins served by zswap.
    pub zswap_loads: u64,
    /// Swap-ins read from the swap device.
    pub disk_reads: u64,
    /// debugfs `pool_limit_hit`.
    pub pool_limit_hit: u64,
    /// debugfs `written_back_pages`.
    pub written_back_pages: u64,
    /// Highest `pool_total_size` seen, bytes.
    pub peak_pool_bytes: u64,
    /// `pool_total_size` over time.
    pub samples: Vec<PoolPoint>,
    /// Refusal episodes in order.
    pub episodes: Vec<Episode>,
}

impl SimSettings {
    /// A model kernel with these settings whose compressors come from `codecs`.
    pub(crate) fn model(&self, codecs: impl CodecProvider + 'static) -> Zswap {
        let cfg = SimConfig::builder(self.era)
            .total_ram_pages(self.ram_pages)
            .compressor(self.compressor.kernel_name())
            .max_pool_percent(self.max_pool_percent)
            .accept_threshold_percent(self.accept_threshold_percent)
            .shrinker_enabled(self.shrinker_enabled)
            .codecs(codecs)
            .build();
        Zswap::new(cfg)
    }
}

impl SimResult {
    /// A run under `settings` before its first operation.
    pub(crate) fn empty(settings: &SimSettings) -> SimResult {
        let max_pool_pages = settings.ram_pages * u64::from(settings.max_pool_percent) / 100;
        SimResult {
            settings: settings.clone(),
            max_pool_pages,
            accept_threshold_pages: max_pool_pages * u64::from(settings.accept_threshold_percent)
                / 100,
            stores: 0,
            rejects: 0,
            limit_rejects: 0,
            zswap_loads: 0,
            disk_reads: 0,
            pool_limit_hit: 0,
            written_back_pages: 0,
            peak_pool_bytes: 0,
            samples: Vec::new(),
            episodes: Vec::new(),
        }
    }

    /// Tracks the peak pool after operation `op`, and samples it every `every` operations
    /// and at the last of `total`.
    pub(crate) fn sample(&mut self, z: &Zswap, op: u64, every: u64, total: u64) {
        let pool = z.pool_total_size();
        self.peak_pool_bytes = self.peak_pool_bytes.max(pool);
        if op.is_multiple_of(every) || op + 1 == total {
            let c = z.counters();
            self.samples.push(PoolPoint {
                op,
                pool_bytes: pool,
                stored_pages: c.debugfs.stored_pages,
                pool_limit_hit: c.debugfs.pool_limit_hit,
                written_back_pages: c.debugfs.written_back_pages,
            });
        }
    }

    /// Offers one folio of `pages` to zswap at consecutive slots from `slot` as operation
    /// `op`: counts the store and a refusal (limit refusals also apart), tracks refusal
    /// episodes, then runs the shrink work the store queued. True if zswap took the folio.
    pub(crate) fn store(
        &mut self,
        z: &mut Zswap,
        op: u64,
        slot: u64,
        memcg: MemcgId,
        mut pages: &[[u8; PAGE_SIZE]],
    ) -> bool {
        self.store_from(z, op, slot, memcg, &mut pages)
    }

    /// [`SimResult::store`] of the pages `src` describes.
    pub(crate) fn store_from(
        &mut self,
        z: &mut Zswap,
        op: u64,
        slot: u64,
        memcg: MemcgId,
        src: &mut dyn FolioSource,
    ) -> bool {
        self.stores += 1;
        let before = z.pool_total_size();
        let stored = match z.store_from(slot, memcg, src) {
            StoreOutcome::Stored { .. } | StoreOutcome::ZeroMap => true,
            StoreOutcome::Rejected(reason) => {
                self.rejects += 1;
                if matches!(
                    reason,
                    RejectReason::PoolLimit | RejectReason::PoolLimitHysteresis
                ) {
                    self.limit_rejects += 1;
                }
                false
            }
        };
        note_store(&mut self.episodes, op, !stored, before, z.pool_total_size());
        // The kernel's worker runs later, on a kworker, and a queueing while it is pending is
        // lost; running it here is the earliest and most often it could run, so the model's
        // limit hits are a floor and its writeback a ceiling (docs/verification.md,
        // "Predictive replay").
        if z.shrink_work_pending() {
            z.run_shrink_worker();
        }
        stored
    }

    /// Takes the final counters.
    pub(crate) fn finish(&mut self, z: &Zswap) {
        let c = z.counters();
        self.pool_limit_hit = c.debugfs.pool_limit_hit;
        self.written_back_pages = c.debugfs.written_back_pages;
    }

    /// Pages that went to or came from the swap device: refused stores, writebacks, reads.
    pub fn disk_io_pages(&self) -> u64 {
        self.rejects + self.written_back_pages + self.disk_reads
    }
}

/// Runs `workload` under `settings`, sampling the pool every `sample_every` operations.
/// Every store compresses its page ([`simulate_sweep`] remembers lengths instead).
pub fn simulate(
    workload: &Workload,
    settings: &SimSettings,
    sample_every: u64,
) -> Result<SimResult, SimError> {
    run(workload, settings, sample_every, None)
}

/// Whether the runs of a sweep remember each page's summary ([`SizeMemo`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memo {
    /// Make and compress each page once per compressor and era for the whole sweep.
    On,
    /// Compress the page on every store, as [`simulate`] does.
    Off,
}

/// Runs `workload` under each of `settings` on up to `threads` threads; the results are in
/// the order of `settings` and each is the one [`simulate`] gives (the runs do not share a
/// model, only, with [`Memo::On`], the compressed length of each page).
pub fn simulate_sweep(
    workload: &Workload,
    settings: &[SimSettings],
    sample_every: u64,
    threads: usize,
    memo: Memo,
) -> Result<Vec<SimResult>, SimError> {
    let mut memos: Vec<Arc<SizeMemo>> = Vec::new();
    let memo_of: Vec<Option<Arc<SizeMemo>>> = settings
        .iter()
        .map(|s| {
            (memo == Memo::On).then(|| {
                let found = memos
                    .iter()
                    .find(|m| m.is_for(workload.seed, s.compressor, s.era))
                    .cloned();
                found.unwrap_or_else(|| {
                    let m = SizeMemo::new(
                        workload.seed,
                        s.compressor,
                        s.era,
                        workload.working_set_pages,
                    );
                    memos.push(m.clone());
                    m
                })
            })
        })
        .collect();
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, settings.len().max(1));
    let mut done: Vec<(usize, Result<SimResult, SimError>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(set) = settings.get(i) else {
                            return mine;
                        };
                        mine.push((i, run(workload, set, sample_every, memo_of[i].clone())));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

fn run(
    workload: &Workload,
    settings: &SimSettings,
    sample_every: u64,
    memo: Option<Arc<SizeMemo>>,
) -> Result<SimResult, SimError> {
    let mut memo = memo.map(MemoRun::new);
    let mut z = settings.model(KernelCodecs::default());
    let memcg = z.create_memcg(MemcgId::ROOT)?;
    let mut r = SimResult::empty(settings);
    let shape = workload.shape();
    let mut page = [0u8; PAGE_SIZE];
    let total_ops = shape.total_ops();
    let every = sample_every.max(1);
    for op in shape.ops() {
        if op.swap_in {
            match z.load(op.page, &mut page) {
                LoadOutcome::Loaded | LoadOutcome::ZeroMap => r.zswap_loads += 1,
                LoadOutcome::NotFound | LoadOutcome::DecompressFailed => r.disk_reads += 1,
            }
            // The page is resident and dirty again: its swap slot is freed.
            z.invalidate(op.page);
        }
        if let Some(victim) = op.evict {
            match &mut memo {
                Some(m) => {
                    let mut src = m.page(victim, &mut page);
                    r.store_from(&mut z, op.op, victim, memcg, &mut src);
                }
                None => {
                    synthetic_page(workload.seed, victim, &mut page);
                    r.store(&mut z, op.op, victim, memcg, std::slice::from_ref(&page));
                }
            }
        }
        r.sample(&z, op.op, every, total_ops);
    }
    r.finish(&z);
    Ok(r)
}

/// The smallest `max_pool_percent` whose limit the workload's peak pool stays below, from a
/// run without a limit; None if even 100 % is too small.
pub fn suggest_max_pool_percent(unlimited: &SimResult) -> Option<u32> {
    let peak_pages = unlimited.peak_pool_bytes.div_ceil(PAGE_SIZE as u64);
    let ram = unlimited.settings.ram_pages.max(1);
    // Full ⇔ cur >= T*P/100; the smallest P with T*P/100 > peak.
    (1..=100u32).find(|&p| ram * u64::from(p) / 100 > peak_pages)
}

/// The accept threshold of the run with the least disk traffic (ties: the higher one).
pub fn suggest_accept_threshold(runs: &[SimResult]) -> Option<u32> {
    runs.iter()
        .min_by_key(|r| {
            (
                r.disk_io_pages(),
                std::cmp::Reverse(r.settings.accept_threshold_percent),
            )
        })
        .map(|r| r.settings.accept_threshold_percent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(p: u32, a: u32) -> SimSettings {
        SimSettings {
            era: KernelEra::V6_18,
            ram_pages: 8192,
            compressor: Algorithm::Lzo,
            max_pool_percent: p,
            accept_threshold_percent: a,
            shrinker_enabled: false,
        }
    }

    fn workload() -> Workload {
        Workload {
            working_set_pages: 4000,
            resident_pages: 1000,
            accesses: 6000,
            pattern: Pattern::Random,
            seed: 42,
        }
    }

    #[test]
    fn unlimited_pool_never_hits_the_limit() {
        let r = simulate(&workload(), &settings(100, 90), 500).unwrap();
        assert_eq!(r.pool_limit_hit, 0);
        assert_eq!(r.limit_rejects, 0);
        assert!(r.peak_pool_bytes > 0);
        assert!(r.zswap_loads > 0);
    }

    #[test]
    fn small_limit_hits_and_writes_back_with_hysteresis() {
        let r = simulate(&workload(), &settings(5, 50), 100).unwrap();
        assert!(r.pool_limit_hit > 0, "{r:?}");
        assert!(r.written_back_pages > 0, "{r:?}");
        // The shrink worker writes back to the accept threshold: after the first hit the pool
        // never exceeds the limit by more than the store in flight.
        let max_bytes = (r.max_pool_pages + 8) * 4096;
        assert!(r.samples.iter().all(|s| s.pool_bytes <= max_bytes), "{r:?}");
    }

    #[test]
    fn suggestion_covers_the_peak() {
        let r = simulate(&workload(), &settings(100, 90), 1000).unwrap();
        let p = suggest_max_pool_percent(&r).unwrap();
        let limited = simulate(&workload(), &settings(p, 90), 1000).unwrap();
        assert_eq!(limited.pool_limit_hit, 0, "suggested {p}%");
    }

    /// The sweep with remembered lengths, on several threads, gives exactly what each run
    /// alone gives with every page compressed, over eras, compressors, patterns and limits
    /// tight enough to refuse, write back and (6.1) fill zbud. Debug builds also check each
    /// remembered length against a real compression (size_memo).
    #[test]
    fn sweep_with_memo_equals_runs_without() {
        let cases = [
            (KernelEra::V6_18, Algorithm::Lzo, Pattern::Random, 1),
            (KernelEra::V6_18, Algorithm::Lz4, Pattern::HotCold, 2),
            (KernelEra::V6_12, Algorithm::LzoRle, Pattern::Sequential, 3),
            (KernelEra::V6_12, Algorithm::Zstd, Pattern::Random, 4),
            (KernelEra::V6_1, Algorithm::Lzo, Pattern::HotCold, 5),
            (KernelEra::V6_1, Algorithm::Lz4, Pattern::Random, 6),
        ];
        for (era, compressor, pattern, seed) in cases {
            let w = Workload {
                working_set_pages: 1500,
                resident_pages: 400,
                accesses: 3000,
                pattern,
                seed,
            };
            let all: Vec<SimSettings> = [(3, 50), (3, 90), (8, 70), (100, 100)]
                .into_iter()
                .map(|(p, a)| SimSettings {
                    era,
                    ram_pages: 16384,
                    compressor,
                    max_pool_percent: p,
                    accept_threshold_percent: a,
                    shrinker_enabled: false,
                })
                .collect();
            let alone: Vec<SimResult> = all.iter().map(|s| simulate(&w, s, 97).unwrap()).collect();
            assert!(
                alone.iter().any(|r| r.rejects > 0),
                "{era} {compressor}: no refusals"
            );
            for (threads, memo) in [(2, Memo::On), (1, Memo::On), (3, Memo::Off)] {
                let swept = simulate_sweep(&w, &all, 97, threads, memo).unwrap();
                assert_eq!(
                    swept, alone,
                    "{era} {compressor} {pattern} {threads} {memo:?}"
                );
            }
        }
    }

    #[test]
    fn deterministic() {
        let a = simulate(&workload(), &settings(10, 90), 250).unwrap();
        let b = simulate(&workload(), &settings(10, 90), 250).unwrap();
        assert_eq!(a, b);
    }
}
