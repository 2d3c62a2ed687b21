//! Human-readable numbers.

pub(crate) use zswap_core::human_bytes as size;

/// A size, human or exact as the user asked.
pub(crate) fn bytes(bytes: u64, exact: bool) -> String {
    if exact {
        format!("{bytes} B")
    } else {
        size(bytes)
    }
}

/// A count with thousands separators: `1234567` → `1,234,567`.
pub(crate) fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_human_or_exact() {
        assert_eq!(bytes(4096, true), "4096 B");
        assert_eq!(bytes(1536, false), "1.5 KiB");
    }

    #[test]
    fn counts() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
    }
}
