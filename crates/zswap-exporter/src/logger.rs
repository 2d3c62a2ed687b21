//! The exporter's logger: a `log` facade backend on stderr, so the eBPF loader's (aya's) and
//! rustls' records land in the same stream as the exporter's own. Lines are node_exporter's
//! (1.9, Debian trixie's `prometheus-node-exporter`, promslog): `--log.format=logfmt` writes
//! `time=2026-12-06T00:26:03.752Z level=INFO source=main.rs:61 msg="..." key=value`, and
//! `--log.format=json` writes the same keys in the same order, with the time to the
//! nanosecond as Go's RFC 3339 (trailing zeros dropped). Fields after `msg` come from the
//! record's key-values (`log::info!(address = a; "Listening on")`).
#![allow(clippy::print_stderr)] // the binary's log goes to stderr

use std::fmt::Write as _;
use std::time::SystemTime;

/// Severity, lowest first: `--log.level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub(crate) enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn filter(self) -> log::LevelFilter {
        match self {
            Level::Debug => log::LevelFilter::Debug,
            Level::Info => log::LevelFilter::Info,
            Level::Warn => log::LevelFilter::Warn,
            Level::Error => log::LevelFilter::Error,
        }
    }
}

/// `--log.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Logfmt,
    Json,
}

struct Logger {
    format: Format,
}

/// Installs the logger for the whole process; records below `level` are dropped before
/// they are formatted.
pub(crate) fn init(level: Level, format: Format) {
    // a second call (only tests could make one) keeps the first logger
    if log::set_boxed_logger(Box::new(Logger { format })).is_ok() {
        log::set_max_level(level.filter());
    }
}

impl log::Log for Logger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &log::Record<'_>) {
        if !self.enabled(r.metadata()) {
            return;
        }
        eprintln!("{}", line(self.format, SystemTime::now(), r));
    }

    fn flush(&self) {}
}

/// promslog's level names.
fn level_name(l: log::Level) -> &'static str {
    match l {
        log::Level::Error => "ERROR",
        log::Level::Warn => "WARN",
        log::Level::Info => "INFO",
        // promslog has no trace level; slog names what is below DEBUG "DEBUG-4"
        log::Level::Debug | log::Level::Trace => "DEBUG",
    }
}

/// `file.rs:line` as Go's slog writes `source` (the file's base name), when the record
/// has a file.
fn source(r: &log::Record<'_>) -> Option<String> {
    let file = r.file()?;
    let base = file.rsplit('/').next().unwrap_or(file);
    Some(match r.line() {
        Some(n) => format!("{base}:{n}"),
        None => base.to_owned(),
    })
}

/// One line, without the newline.
fn line(format: Format, now: SystemTime, r: &log::Record<'_>) -> String {
    let mut fields: Vec<(String, Field)> = vec![
        ("time".to_owned(), Field::Str(time(format, now))),
        (
            "level".to_owned(),
            Field::Str(level_name(r.level()).to_owned()),
        ),
    ];
    if let Some(s) = source(r) {
        fields.push(("source".to_owned(), Field::Str(s)));
    }
    fields.push(("msg".to_owned(), Field::Str(r.args().to_string())));
    let mut kv = Collect(Vec::new());
    // the visitor never fails
    let _ = r.key_values().visit(&mut kv);
    fields.extend(kv.0);
    match format {
        Format::Logfmt => logfmt(&fields),
        Format::Json => json(&fields),
    }
}

/// promslog's times: UTC, RFC 3339; milliseconds in logfmt, Go's `RFC3339Nano` (nanoseconds,
/// trailing zeros dropped) in JSON.
fn time(format: Format, now: SystemTime) -> String {
    match format {
        Format::Logfmt => humantime::format_rfc3339_millis(now).to_string(),
        Format::Json => {
            let t = humantime::format_rfc3339_nanos(now).to_string();
            // "…:05.123400000Z" → "…:05.1234Z", "…:05.000000000Z" → "…:05Z"
            let body = t.trim_end_matches('Z').trim_end_matches('0');
            format!("{}Z", body.trim_end_matches('.'))
        }
    }
}

/// A field's value: JSON keeps numbers and booleans unquoted, as slog does.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
}

struct Collect(Vec<(String, Field)>);

