//! The configuration file read by `zswapctl apply -f` (and the boot-time unit):
//! YAML whose top-level keys are zswap parameter names, e.g.
//!
//! ```yaml
//! enabled: true
//! compressor: zstd
//! max_pool_percent: 25
//! ```
//!
//! Unknown keys, repeated keys and values of the wrong type are refused with the key, the
//! value and the line. Parsing is separate from I/O: [`parse_config`] takes the text.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::admin::plan::DesiredConfig;
use crate::params::{ParamKind, ParamName, ParamValue};

/// Why a configuration file was refused. Nothing is applied from a refused file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not YAML, not a mapping, or a key given twice.
    #[error("invalid configuration: {message}")]
    Syntax {
        /// The YAML parser's message (with line and column).
        message: String,
    },
    /// A key that is no zswap parameter.
    #[error(
        "line {line}: unknown key '{key}': the keys are zswap parameter names ({})",
        ParamName::ALL.map(ParamName::as_str).join(", ")
    )]
    UnknownKey {
        /// The key.
        key: String,
        /// Its line.
        line: u64,
    },
    /// A value of the wrong type or form.
    #[error("line {line}: '{key}: {value}': {reason}")]
    BadValue {
        /// The key.
        key: String,
        /// The value as written.
        value: String,
        /// Its line.
        line: u64,
        /// What is expected.
        reason: String,
    },
    /// The file sets nothing.
    #[error("the configuration sets no parameter: write one 'name: value' line per parameter")]
    Empty,
}

