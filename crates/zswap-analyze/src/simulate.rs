//! A synthetic swapping workload replayed through the reference model (`zswap_core::sim`):
//! a process touches a working set larger than the memory it may keep resident; every access
//! to a page that is not resident swaps it in (zswap load, else a disk read) and swaps the
//! least recently used resident page out (zswap store, else a disk write). The shrink work the
//! model queues runs right after the store that queued it, as the workqueue would.
//!
//! Pure and deterministic: no I/O, no clock; the access pattern comes from a seeded generator.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use zswap_core::compress::{Algorithm, KernelEra, PAGE_SIZE};
use zswap_core::sim::{
    KernelCodecs, LoadOutcome, MemcgId, SimConfig, SimError, StoreOutcome, Zswap,
};

/// Which page the workload touches next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    /// 0, 1, 2, … over the working set, again and again (a scan).
    Sequential,
    /// Uniformly random pages.
    Random,
    /// 90 % of accesses to the first 10 % of the working set.
    HotCold,
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pattern::Sequential => "sequential",
            Pattern::Random => "random",
            Pattern::HotCold => "hot-cold",
        })
    }
}

impl FromStr for Pattern {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sequential" => Ok(Pattern::Sequential),
            "random" => Ok(Pattern::Random),
            "hot-cold" => Ok(Pattern::HotCold),
            _ => Err(format!(
                "unknown access pattern '{s}'; use sequential, random or hot-cold"
            )),
        }
    }
}

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
    pub pattern: Pattern,
    /// Seed of the pattern and of the page contents.
    pub seed: u64,
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
pub struct Sample {
    /// Operations (page touches) so far.
    pub op: u64,
    /// `pool_total_size`, bytes.
    pub pool_bytes: u64,
    /// `stored_pages`.
    pub stored_pages: u64,
    /// `pool_limit_hit` so far.
    pub pool_limit_hit: u64,
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
    pub samples: Vec<Sample>,
}

impl SimResult {
    /// Pages that went to or came from the swap device: refused stores, writebacks, reads.
    pub fn disk_io_pages(&self) -> u64 {
        self.rejects + self.written_back_pages + self.disk_reads
    }
}

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

const WORDS: [&[u8]; 12] = [
    b"the ",
    b"swap ",
    b"page ",
    b"of ",
    b"memory ",
    b"kernel ",
    b"zswap ",
    b"pool ",
    b"and ",
    b"compressed ",
    b"entry ",
    b"\n",
];

