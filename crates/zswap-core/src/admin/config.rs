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
    /// Not YAML or not a mapping.
    #[error("{message}")]
    Syntax {
        /// What is wrong and on which line, in one line of text.
        message: String,
    },
    /// A key given twice.
    #[error("line {line}: key '{key}' is given twice: keep one of the two lines")]
    Duplicate {
        /// The key.
        key: String,
        /// The line of its second use.
        line: u64,
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
        serde_saphyr::from_str(text).map_err(|e| syntax_error(&e))?;
    let mut entries: Vec<(String, Spanned<Scalar>)> = map.into_iter().collect();
    entries.sort_by_key(|(_, v)| v.referenced.line());
    let mut out = DesiredConfig::new();
    for (key, spanned) in entries {
        let line = spanned.referenced.line();
        let name = match key.parse::<ParamName>() {
            Ok(n) if n.as_str() == key => n,
            _ => return Err(ConfigError::UnknownKey { key, line }),
        };
        let written = as_written(text, &spanned);
        let value =
            to_value(name, &spanned.value, written).map_err(|reason| ConfigError::BadValue {
                key: key.clone(),
                value: written.map_or_else(|| spanned.value.to_string(), str::to_owned),
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

/// The parser's error as one line: the line number and a plain message, without the
/// parser's source snippet or its `<input>` name (the caller names the file).
fn syntax_error(e: &serde_saphyr::Error) -> ConfigError {
    let inner = e.without_snippet();
    let line = e.location().map(|l| l.line()).filter(|l| *l > 0);
    if let serde_saphyr::Error::DuplicateMappingKey { key: Some(key), .. } = inner {
        return ConfigError::Duplicate {
            key: key.clone(),
            line: line.unwrap_or(0),
        };
    }
    let what =
        serde_saphyr::MessageFormatter::format_message(&serde_saphyr::UserMessageFormatter, inner);
    let what = what
        .lines()
        .next()
        .unwrap_or("not valid YAML")
        .trim_end_matches('.');
    let message = match line {
        Some(l) => format!("line {l}: not a YAML mapping of parameter names to values: {what}"),
        None => format!("not a YAML mapping of parameter names to values: {what}"),
    };
    ConfigError::Syntax { message }
}

/// The value's text exactly as written in the file, for a plain (unquoted) number: YAML
/// reads `010` as 10 and `25.0` as 25, but `zswapctl set` reads them as the kernel does
/// (octal 8, and not a whole number), and the file must mean what `set` means.
fn as_written<'t>(text: &'t str, v: &Spanned<Scalar>) -> Option<&'t str> {
    if !matches!(v.value, Scalar::Int(_) | Scalar::Float(_)) {
        return None;
    }
    let span = v.defined.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    let raw = text.get(start..start.checked_add(len)?)?.trim();
    (!raw.is_empty()).then_some(raw)
}

fn to_value(name: ParamName, v: &Scalar, written: Option<&str>) -> Result<ParamValue, String> {
    if let (ParamKind::Percent, Some(raw)) = (name.kind(), written) {
        return ParamValue::parse_user(name, raw).map_err(|e| e.to_string());
    }
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
        assert!(matches!(e, ConfigError::Duplicate { .. }), "{msg}");
        assert!(msg.contains("enabled") && msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn regress_22_duplicate_key_message_has_no_parser_internals() {
        let e = parse_config("max_pool_percent: 20\nenabled: true\nmax_pool_percent: 30\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: key 'max_pool_percent' is given twice: keep one of the two lines"
        );
    }

    #[test]
    fn regress_22_syntax_error_is_one_line_with_its_line_number() {
        let e = parse_config("enabled: true\ncompressor: [lzo\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("line "), "{msg}");
        assert!(!msg.contains('\n') && !msg.contains("<input>"), "{msg}");
        let e = parse_config("- enabled\n").unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains('\n') && !msg.contains("<input>"), "{msg}");
    }

    #[test]
    fn regress_22_values_are_echoed_as_written_and_read_like_set() {
        // kstrtouint reads a leading 0 as octal, as `zswapctl set` does
        let c = parse_config("max_pool_percent: 010\n").unwrap();
        assert_eq!(c.get(ParamName::MaxPoolPercent), Some(&ParamValue::Uint(8)));
        let c = parse_config("max_pool_percent: 012\n").unwrap();
        assert_eq!(
            c.get(ParamName::MaxPoolPercent),
            Some(&ParamValue::Uint(10))
        );
        let e = parse_config("max_pool_percent: 25.0\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 1: 'max_pool_percent: 25.0': "),
            "{e}"
        );
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
