//! Sizes, counts and ratios for people: the one formatting of numbers shared by every
//! tool's output (the CLI commands and the dashboard), so they read the same everywhere.

/// `1536` → `1.5 KiB`: IEC units with one decimal below 100 and none above; exact bytes
/// below 1 KiB.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if v >= 100.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A count with thousands separators: `1234567` → `1,234,567`.
pub fn human_count(n: u64) -> String {
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

/// An exact size for `--bytes`: `4800512` → `4,800,512 B`.
pub fn exact_bytes(bytes: u64) -> String {
    format!("{} B", human_count(bytes))
}

/// A compression ratio: `2.1634` → `2.16:1`.
pub fn human_ratio(ratio: f64) -> String {
    format!("{ratio:.2}:1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped() {
        assert_eq!(human_count(0), "0");
        assert_eq!(human_count(999), "999");
        assert_eq!(human_count(2085), "2,085");
        assert_eq!(human_count(1_234_567), "1,234,567");
    }

    #[test]
    fn exact_sizes_are_grouped() {
        assert_eq!(exact_bytes(4_800_512), "4,800,512 B");
    }

    #[test]
    fn ratios_read_as_to_one() {
        assert_eq!(human_ratio(2.1634), "2.16:1");
    }

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(4_509_696), "4.3 MiB");
        assert_eq!(human_bytes(200 * 1024 * 1024 * 1024), "200 GiB");
        assert_eq!(human_bytes(u64::MAX), "16.0 EiB");
    }
}
