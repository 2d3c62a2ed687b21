//! Tests shared by every algorithm: round trips, failure codes, parsing, corrupt input.

use super::*;
use proptest::prelude::*;
use zswap_workload::pages::{PageKind, mixed_corpus, page};

mod exact;

/// Every algorithm; each must construct.
fn modelled() -> Vec<Algorithm> {
    Algorithm::ALL.to_vec()
}

fn round_trip(
    alg: Algorithm,
    era: KernelEra,
    p: &[u8; PAGE_SIZE],
) -> Result<usize, CompressFailure> {
    let mut c = PageCompressor::new(alg, era).unwrap();
    let mut out = Vec::new();
    let len = c.compress(p, &mut out)?;
    assert_eq!(len, out.len());
    assert!(len <= PAGE_SIZE, "{alg}: {len} bytes");
    let mut back = [0u8; PAGE_SIZE];
    c.decompress(&out, &mut back)
        .unwrap_or_else(|e| panic!("{alg} {era}: {e}"));
    assert!(back[..] == p[..], "{alg} {era}: round trip differs");
    Ok(len)
}

#[test]
fn every_kind_round_trips_in_every_era() {
    for alg in modelled() {
        for era in KernelEra::ALL {
            for (i, p) in mixed_corpus(7, 64).iter().enumerate() {
                match round_trip(alg, era, p) {
                    Ok(_) => {}
                    Err(_) => assert_eq!(i % PageKind::ALL.len(), 5, "{alg} failed on page {i}"),
                }
            }
        }
    }
}

#[test]
fn zero_page_compresses_small() {
    for alg in modelled() {
        let len = round_trip(alg, KernelEra::V6_18, &[0; PAGE_SIZE]).unwrap();
        assert!(len < 64, "{alg}: {len}");
    }
}

#[test]
fn random_page_fails_with_the_eras_error() {
    let p = page(PageKind::Random, 1);
    let expect = |alg, era| match (alg, era) {
        (Algorithm::Lzo | Algorithm::LzoRle, KernelEra::V6_18) => CompressFailure::Invalid,
        (Algorithm::Lzo | Algorithm::LzoRle, _) => CompressFailure::NoSpace,
        (Algorithm::Deflate, KernelEra::V6_18) => CompressFailure::NoSpace,
        (Algorithm::Sw842, _) => CompressFailure::NoSpace,
        _ => CompressFailure::Invalid,
    };
    for alg in modelled() {
        for era in KernelEra::ALL {
            let mut c = PageCompressor::new(alg, era).unwrap();
            let mut out = vec![1, 2, 3];
            assert_eq!(
                c.compress(&p, &mut out),
                Err(expect(alg, era)),
                "{alg} {era}"
            );
            assert!(out.is_empty());
        }
    }
}

#[test]
fn compressor_is_reusable_across_pages() {
    for alg in modelled() {
        let pages = mixed_corpus(3, 16);
        let mut c = PageCompressor::new(alg, KernelEra::V6_18).unwrap();
        let mut out = Vec::new();
        let first: Vec<_> = pages.iter().map(|p| c.compress(p, &mut out).ok()).collect();
        let fresh: Vec<_> = pages
            .iter()
            .map(|p| {
                PageCompressor::new(alg, KernelEra::V6_18)
                    .unwrap()
                    .compress(p, &mut out)
                    .ok()
            })
            .collect();
        assert_eq!(first, fresh, "{alg}: state leaks between pages");
    }
}

#[test]
fn algorithm_names_round_trip() {
    for alg in Algorithm::ALL {
        assert_eq!(alg.to_string().parse::<Algorithm>().unwrap(), alg);
    }
    assert_eq!("lzo-rle\n".parse::<Algorithm>().unwrap(), Algorithm::LzoRle);
    assert_eq!("842".parse::<Algorithm>().unwrap(), Algorithm::Sw842);
}

#[test]
fn unknown_algorithm_is_rejected_with_the_choices() {
    let e = "lzma".parse::<Algorithm>().unwrap_err();
    assert_eq!(e.name, "lzma");
    assert!(e.to_string().contains("lzo-rle"));
}

#[test]
fn era_names_round_trip() {
    for era in KernelEra::ALL {
        assert_eq!(era.to_string().parse::<KernelEra>().unwrap(), era);
    }
    assert!("5.10".parse::<KernelEra>().is_err());
}

#[test]
fn failure_errnos_are_the_kernels() {
    assert_eq!(CompressFailure::NoSpace.errno(), -28);
    assert_eq!(CompressFailure::Invalid.errno(), -22);
}

