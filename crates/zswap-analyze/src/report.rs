//! Per-compressor results as `zswapctl analyze` prints them, and the recommendation.
//! Pure: no I/O, no clock.

use serde::Serialize;
use zswap_core::compress::{KernelEra, PAGE_SIZE};
use zswap_core::sim::ClassTable;

use crate::stats::Tally;

/// One zsmalloc class's share of the pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassBin {
    /// Slot size of the class in bytes (handle included); 4096 is the huge class.
    pub class_size: u32,
    /// Pages chained into one zspage of this class.
    pub pages_per_zspage: u32,
    /// Objects one zspage holds.
    pub objs_per_zspage: u32,
    /// Compressed pages placed in this class.
    pub objects: u64,
    /// Σ of their compressed lengths.
    pub compressed_bytes: u64,
    /// zspages the class needs with every object allocated at once.
    pub zspages: u64,
    /// Bytes of those zspages.
    pub pool_bytes: u64,
}

/// What one compressor would make of the analysed pages under one kernel era.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompressorReport {
    /// The kernel compressor name.
    pub compressor: String,
    /// The era profile whose rules were applied (`6.1`, `6.12`, `6.18`).
    pub kernel: String,
    /// Pages analysed.
    pub pages: u64,
    /// Pages whose bytes are all zero (6.12+: kept in the swap zeromap, not in zswap).
    pub zero_pages: u64,
    /// Pages whose 512 words are equal but not zero (6.1: entries without an object).
    pub same_filled_pages: u64,
    /// Pages that did not compress below 4096 bytes.
    pub incompressible_pages: u64,
    /// Pages zswap would hold.
    pub stored_pages: u64,
    /// Pages zswap would refuse (compressor failure, 6.1/6.12).
    pub rejected_pages: u64,
    /// Σ of stored lengths, what zswap charges to the memory cgroup.
    pub compressed_bytes: u64,
    /// zsmalloc pool in bytes with every stored page allocated at once.
    pub pool_bytes: u64,
    /// What a zram device would use for the same pages written once to a fresh device
    /// (its `mm_stat` `mem_used_total`): same-filled pages take nothing, the rest is
    /// compressed with this compressor into the same zsmalloc classes (`docs/zram.md`).
    pub zram_mem_used_bytes: u64,
    /// zbud pool in bytes for the same pages (6.1, whose default allocator is zbud).
    pub zbud_pool_bytes: Option<u64>,
    /// Pages zbud cannot take (compressed length above 3960 bytes; 6.1).
    pub zbud_rejected_pages: Option<u64>,
    /// stored pages × 4096 / compressed_bytes.
    pub ratio: Option<f64>,
    /// stored pages × 4096 / pool_bytes: the ratio the pool really achieves.
    pub pool_ratio: Option<f64>,
    /// Mean CPU time per compressed page, nanoseconds (one thread).
    pub ns_per_page: Option<f64>,
    /// Share of the zsmalloc pool not holding compressed data (handles, class rounding,
    /// partly filled zspages): 1 − Σ object lengths / pool_bytes.
    pub fragmentation: Option<f64>,
    /// Objects per zsmalloc class, smallest class first; empty classes left out.
    pub histogram: Vec<ClassBin>,
}

/// zbud figures gathered in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZbudFigures {
    /// Pages of the zbud pool.
    pub pages: u64,
    /// Objects zbud refused as too large.
    pub rejected: u64,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl CompressorReport {
    /// Builds the report of compressor `name` from its tally.
    pub fn new(
        name: &str,
        era: KernelEra,
        table: &ClassTable,
        tally: &Tally,
        zbud: Option<ZbudFigures>,
    ) -> CompressorReport {
        let page = PAGE_SIZE as u64;
        let pool_bytes = tally.zsmalloc_pages(table) * page;
        let histogram: Vec<ClassBin> = table
            .classes()
            .iter()
            .zip(tally.class_objects.iter().zip(&tally.class_bytes))
            .filter(|(_, (n, _))| **n > 0)
            .map(|(c, (&objects, &bytes))| {
                let zspages = objects.div_ceil(u64::from(c.objs_per_zspage));
                ClassBin {
                    class_size: c.size,
                    pages_per_zspage: c.pages_per_zspage,
                    objs_per_zspage: c.objs_per_zspage,
                    objects,
                    compressed_bytes: bytes,
                    zspages,
                    pool_bytes: zspages * u64::from(c.pages_per_zspage) * page,
                }
            })
            .collect();
        let object_bytes: u64 = histogram.iter().map(|b| b.compressed_bytes).sum();
        CompressorReport {
            compressor: name.to_owned(),
            kernel: era.to_string(),
            pages: tally.pages,
            zero_pages: tally.zero_pages,
            same_filled_pages: tally.same_filled_pages,
            incompressible_pages: tally.incompressible_pages,
            stored_pages: tally.stored_pages,
            rejected_pages: tally.rejected_pages,
            compressed_bytes: tally.compressed_bytes,
            pool_bytes,
            zram_mem_used_bytes: tally.zram_pages(table) * page,
            zbud_pool_bytes: zbud.map(|z| z.pages * page),
            zbud_rejected_pages: zbud.map(|z| z.rejected),
            ratio: ratio(tally.stored_pages * page, tally.compressed_bytes),
            pool_ratio: ratio(tally.stored_pages * page, pool_bytes),
            ns_per_page: ratio(tally.compress_ns, tally.compressed_pages),
            fragmentation: ratio(pool_bytes.saturating_sub(object_bytes), pool_bytes),
            histogram,
        }
    }
}

