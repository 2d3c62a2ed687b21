//! Numbers for people: sizes in IEC units, rates, counts and clock times.

pub use zswap_core::human_bytes;

/// A per-second rate with a metric suffix: `0`, `12.5`, `3.4k`, `1.2M`.
pub(crate) fn rate(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if v < 10.0 {
        format!("{v:.1}")
    } else if v < 1000.0 {
        format!("{v:.0}")
    } else if v < 1_000_000.0 {
        format!("{:.1}k", v / 1000.0)
    } else {
        format!("{:.1}M", v / 1_000_000.0)
    }
}

/// A count, grouped as `zswapctl status` prints it below 10,000 (`2,085`), with a metric
/// suffix above (`12.3k`, `4.5M`) to fit the panes.
pub(crate) fn count(n: u64) -> String {
    if n < 10_000 {
        zswap_core::human_count(n)
    } else if n < 1_000_000 {
        format!("{:.1}k", n as f64 / 1000.0)
    } else if n < 1_000_000_000 {
        format!("{:.1}M", n as f64 / 1_000_000.0)
    } else {
        format!("{:.1}G", n as f64 / 1_000_000_000.0)
    }
}

/// A refresh interval: `250ms`, `1s`, `1.5s`.
pub(crate) fn interval(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

/// The UTC time of day of a timestamp in ms since the epoch: `HH:MM:SS`.
pub(crate) fn clock_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let day = secs % 86_400;
    format!("{:02}:{:02}:{:02}", day / 3600, day % 3600 / 60, day % 60)
}

/// A latency in ns: `512ns`, `2.0µs`, `16µs`, `1.0ms`.
pub(crate) fn nanos(ns: u64) -> String {
    let v = ns as f64;
    if ns < 1000 {
        format!("{ns}ns")
    } else if ns < 10_000 {
        format!("{:.1}µs", v / 1e3)
    } else if ns < 1_000_000 {
        format!("{:.0}µs", v / 1e3)
    } else if ns < 10_000_000 {
        format!("{:.1}ms", v / 1e6)
    } else if ns < 1_000_000_000 {
        format!("{:.0}ms", v / 1e6)
    } else {
        format!("{:.1}s", v / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_iec_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(50_032_640), "47.7 MiB");
        assert_eq!(human_bytes(200 << 30), "200 GiB");
    }

    #[test]
    fn rates_shorten_large_values() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(2.25), "2.2");
        assert_eq!(rate(512.0), "512");
        assert_eq!(rate(12_345.0), "12.3k");
        assert_eq!(rate(2_500_000.0), "2.5M");
    }

    #[test]
    fn counts_shorten_above_ten_thousand() {
        assert_eq!(count(9999), "9,999");
        assert_eq!(count(2085), "2,085");
        assert_eq!(count(26_355), "26.4k");
        assert_eq!(count(4_500_000), "4.5M");
    }

    #[test]
    fn intervals() {
        assert_eq!(interval(250), "250ms");
        assert_eq!(interval(1000), "1s");
        assert_eq!(interval(1500), "1.5s");
    }

    #[test]
    fn clock_is_utc_time_of_day() {
        assert_eq!(clock_utc(0), "00:00:00");
        assert_eq!(clock_utc(1_764_115_200_000 + 3_723_000), "01:02:03");
    }

    #[test]
    fn nanos_pick_a_unit() {
        assert_eq!(nanos(512), "512ns");
        assert_eq!(nanos(2048), "2.0µs");
        assert_eq!(nanos(16_384), "16µs");
        assert_eq!(nanos(1_048_576), "1.0ms");
    }
}
