//! Deterministic 4096-byte pages, the one page generator of the workspace: tests and
//! benchmarks name their corpus by seed, the guest workload (`zswap-workload`) writes pages a
//! model can predict, and the synthetic workload of `zswapctl simulate` uses the same bytes
//! in the model and in a guest. The same kind and seed always give the same bytes; the
//! digests in this module's tests pin them, since guest scenarios and golden outputs depend
//! on them.

use zswap_core::page::PAGE_SIZE;

/// A small deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; 0 if `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// A xorshift64* generator: the random source of the guest workload's pages
/// ([`PageKind::Words`], [`PageKind::XorshiftRandom`]), kept so those pages stay the bytes the
/// guest scenarios were measured with.
#[derive(Debug, Clone)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        let s = seed ^ 0xD1B5_4A32_D192_ED03;
        XorShift(if s == 0 { 1 } else { s })
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// What a page holds. The first eight are the test corpus ([`mixed_corpus`]); the others are
/// the workloads' pages ([`workload_page`], the synthetic workload).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// English-like text.
    Text,
    /// Structs of small integers, pointers and padding, as in a program's heap.
    Heap,
    /// Mostly zero with a few scattered values.
    Sparse,
    /// A short pattern repeated, with occasional changes.
    Repeats,
    /// Text interleaved with runs of random bytes (hard for match finders).
    TextAndNoise,
    /// Uniform random bytes: incompressible.
    Random,
    /// All zero.
    Zero,
    /// One byte value repeated.
    Filled,
    /// Text with single random bytes sprinkled in at a rate drawn per page (0 to 70 %), so
    /// pages compress anywhere from well to hardly, like real anonymous memory.
    SprinkledText,
    /// Words of a 32-word vocabulary, each followed by a space or (about one in nine) a
    /// newline, from xorshift64*.
    Words,
    /// Uniform random bytes from xorshift64*: incompressible.
    XorshiftRandom,
}

impl PageKind {
    /// The kinds of the test corpus.
    pub const ALL: [PageKind; 8] = [
        PageKind::Text,
        PageKind::Heap,
        PageKind::Sparse,
        PageKind::Repeats,
        PageKind::TextAndNoise,
        PageKind::Random,
        PageKind::Zero,
        PageKind::Filled,
    ];

    /// What [`page`] mixes into the seed so that kinds sharing a seed are unrelated. The
    /// workloads' kinds mix in nothing: their callers derive the seed from the page index.
    fn seed_salt(self) -> u64 {
        match self {
            PageKind::SprinkledText | PageKind::Words | PageKind::XorshiftRandom => 0,
            corpus => (corpus as u64).wrapping_mul(0x1000_0000_01b3),
        }
    }
}

const TEXT_WORDS: [&str; 24] = [
    "the ",
    "page ",
    "memory ",
    "of ",
    "and ",
    "swap ",
    "compressed ",
    "kernel ",
    "a ",
    "to ",
    "in ",
    "pool ",
    "is ",
    "with ",
    "zswap ",
    "writeback ",
    "for ",
    "that ",
    "cgroup ",
    "on ",
    "reclaim. ",
    "data, ",
    "entry ",
    "\n",
];

fn text(rng: &mut Rng, out: &mut [u8]) {
    let mut i = 0;
    while i < out.len() {
        let w = TEXT_WORDS[rng.below(TEXT_WORDS.len())].as_bytes();
        let n = w.len().min(out.len() - i);
        out[i..i + n].copy_from_slice(&w[..n]);
        i += n;
    }
}

