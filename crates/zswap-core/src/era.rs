//! Kernel eras. [`KernelEra`] is the behaviour profile of a release that the model
//! (`sim`), the compressors (`compress`) and the offline analyses follow; [`ZswapInterface`]
//! is the shape of zswap's entry points that the eBPF probe hooks and a swap trace records.
//! They differ: 6.6 to 6.11 have the folio interface but match no profile.
//!
//! The profiles follow docs/kernel-notes.md §0.1 and §0.2: 6.1 (frontswap,
//! zpool with zbud default), 6.12 (zpool with zsmalloc default, global LRU, zeromap) and 6.18
//! (zsmalloc only, large folios, incompressible pages stored raw). 6.19 and 7.x follow the
//! 6.18 profile for everything the model covers.

use std::fmt;
use std::str::FromStr;

use crate::kernel::KernelRelease;

/// The behaviour profile of a kernel release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KernelEra {
    /// Linux 6.1: frontswap backend, zpool (zbud default), same-filled pages, no own LRU.
    V6_1,
    /// Linux 6.12: zpool (zsmalloc default), global memcg-aware LRU with second chance,
    /// zero pages go to the swap zeromap, exclusive loads.
    V6_12,
    /// Linux 6.18 and later: zsmalloc only, large folios, incompressible pages stored raw.
    V6_18,
}

impl KernelEra {
    /// Linux 7.x follows the 6.18 profile (same zswap.c/zsmalloc.c rules for the model).
    pub const V7: KernelEra = KernelEra::V6_18;

    /// All profiles, oldest first.
    pub const ALL: [KernelEra; 3] = [KernelEra::V6_1, KernelEra::V6_12, KernelEra::V6_18];

    /// The profile a release `major.minor` follows, for the releases the notes cover:
    /// 6.1, 6.12, and 6.18 or later. Other releases mix features of two profiles and give None.
    pub fn for_release(major: u32, minor: u32) -> Option<KernelEra> {
        match (major, minor) {
            (6, 1) => Some(KernelEra::V6_1),
            (6, 12) => Some(KernelEra::V6_12),
            (6, m) if m >= 18 => Some(KernelEra::V6_18),
            (m, _) if m >= 7 => Some(KernelEra::V6_18),
            _ => None,
        }
    }

    /// The profile of release `release`, as [`KernelEra::for_release`].
    pub fn of_release(release: &KernelRelease) -> Option<KernelEra> {
        KernelEra::for_release(release.major, release.minor)
    }

    /// Pages a zspage may chain: 4 in 6.1, `CONFIG_ZSMALLOC_CHAIN_SIZE` (default 8) later.
    pub fn zsmalloc_max_pages_per_zspage(self) -> u32 {
        match self {
            KernelEra::V6_1 => 4,
            KernelEra::V6_12 | KernelEra::V6_18 => 8,
        }
    }

    /// True if and only if the zpool layer (and the `zpool` parameter) exists.
    pub fn has_zpool(self) -> bool {
        self != KernelEra::V6_18
    }

    /// True if and only if zswap keeps its own LRU and the shrinker (6.8+).
    pub fn has_zswap_lru(self) -> bool {
        self != KernelEra::V6_1
    }

    /// True if and only if zero-filled pages are handled by the swap zeromap and never reach
    /// zswap (6.12+); in 6.1 they are same-filled zswap entries.
    pub fn has_zeromap(self) -> bool {
        self != KernelEra::V6_1
    }

    /// True if and only if pages that do not compress are stored as-is (6.18+).
    pub fn stores_incompressible_raw(self) -> bool {
        self == KernelEra::V6_18
    }

    /// True if and only if zswap stores large folios page by page (6.13+; 6.18 profile).
    pub fn stores_large_folios(self) -> bool {
        self == KernelEra::V6_18
    }

    /// True if and only if a load through the swap cache frees the entry (6.12+).
    pub fn exclusive_loads(self) -> bool {
        self != KernelEra::V6_1
    }

