//! The family/value model every collector fills and the encoder writes: a metric family is
//! a base name (without unit and `_total`), a unit, a kind and its samples. Named by
//! Prometheus' rules: prefix `zswap_`, base units (`_bytes`, `_seconds`), `_total` only on
//! counters (added by the encoder), ratios from 0 to 1. A family without samples is not
//! kept: a file the kernel lacks gives no sample, and absent is never exported as 0.

/// Counter, gauge, info or histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Info,
    Histogram,
}

/// A sample's value. Integers stay exact; the encoder is given `u64` for counters and
/// `i64` (or `f64` when it does not fit) for gauges.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(u64),
    Float(f64),
    Histogram(Box<Hist>),
}

/// A classic histogram: per-bucket counts by upper bound (the encoder makes them
/// cumulative and adds `+Inf` = `count`), and the sum.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hist {
    pub(crate) sum: f64,
    pub(crate) count: u64,
    pub(crate) buckets: Vec<(f64, u64)>,
}

/// Label pairs of one sample.
pub(crate) type Labels = Vec<(&'static str, String)>;

/// One metric family: its base name (without unit and `_total`), unit, kind and samples.
#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub(crate) name: &'static str,
    pub(crate) help: &'static str,
    pub(crate) unit: Option<&'static str>,
    pub(crate) kind: Kind,
    pub(crate) samples: Vec<(Labels, Value)>,
}

impl Family {
    /// The name samples carry in the text formats (`_total`, `_info` included).
    #[cfg(test)]
    pub(crate) fn sample_name(&self) -> String {
        let mut n = self.name.to_owned();
        if let Some(u) = self.unit {
            n.push('_');
            n.push_str(u);
        }
        match self.kind {
            Kind::Counter => n.push_str("_total"),
            Kind::Info => n.push_str("_info"),
            Kind::Gauge | Kind::Histogram => {}
        }
        n
    }
}

/// Collects families, leaving out those with no sample.
#[derive(Debug, Default)]
pub(crate) struct Families {
    list: Vec<Family>,
}

impl Families {
    pub(crate) fn push(&mut self, f: Family) {
        if !f.samples.is_empty() {
            self.list.push(f);
        }
    }

    fn one(
        &mut self,
        kind: Kind,
        name: &'static str,
        unit: Option<&'static str>,
        help: &'static str,
        v: Option<Value>,
    ) {
        self.push(Family {
            name,
            help,
            unit,
            kind,
            samples: v.map(|v| (Vec::new(), v)).into_iter().collect(),
        });
    }

    pub(crate) fn gauge(
        &mut self,
        name: &'static str,
        unit: Option<&'static str>,
        help: &'static str,
        v: Option<Value>,
    ) {
        self.one(Kind::Gauge, name, unit, help, v);
    }

    pub(crate) fn counter(
        &mut self,
        name: &'static str,
        unit: Option<&'static str>,
        help: &'static str,
        v: Option<u64>,
    ) {
        self.one(Kind::Counter, name, unit, help, v.map(Value::Int));
    }

    /// The families, in output order.
    pub(crate) fn list(&self) -> &[Family] {
        &self.list
    }
}

pub(crate) fn int(v: Option<u64>) -> Option<Value> {
    v.map(Value::Int)
}

pub(crate) fn flag(b: Option<bool>) -> Option<Value> {
    b.map(|b| Value::Int(u64::from(b)))
}

pub(crate) fn ratio(percent: Option<u32>) -> Option<Value> {
    percent.map(|p| Value::Float(f64::from(p) / 100.0))
}
