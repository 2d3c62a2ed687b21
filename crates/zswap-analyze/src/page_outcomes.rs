//! What zswap would do with each page, and the order-independent tallies per compressor.
//!
//! The per-page rules follow `mm/zswap.c` per era (docs/kernel-notes.md §3.6): a page whose 512
//! machine words are all equal is a same-filled entry of length 0 in 6.1; from 6.12 a zero page
//! goes to the swap zeromap and never reaches zswap, and any other page is compressed. A page
//! that does not compress below 4096 bytes is stored raw in 6.18+, kept in the huge class in
//! 6.1/6.12 when the compressor returned exactly 4096 bytes, and rejected otherwise.
//! Pure: no I/O, no clock.

use zswap_core::KernelEra;
use zswap_core::compress::CompressFailure;
use zswap_core::page::PAGE_SIZE;
use zswap_core::sim::ClassTable;

/// What a page's words look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFill {
    /// Every byte is zero.
    Zero,
    /// All 512 machine words are equal and not zero.
    SameFilled,
    /// Anything else.
    Mixed,
}

/// Classifies a page the way zswap's (6.1) and zram's same-filled scan do: 512 `u64` words.
pub fn classify(page: &[u8; PAGE_SIZE]) -> PageFill {
    match zswap_core::page::same_filled_word(page) {
        None => PageFill::Mixed,
        Some(0) => PageFill::Zero,
        Some(_) => PageFill::SameFilled,
    }
}

/// What zswap would keep for one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Not stored by zswap at all: a zero page in the zeromap (6.12+).
    Zeromap,
    /// A same-filled entry: length 0, no allocator object (6.1).
    SameFilled,
    /// An allocator object of this many bytes (4096 for raw or exactly-a-page outputs).
    Object(u32),
    /// Rejected: the compressor failed (6.1/6.12).
    Rejected,
}

/// The zswap outcome for a page of `fill` whose compression gave `result` (None when the page
/// was not compressed because the era handles its fill without the compressor).
pub fn outcome(
    era: KernelEra,
    fill: PageFill,
    result: Option<Result<usize, CompressFailure>>,
) -> Stored {
    match (era, fill) {
        (KernelEra::V6_1, PageFill::Zero | PageFill::SameFilled) => return Stored::SameFilled,
        (_, PageFill::Zero) => return Stored::Zeromap,
        _ => {}
    }
    match result {
        Some(Ok(len)) if len > 0 && len <= PAGE_SIZE => Stored::Object(len as u32),
        _ if era.stores_incompressible_raw() => Stored::Object(PAGE_SIZE as u32),
        _ => Stored::Rejected,
    }
}

/// True if and only if the era compresses a page of `fill` at all.
pub fn needs_compression(era: KernelEra, fill: PageFill) -> bool {
    match fill {
        PageFill::Mixed => true,
        PageFill::Zero => false,
        PageFill::SameFilled => era != KernelEra::V6_1,
    }
}

/// Order-independent tallies for one compressor; tallies of disjoint page sets add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Pages offered.
    pub pages: u64,
    /// Pages whose bytes are all zero.
    pub zero_pages: u64,
    /// Pages whose words are all equal but not zero.
    pub same_filled_pages: u64,
    /// Pages the compressor could not shrink below 4096 bytes (failure or exactly 4096).
    pub incompressible_pages: u64,
    /// Pages zswap would hold (same-filled entries included, zeromap pages excluded).
    pub stored_pages: u64,
    /// Pages zswap would refuse (compressor failure before 6.18).
    pub rejected_pages: u64,
    /// Σ of stored lengths: what zswap charges (`memory.zswap.current`).
    pub compressed_bytes: u64,
    /// Objects per distinct zsmalloc class (position in the era's class table).
    pub class_objects: Vec<u64>,
    /// Σ of object lengths per distinct zsmalloc class.
    pub class_bytes: Vec<u64>,
    /// Objects per distinct zsmalloc class had the pages been written to a zram device
    /// (`docs/zram.md`): zram keeps same-filled pages (zero included) without an object,
    /// and stores a page that fails to compress, or compresses to the huge class, as one
    /// 4096-byte object.
    pub zram_class_objects: Vec<u64>,
    /// Nanoseconds spent compressing, summed over threads.
    pub compress_ns: u64,
    /// Pages actually run through the compressor.
    pub compressed_pages: u64,
}