#[test]
fn truncated_data_is_rejected() {
    for alg in modelled() {
        let mut c = PageCompressor::new(alg, KernelEra::V6_18).unwrap();
        let mut out = Vec::new();
        let p = page(PageKind::Text, 9);
        c.compress(&p, &mut out).unwrap();
        let mut back = [0u8; PAGE_SIZE];
        // 842 output ends in up to 7 bytes of padding, which a decoder does not need.
        let tail = if alg == Algorithm::Sw842 { 8 } else { 1 };
        for cut in [0, 1, 2, out.len() / 2, out.len() - tail] {
            assert!(
                c.decompress(&out[..cut], &mut back).is_err(),
                "{alg} cut {cut}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random bytes never panic a decoder and never decode to a page silently wrong in length.
    #[test]
    fn random_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..5000)) {
        for alg in modelled() {
            let mut c = PageCompressor::new(alg, KernelEra::V6_18).unwrap();
            let mut back = [0u8; PAGE_SIZE];
            let _ = c.decompress(&data, &mut back);
        }
    }

    /// Flipping bytes of valid data is either detected or decodes to some page; never a panic.
    #[test]
    fn corrupted_data_never_panics(
        seed in any::<u64>(),
        kind in 0usize..8,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let p = page(PageKind::ALL[kind], seed);
        for alg in modelled() {
            let mut c = PageCompressor::new(alg, KernelEra::V6_18).unwrap();
            let mut out = Vec::new();
            if c.compress(&p, &mut out).is_err() {
                continue;
            }
            for (at, v) in &flips {
                let i = at.index(out.len());
                out[i] ^= v | 1;
            }
            let mut back = [0u8; PAGE_SIZE];
            let _ = c.decompress(&out, &mut back);
        }
    }

    /// Any page round-trips.
    #[test]
    fn any_page_round_trips(seed in any::<u64>(), kind in 0usize..8) {
        let kind = PageKind::ALL[kind];
        let p = page(kind, seed);
        for alg in modelled() {
            // round_trip asserts the decoded page; a failure to compress is allowed only on
            // the incompressible kind, so a compressor failing everywhere cannot pass
            if let Err(e) = round_trip(alg, KernelEra::V6_18, &p) {
                prop_assert_eq!(kind, PageKind::Random, "{} failed on a {:?} page: {}", alg, kind, e);
            }
        }
    }
}

/// Our LZ4 blocks are valid for liblz4, and liblz4's blocks decode with our decoder.
#[test]
fn lz4_interoperates_with_liblz4() {
    let mut c = PageCompressor::new(Algorithm::Lz4, KernelEra::V6_18).unwrap();
    let mut out = Vec::new();
    let mut back = [0u8; PAGE_SIZE];
    for p in mixed_corpus(21, 48) {
        if c.compress(&p, &mut out).is_ok() {
            let theirs = ::lz4::block::decompress(&out, Some(PAGE_SIZE as i32)).unwrap();
            assert!(theirs == p);
        }
        let mode = Some(::lz4::block::CompressionMode::HIGHCOMPRESSION(9));
        let block = ::lz4::block::compress(&p, mode, false).unwrap();
        c.decompress(&block, &mut back).unwrap();
        assert!(back == p);
    }
}

/// 842 output is padded to 8 bytes and ends with the CRC of the page, which the decoder checks.
#[test]
fn sw842_pads_to_8_and_checks_its_crc() {
    let mut c = PageCompressor::new(Algorithm::Sw842, KernelEra::V6_18).unwrap();
    let mut out = Vec::new();
    let mut back = [0u8; PAGE_SIZE];
    for p in mixed_corpus(8, 24) {
        let Ok(len) = c.compress(&p, &mut out) else {
            continue;
        };
        assert_eq!(len % 8, 0);
        // Flip one bit of the last literal or index data before the trailer.
        let mut bad = out.clone();
        bad[len / 2] ^= 0x10;
        assert!(c.decompress(&bad, &mut back).is_err() || back != p);
    }
}

/// lz4hc finds longer matches than lz4 on text, and its blocks are plain LZ4.
#[test]
fn lz4hc_beats_lz4_on_text() {
    let p = page(PageKind::Text, 77);
    let mut out = Vec::new();
    let fast = PageCompressor::new(Algorithm::Lz4, KernelEra::V6_18)
        .unwrap()
        .compress(&p, &mut out)
        .unwrap();
    let mut hc = PageCompressor::new(Algorithm::Lz4hc, KernelEra::V6_18).unwrap();
    let high = hc.compress(&p, &mut out).unwrap();
    assert!(high < fast, "lz4hc {high} lz4 {fast}");
    let theirs = ::lz4::block::decompress(&out, Some(PAGE_SIZE as i32)).unwrap();
    assert!(theirs == p);
}

/// Each thread can own a compressor (the analysis command runs one per worker).
#[test]
fn page_compressor_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<PageCompressor>();
}

/// Decoders refuse data that decodes to less than a page, and data with bytes after its end.
#[test]
fn short_and_trailing_data_is_rejected() {
    let half = {
        let mut p = [0u8; PAGE_SIZE];
        p[..2048].copy_from_slice(&page(PageKind::Text, 4)[..2048]);
        p
    };
    for alg in [
        Algorithm::Lzo,
        Algorithm::LzoRle,
        Algorithm::Lz4,
        Algorithm::Zstd,
    ] {
        let mut c = PageCompressor::new(alg, KernelEra::V6_18).unwrap();
        let mut out = Vec::new();
        c.compress(&half, &mut out).unwrap();
        out.extend_from_slice(&[0x11, 0, 0]);
        let mut back = [0u8; PAGE_SIZE];
        assert!(
            c.decompress(&out, &mut back).is_err(),
            "{alg} accepted trailing bytes"
        );
    }
    // A one-page stream of a shorter input: zstd frame of 100 bytes.
    let short = ::zstd::bulk::compress(&[7u8; 100], 3).unwrap();
    let mut c = PageCompressor::new(Algorithm::Zstd, KernelEra::V6_18).unwrap();
    let mut back = [0u8; PAGE_SIZE];
    assert!(matches!(
        c.decompress(&short, &mut back),
        Err(DecompressError::WrongLength { actual: 100, .. })
    ));
}
