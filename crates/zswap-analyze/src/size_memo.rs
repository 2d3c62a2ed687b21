//! Compressed lengths remembered per page for [`crate::simulate`]: the synthetic workload's
//! page `id` always has the same contents (a pure function of the seed and the id), so its
//! compressed length under one compressor and era never changes, and a sweep of settings
//! need not compress it again on every store. The kernel cannot remember this; the model
//! may, since only the length reaches its figures (docs/performance.md, simulate).
//!
//! The key is exact, not a hash of the contents: the memo belongs to one (seed, compressor,
//! era), and the caller names the page it is about to store ([`MemoCodecs::next_page`]), so
//! two different contents can never share an entry. Debug builds (all tests) still compress
//! every page and check that a remembered length is the real one.
//!
//! The bytes a remembered store leaves in the model are zeros of the right length, and a
//! load does not decompress them: the simulation never reads a loaded page, and the
//! kernel-exact codecs always decompress their own output to the whole page (their round
//! trip tests in zswap-core), so a load's outcome is the same as with the real bytes.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use zswap_core::KernelEra;
use zswap_core::compress::Algorithm;
use zswap_core::page::PAGE_SIZE;
use zswap_core::sim::{CodecError, CodecProvider, KernelCodecs, PageCodec};

/// The remembered lengths (or failures) of one workload's pages under one compressor and era,
/// shared by the runs of a sweep (and their threads).
#[derive(Debug)]
pub(crate) struct SizeMemo {
    seed: u64,
    compressor: Algorithm,
    era: KernelEra,
    lengths: Mutex<HashMap<u64, Result<u16, CodecError>>>,
}

impl SizeMemo {
    pub(crate) fn new(seed: u64, compressor: Algorithm, era: KernelEra) -> Arc<SizeMemo> {
        Arc::new(SizeMemo {
            seed,
            compressor,
            era,
            lengths: Mutex::new(HashMap::new()),
        })
    }

    /// True if this memo's lengths hold for pages of `seed` compressed with `compressor`
    /// under `era`.
    pub(crate) fn is_for(&self, seed: u64, compressor: Algorithm, era: KernelEra) -> bool {
        (self.seed, self.compressor, self.era) == (seed, compressor, era)
    }

    fn get(&self, id: u64) -> Option<Result<u16, CodecError>> {
        self.lengths
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .copied()
    }

    fn put(&self, id: u64, r: Result<u16, CodecError>) {
        self.lengths
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, r);
    }
}

/// The kernel-exact codecs behind a [`SizeMemo`]: one model run's codec provider.
pub(crate) struct MemoCodecs {
    memo: Arc<SizeMemo>,
    page: Rc<Cell<Option<u64>>>,
}

impl MemoCodecs {
    pub(crate) fn new(memo: Arc<SizeMemo>) -> MemoCodecs {
        MemoCodecs {
            memo,
            page: Rc::new(Cell::new(None)),
        }
    }

    /// A handle through which the caller names the page of the next store.
    pub(crate) fn next_page(&self) -> Rc<Cell<Option<u64>>> {
        self.page.clone()
    }
}

impl CodecProvider for MemoCodecs {
    fn codec(&self, name: &str, era: KernelEra) -> Option<Box<dyn PageCodec>> {
        let inner = KernelCodecs::default().codec(name, era)?;
        // Only the memo's own compressor and era may use its lengths; anything else (a
        // parameter write to another compressor) compresses every page.
        let usable =
            name.parse::<Algorithm>().ok() == Some(self.memo.compressor) && era == self.memo.era;
        if !usable {
            return Some(inner);
        }
        Some(Box::new(MemoCodec {
            inner,
            memo: self.memo.clone(),
            page: self.page.clone(),
        }))
    }
}

struct MemoCodec {
    inner: Box<dyn PageCodec>,
    memo: Arc<SizeMemo>,
    page: Rc<Cell<Option<u64>>>,
}

impl PageCodec for MemoCodec {
    fn compress(&mut self, page: &[u8; PAGE_SIZE], out: &mut Vec<u8>) -> Result<usize, CodecError> {
        // Each named page is used once, so an unnamed store compresses for real.
        let Some(id) = self.page.take() else {
            return self.inner.compress(page, out);
        };
        if let Some(known) = self.memo.get(id) {
            if cfg!(debug_assertions) {
                let real = self.inner.compress(page, out).map(|n| n as u16);
                assert_eq!(
                    real, known,
                    "remembered length of page {id} is not the real one"
                );
            }
            out.clear();
            return known.map(|n| {
                out.resize(usize::from(n), 0);
                usize::from(n)
            });
        }
        let r = self.inner.compress(page, out);
        // Lengths are at most a page (PageCodec's contract), so they fit u16.
        self.memo.put(id, r.map(|n| n as u16));
        r
    }

    fn decompress(&mut self, src: &[u8], page: &mut [u8; PAGE_SIZE]) -> Result<usize, CodecError> {
        // See the module comment: the simulation never reads the page back.
        if src.is_empty() || src.len() > PAGE_SIZE {
            return Err(CodecError::Invalid);
        }
        let _ = page;
        Ok(PAGE_SIZE)
    }
}