/// One YAML scalar as written.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Null,
    Nested,
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(n) => write!(f, "{n}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Str(s) => f.write_str(s),
            Scalar::Null => f.write_str("null"),
            Scalar::Nested => f.write_str("a list or mapping"),
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(i128::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Int(i128::from(v)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Scalar::Nested)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// Parses a configuration file's text. Values are held to the same rules as
/// `zswapctl set`; whether this kernel has each parameter is checked later, by
/// [`crate::admin::Plan::build`].
pub fn parse_config(text: &str) -> Result<DesiredConfig, ConfigError> {
    if text.trim().is_empty() {
        return Err(ConfigError::Empty);
    }
    let map: BTreeMap<String, Spanned<Scalar>> =
        serde_saphyr::from_str(text).map_err(|e| ConfigError::Syntax {
            message: e.to_string(),
        })?;
    let mut entries: Vec<(String, Spanned<Scalar>)> = map.into_iter().collect();
    entries.sort_by_key(|(_, v)| v.referenced.line());
    let mut out = DesiredConfig::new();
    for (key, spanned) in entries {
        let line = spanned.referenced.line();
        let name = match key.parse::<ParamName>() {
            Ok(n) if n.as_str() == key => n,
            _ => return Err(ConfigError::UnknownKey { key, line }),
        };
        let value = to_value(name, &spanned.value).map_err(|reason| ConfigError::BadValue {
            key: key.clone(),
            value: spanned.value.to_string(),
            line,
            reason,
        })?;
        out.set(name, value, Some(line));
    }
    if out.is_empty() {
        return Err(ConfigError::Empty);
    }
    Ok(out)
}

fn to_value(name: ParamName, v: &Scalar) -> Result<ParamValue, String> {
    let text = match (name.kind(), v) {
        (_, Scalar::Null) => return Err("a value is required".into()),
        (_, Scalar::Nested) => return Err("expected a single value".into()),
        (ParamKind::Bool, Scalar::Bool(b)) => return Ok(ParamValue::Bool(*b)),
        (ParamKind::Bool, Scalar::Int(0 | 1) | Scalar::Str(_)) => v.to_string(),
        (ParamKind::Bool, _) => return Err("expected true or false".into()),
        (ParamKind::Percent, Scalar::Int(_) | Scalar::Str(_)) => v.to_string(),
        (ParamKind::Percent, _) => return Err("expected a whole number from 0 to 100".into()),
        (ParamKind::Compressor | ParamKind::Zpool, Scalar::Str(_) | Scalar::Int(_)) => {
            v.to_string()
        }
        (ParamKind::Compressor | ParamKind::Zpool, _) => {
            return Err("expected a name such as 'zstd'".into());
        }
    };
    ParamValue::parse_user(name, &text).map_err(|e| e.to_string())
}

/// Renders a configuration as the YAML [`parse_config`] reads, one key per line in write
/// order, with a comment heading.
pub fn render_config(values: &DesiredConfig, heading: &str) -> String {
    let mut out = String::new();
    for line in heading.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for (name, value) in values.iter() {
        let v = match value {
            ParamValue::Bool(b) => b.to_string(),
            ParamValue::Uint(n) => n.to_string(),
            // quoted so that names like '842' or 'on' stay strings
            ParamValue::Text(s) => format!("\"{s}\""),
        };
        out.push_str(&format!("{name}: {v}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_issue_example() {
        let c = parse_config("enabled: true\ncompressor: zstd\nmax_pool_percent: 25\n").unwrap();
        assert_eq!(c.get(ParamName::Enabled), Some(&ParamValue::Bool(true)));
        assert_eq!(
            c.get(ParamName::Compressor),
            Some(&ParamValue::Text("zstd".into()))
        );
        assert_eq!(
            c.get(ParamName::MaxPoolPercent),
            Some(&ParamValue::Uint(25))
        );
        assert_eq!(c.line(ParamName::MaxPoolPercent), Some(3));
    }

    #[test]
    fn kernel_forms_are_accepted() {
        let c = parse_config("enabled: Y\nshrinker_enabled: 0\ncompressor: 842\n").unwrap();
        assert_eq!(c.get(ParamName::Enabled), Some(&ParamValue::Bool(true)));
        assert_eq!(
            c.get(ParamName::ShrinkerEnabled),
            Some(&ParamValue::Bool(false))
        );
        assert_eq!(
            c.get(ParamName::Compressor),
            Some(&ParamValue::Text("842".into()))
        );
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let e = parse_config("enabled: true\ncompresor: zstd\n").unwrap_err();
        assert_eq!(
            e,
            ConfigError::UnknownKey {
                key: "compresor".into(),
                line: 2
            }
        );
        assert!(e.to_string().contains("line 2: unknown key 'compresor'"));
    }

    #[test]
    fn duplicate_key_is_refused() {
        let e = parse_config("enabled: true\nenabled: false\n").unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, ConfigError::Syntax { .. }), "{msg}");
        assert!(msg.contains("enabled") && msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn percent_out_of_range_names_value_and_line() {
        let e = parse_config("compressor: lzo\nmax_pool_percent: 250\n").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("line 2: 'max_pool_percent: 250': invalid value"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_types() {
        for (text, line) in [
            ("max_pool_percent: 25.5\n", 1),
            ("enabled: 2\n", 1),
            ("compressor: true\n", 1),
            ("enabled: maybe\n", 1),
            ("\nmax_pool_percent: [1, 2]\n", 2),
            ("compressor:\n", 1),
        ] {
            match parse_config(text) {
                Err(ConfigError::BadValue { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn not_a_mapping_or_empty() {
        assert!(matches!(
            parse_config("- enabled\n"),
            Err(ConfigError::Syntax { .. })
        ));
        assert_eq!(parse_config("# nothing\n"), Err(ConfigError::Empty));
        assert_eq!(parse_config(""), Err(ConfigError::Empty));
    }

    #[test]
    fn render_round_trips() {
        let c = parse_config("compressor: '842'\nenabled: on\nmax_pool_percent: 0x19\n").unwrap();
        let text = render_config(&c, "written by a test");
        assert!(text.starts_with("# written by a test\n"));
        let back = parse_config(&text).unwrap();
        assert_eq!(
            back.iter().collect::<Vec<_>>(),
            c.iter().collect::<Vec<_>>()
        );
    }
}
