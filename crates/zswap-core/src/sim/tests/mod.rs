//! Behaviour tests of the zswap model, one rule per test, over the deterministic RLE codec.

mod params;
mod store;
mod writeback;

use super::*;
use crate::params::{ParamName, ParamValue};
use crate::{KernelEra, StableFacts};

/// A page whose RLE encoding is exactly `len` bytes (`len` even, 34..=4096).
pub(super) fn page_len(len: usize) -> [u8; 4096] {
    assert!(len.is_multiple_of(2) && (34..=4096).contains(&len));
    let k = len / 2;
    let mut page = [0u8; 4096];
    let (base, extra) = (4096 / k, 4096 % k);
    let mut pos = 0;
    for i in 0..k {
        let n = base + usize::from(i < extra);
        page[pos..pos + n].fill((i % 3) as u8 + 1);
        pos += n;
    }
    page
}

/// A page the RLE codec cannot fit in 4096 bytes.
pub(super) fn incompressible() -> [u8; 4096] {
    std::array::from_fn(|i| (i % 2 + 2 * ((i / 8) % 2)) as u8 + 3)
}

/// A builder with the deterministic RLE codecs.
pub(super) fn rle(era: KernelEra) -> SimConfigBuilder {
    SimConfig::builder(era).codecs(RleProvider::default())
}

pub(super) fn sim(era: KernelEra) -> Zswap {
    Zswap::new(rle(era).build())
}

pub(super) fn sim_with(b: SimConfigBuilder) -> Zswap {
    Zswap::new(b.build())
}

#[test]
fn page_len_gives_the_requested_length() {
    let mut c = RleCodec {
        overflow: CodecError::NoSpace,
    };
    for len in [34, 100, 2048, 4096] {
        assert_eq!(c.compress(&page_len(len), &mut Vec::new()).unwrap(), len);
    }
}
