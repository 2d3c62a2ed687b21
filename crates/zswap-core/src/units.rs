//! Sizes, counts and ratios for people: the one formatting of numbers shared by every
//! tool's output (the CLI commands and the dashboard), so they read the same everywhere; and
//! the one reading of the sizes and durations people give on the command line.

use std::time::Duration;

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

/// A size or duration given on the command line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseUnitError {
    /// Not a size.
    #[error(
        "invalid size '{text}': {reason}; give bytes with an optional K, M, G or T \
         (binary multiples), e.g. 256M or 1G"
    )]
    Size {
        /// What was given.
        text: String,
        /// Why it was refused.
        reason: String,
    },
    /// Not a duration.
    #[error(
        "invalid duration '{text}': {reason}; give a number and a unit, Go style, e.g. \
         500ms, 10s, 1.5s or 1m30s"
    )]
    Duration {
        /// What was given.
        text: String,
        /// Why it was refused.
        reason: String,
    },
}

/// `256M`, `1G`, `1.5G`, `4GiB`, `8192`: bytes, with K, M, G, T (and `KiB` ...) as binary
/// multiples, any case, as `zram`'s `disksize` and the kernel's `memparse` read them. The
/// `parse-size` crate does the reading.
pub fn parse_size(text: &str) -> Result<u64, ParseUnitError> {
    const CONFIG: ::parse_size::Config = ::parse_size::Config::new().with_binary();
    CONFIG
        .parse_size(text.trim())
        .map_err(|e| ParseUnitError::Size {
            text: text.to_owned(),
            reason: match e {
                ::parse_size::Error::Empty => "it is empty".to_owned(),
                ::parse_size::Error::InvalidDigit => {
                    "it is not a number with an optional unit".to_owned()
                }
                ::parse_size::Error::PosOverflow => "it is larger than 16 EiB".to_owned(),
                other => other.to_string(),
            },
        })
}

/// What a bare number (no unit) means to [`parse_duration`]: the flags that took one before
/// they took units keep their meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BareNumber {
    /// `10` is ten seconds (the exporter's timeouts).
    Seconds,
    /// `500` is 500 milliseconds (`top --rate`, like `top -d`'s sub-second use in bottom).
    Milliseconds,
}

/// A duration the way node_exporter's flags (Go's `time.ParseDuration`) take it: `500ms`,
/// `10s`, `1.5s`, `2m`, `1h`, `1m30s`, `1h2m3.5s`, `250us`; also `1d`. A bare number is read
/// as `bare` says. The `humantime` crate does the reading.
pub fn parse_duration(text: &str, bare: BareNumber) -> Result<Duration, ParseUnitError> {
    let t = text.trim();
    let with_unit;
    let t = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        with_unit = format!(
            "{t}{}",
            match bare {
                BareNumber::Seconds => "s",
                BareNumber::Milliseconds => "ms",
            }
        );
        with_unit.as_str()
    } else {
        t
    };
    humantime::parse_duration(t).map_err(|e| ParseUnitError::Duration {
        text: text.to_owned(),
        reason: match e {
            humantime::DurationError::Empty => "it is empty".to_owned(),
            other => other.to_string(),
        },
    })
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

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("4g"), Ok(4 << 30));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert_eq!(parse_size("8192"), Ok(8192));
        assert_eq!(parse_size(" 64M "), Ok(64 << 20));
    }

    #[test]
    fn bad_sizes_name_the_value_the_reason_and_the_fix() {
        let e = parse_size("12Q").unwrap_err().to_string();
        assert!(
            e.starts_with("invalid size '12Q': it is not a number"),
            "{e}"
        );
        assert!(e.contains("e.g. 256M or 1G"), "{e}");
        let e = parse_size("").unwrap_err().to_string();
        assert!(e.contains("'': it is empty"), "{e}");
        let e = parse_size("20000P").unwrap_err().to_string();
        assert!(e.contains("larger than 16 EiB"), "{e}");
    }

    #[test]
    fn durations_read_as_go_does() {
        let s = BareNumber::Seconds;
        assert_eq!(parse_duration("10s", s), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms", s), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s", s), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m30s", s), Ok(Duration::from_secs(90)));
        assert_eq!(
            parse_duration("1h2m3.5s", s),
            Ok(Duration::from_millis(3_723_500))
        );
        assert_eq!(parse_duration("2m", s), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h", s), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250us", s), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("250µs", s), Ok(Duration::from_micros(250)));
    }

    #[test]
    fn bare_numbers_keep_their_unit() {
        assert_eq!(
            parse_duration("3", BareNumber::Seconds),
            Ok(Duration::from_secs(3))
        );
        assert_eq!(
            parse_duration("1.5", BareNumber::Seconds),
            Ok(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_duration("500", BareNumber::Milliseconds),
            Ok(Duration::from_millis(500))
        );
    }

    #[test]
    fn bad_durations_name_the_value_the_reason_and_the_fix() {
        for bad in ["fast", "10x", "1.2.3s", "-1s", ""] {
            let e = parse_duration(bad, BareNumber::Seconds)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(&format!("invalid duration '{bad}': ")), "{e}");
            assert!(e.ends_with("e.g. 500ms, 10s, 1.5s or 1m30s"), "{e}");
        }
    }
}