const SPRINKLE_WORDS: [&[u8]; 12] = [
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

const WORKLOAD_WORDS: [&str; 32] = [
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

/// One page of `kind` for `seed`.
pub fn page(kind: PageKind, seed: u64) -> [u8; PAGE_SIZE] {
    let mut p = [0u8; PAGE_SIZE];
    fill(kind, seed, &mut p);
    p
}

/// Overwrites `p` with the page of `kind` for `seed` (every byte is written).
pub fn fill(kind: PageKind, seed: u64, p: &mut [u8; PAGE_SIZE]) {
    let mut rng = Rng::new(seed ^ kind.seed_salt());
    match kind {
        PageKind::Text => text(&mut rng, p),
        PageKind::Heap => {
            let stride = 8 * (2 + rng.below(6));
            let base = 0x7f00_0000_0000u64 + ((rng.next_u64() & 0x0fff_ffff) << 12);
            for chunk in p.chunks_mut(stride) {
                for (j, word) in chunk.chunks_mut(8).enumerate() {
                    let v = match (j + rng.below(3)) % 4 {
                        0 => base + (rng.next_u64() & 0xfff8),
                        1 => rng.below(300) as u64,
                        2 => 0,
                        _ => rng.next_u64() & 0xffff_ffff,
                    };
                    word.copy_from_slice(&v.to_le_bytes()[..word.len()]);
                }
            }
        }
        PageKind::Sparse => {
            p.fill(0);
            let n = 1 + rng.below(64);
            for _ in 0..n {
                let at = rng.below(PAGE_SIZE - 8);
                let len = 1 + rng.below(8);
                for b in &mut p[at..at + len] {
                    *b = rng.next_u64() as u8;
                }
            }
        }
        PageKind::Repeats => {
            let period = 1 + rng.below(300);
            let pat: Vec<u8> = (0..period).map(|_| rng.next_u64() as u8).collect();
            for (i, b) in p.iter_mut().enumerate() {
                *b = pat[i % period];
            }
            for _ in 0..rng.below(20) {
                let at = rng.below(PAGE_SIZE);
                p[at] = rng.next_u64() as u8;
            }
        }
        PageKind::TextAndNoise => {
            text(&mut rng, p);
            let mut i = rng.below(256);
            while i < PAGE_SIZE {
                let len = (16 + rng.below(400)).min(PAGE_SIZE - i);
                for b in &mut p[i..i + len] {
                    *b = rng.next_u64() as u8;
                }
                i += len + rng.below(600);
            }
        }
        PageKind::Random => {
            for chunk in p.chunks_mut(8) {
                chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
            }
        }
        PageKind::Zero => p.fill(0),
        PageKind::Filled => p.fill(1 + rng.below(255) as u8),
        PageKind::SprinkledText => {
            let noise_per_mille = rng.below(700);
            let mut i = 0;
            while i < PAGE_SIZE {
                if rng.below(1000) < noise_per_mille {
                    p[i] = rng.next_u64() as u8;
                    i += 1;
                } else {
                    let w = SPRINKLE_WORDS[rng.below(SPRINKLE_WORDS.len())];
                    let n = w.len().min(PAGE_SIZE - i);
                    p[i..i + n].copy_from_slice(&w[..n]);
                    i += n;
                }
            }
        }
        PageKind::Words => {
            let mut rng = XorShift::new(seed);
            let mut pos = 0;
            while pos < PAGE_SIZE {
                let r = rng.next();
                let word = WORKLOAD_WORDS[(r % WORKLOAD_WORDS.len() as u64) as usize].as_bytes();
                let sep = if (r >> 32).is_multiple_of(9) {
                    b'\n'
                } else {
                    b' '
                };
                for &b in word.iter().chain(std::iter::once(&sep)) {
                    if pos == PAGE_SIZE {
                        break;
                    }
                    p[pos] = b;
                    pos += 1;
                }
            }
        }
        PageKind::XorshiftRandom => {
            let mut rng = XorShift::new(seed);
            for chunk in p.chunks_mut(8) {
                chunk.copy_from_slice(&rng.next().to_le_bytes());
            }
        }
    }
}

/// `n` pages cycling through every corpus kind, each with its own seed derived from `seed`.
pub fn mixed_corpus(seed: u64, n: usize) -> Vec<[u8; PAGE_SIZE]> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| page(PageKind::ALL[i % PageKind::ALL.len()], rng.next_u64()))
        .collect()
}