/// The contents of page `id`: text with a share of random bytes that varies per page, so the
/// workload's pages compress anywhere from well to not at all, like real anonymous memory.
pub fn page_contents(seed: u64, id: u64, out: &mut [u8; PAGE_SIZE]) {
    let mut rng = Rng(seed ^ id.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let noise_per_mille = rng.below(700);
    let mut i = 0;
    while i < PAGE_SIZE {
        if rng.below(1000) < noise_per_mille {
            out[i] = rng.next() as u8;
            i += 1;
        } else {
            let w = WORDS[rng.below(WORDS.len() as u64) as usize];
            let n = w.len().min(PAGE_SIZE - i);
            out[i..i + n].copy_from_slice(&w[..n]);
            i += n;
        }
    }
}

/// The workload's resident pages in LRU order.
struct Resident {
    by_time: BTreeMap<u64, u64>,
    time_of: Vec<Option<u64>>,
    clock: u64,
}

impl Resident {
    fn touch(&mut self, page: u64) {
        if let Some(t) = self.time_of[page as usize].take() {
            self.by_time.remove(&t);
        }
        self.clock += 1;
        self.by_time.insert(self.clock, page);
        self.time_of[page as usize] = Some(self.clock);
    }

    fn evict_lru(&mut self) -> Option<u64> {
        let (_, page) = self.by_time.pop_first()?;
        self.time_of[page as usize] = None;
        Some(page)
    }
}

/// Runs `workload` under `settings`, sampling the pool every `sample_every` operations.
pub fn simulate(
    workload: &Workload,
    settings: &SimSettings,
    sample_every: u64,
) -> Result<SimResult, SimError> {
    let cfg = SimConfig::builder(settings.era)
        .total_ram_pages(settings.ram_pages)
        .compressor(settings.compressor.kernel_name())
        .max_pool_percent(settings.max_pool_percent)
        .accept_threshold_percent(settings.accept_threshold_percent)
        .shrinker_enabled(settings.shrinker_enabled)
        .codecs(KernelCodecs::default())
        .build();
    let mut z = Zswap::new(cfg);
    let memcg = z.create_memcg(MemcgId::ROOT)?;
    let max_pool_pages = settings.ram_pages * u64::from(settings.max_pool_percent) / 100;
    let mut r = SimResult {
        settings: settings.clone(),
        max_pool_pages,
        accept_threshold_pages: max_pool_pages * u64::from(settings.accept_threshold_percent) / 100,
        stores: 0,
        rejects: 0,
        limit_rejects: 0,
        zswap_loads: 0,
        disk_reads: 0,
        pool_limit_hit: 0,
        written_back_pages: 0,
        peak_pool_bytes: 0,
        samples: Vec::new(),
    };
    let ws = workload.working_set_pages.max(1);
    let mut res = Resident {
        by_time: BTreeMap::new(),
        time_of: vec![None; ws as usize],
        clock: 0,
    };
    let mut swapped = vec![false; ws as usize];
    let mut rng = Rng(workload.seed);
    let mut page = [0u8; PAGE_SIZE];
    let total_ops = ws + workload.accesses;
    let every = sample_every.max(1);
    for op in 0..total_ops {
        let p = if op < ws {
            op
        } else {
            match workload.pattern {
                Pattern::Sequential => (op - ws) % ws,
                Pattern::Random => rng.below(ws),
                Pattern::HotCold => {
                    let hot = (ws / 10).max(1);
                    if rng.below(10) < 9 {
                        rng.below(hot)
                    } else {
                        hot + rng.below(ws - hot)
                    }
                }
            }
        };
        if swapped[p as usize] {
            match z.load(p, &mut page) {
                LoadOutcome::Loaded | LoadOutcome::ZeroMap => r.zswap_loads += 1,
                LoadOutcome::NotFound | LoadOutcome::DecompressFailed => r.disk_reads += 1,
            }
            // The page is resident and dirty again: its swap slot is freed.
            z.invalidate(p);
            swapped[p as usize] = false;
        }
        res.touch(p);
        if res.by_time.len() as u64 > workload.resident_pages
            && let Some(victim) = res.evict_lru()
        {
            page_contents(workload.seed, victim, &mut page);
            r.stores += 1;
            if let StoreOutcome::Rejected(reason) = z.store(victim, memcg, &page) {
                r.rejects += 1;
                if matches!(
                    reason,
                    zswap_core::sim::RejectReason::PoolLimit
                        | zswap_core::sim::RejectReason::PoolLimitHysteresis
                ) {
                    r.limit_rejects += 1;
                }
            }
            swapped[victim as usize] = true;
            if z.shrink_work_pending() {
                z.run_shrink_worker();
            }
        }
        let pool = z.pool_total_size();
        r.peak_pool_bytes = r.peak_pool_bytes.max(pool);
        if op % every == 0 || op + 1 == total_ops {
            let c = z.counters();
            r.samples.push(Sample {
                op,
                pool_bytes: pool,
                stored_pages: c.debugfs.stored_pages,
                pool_limit_hit: c.debugfs.pool_limit_hit,
            });
        }
    }
    let c = z.counters();
    r.pool_limit_hit = c.debugfs.pool_limit_hit;
    r.written_back_pages = c.debugfs.written_back_pages;
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

    #[test]
    fn deterministic() {
        let a = simulate(&workload(), &settings(10, 90), 250).unwrap();
        let b = simulate(&workload(), &settings(10, 90), 250).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn pattern_parse_names_the_value() {
        assert_eq!("hot-cold".parse::<Pattern>().unwrap(), Pattern::HotCold);
        assert!(
            "zigzag"
                .parse::<Pattern>()
                .unwrap_err()
                .contains("'zigzag'")
        );
    }
}