impl Tally {
    /// An empty tally for a class table with `classes` distinct classes.
    pub fn new(classes: usize) -> Tally {
        Tally {
            pages: 0,
            zero_pages: 0,
            same_filled_pages: 0,
            incompressible_pages: 0,
            stored_pages: 0,
            rejected_pages: 0,
            compressed_bytes: 0,
            class_objects: vec![0; classes],
            class_bytes: vec![0; classes],
            zram_class_objects: vec![0; classes],
            compress_ns: 0,
            compressed_pages: 0,
        }
    }

    /// Counts one page: its fill, the compressor's result (if it ran) and the outcome.
    pub fn add(
        &mut self,
        table: &ClassTable,
        fill: PageFill,
        result: Option<Result<usize, CompressFailure>>,
        stored: Stored,
    ) {
        self.pages += 1;
        match fill {
            PageFill::Zero => self.zero_pages += 1,
            PageFill::SameFilled => self.same_filled_pages += 1,
            PageFill::Mixed => {}
        }
        if fill == PageFill::Mixed {
            // every era compresses a page that is not same-filled, so `result` is there
            let len = match result {
                Some(Ok(len)) if len < PAGE_SIZE => len,
                _ => PAGE_SIZE,
            };
            self.zram_class_objects[table.class_pos_for(len as u32)] += 1;
        }
        if let Some(r) = result {
            self.compressed_pages += 1;
            if !matches!(r, Ok(len) if len < PAGE_SIZE) {
                self.incompressible_pages += 1;
            }
        }
        match stored {
            Stored::Zeromap => {}
            Stored::SameFilled => self.stored_pages += 1,
            Stored::Rejected => self.rejected_pages += 1,
            Stored::Object(len) => {
                self.stored_pages += 1;
                self.compressed_bytes += u64::from(len);
                let pos = table.class_pos_for(len);
                self.class_objects[pos] += 1;
                self.class_bytes[pos] += u64::from(len);
            }
        }
    }

    /// Adds another tally of the same compressor and era (disjoint pages).
    pub fn merge(&mut self, other: &Tally) {
        self.pages += other.pages;
        self.zero_pages += other.zero_pages;
        self.same_filled_pages += other.same_filled_pages;
        self.incompressible_pages += other.incompressible_pages;
        self.stored_pages += other.stored_pages;
        self.rejected_pages += other.rejected_pages;
        self.compressed_bytes += other.compressed_bytes;
        self.compress_ns += other.compress_ns;
        self.compressed_pages += other.compressed_pages;
        for (a, b) in self.class_objects.iter_mut().zip(&other.class_objects) {
            *a += b;
        }
        for (a, b) in self.class_bytes.iter_mut().zip(&other.class_bytes) {
            *a += b;
        }
        for (a, b) in self
            .zram_class_objects
            .iter_mut()
            .zip(&other.zram_class_objects)
        {
            *a += b;
        }
    }

    /// zsmalloc pages if every stored object were allocated at once, with no frees: zsmalloc
    /// only opens a new zspage of a class when every zspage of it is full
    /// (docs/kernel-notes.md §4.4), so each class holds `ceil(objects / objs_per_zspage)` zspages.
    pub fn zsmalloc_pages(&self, table: &ClassTable) -> u64 {
        pages_of(table, &self.class_objects)
    }

    /// The same for the objects a zram device would hold: its `mm_stat` `mem_used_total`
    /// in pages, after writing these pages once to a fresh device.
    pub fn zram_pages(&self, table: &ClassTable) -> u64 {
        pages_of(table, &self.zram_class_objects)
    }
}