/// The kind of page `index` of the guest workload: two text pages, a zero page (which 6.1's
/// same-filled handling and later kernels' zero-page swap handling treat specially) and an
/// incompressible page, repeating.
pub fn workload_kind(index: u64) -> PageKind {
    match index % 4 {
        0 | 1 => PageKind::Words,
        2 => PageKind::Zero,
        _ => PageKind::XorshiftRandom,
    }
}

/// Page `index` of the guest workload for `seed` (`zswap-workload`, and the model that
/// predicts what the guest's kernel stored).
pub fn workload_page(index: u64, seed: u64) -> [u8; PAGE_SIZE] {
    let mut p = [0u8; PAGE_SIZE];
    fill_workload_page(index, seed, &mut p);
    p
}

/// [`workload_page`] into `p`.
pub fn fill_workload_page(index: u64, seed: u64, p: &mut [u8; PAGE_SIZE]) {
    // Mix seed and index so neighbouring pages start far apart.
    fill(
        workload_kind(index),
        seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        p,
    );
}

/// Page `id` of the synthetic workload for `seed` ([`crate::synthetic`]).
pub fn synthetic_page(seed: u64, id: u64, p: &mut [u8; PAGE_SIZE]) {
    fill(
        PageKind::SprinkledText,
        seed ^ id.wrapping_mul(0x2545_f491_4f6c_dd1d),
        p,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FNV-1a of `bytes`.
    fn digest(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
        })
    }

    /// The bytes are pinned: guest scenarios (the model check predicts the kernel's figures
    /// from [`workload_page`]), golden outputs of `zswapctl simulate` ([`synthetic_page`]) and
    /// expected figures of tests and oracles ([`mixed_corpus`]) depend on them. The digests
    /// are those of the three generators this module replaced, taken from them before they
    /// were removed; a change here changes what guests see and needs new measurements.
    #[test]
    fn pages_are_the_bytes_guests_and_golden_outputs_were_measured_with() {
        let corpus = mixed_corpus(1806, 64).concat();
        let workload: Vec<u8> = (0..64).flat_map(|i| workload_page(i, 7)).collect();
        let mut synthetic = Vec::new();
        for id in 0..64 {
            let mut p = [0u8; PAGE_SIZE];
            synthetic_page(11, id, &mut p);
            synthetic.extend_from_slice(&p);
        }
        assert_eq!(digest(&corpus), 0xda45_8154_ae74_839f, "mixed_corpus");
        assert_eq!(digest(&workload), 0xbb20_2004_677d_2174, "workload_page");
        assert_eq!(digest(&synthetic), 0xf96e_8a89_4fca_342f, "synthetic_page");
    }

    #[test]
    fn fill_writes_every_byte() {
        for kind in PageKind::ALL.into_iter().chain([
            PageKind::SprinkledText,
            PageKind::Words,
            PageKind::XorshiftRandom,
        ]) {
            let mut dirty = [0xaa; PAGE_SIZE];
            fill(kind, 5, &mut dirty);
            assert_eq!(dirty, page(kind, 5), "{kind:?}");
        }
    }

    #[test]
    fn workload_kinds_cycle_words_words_zero_random() {
        use PageKind::*;
        let kinds: Vec<_> = (0..8).map(workload_kind).collect();
        assert_eq!(
            kinds,
            [
                Words,
                Words,
                Zero,
                XorshiftRandom,
                Words,
                Words,
                Zero,
                XorshiftRandom
            ]
        );
        assert!(workload_page(2, 42).iter().all(|b| *b == 0));
        let words = workload_page(0, 42);
        assert!(
            words
                .iter()
                .all(|b| b.is_ascii_lowercase() || *b == b' ' || *b == b'\n')
        );
        assert!(words.windows(5).any(|w| w == b"zswap"));
        assert_ne!(workload_page(0, 1), workload_page(0, 2));
        assert_ne!(workload_page(3, 9), workload_page(7, 9));
        let mut seen = [false; 256];
        workload_page(3, 42)
            .iter()
            .for_each(|b| seen[*b as usize] = true);
        assert!(seen.iter().filter(|s| **s).count() > 240);
    }
}
