//! The parallel analysis: worker threads pull buffers of pages from the source in turn,
//! classify each page once, run it through every compressor and tally the outcome.
//!
//! Threads: `std::thread::scope` with one worker per core (no thread pool dependency); each
//! worker owns its buffer, compressors and tallies, so the hot path shares nothing and
//! allocates nothing per page. Memory is bounded by `threads × CHUNK_PAGES` pages whatever the
//! input size. Tallies are order-independent and merged at the end; only zbud packing (6.1)
//! depends on page order, so for it the workers send each buffer's stored lengths to the
//! calling thread, which replays them in input order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};

use serde::Serialize;
use zswap_core::KernelEra;
use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::page::PAGE_SIZE;
use zswap_core::sim::{ClassTable, ZbudError, ZbudPool};

use crate::error::{AnalyzeError, Result};
use crate::page_outcomes::{PageFill, Stored, Tally, classify, needs_compression, outcome};
use crate::report::{CompressorReport, Recommendation, ZbudFigures, recommend};
use crate::source::{PageSource, SourceSummary};

/// Pages per buffer a worker takes from the source at a time (1 MiB).
pub const CHUNK_PAGES: usize = 256;

/// zswap's 6.1 header in front of each zbud object (the swap entry, for eviction).
const ZBUD_ZSWAP_HEADER: usize = 8;

/// What to analyse with.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// The era whose rules apply.
    pub era: KernelEra,
    /// Compressors, in report order.
    pub algorithms: Vec<Algorithm>,
    /// Worker threads (at least 1).
    pub threads: usize,
}

/// The result of one analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// What was read.
    pub input: SourceSummary,
    /// The era whose rules were applied.
    pub kernel: String,
    /// Worker threads used.
    pub threads: usize,
    /// One report per compressor, in the order asked.
    pub compressors: Vec<CompressorReport>,
    /// The advice.
    pub recommendation: Option<Recommendation>,
}

/// The compressors this build models, in kernel order.
pub fn modelled_algorithms() -> Vec<Algorithm> {
    Algorithm::ALL
        .into_iter()
        .filter(|a| PageCompressor::new(*a, KernelEra::V6_18).is_ok())
        .collect()
}

/// CPU time of the calling thread in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`). Time per page
/// is CPU time, not wall time, so that other load on the machine does not inflate it.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec to a valid pointer we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    (ts.tv_sec as u64).saturating_mul(1_000_000_000) + ts.tv_nsec as u64
}

struct Shared<'a> {
    source: &'a mut dyn PageSource,
    next: u64,
}

/// Per-buffer stored lengths sent for zbud: per compressor, per page, 0 = no object.
type ChunkLengths = (u64, Vec<Vec<u16>>);

struct Worker {
    comps: Vec<PageCompressor>,
    tallies: Vec<Tally>,
    fills: Vec<PageFill>,
    out: Vec<u8>,
    buf: Vec<u8>,
}

