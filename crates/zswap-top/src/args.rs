//! The command-line arguments of `zswapctl top`, defined here so that the binary only
//! embeds them.

use std::time::Duration;

use clap::Args;

/// The shortest refresh interval: reading debugfs and every cgroup more often than this
/// costs more than it shows (bottom uses the same floor).
pub const MIN_RATE: Duration = Duration::from_millis(250);

/// The longest refresh interval `+` goes to.
pub const MAX_RATE: Duration = Duration::from_secs(60);

/// `zswapctl top`.
#[derive(Debug, Clone, Args)]
pub struct TopArgs {
    /// Refresh interval: milliseconds, or a duration such as 500ms, 2s, 1.5s (at least
    /// 250ms). `+` and `-` change it while running.
    #[arg(short = 'r', long = "rate", value_name = "TIME", default_value = "1s", value_parser = parse_rate)]
    pub rate: Duration,

    /// Samples kept for the charts.
    #[arg(long, value_name = "N", default_value_t = 600)]
    pub history: usize,

    /// Do not walk the cgroup v2 hierarchy (large hosts).
    #[arg(long)]
    pub no_cgroups: bool,

    /// Do not load the eBPF probe (latency histograms need root and a kernel with BTF).
    #[arg(long)]
    pub no_probe: bool,
}

/// A refresh interval the user refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateError {
    /// Not a number with an optional unit.
    #[error(
        "invalid refresh rate '{text}': {reason}; give milliseconds or a duration such as \
         '500ms', '2s' or '1.5s'"
    )]
    Invalid {
        /// What was given.
        text: String,
        /// Why it is not a duration.
        reason: String,
    },
    /// Below [`MIN_RATE`].
    #[error("refresh rate '{text}' is too short: use at least 250ms")]
    TooShort {
        /// What was given.
        text: String,
    },
    /// Above [`MAX_RATE`].
    #[error("refresh rate '{text}' is too long: use at most 60s")]
    TooLong {
        /// What was given.
        text: String,
    },
}

/// Parses `-r/--rate` with `zswap_core::parse_duration`: a bare number is milliseconds;
/// otherwise a Go-style duration (`250ms`, `1.5s`, `1m`).
pub fn parse_rate(text: &str) -> Result<Duration, RateError> {
    let d =
        zswap_core::parse_duration(text, zswap_core::BareNumber::Milliseconds).map_err(|e| {
            RateError::Invalid {
                text: text.to_owned(),
                reason: match e {
                    zswap_core::ParseUnitError::Duration { reason, .. } => reason,
                    other => other.to_string(),
                },
            }
        })?;
    if d < MIN_RATE {
        return Err(RateError::TooShort {
            text: text.to_owned(),
        });
    }
    if d > MAX_RATE {
        return Err(RateError::TooLong {
            text: text.to_owned(),
        });
    }
    Ok(Duration::from_millis(
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_number_is_milliseconds() {
        assert_eq!(parse_rate("500"), Ok(Duration::from_millis(500)));
    }

    #[test]
    fn units_and_decimals() {
        assert_eq!(parse_rate("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_rate("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_rate("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_rate("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_rate("1s500ms"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn below_floor_is_refused() {
        assert!(matches!(
            parse_rate("100ms"),
            Err(RateError::TooShort { .. })
        ));
        assert!(matches!(parse_rate("0"), Err(RateError::TooShort { .. })));
    }

    #[test]
    fn above_ceiling_is_refused() {
        assert!(matches!(parse_rate("2m"), Err(RateError::TooLong { .. })));
    }

    #[test]
    fn garbage_is_refused_with_the_text() {
        let e = parse_rate("fast").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("invalid refresh rate 'fast': "), "{msg}");
        assert!(
            msg.ends_with("give milliseconds or a duration such as '500ms', '2s' or '1.5s'"),
            "{msg}"
        );
        assert!(matches!(parse_rate("1h"), Err(RateError::TooLong { .. })));
        assert!(matches!(parse_rate("1x"), Err(RateError::Invalid { .. })));
        assert!(matches!(parse_rate(""), Err(RateError::Invalid { .. })));
    }
}
