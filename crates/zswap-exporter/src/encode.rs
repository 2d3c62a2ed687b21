//! The one encoder: families to Prometheus text 0.0.4 or OpenMetrics 1.0.0, through
//! `prometheus_client` (which adds `_total`, `_info` and the unit suffixes).

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

use crate::families::{Families, Kind, Value};

/// The exposition formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Prometheus text 0.0.4 (also what node_exporter's textfile collector reads).
    Text,
    /// OpenMetrics text 1.0.0.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Text => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

#[derive(Debug)]
struct FamiliesCollector(Families);

impl Collector for FamiliesCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for f in self.0.list() {
            let unit = f.unit.map(|u| match u {
                "bytes" => Unit::Bytes,
                "seconds" => Unit::Seconds,
                other => Unit::Other(other.to_owned()),
            });
            let ty = match f.kind {
                Kind::Counter => MetricType::Counter,
                Kind::Gauge => MetricType::Gauge,
                Kind::Info => MetricType::Info,
                Kind::Histogram => MetricType::Histogram,
            };
            let mut me = encoder.encode_descriptor(f.name, f.help, unit.as_ref(), ty)?;
            if f.kind == Kind::Info {
                // one sample per info family, by construction
                if let Some((labels, _)) = f.samples.first() {
                    Info::new(labels.clone()).encode(me)?;
                }
                continue;
            }
            for (labels, value) in &f.samples {
                let mut fe = me.encode_family(labels)?;
                match (f.kind, value) {
                    (_, Value::Histogram(h)) => {
                        fe.encode_histogram::<Vec<(&str, &str)>>(h.sum, h.count, &h.buckets, None)?
                    }
                    (Kind::Counter, Value::Int(v)) => ConstCounter::new(*v).encode(fe)?,
                    (Kind::Counter, Value::Float(v)) => ConstCounter::new(*v).encode(fe)?,
                    (_, Value::Int(v)) => match i64::try_from(*v) {
                        Ok(i) => ConstGauge::new(i).encode(fe)?,
                        // beyond i64 the client refuses integers; a float keeps the magnitude
                        Err(_) => ConstGauge::new(*v as f64).encode(fe)?,
                    },
                    (_, Value::Float(v)) => ConstGauge::new(*v).encode(fe)?,
                }
            }
        }
        Ok(())
    }
}

/// Encodes the families in `format`.
pub(crate) fn render(fams: Families, format: Format) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(FamiliesCollector(fams)));
    let mut buf = String::with_capacity(16 * 1024);
    match format {
        Format::Text => prometheus_client::encoding::prometheus_text::encode(&mut buf, &registry)?,
        Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut buf, &registry)?,
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::{Family, Labels};

    fn sample_families() -> Families {
        let mut fams = Families::default();
        fams.gauge(
            "zswap_pool_size",
            Some("bytes"),
            "p",
            Some(Value::Int(409_600)),
        );
        fams.push(Family {
            name: "zswap_rejects",
            help: "r",
            unit: None,
            kind: Kind::Counter,
            samples: vec![(vec![("reason", "alloc_fail".to_owned())], Value::Int(3))],
        });
        let labels: Labels = vec![("compressor", "lzo".to_owned())];
        fams.push(Family {
            name: "zswap",
            help: "i",
            unit: None,
            kind: Kind::Info,
            samples: vec![(labels, Value::Int(1))],
        });
        fams
    }

    #[test]
    fn openmetrics_has_units_and_eof() {
        let text = render(sample_families(), Format::OpenMetrics).unwrap();
        assert!(
            text.contains("# UNIT zswap_pool_size_bytes bytes\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE zswap_rejects counter\n"), "{text}");
        assert!(
            text.contains("zswap_rejects_total{reason=\"alloc_fail\"} 3\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE zswap info\n"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn text_format_types_counters_by_sample_name() {
        let text = render(sample_families(), Format::Text).unwrap();
        assert!(
            text.contains("# TYPE zswap_rejects_total counter\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE zswap_info gauge\n"), "{text}");
        assert!(!text.contains("# EOF"));
    }

    #[test]
    fn huge_gauges_do_not_fail_encoding() {
        let mut fams = Families::default();
        fams.gauge("zswap_x", None, "h", Some(Value::Int(u64::MAX)));
        let text = render(fams, Format::Text).unwrap();
        assert!(text.contains("zswap_x 18446744073709553000.0\n"), "{text}");
    }
}
