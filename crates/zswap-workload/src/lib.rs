//! Deterministic page contents for zswap tests: page `i` of a workload with seed `s` is
//! always the same 4096 bytes, so a guest can verify pages after they came back from zswap and
//! a model can predict what the kernel compressed.
//!
//! The mix cycles through four kinds, one per page index modulo 4: two text-like pages
//! (compressible, like program heap or file data), one zero-filled page (which 6.1's
//! same-filled handling and later kernels' zero-page swap handling treat specially), and one
//! page of pseudo-random bytes (incompressible).
//!
//! [`synthetic`] is the swapping workload of `zswapctl simulate`, shared with the model.
#![deny(missing_docs)]

pub mod pages;
pub mod synthetic;

use zswap_core::page::PAGE_SIZE;

/// What a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// Words from a small vocabulary, separated by spaces and newlines.
    Text,
    /// All zero bytes.
    Zero,
    /// Output of a xorshift generator: does not compress.
    Random,
}

/// The kind of page `index`.
pub fn kind(index: u64) -> PageKind {
    match index % 4 {
        0 | 1 => PageKind::Text,
        2 => PageKind::Zero,
        _ => PageKind::Random,
    }
}

const WORDS: [&str; 32] = [
    "zswap",
    "page",
    "swap",
    "memory",
    "cgroup",
    "kernel",
    "compress",
    "pool",
    "store",
    "load",
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "with",
    "for",
    "on",
    "that",
    "a",
    "buffer",
    "entry",
    "tree",
    "lru",
    "shrink",
    "reclaim",
    "folio",
    "anon",
    "writeback",
    "limit",
    "stat",
];

/// A xorshift64* generator: fast, deterministic, and good enough to defeat compressors.
#[derive(Debug, Clone)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64, index: u64) -> Self {
        // Mix seed and index so neighbouring pages start far apart; never zero.
        let s = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        XorShift(if s == 0 { 1 } else { s })
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Fills `page` (exactly [`PAGE_SIZE`] bytes) with the content of page `index` for `seed`.
pub fn fill(page: &mut [u8], index: u64, seed: u64) {
    let mut rng = XorShift::new(seed, index);
    match kind(index) {
        PageKind::Zero => page.fill(0),
        PageKind::Random => {
            for chunk in page.chunks_mut(8) {
                let v = rng.next().to_le_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
        }
        PageKind::Text => {
            let mut pos = 0;
            while pos < page.len() {
                let r = rng.next();
                let word = WORDS[(r % WORDS.len() as u64) as usize].as_bytes();
                let sep = if (r >> 32).is_multiple_of(9) {
                    b'\n'
                } else {
                    b' '
                };
                for &b in word.iter().chain(std::iter::once(&sep)) {
                    if pos == page.len() {
                        break;
                    }
                    page[pos] = b;
                    pos += 1;
                }
            }
        }
    }
}

/// The content of page `index` for `seed`.
pub fn page(index: u64, seed: u64) -> [u8; PAGE_SIZE] {
    let mut p = [0u8; PAGE_SIZE];
    fill(&mut p, index, seed);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_index_and_seed_give_same_page() {
        assert_eq!(page(7, 1), page(7, 1));
    }

    #[test]
    fn seed_changes_text_and_random_pages() {
        assert_ne!(page(0, 1), page(0, 2));
        assert_ne!(page(3, 1), page(3, 2));
    }

    #[test]
    fn kinds_cycle_text_text_zero_random() {
        let kinds: Vec<_> = (0..8).map(kind).collect();
        use PageKind::*;
        assert_eq!(kinds, [Text, Text, Zero, Random, Text, Text, Zero, Random]);
    }

    #[test]
    fn zero_page_is_all_zero() {
        assert!(page(2, 42).iter().all(|b| *b == 0));
    }

    #[test]
    fn text_page_is_printable_words() {
        let p = page(0, 42);
        assert!(
            p.iter()
                .all(|b| b.is_ascii_lowercase() || *b == b' ' || *b == b'\n')
        );
        assert!(p.windows(5).any(|w| w == b"zswap"));
    }

    #[test]
    fn random_page_uses_most_byte_values() {
        let p = page(3, 42);
        let mut seen = [false; 256];
        p.iter().for_each(|b| seen[*b as usize] = true);
        assert!(seen.iter().filter(|s| **s).count() > 240);
    }

    #[test]
    fn neighbouring_random_pages_differ() {
        assert_ne!(page(3, 9), page(7, 9));
    }
}
