//! Per-compressor results as `zswapctl analyze` prints them, and the recommendation.
//! Pure: no I/O, no clock.

use serde::Serialize;
use zswap_core::KernelEra;
use zswap_core::human_bytes;
use zswap_core::page::PAGE_SIZE;
use zswap_core::sim::ClassTable;

use crate::cost::{ZramCost, ZswapCost};
use crate::page_outcomes::Tally;

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
    /// What the pages cost as zswap, entries and index included (zsmalloc pool).
    pub zswap_cost: ZswapCost,
    /// What they cost as zram, its slot table included; the device is just large enough
    /// for the pages unless [`CompressorReport::set_zram_disksize`] says otherwise.
    pub zram_cost: ZramCost,
    /// zbud pool in bytes for the same pages (6.1, whose default allocator is zbud).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zbud_pool_bytes: Option<u64>,
    /// Pages zbud cannot take (compressed length above 3960 bytes; 6.1).
    #[serde(skip_serializing_if = "Option::is_none")]
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
            zswap_cost: ZswapCost::new(era, tally.stored_pages, pool_bytes),
            zram_cost: ZramCost::new(era, tally.zram_pages(table) * page, tally.pages * page),
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

impl CompressorReport {
    /// Sizes the zram slot table for a device of `disksize_bytes` instead of one just large
    /// enough for the pages.
    pub fn set_zram_disksize(&mut self, disksize_bytes: u64) {
        self.zram_cost = self.zram_cost.resized(disksize_bytes);
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

/// How much smaller than the best fast compressor's pool a medium-speed compressor's must be
/// to be recommended instead (0.10: at least 10% smaller).
pub const SPEED_BUDGET: f64 = 0.10;

/// A compressor's speed class in the kernel: 1 fast (lz4, lzo, lzo-rle), 2 medium (zstd),
/// 3 slow (deflate, lz4hc, 842). The advice uses these classes, not the time measured in
/// this run, so that the same pages get the same advice on every run: a measured time
/// moves with the machine's load.
fn speed_class(name: &str) -> u8 {
    match name {
        "lz4" | "lzo" | "lzo-rle" => 1,
        "zstd" => 2,
        _ => 3,
    }
}

/// Weighs pool size against speed class: the smallest pool of the fast compressors, unless
/// a medium-speed one (zstd) gives a pool at least [`SPEED_BUDGET`] smaller; slow
/// compressors are mentioned, never chosen. Only compressors that compressed pages count;
/// None when there are none.
pub fn recommend(reports: &[CompressorReport]) -> Option<Recommendation> {
    let smallest = |class: u8| {
        reports
            .iter()
            .filter(|r| r.ns_per_page.is_some() && speed_class(&r.compressor) == class)
            .min_by(|a, b| {
                a.pool_bytes
                    .cmp(&b.pool_bytes)
                    .then_with(|| a.compressor.cmp(&b.compressor))
            })
    };
    let shrink = |from: &CompressorReport, to: &CompressorReport| {
        100.0 * (1.0 - to.pool_bytes as f64 / from.pool_bytes.max(1) as f64)
    };
    let fast = smallest(1);
    let medium = smallest(2);
    let (best, mut reason) = match (fast, medium) {
        (Some(f), Some(m)) if shrink(f, m) >= SPEED_BUDGET * 100.0 => (
            m,
            format!(
                "'{}' gives a pool {:.0}% smaller than the best fast compressor, '{}' ({}                  instead of {}), at a medium speed",
                m.compressor,
                shrink(f, m),
                f.compressor,
                human_bytes(m.pool_bytes),
                human_bytes(f.pool_bytes)
            ),
        ),
        (Some(f), m) => (
            f,
            format!(
                "'{}' is a fast compressor and gives the smallest pool of the fast ones ({}){}",
                f.compressor,
                human_bytes(f.pool_bytes),
                m.map_or_else(String::new, |m| format!(
                    "; '{}' would save less than {:.0}% at a medium speed",
                    m.compressor,
                    SPEED_BUDGET * 100.0
                ))
            ),
        ),
        (None, Some(m)) => (
            m,
            format!(
                "'{}' gives the smallest pool ({}) of the compressors that are not slow",
                m.compressor,
                human_bytes(m.pool_bytes)
            ),
        ),
        (None, None) => {
            let slow = smallest(3)?;
            (
                slow,
                format!(
                    "'{}' gives the smallest pool ({}); only slow compressors were tried",
                    slow.compressor,
                    human_bytes(slow.pool_bytes)
                ),
            )
        }
    };
    if let Some(slow) = smallest(3).filter(|s| s.pool_bytes < best.pool_bytes) {
        reason.push_str(&format!(
            "; '{}' would shrink the pool another {:.0}% but is a slow compressor",
            slow.compressor,
            shrink(best, slow)
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
    use crate::page_outcomes::{PageFill, Stored};

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
    fn regress_22_advice_does_not_follow_timing_noise() {
        for zstd_ns in [2.8 * 8000.0, 4.6 * 8000.0] {
            let rs = [report("lz4", 1000, 8000.0), report("zstd", 600, zstd_ns)];
            assert_eq!(recommend(&rs).unwrap().compressor, "zstd", "{zstd_ns}");
        }
    }

    #[test]
    fn regress_22_advice_gives_sizes_not_byte_counts() {
        let rs = [report("lz4", 73728, 8000.0)];
        let rec = recommend(&rs).unwrap();
        assert!(rec.reason.contains("72.0 KiB"), "{}", rec.reason);
        assert!(!rec.reason.contains("73728"), "{}", rec.reason);
    }

    #[test]
    fn a_small_saving_keeps_the_fast_compressor() {
        let rs = [report("lz4", 1000, 8000.0), report("zstd", 950, 9000.0)];
        assert_eq!(recommend(&rs).unwrap().compressor, "lz4");
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
        // docs/kernel-notes.md §4.5: 15 objects of 2048 bytes fill one 8-page zspage of
        // class 2176.
        assert_eq!(r.pool_bytes, 8 * 4096);
        assert_eq!(r.histogram.len(), 1);
        assert_eq!(r.histogram[0].class_size, 2176);
        assert_eq!(r.ratio, Some(2.0));
        let frag = r.fragmentation.unwrap();
        assert!((frag - (1.0 - 30720.0 / 32768.0)).abs() < 1e-9);
    }
}
