//! Page summaries remembered per page for [`crate::simulate`]: the synthetic workload's page
//! `id` always has the same contents (a pure function of the seed and the id), so its
//! same-filled word, and its compressed length under one kernel-exact codec, never change. A
//! sweep of settings need neither compress it again on every store nor even make its bytes:
//! the model's store path asks a [`FolioSource`] only for what it needs, and [`MemoPage`]
//! answers from the memo, making the page only when the memo does not know the answer. The
//! kernel cannot remember this; the model may, since only the length reaches its figures
//! (docs/performance.md, simulate).
//!
//! The key is exact, not a hash of the contents: a memo belongs to one seed and one codec
//! ([`CodecKey`]: algorithm, era, stable facts), answers only for that key, and is indexed by
//! the page id the caller stores, so two different contents can never share an entry. Debug
//! builds (all tests) still make and compress every remembered page and check the answer.
//!
//! A store answered from the memo keeps no bytes in the model: a load leaves the buffer as
//! it was. The simulation never reads a loaded page, and the kernel-exact codecs always
//! decompress their own output to the whole page (their round-trip tests in zswap-core), so a
//! load's outcome is the same as with the real bytes.

use std::sync::{Arc, OnceLock};

use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::page::{PAGE_SIZE, same_filled_word};
use zswap_core::sim::{CodecError, CodecKey, FolioSource, PageCodec};
use zswap_core::{KernelEra, StableFacts};
use zswap_workload::pages::synthetic_page;

/// What the store path needs of one page, filled in as runs learn it.
#[derive(Debug, Default)]
struct Summary {
    same_filled: OnceLock<Option<u64>>,
    compression: OnceLock<Result<u16, CodecError>>,
}

/// The summaries of pages `0..pages` of one workload seed under one codec, shared by the runs
/// of a sweep (and their threads).
#[derive(Debug)]
pub(crate) struct SizeMemo {
    seed: u64,
    key: CodecKey,
    pages: Vec<Summary>,
}

impl SizeMemo {
    /// A memo for `pages` pages of `seed` under the kernel-exact `compressor` of `era` (the
    /// codec `KernelCodecs::default()` gives the model).
    pub(crate) fn new(seed: u64, compressor: Algorithm, era: KernelEra, pages: u64) -> Arc<Self> {
        let key = CodecKey {
            algorithm: compressor,
            era,
            facts: StableFacts::of_era(era),
        };
        Arc::new(SizeMemo {
            seed,
            key,
            pages: (0..pages).map(|_| Summary::default()).collect(),
        })
    }

    /// True if this memo holds for pages of `seed` compressed with `compressor` under `era`.
    pub(crate) fn is_for(&self, seed: u64, compressor: Algorithm, era: KernelEra) -> bool {
        (self.seed, self.key.algorithm, self.key.era) == (seed, compressor, era)
    }

    fn summary(&self, id: u64) -> Option<&Summary> {
        usize::try_from(id).ok().and_then(|i| self.pages.get(i))
    }
}

/// One run's use of a [`SizeMemo`].
pub(crate) struct MemoRun {
    memo: Arc<SizeMemo>,
    /// Debug builds: the codec that checks every remembered answer.
    check: Option<PageCompressor>,
}

impl MemoRun {
    pub(crate) fn new(memo: Arc<SizeMemo>) -> MemoRun {
        let check = if cfg!(debug_assertions) {
            let k = memo.key;
            PageCompressor::with_facts(k.algorithm, k.era, k.facts).ok()
        } else {
            None
        };
        MemoRun { memo, check }
    }

    /// Page `id` of the memo's seed, made into `buf` only if the model needs its bytes.
    pub(crate) fn page<'a>(&'a mut self, id: u64, buf: &'a mut [u8; PAGE_SIZE]) -> MemoPage<'a> {
        MemoPage {
            run: self,
            id,
            buf,
            made: false,
        }
    }
}

/// A page of the synthetic workload as the model's store path sees it.
pub(crate) struct MemoPage<'a> {
    run: &'a mut MemoRun,
    id: u64,
    buf: &'a mut [u8; PAGE_SIZE],
    made: bool,
}

impl MemoPage<'_> {
    fn make(&mut self) -> &[u8; PAGE_SIZE] {
        if !self.made {
            synthetic_page(self.run.memo.seed, self.id, self.buf);
            self.made = true;
        }
        self.buf
    }
}

impl FolioSource for MemoPage<'_> {
    fn pages(&self) -> usize {
        1
    }

    fn bytes(&mut self, _i: usize) -> &[u8; PAGE_SIZE] {
        self.make()
    }

    fn same_filled_word(&mut self, _i: usize) -> Option<u64> {
        let memo = self.run.memo.clone();
        let Some(s) = memo.summary(self.id) else {
            return same_filled_word(self.make());
        };
        if let Some(&known) = s.same_filled.get() {
            if cfg!(debug_assertions) {
                let real = same_filled_word(self.make());
                assert_eq!(real, known, "remembered word of page {} is wrong", self.id);
            }
            return known;
        }
        let w = same_filled_word(self.make());
        let _ = s.same_filled.set(w);
        w
    }

    fn known_compression(&mut self, _i: usize, key: &CodecKey) -> Option<Result<u16, CodecError>> {
        if *key != self.run.memo.key {
            return None;
        }
        let memo = self.run.memo.clone();
        let known = *memo.summary(self.id)?.compression.get()?;
        if self.run.check.is_some() {
            let mut out = Vec::new();
            self.make();
            if let Some(c) = &mut self.run.check {
                let real = PageCodec::compress(c, self.buf, &mut out).map(|n| n as u16);
                assert_eq!(
                    real, known,
                    "remembered length of page {} is not the real one",
                    self.id
                );
            }
        }
        Some(known)
    }

    fn compressed(&mut self, _i: usize, key: &CodecKey, outcome: Result<u16, CodecError>) {
        if *key != self.run.memo.key {
            return;
        }
        if let Some(s) = self.run.memo.summary(self.id) {
            let _ = s.compression.set(outcome);
        }
    }
}