    /// Bytes of one `struct zswap_entry` (x86_64), one per page zswap holds, allocated from
    /// the `zswap_entry` slab cache: 64 in 6.1 (its rbtree node is inside), 56 from 6.12 on.
    /// Read from the BTF of the kernels this project tests (Debian 6.1.176, 6.12.117, 7.2.13,
    /// this host's 6.18.44); `docs/zram.md`, "Total cost".
    pub fn zswap_entry_size(self) -> u64 {
        match self {
            KernelEra::V6_1 => 64,
            KernelEra::V6_12 | KernelEra::V6_18 => 56,
        }
    }

    /// True if and only if zswap indexes its entries with xarrays (6.12+), whose nodes are
    /// allocated apart from the entries; 6.1's rbtree node is part of the entry.
    pub fn has_zswap_xarray(self) -> bool {
        self != KernelEra::V6_1
    }

    /// Bytes of one `struct zram_table_entry` (x86_64), one per slot of a zram device
    /// (disksize / 4096 of them, allocated when the disk size is set): 24 in 6.1 and 6.12
    /// as Debian builds them (`CONFIG_ZRAM_MEMORY_TRACKING` adds an access time), 16 in
    /// 6.18 and 7.x. From the same BTF as [`KernelEra::zswap_entry_size`]; `docs/zram.md`,
    /// "Total cost".
    pub fn zram_table_entry_size(self) -> u64 {
        match self {
            KernelEra::V6_1 | KernelEra::V6_12 => 24,
            KernelEra::V6_18 => 16,
        }
    }
}

/// The shape of zswap's entry points on a kernel: what the eBPF probe hooks, and the `era`
/// a swap trace's header records. Unlike [`KernelEra`] it is read from the kernel's symbols,
/// so every release has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZswapInterface {
    /// Up to about 6.5: zswap is a frontswap backend (`zswap_frontswap_*`).
    Frontswap,
    /// 6.6 and later: `zswap_store(folio)` / `zswap_load(folio)`.
    Folio,
}

impl ZswapInterface {
    /// The name it is serialised under (`frontswap`, `folio`).
    pub fn as_str(self) -> &'static str {
        match self {
            ZswapInterface::Frontswap => "frontswap",
            ZswapInterface::Folio => "folio",
        }
    }
}

impl fmt::Display for ZswapInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Facts that differ between stable releases inside one era profile.
///
/// [`StableFacts::of_era`] gives the facts of the release docs/kernel-notes.md §0.3 was read from
/// (6.1 and 6.12.19 for the older eras); [`StableFacts::for_release`] picks them from a full
/// `major.minor.patch` release, as a guest or host kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StableFacts {
    /// lzo and lzo-rle compress with the bounds-checked `lzo1x_1_compress_safe`, which stops
    /// with `LZO_E_OUTPUT_OVERRUN` (-EINVAL, `reject_compress_fail` in 6.12) before writing
    /// past the 4096-byte output, instead of compressing fully and failing the capacity
    /// check afterwards (-ENOSPC, `reject_compress_poor` in 6.12).
    ///
    /// Upstream "crypto: lzo - Fix compression buffer overrun" landed in 6.15 and was
    /// backported to the stable releases 6.12.31 and 6.1.141 (Debian's changelogs of
    /// linux 6.12.32-1 and 6.1.147-1 list it under those upstream stable updates).
    pub lzo_bounded: bool,
}

impl StableFacts {
    /// The facts of the release each era profile was read from: 6.1 and 6.12.19 compress
    /// lzo unbounded, 6.18 bounded.
    pub fn of_era(era: KernelEra) -> StableFacts {
        StableFacts {
            lzo_bounded: era >= KernelEra::V6_18,
        }
    }

    /// The facts of upstream release `major.minor.patch` (the stable sublevel, not a
    /// distribution's ABI number: Debian's `6.1.0-50` is upstream 6.1.176).
    pub fn for_release(major: u32, minor: u32, patch: u32) -> StableFacts {
        let lzo_bounded = match (major, minor) {
            (6, 1) => patch >= 141,
            (6, 12) => patch >= 31,
            (6, m) => m >= 15,
            (m, _) => m >= 7,
        };
        StableFacts { lzo_bounded }
    }

