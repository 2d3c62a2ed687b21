//! What the store path reads of the pages it is given. Bytes answer everything; a caller that
//! already knows a page's same-filled word and compressed length (the synthetic workload of
//! `zswapctl simulate`, whose pages are a pure function of their id) answers without making
//! the bytes, which the model then asks for only when it must compress
//! (docs/performance.md, simulate).

use super::codec::{CodecError, CodecKey};
use crate::page::{PAGE_SIZE, same_filled_word};

/// The pages of one folio as the store path sees them.
pub trait FolioSource {
    /// Pages in the folio.
    fn pages(&self) -> usize;

    /// The bytes of page `i`; the model asks only when it compresses or keeps the page raw.
    fn bytes(&mut self, i: usize) -> &[u8; PAGE_SIZE];

    /// [`same_filled_word`] of page `i` (all-zero pages give `Some(0)`).
    fn same_filled_word(&mut self, i: usize) -> Option<u64> {
        same_filled_word(self.bytes(i))
    }

    /// What a codec with `key` gives for page `i` (its length, or its failure), if the source
    /// knows it without the bytes. A source must answer only for keys it knows exactly; the
    /// model then keeps no bytes for the page (a load leaves the caller's buffer as it was,
    /// writeback puts a zero page on the swap device).
    fn known_compression(&mut self, i: usize, key: &CodecKey) -> Option<Result<u16, CodecError>> {
        let _ = (i, key);
        None
    }

    /// The model compressed page `i` with a codec of `key`, with this outcome (lengths are
    /// at most a page): a source may remember it.
    fn compressed(&mut self, i: usize, key: &CodecKey, outcome: Result<u16, CodecError>) {
        let _ = (i, key, outcome);
    }
}

impl FolioSource for &[[u8; PAGE_SIZE]] {
    fn pages(&self) -> usize {
        self.len()
    }

    fn bytes(&mut self, i: usize) -> &[u8; PAGE_SIZE] {
        &self[i]
    }
}