/// The advice `analyze` gives, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// The compressor to use.
    pub compressor: String,
    /// Why, in one sentence.
    pub reason: String,
}

/// How much slower than the fastest compressor a candidate may be.
pub const SPEED_BUDGET: f64 = 3.0;

/// Weighs pool size against speed: among compressors whose time per page is at most
/// [`SPEED_BUDGET`] times the fastest one's, the one with the smallest pool wins (ties go to
/// the faster). None when nothing was compressed.
pub fn recommend(reports: &[CompressorReport]) -> Option<Recommendation> {
    let timed: Vec<(&CompressorReport, f64)> = reports
        .iter()
        .filter_map(|r| r.ns_per_page.map(|t| (r, t)))
        .collect();
    let (fastest, fastest_ns) = timed.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let budget = fastest_ns * SPEED_BUDGET;
    let (best, best_ns) = timed
        .iter()
        .copied()
        .filter(|(_, t)| *t <= budget)
        .min_by(|a, b| {
            a.0.pool_bytes
                .cmp(&b.0.pool_bytes)
                .then(a.1.total_cmp(&b.1))
        })?;
    let mut reason = if best.compressor == fastest.compressor {
        format!(
            "'{}' is the fastest ({:.1} us per page) and no compressor within {SPEED_BUDGET}x \
             its time gives a smaller pool ({} bytes)",
            best.compressor,
            fastest_ns / 1000.0,
            best.pool_bytes
        )
    } else {
        let saved = 100.0 * (1.0 - best.pool_bytes as f64 / fastest.pool_bytes.max(1) as f64);
        format!(
            "'{}' gives a pool {saved:.0}% smaller than the fastest, '{}', at {:.1}x its time \
             per page ({:.1} us)",
            best.compressor,
            fastest.compressor,
            best_ns / fastest_ns.max(f64::MIN_POSITIVE),
            best_ns / 1000.0
        )
    };
    if let Some((smaller, t)) = timed
        .iter()
        .filter(|(r, t)| *t > budget && r.pool_bytes < best.pool_bytes)
        .min_by(|a, b| a.0.pool_bytes.cmp(&b.0.pool_bytes))
    {
        let saved = 100.0 * (1.0 - smaller.pool_bytes as f64 / best.pool_bytes.max(1) as f64);
        reason.push_str(&format!(
            "; '{}' would shrink the pool another {saved:.0}% at {:.1}x the time per page",
            smaller.compressor,
            t / best_ns.max(f64::MIN_POSITIVE)
        ));
    }
    Some(Recommendation {
        compressor: best.compressor.clone(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{PageFill, Stored};

    fn report(name: &str, pool: u64, ns: f64) -> CompressorReport {
        let table = ClassTable::for_era(KernelEra::V6_18);
        let mut r = CompressorReport::new(
            "lzo",
            KernelEra::V6_18,
            &table,
            &Tally::new(table.classes().len()),
            None,
        );
        r.compressor = name.to_owned();
        r.pool_bytes = pool;
        r.ns_per_page = Some(ns);
        r
    }

    #[test]
    fn picks_smallest_pool_within_budget() {
        let rs = [report("lz4", 1000, 8000.0), report("zstd", 600, 20000.0)];
        assert_eq!(recommend(&rs).unwrap().compressor, "zstd");
    }

    #[test]
    fn too_slow_is_mentioned_not_chosen() {
        let rs = [
            report("lz4", 1000, 8000.0),
            report("deflate", 500, 150000.0),
        ];
        let rec = recommend(&rs).unwrap();
        assert_eq!(rec.compressor, "lz4");
        assert!(
            rec.reason.contains("'deflate' would shrink"),
            "{}",
            rec.reason
        );
    }

    #[test]
    fn nothing_timed_gives_none() {
        let mut r = report("lz4", 1, 1.0);
        r.ns_per_page = None;
        assert_eq!(recommend(&[r]), None);
    }

    #[test]
    fn histogram_and_ratios() {
        let table = ClassTable::for_era(KernelEra::V6_18);
        let mut t = Tally::new(table.classes().len());
        for _ in 0..15 {
            t.add(
                &table,
                PageFill::Mixed,
                Some(Ok(2048)),
                Stored::Object(2048),
            );
        }
        let r = CompressorReport::new("lz4", KernelEra::V6_18, &table, &t, None);
        // Kernel notes §4.5: 15 objects of 2048 bytes fill one 8-page zspage of class 2176.
        assert_eq!(r.pool_bytes, 8 * 4096);
        assert_eq!(r.histogram.len(), 1);
        assert_eq!(r.histogram[0].class_size, 2176);
        assert_eq!(r.ratio, Some(2.0));
        let frag = r.fragmentation.unwrap();
        assert!((frag - (1.0 - 30720.0 / 32768.0)).abs() < 1e-9);
    }
}