    /// Parses the leading `major.minor.patch` of a release text such as `6.12.117+deb13-amd64`
    /// or `6.1.176`; a missing patch counts as 0. None if it has no `major.minor`.
    pub fn parse_release(text: &str) -> Option<StableFacts> {
        let r = KernelRelease::parse(text)?;
        Some(StableFacts::for_release(r.major, r.minor, r.patch))
    }
}

impl fmt::Display for KernelEra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KernelEra::V6_1 => "6.1",
            KernelEra::V6_12 => "6.12",
            KernelEra::V6_18 => "6.18",
        })
    }
}

/// A text that names no known era profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kernel era '{text}': use 6.1, 6.12, 6.18 or a later release such as 7.1")]
pub struct ParseEraError {
    /// The text given.
    pub text: String,
}

impl FromStr for KernelEra {
    type Err = ParseEraError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseEraError { text: s.to_owned() };
        let t = s.trim();
        let mut parts = t.split('.');
        let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let minor = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        KernelEra::for_release(major, minor).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_match_serialisation() {
        for i in [ZswapInterface::Frontswap, ZswapInterface::Folio] {
            let json = serde_json::to_string(&i).unwrap();
            assert_eq!(json, format!("\"{i}\""));
            assert_eq!(serde_json::from_str::<ZswapInterface>(&json).unwrap(), i);
        }
    }

    #[test]
    fn parses_known_releases() {
        assert_eq!("6.1".parse::<KernelEra>().unwrap(), KernelEra::V6_1);
        assert_eq!("6.12".parse::<KernelEra>().unwrap(), KernelEra::V6_12);
        assert_eq!("6.18.2".parse::<KernelEra>().unwrap(), KernelEra::V6_18);
        assert_eq!("7.1".parse::<KernelEra>().unwrap(), KernelEra::V7);
    }

    #[test]
    fn refuses_mixed_releases() {
        assert!("6.6".parse::<KernelEra>().is_err());
        assert!("six".parse::<KernelEra>().is_err());
    }

    #[test]
    fn lzo_is_bounded_from_the_backport_on() {
        // 6.12: the backport arrived in 6.12.31
        assert!(!StableFacts::for_release(6, 12, 30).lzo_bounded);
        assert!(StableFacts::for_release(6, 12, 31).lzo_bounded);
        assert!(StableFacts::for_release(6, 12, 117).lzo_bounded);
        // 6.1: in 6.1.141
        assert!(!StableFacts::for_release(6, 1, 140).lzo_bounded);
        assert!(StableFacts::for_release(6, 1, 141).lzo_bounded);
        // upstream 6.15 and later, 7.x
        assert!(!StableFacts::for_release(6, 14, 0).lzo_bounded);
        assert!(StableFacts::for_release(6, 15, 0).lzo_bounded);
        assert!(StableFacts::for_release(7, 2, 13).lzo_bounded);
    }

    #[test]
    fn release_texts_parse() {
        assert_eq!(
            StableFacts::parse_release("6.12.117+deb13-amd64"),
            Some(StableFacts::for_release(6, 12, 117))
        );
        assert_eq!(
            StableFacts::parse_release("6.12.19"),
            Some(StableFacts::for_release(6, 12, 19))
        );
        assert_eq!(
            StableFacts::parse_release("6.1"),
            Some(StableFacts::for_release(6, 1, 0))
        );
        assert_eq!(StableFacts::parse_release("six"), None);
    }

    #[test]
    fn era_facts_are_those_of_the_notes() {
        assert!(!StableFacts::of_era(KernelEra::V6_1).lzo_bounded);
        assert!(!StableFacts::of_era(KernelEra::V6_12).lzo_bounded);
        assert!(StableFacts::of_era(KernelEra::V6_18).lzo_bounded);
    }

    #[test]
    fn display_round_trips() {
        for era in KernelEra::ALL {
            assert_eq!(era.to_string().parse::<KernelEra>().unwrap(), era);
        }
    }
}