impl<'kvs> log::kv::VisitSource<'kvs> for Collect {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        let v = if let Some(b) = value.to_bool() {
            Field::Bool(b)
        } else if let Some(i) = value.to_i128() {
            Field::Int(i)
        } else if let Some(f) = value.to_f64() {
            Field::Float(f)
        } else {
            Field::Str(value.to_string())
        };
        self.0.push((key.as_str().to_owned(), v));
        Ok(())
    }
}

fn logfmt(fields: &[(String, Field)]) -> String {
    let mut out = String::new();
    for (k, v) in fields {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(k);
        out.push('=');
        match v {
            Field::Str(s) => logfmt_str(&mut out, s),
            Field::Int(i) => out.push_str(&i.to_string()),
            Field::Float(f) => out.push_str(&f.to_string()),
            Field::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }
    out
}

/// slog's TextHandler: a value is quoted (Go `strconv.Quote`) when it is empty or has a space,
/// `=`, `"` or a character that does not print; otherwise it is written as is.
fn logfmt_str(out: &mut String, s: &str) {
    let needs = s.is_empty()
        || s.chars()
            .any(|c| c == ' ' || c == '=' || c == '"' || c.is_control());
    if !needs {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json(fields: &[(String, Field)]) -> String {
    // serde_json's map would sort the keys; promslog keeps time, level, source, msg first
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::from(k.as_str()).to_string());
        out.push(':');
        let v = match v {
            Field::Str(s) => serde_json::Value::from(s.as_str()),
            Field::Int(i) => match i64::try_from(*i) {
                Ok(i) => serde_json::Value::from(i),
                Err(_) => serde_json::Value::from(i.to_string()),
            },
            Field::Float(f) => serde_json::Value::from(*f),
            Field::Bool(b) => serde_json::Value::from(*b),
        };
        out.push_str(&v.to_string());
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    /// 2026-12-06T00:26:03.752600000Z
    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::new(1_796_516_763, 752_600_000)
    }

    fn record_line(format: Format, level: log::Level, msg: &str) -> String {
        let kvs: [(&str, log::kv::Value<'_>); 2] = [
            ("address", log::kv::Value::from("127.0.0.1:10119")),
            ("http2", log::kv::Value::from(false)),
        ];
        line(
            format,
            at(),
            &log::Record::builder()
                .level(level)
                .file(Some("crates/zswap-exporter/src/http/mod.rs"))
                .line(Some(101))
                .args(format_args!("{msg}"))
                .key_values(&kvs)
                .build(),
        )
    }

    /// The shape of node_exporter 1.9's lines (Debian trixie), as run by hand:
    /// `time=2026-12-06T00:26:03.753Z level=INFO source=tls_config.go:356 msg="TLS is disabled." http2=false address=127.0.0.1:19932`
    #[test]
    fn logfmt_matches_node_exporter() {
        assert_eq!(
            record_line(Format::Logfmt, log::Level::Info, "Listening on"),
            "time=2026-12-06T00:26:03.752Z level=INFO source=mod.rs:101 msg=\"Listening on\" address=127.0.0.1:10119 http2=false"
        );
        assert_eq!(
            record_line(Format::Logfmt, log::Level::Warn, "a\"b\nc"),
            "time=2026-12-06T00:26:03.752Z level=WARN source=mod.rs:101 msg=\"a\\\"b\\nc\" address=127.0.0.1:10119 http2=false"
        );
    }

    /// `{"time":"2026-12-06T00:26:05.75450553Z","level":"INFO","source":"tls_config.go:356","msg":"TLS is disabled.","http2":false,"address":"127.0.0.1:19932"}`
    #[test]
    fn json_matches_node_exporter() {
        assert_eq!(
            record_line(Format::Json, log::Level::Error, "Listening on"),
            r#"{"time":"2026-12-06T00:26:03.7526Z","level":"ERROR","source":"mod.rs:101","msg":"Listening on","address":"127.0.0.1:10119","http2":false}"#
        );
    }

    #[test]
    fn json_time_drops_a_zero_fraction() {
        assert_eq!(
            time(Format::Json, UNIX_EPOCH + Duration::from_secs(1)),
            "1970-01-01T00:00:01Z"
        );
    }

    #[test]
    fn bare_words_stay_unquoted() {
        let mut s = String::new();
        logfmt_str(&mut s, "");
        logfmt_str(&mut s, "a=b");
        logfmt_str(&mut s, "plain");
        assert_eq!(s, "\"\"\"a=b\"plain");
    }
}
