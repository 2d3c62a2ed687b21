//! Content negotiation for `/metrics`: OpenMetrics when the client prefers it (Prometheus
//! asks for `application/openmetrics-text` first), Prometheus text 0.0.4 otherwise, as
//! `expfmt.Negotiate` does in Go's client.

use crate::encode::Format;

/// Picks the format an `Accept` header prefers (highest `q`, the earlier entry on a tie).
/// No header, or nothing we serve, gives text 0.0.4.
pub(crate) fn negotiate(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::Text;
    };
    let mut best: Option<(f32, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut q = 1.0f32;
        let mut version = None;
        for p in parts {
            let Some((k, v)) = p.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"');
            match k.trim().to_ascii_lowercase().as_str() {
                "q" => q = v.parse().unwrap_or(0.0),
                "version" => version = Some(v.to_owned()),
                _ => {}
            }
        }
        let format = match (media.as_str(), version.as_deref()) {
            ("application/openmetrics-text", None | Some("1.0.0") | Some("0.0.1")) => {
                Format::OpenMetrics
            }
            ("text/plain", None | Some("0.0.4")) | ("text/*" | "*/*", _) => Format::Text,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, format));
        }
    }
    best.map_or(Format::Text, |(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_header_is_text() {
        assert_eq!(negotiate(None), Format::Text);
    }

    #[test]
    fn prometheus_2_42_gets_openmetrics() {
        let h = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                 version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(negotiate(Some(h)), Format::OpenMetrics);
    }

    #[test]
    fn text_preferred_by_q_wins() {
        let h = "application/openmetrics-text;q=0.2,text/plain;version=0.0.4;q=0.9";
        assert_eq!(negotiate(Some(h)), Format::Text);
    }

    #[test]
    fn unknown_versions_and_types_are_ignored() {
        assert_eq!(
            negotiate(Some("application/openmetrics-text;version=9.9.9")),
            Format::Text
        );
        assert_eq!(negotiate(Some("application/json")), Format::Text);
    }

    #[test]
    fn q_zero_refuses() {
        assert_eq!(
            negotiate(Some("application/openmetrics-text;q=0, text/plain")),
            Format::Text
        );
    }

    #[test]
    fn garbage_is_text() {
        assert_eq!(negotiate(Some(";;;,,=q=;")), Format::Text);
    }
}