impl Worker {
    fn new(opts: &AnalyzeOptions, table: &ClassTable) -> Result<Worker> {
        let comps = opts
            .algorithms
            .iter()
            .map(|&a| {
                PageCompressor::new(a, opts.era).map_err(|source| AnalyzeError::Compressor {
                    algorithm: a,
                    source,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Worker {
            tallies: vec![Tally::new(table.classes().len()); comps.len()],
            comps,
            fills: Vec::with_capacity(CHUNK_PAGES),
            out: Vec::with_capacity(2 * PAGE_SIZE),
            buf: vec![0u8; CHUNK_PAGES * PAGE_SIZE],
        })
    }

    /// Analyses the first `n` pages of the buffer; fills `lengths` if given.
    fn process(
        &mut self,
        n: usize,
        era: KernelEra,
        table: &ClassTable,
        mut lengths: Option<&mut Vec<Vec<u16>>>,
    ) {
        let pages = self.buf[..n * PAGE_SIZE].chunks_exact(PAGE_SIZE);
        self.fills.clear();
        self.fills.extend(pages.clone().map(|p| {
            // chunks_exact(PAGE_SIZE) yields whole pages only.
            <&[u8; PAGE_SIZE]>::try_from(p).map_or(PageFill::Mixed, classify)
        }));
        for (ci, comp) in self.comps.iter_mut().enumerate() {
            let tally = &mut self.tallies[ci];
            let start = thread_cpu_ns();
            for (page, &fill) in pages.clone().zip(&self.fills) {
                let Ok(page) = <&[u8; PAGE_SIZE]>::try_from(page) else {
                    continue;
                };
                let result =
                    needs_compression(era, fill).then(|| comp.compress(page, &mut self.out));
                let stored = outcome(era, fill, result);
                tally.add(table, fill, result, stored);
                if let Some(l) = lengths.as_deref_mut() {
                    l[ci].push(match stored {
                        Stored::Object(len) => len as u16,
                        _ => 0,
                    });
                }
            }
            tally.compress_ns += thread_cpu_ns().saturating_sub(start);
        }
    }
}

fn worker_loop(
    shared: &Mutex<Shared<'_>>,
    stop: &AtomicBool,
    done: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
    opts: &AnalyzeOptions,
    table: &ClassTable,
    zbud_tx: Option<mpsc::SyncSender<ChunkLengths>>,
) -> Result<Vec<Tally>> {
    let mut w = Worker::new(opts, table)?;
    while !stop.load(Ordering::Relaxed) {
        let (idx, n) = {
            let mut g = shared.lock().unwrap_or_else(|p| p.into_inner());
            let n = g.source.read_pages(&mut w.buf)?;
            g.next += 1;
            (g.next - 1, n)
        };
        if n == 0 {
            break;
        }
        let mut lengths = zbud_tx
            .as_ref()
            .map(|_| vec![Vec::with_capacity(n); opts.algorithms.len()]);
        w.process(n, opts.era, table, lengths.as_mut());
        if let (Some(tx), Some(l)) = (&zbud_tx, lengths) {
            // The receiver only goes away when the analysis is failing anyway.
            let _ = tx.send((idx, l));
        }
        progress(done.fetch_add(n as u64, Ordering::Relaxed) + n as u64);
    }
    Ok(w.tallies)
}

/// Replays stored lengths into one zbud pool per compressor, in input order (6.1).
fn zbud_replay(rx: mpsc::Receiver<ChunkLengths>, compressors: usize) -> Vec<ZbudFigures> {
    let mut pools: Vec<ZbudPool> = (0..compressors).map(|_| ZbudPool::new()).collect();
    let mut rejected = vec![0u64; compressors];
    let mut pending: BTreeMap<u64, Vec<Vec<u16>>> = BTreeMap::new();
    let mut next = 0u64;
    for (idx, lens) in rx {
        pending.insert(idx, lens);
        while let Some(lens) = pending.remove(&next) {
            for (ci, l) in lens.iter().enumerate() {
                for &len in l.iter().filter(|&&len| len > 0) {
                    if let Err(ZbudError::NoSpace) =
                        pools[ci].malloc(usize::from(len) + ZBUD_ZSWAP_HEADER)
                    {
                        rejected[ci] += 1;
                    }
                }
            }
            next += 1;
        }
    }
    pools
        .iter()
        .zip(rejected)
        .map(|(p, rejected)| ZbudFigures {
            pages: p.total_pages(),
            rejected,
        })
        .collect()
}

/// Runs the analysis of `source` with `opts`; `progress` is called with the number of pages
/// done so far after each buffer.
pub fn analyze(
    source: &mut dyn PageSource,
    opts: &AnalyzeOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Analysis> {
    let table = ClassTable::for_era(opts.era);
    let threads = opts.threads.max(1);
    let shared = Mutex::new(Shared { source, next: 0 });
    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let with_zbud = opts.era == KernelEra::V6_1;
    let (tx, rx) = mpsc::sync_channel::<ChunkLengths>(threads * 2);
    let (results, zbud) = std::thread::scope(|s| {
        let mut handles = Vec::with_capacity(threads);
        for _ in 0..threads {
            let tx = with_zbud.then(|| tx.clone());
            let (shared, stop, done, table) = (&shared, &stop, &done, &table);
            let spawned = std::thread::Builder::new()
                .name("zswap-analyze".to_owned())
                .spawn_scoped(s, move || {
                    let r = worker_loop(shared, stop, done, progress, opts, table, tx);
                    if r.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    r
                });
            match spawned {
                Ok(h) => handles.push(h),
                Err(source) => {
                    stop.store(true, Ordering::Relaxed);
                    handles.clear();
                    return (vec![Err(AnalyzeError::Thread { source })], None);
                }
            }
        }
        drop(tx);
        let zbud = with_zbud.then(|| zbud_replay(rx, opts.algorithms.len()));
        let results: Vec<Result<Vec<Tally>>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        (results, zbud)
    });
    let mut totals = vec![Tally::new(table.classes().len()); opts.algorithms.len()];
    for r in results {
        for (t, w) in totals.iter_mut().zip(r?) {
            t.merge(&w);
        }
    }
    let input = shared
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .source
        .summary();
    let compressors: Vec<CompressorReport> = opts
        .algorithms
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let z = zbud.as_ref().and_then(|z| z.get(i).copied());
            CompressorReport::new(a.kernel_name(), opts.era, &table, &totals[i], z)
        })
        .collect();
    Ok(Analysis {
        input,
        kernel: opts.era.to_string(),
        threads,
        recommendation: recommend(&compressors),
        compressors,
    })
}

/// The analysis of recorded compressed lengths (a swap trace's stores): the pool and class
/// figures the lengths imply under `era`'s class table. `name` labels the compressor that
/// produced them; no time per page and no recommendation (nothing was compressed here).
pub fn analyze_sizes(
    name: &str,
    era: KernelEra,
    lengths: impl IntoIterator<Item = u32>,
    input: SourceSummary,
) -> Analysis {
    let table = ClassTable::for_era(era);
    let mut tally = Tally::new(table.classes().len());
    for len in lengths {
        let len = len.clamp(1, PAGE_SIZE as u32);
        tally.add(
            &table,
            PageFill::Mixed,
            Some(Ok(len as usize)),
            Stored::Object(len),
        );
    }
    let mut report = CompressorReport::new(name, era, &table, &tally, None);
    report.ns_per_page = None;
    Analysis {
        input,
        kernel: era.to_string(),
        threads: 1,
        compressors: vec![report],
        recommendation: None,
    }
}