fn pages_of(table: &ClassTable, objects: &[u64]) -> u64 {
    table
        .classes()
        .iter()
        .zip(objects)
        .map(|(c, &n)| n.div_ceil(u64::from(c.objs_per_zspage)) * u64::from(c.pages_per_zspage))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_core::sim::ZsPool;

    fn page_of(byte: u8) -> [u8; PAGE_SIZE] {
        [byte; PAGE_SIZE]
    }

    #[test]
    fn classify_zero_same_mixed() {
        assert_eq!(classify(&page_of(0)), PageFill::Zero);
        assert_eq!(classify(&page_of(7)), PageFill::SameFilled);
        let mut p = page_of(0);
        p[4095] = 1;
        assert_eq!(classify(&p), PageFill::Mixed);
    }

    #[test]
    fn classify_repeated_word_is_same_filled() {
        let mut p = [0u8; PAGE_SIZE];
        for (i, b) in p.iter_mut().enumerate() {
            *b = (i % 8) as u8;
        }
        assert_eq!(classify(&p), PageFill::SameFilled);
    }

    #[test]
    fn zero_page_goes_to_zeromap_after_6_1() {
        assert_eq!(
            outcome(KernelEra::V6_18, PageFill::Zero, None),
            Stored::Zeromap
        );
        assert_eq!(
            outcome(KernelEra::V6_1, PageFill::Zero, None),
            Stored::SameFilled
        );
        assert!(!needs_compression(KernelEra::V6_12, PageFill::Zero));
        assert!(needs_compression(KernelEra::V6_12, PageFill::SameFilled));
    }

    #[test]
    fn incompressible_raw_only_from_6_18() {
        let fail = Some(Err(CompressFailure::Invalid));
        assert_eq!(
            outcome(KernelEra::V6_18, PageFill::Mixed, fail),
            Stored::Object(4096)
        );
        assert_eq!(
            outcome(KernelEra::V6_12, PageFill::Mixed, fail),
            Stored::Rejected
        );
        assert_eq!(
            outcome(KernelEra::V6_12, PageFill::Mixed, Some(Ok(4096))),
            Stored::Object(4096)
        );
    }

    #[test]
    fn counts_incompressible_and_bytes() {
        let table = ClassTable::for_era(KernelEra::V6_18);
        let mut t = Tally::new(table.classes().len());
        let r = Some(Err(CompressFailure::Invalid));
        t.add(
            &table,
            PageFill::Mixed,
            r,
            outcome(KernelEra::V6_18, PageFill::Mixed, r),
        );
        let r = Some(Ok(100));
        t.add(
            &table,
            PageFill::Mixed,
            r,
            outcome(KernelEra::V6_18, PageFill::Mixed, r),
        );
        assert_eq!((t.pages, t.incompressible_pages, t.stored_pages), (2, 1, 2));
        assert_eq!(t.compressed_bytes, 4196);
    }

    #[test]
    fn merge_adds_everything() {
        let table = ClassTable::for_era(KernelEra::V6_18);
        let mut a = Tally::new(table.classes().len());
        let r = Some(Ok(100));
        a.add(&table, PageFill::Mixed, r, Stored::Object(100));
        let mut b = a.clone();
        b.merge(&a);
        assert_eq!(b.pages, 2);
        assert_eq!(b.class_objects.iter().sum::<u64>(), 2);
        assert_eq!(b.compressed_bytes, 200);
    }

    #[test]
    fn zsmalloc_pages_equal_the_pool_model() {
        // Allocation only: the closed form must agree with the sim module's zsmalloc.
        for era in KernelEra::ALL {
            let table = ClassTable::for_era(era);
            let mut t = Tally::new(table.classes().len());
            let mut pool = ZsPool::new(era);
            let mut x: u64 = 0x9e37_79b9;
            for _ in 0..5000 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let len = 1 + (x >> 33) as u32 % 4096;
                t.add(
                    &table,
                    PageFill::Mixed,
                    Some(Ok(len as usize)),
                    Stored::Object(len),
                );
                pool.malloc(len as usize).unwrap();
            }
            assert_eq!(t.zsmalloc_pages(&table), pool.total_pages(), "era {era}");
        }
    }
}
