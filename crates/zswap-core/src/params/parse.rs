//! The kernel's own parsing rules for module parameters (`kernel/params.c`,
//! `lib/kstrtox.c`), so that the tools accept and refuse exactly what the kernel would.

/// Parses a boolean the way `kstrtobool` does: only the first character(s) count.
/// `y Y t T 1 on` are true, `n N f F 0 off` false. `e E` (enable) and `d D` (disable) are
/// accepted only when `with_enable_disable` (kernels from 6.18; 6.12's kstrtobool lacks them).
pub fn kstrtobool(s: &str, with_enable_disable: bool) -> Option<bool> {
    let b = s.as_bytes();
    match b.first()? {
        b'y' | b'Y' | b't' | b'T' | b'1' => Some(true),
        b'n' | b'N' | b'f' | b'F' | b'0' => Some(false),
        b'e' | b'E' if with_enable_disable => Some(true),
        b'd' | b'D' if with_enable_disable => Some(false),
        b'o' | b'O' => match b.get(1)? {
            b'n' | b'N' => Some(true),
            b'f' | b'F' => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Why `kstrtouint` refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UintError {
    /// Not a number in base 0 (`EINVAL`).
    Invalid,
    /// Larger than 4294967295 (`ERANGE`).
    Range,
}

/// Parses an unsigned 32-bit integer the way `kstrtouint(s, 0)` does: optional leading `+`,
/// `0x` hex, leading `0` octal, otherwise decimal; one trailing newline tolerated; no
/// spaces, no sign `-`.
pub fn kstrtouint(s: &str) -> Result<u32, UintError> {
    let s = s.strip_suffix('\n').unwrap_or(s);
    let s = s.strip_prefix('+').unwrap_or(s);
    let (digits, radix) = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (hex, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() {
        return Err(UintError::Invalid);
    }
    let mut value: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix).ok_or(UintError::Invalid)?;
        value = value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or(UintError::Range)?;
        if value > u64::from(u32::MAX) {
            return Err(UintError::Range);
        }
    }
    u32::try_from(value).map_err(|_| UintError::Range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_true_forms() {
        for s in ["y", "Y", "yes", "t", "True", "1", "on", "ON", "1\n", "Yx"] {
            assert_eq!(kstrtobool(s, false), Some(true), "{s}");
        }
    }

    #[test]
    fn bool_false_forms() {
        for s in ["n", "N", "no", "f", "false", "0", "off", "OFF", "N\n"] {
            assert_eq!(kstrtobool(s, false), Some(false), "{s}");
        }
    }

    #[test]
    fn bool_refused_forms() {
        for s in ["", "maybe", "o", "ox", "2", " y", "-1"] {
            assert_eq!(kstrtobool(s, true), None, "{s:?}");
        }
    }

    #[test]
    fn bool_enable_disable_only_on_newer_kernels() {
        assert_eq!(kstrtobool("enable", false), None);
        assert_eq!(kstrtobool("enable", true), Some(true));
        assert_eq!(kstrtobool("disable", true), Some(false));
    }

    #[test]
    fn uint_bases() {
        assert_eq!(kstrtouint("25"), Ok(25));
        assert_eq!(kstrtouint("+25"), Ok(25));
        assert_eq!(kstrtouint("0x19"), Ok(25));
        assert_eq!(kstrtouint("010"), Ok(8));
        assert_eq!(kstrtouint("0"), Ok(0));
        assert_eq!(kstrtouint("20\n"), Ok(20));
    }

    #[test]
    fn uint_refused() {
        for s in ["", "-1", " 1", "1 ", "abc", "0x", "08", "1.5", "20\n\n"] {
            assert_eq!(kstrtouint(s), Err(UintError::Invalid), "{s:?}");
        }
    }

    #[test]
    fn uint_range() {
        assert_eq!(kstrtouint("4294967295"), Ok(u32::MAX));
        assert_eq!(kstrtouint("4294967296"), Err(UintError::Range));
        assert_eq!(kstrtouint("99999999999999999999999"), Err(UintError::Range));
    }
}
