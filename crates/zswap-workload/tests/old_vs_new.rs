#[allow(dead_code)]
mod old_testkit {

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

        /// A number in `0..n` (`n` > 0).
        pub fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// The kinds of page [`page`] makes.
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
    }

    impl PageKind {
        /// Every kind.
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
    }

    const WORDS: [&str; 24] = [
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
            let w = WORDS[rng.below(WORDS.len())].as_bytes();
            let n = w.len().min(out.len() - i);
            out[i..i + n].copy_from_slice(&w[..n]);
            i += n;
        }
    }

    /// One page of `kind` for `seed`.
    pub fn page(kind: PageKind, seed: u64) -> [u8; PAGE_SIZE] {
        let mut rng = Rng::new(seed ^ (kind as u64).wrapping_mul(0x1000_0000_01b3));
        let mut p = [0u8; PAGE_SIZE];
        match kind {
            PageKind::Text => text(&mut rng, &mut p),
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
                text(&mut rng, &mut p);
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
            PageKind::Zero => {}
            PageKind::Filled => p.fill(1 + rng.below(255) as u8),
        }
        p
    }

    /// `n` pages cycling through every kind, each with its own seed derived from `seed`.
    pub fn mixed_corpus(seed: u64, n: usize) -> Vec<[u8; PAGE_SIZE]> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|i| page(PageKind::ALL[i % PageKind::ALL.len()], rng.next_u64()))
            .collect()
    }
}
use zswap_workload::pages;

fn digest(p: &[u8]) -> u64 {
    // FNV-1a
    p.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn new_generator_gives_the_old_bytes() {
    for seed in [0u64, 1, 7, 42, 1806, u64::MAX, 0xD1B5_4A32_D192_ED03] {
        for kind in old_testkit::PageKind::ALL {
            let new_kind = pages::PageKind::ALL[kind as usize];
            assert_eq!(
                old_testkit::page(kind, seed),
                pages::page(new_kind, seed),
                "{kind:?} {seed}"
            );
            // fill over a dirty buffer gives the same bytes
            let mut buf = [0xAAu8; 4096];
            pages::fill(new_kind, seed, &mut buf);
            assert_eq!(buf, old_testkit::page(kind, seed));
        }
        assert_eq!(
            old_testkit::mixed_corpus(seed, 100),
            pages::mixed_corpus(seed, 100)
        );
        for i in 0..200u64 {
            assert_eq!(
                zswap_workload::page(i, seed),
                pages::workload_page(i, seed),
                "workload {i} {seed}"
            );
            let mut a = [0u8; 4096];
            let mut b = [0x55u8; 4096];
            zswap_workload::synthetic::mixed_page(seed, i, &mut a);
            pages::synthetic_page(seed, i, &mut b);
            assert_eq!(a, b, "synthetic {i} {seed}");
        }
    }
    let mut r = old_testkit::Rng::new(17);
    let mut n = pages::Rng::new(17);
    for k in 1..1000usize {
        assert_eq!(r.below(k), n.below(k));
    }
    // digests of the old generators, for the permanent test
    let corpus: Vec<u8> = old_testkit::mixed_corpus(1806, 64).concat();
    let work: Vec<u8> = (0..64).flat_map(|i| zswap_workload::page(i, 7)).collect();
    let mut syn = Vec::new();
    for i in 0..64 {
        let mut a = [0u8; 4096];
        zswap_workload::synthetic::mixed_page(11, i, &mut a);
        syn.extend_from_slice(&a);
    }
    println!(
        "DIGESTS corpus={:#x} workload={:#x} synthetic={:#x}",
        digest(&corpus),
        digest(&work),
        digest(&syn)
    );
}
