//! Human-readable numbers: the shared formatting of `zswap_core` (sizes, counts, ratios),
//! with sizes exact only where the user asked (`--bytes`).

pub(crate) use zswap_core::human_bytes as size;
pub(crate) use zswap_core::human_count as count;
pub(crate) use zswap_core::human_ratio as ratio;

/// A size, human or exact (grouped bytes) as the user asked.
pub(crate) fn bytes(bytes: u64, exact: bool) -> String {
    if exact {
        zswap_core::exact_bytes(bytes)
    } else {
        size(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_human_or_exact() {
        assert_eq!(bytes(4096, true), "4,096 B");
        assert_eq!(bytes(1536, false), "1.5 KiB");
    }

    #[test]
    fn counts() {
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(ratio(2.0), "2.00:1");
    }
}
