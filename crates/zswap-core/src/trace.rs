//! The swap-trace format: what `zswapctl trace --record` writes (records from the eBPF probe,
//! crate zswap-probe) and the offline analyses (crate zswap-analyze) read. Pure data: types,
//! a writer and a reader; docs/trace-format.md describes it for users.
//!
//! JSON lines, UTF-8. Line 1 is a [`TraceHeader`] whose `format` is `"zswap-trace"` and whose
//! `version` is [`TRACE_VERSION`]; every further non-empty line is one [`TraceRecord`]:
//!
//! ```text
//! {"format":"zswap-trace","version":1,"kernel":"6.12.117+deb13-amd64","era":"folio","page_size":4096,"clock":"monotonic","hooks":["store:zswap_store:fentry"],"compressor":"lzo","max_pool_percent":20,"accept_threshold_percent":90,"shrinker_enabled":false,"ram_pages":57344}
//! {"t_ns":91234567,"op":"store","outcome":"ok","cgroup":28,"pid":212,"comm":"zswap-workload","latency_ns":5120,"bytes":1712,"pages":1,"ret":1,"swap_type":0,"swap_offset":1043}
//! {"t_ns":91240001,"op":"load","outcome":"not-found","cgroup":28,"pid":212,"comm":"zswap-workload","latency_ns":310,"bytes":0,"pages":1,"ret":0,"swap_type":0,"swap_offset":17}
//! ```
//!
//! `t_ns` is CLOCK_MONOTONIC at the function's return. `bytes` is the compressed length the
//! kernel charged for a store (the object handed to zsmalloc, `4096` for a page stored raw on
//! 6.18+), 0 when unknown or for other operations. `ret` is the function's raw return value
//! (`bool` as 0/1, or an errno). `swap_type`/`swap_offset` name the swap slot of a store (its
//! first page), load or invalidate; they are absent when the probe could not read it (no BTF
//! for `struct folio`, writebacks). The header's zswap settings (`compressor`, …, `ram_pages`:
//! MemTotal in pages) are those at the start of the recording, absent if they could not be
//! read; a replay uses them as its defaults. Readers must ignore unknown fields; a new field
//! does not change the version, a changed meaning does.

use std::io::{self, Write};

use crate::era::ZswapInterface;

/// A zswap operation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    /// A store (swap-out into zswap).
    Store,
    /// A load (swap-in from zswap).
    Load,
    /// An entry dropped because its swap slot was freed.
    Invalidate,
    /// An entry written back to the swap device.
    Writeback,
}

impl Op {
    /// The lowercase name used in output and traces.
    pub fn name(self) -> &'static str {
        match self {
            Op::Store => "store",
            Op::Load => "load",
            Op::Invalidate => "invalidate",
            Op::Writeback => "writeback",
        }
    }
}

/// How an operation ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum OpOutcome {
    /// Stored / loaded / written back.
    Ok,
    /// A store refused without a reason code.
    Rejected,
    /// A load found no entry.
    NotFound,
    /// Decompression failed (-EIO).
    IoError,
    /// -EINVAL.
    Invalid,
    /// -ENOMEM.
    NoMemory,
    /// -ENOSPC.
    NoSpace,
    /// -ENODEV (zswap disabled, 6.1).
    Disabled,
    /// Any other error.
    OtherError,
}

impl OpOutcome {
    /// Every outcome, in the order of the eBPF probe's outcome codes.
    pub const ALL: [OpOutcome; 9] = [
        OpOutcome::Ok,
        OpOutcome::Rejected,
        OpOutcome::NotFound,
        OpOutcome::IoError,
        OpOutcome::Invalid,
        OpOutcome::NoMemory,
        OpOutcome::NoSpace,
        OpOutcome::Disabled,
        OpOutcome::OtherError,
    ];

    /// The lowercase name used in output and traces.
    pub fn name(self) -> &'static str {
        match self {
            OpOutcome::Ok => "ok",
            OpOutcome::Rejected => "rejected",
            OpOutcome::NotFound => "not-found",
            OpOutcome::IoError => "io-error",
            OpOutcome::Invalid => "invalid",
            OpOutcome::NoMemory => "no-memory",
            OpOutcome::NoSpace => "no-space",
            OpOutcome::Disabled => "disabled",
            OpOutcome::OtherError => "other-error",
        }
    }
}

/// The `format` value of every trace header.
pub const TRACE_FORMAT: &str = "zswap-trace";
/// The version this module writes and reads.
pub const TRACE_VERSION: u32 = 1;

/// Line 1 of a trace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraceHeader {
    /// Always [`TRACE_FORMAT`].
    pub format: String,
    /// [`TRACE_VERSION`] when written by this module.
    pub version: u32,
    /// `uname -r` of the traced kernel.
    pub kernel: String,
    /// The traced kernel's zswap interface: `frontswap` (6.1) or `folio` (6.6+).
    pub era: ZswapInterface,
    /// Page size in bytes.
    pub page_size: u32,
    /// Clock of `t_ns`: `monotonic`.
    pub clock: String,
    /// Hooked functions as `role:symbol:mechanism`.
    pub hooks: Vec<String>,
    /// zswap's `compressor` when recording started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compressor: Option<String>,
    /// `max_pool_percent` when recording started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pool_percent: Option<u32>,
    /// `accept_threshold_percent` when recording started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_threshold_percent: Option<u32>,
    /// `shrinker_enabled` when recording started (6.8+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrinker_enabled: Option<bool>,
    /// MemTotal in pages: what the pool limit is a share of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ram_pages: Option<u64>,
}

/// One traced operation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraceRecord {
    /// CLOCK_MONOTONIC at return, ns.
    pub t_ns: u64,
    /// The operation.
    pub op: Op,
    /// How it ended.
    pub outcome: OpOutcome,
    /// Cgroup v2 id it was attributed to.
    pub cgroup: u64,
    /// Process id of the running task.
    pub pid: u32,
    /// Its command name.
    pub comm: String,
    /// Entry-to-exit time, ns.
    pub latency_ns: u64,
    /// Compressed bytes of a store, 0 when unknown.
    pub bytes: u64,
    /// Pages of the operation.
    pub pages: u32,
    /// Raw return value.
    pub ret: i64,
    /// Swap type of the slot, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap_type: Option<u32>,
    /// Page offset of the slot on its swap device, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap_offset: Option<u64>,
}

/// Why a trace could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// The first line is missing or not a trace header.
    #[error(
        "line 1 is not a zswap trace header: {reason}: expected a JSON object with format '{TRACE_FORMAT}'"
    )]
    Header {
        /// What was wrong.
        reason: String,
    },
    /// The header names a version this reader does not know.
    #[error(
        "trace version '{found}' is not supported: this reader knows version '{TRACE_VERSION}'; upgrade zswap-tools"
    )]
    Version {
        /// The version found.
        found: u32,
    },
    /// A record line is not valid.
    #[error("line {line} is not a trace record: {reason}")]
    Record {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
    },
}

/// Writes a trace: the header first, then records.
#[derive(Debug)]
pub struct TraceWriter<W: Write> {
    out: W,
}

fn json_line<W: Write, T: serde::Serialize>(out: &mut W, v: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

impl<W: Write> TraceWriter<W> {
    /// Starts a trace on `out` with `header`.
    pub fn new(mut out: W, header: &TraceHeader) -> io::Result<TraceWriter<W>> {
        json_line(&mut out, header)?;
        Ok(TraceWriter { out })
    }

    /// Appends one record.
    pub fn record(&mut self, r: &TraceRecord) -> io::Result<()> {
        json_line(&mut self.out, r)
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// serde_json's message without its own "at line 1 column N" (it parsed one line, so its
/// line is always 1): the column is kept, the file's line number is the caller's.
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let what = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(what, _)| what);
    if e.column() > 0 {
        format!("{what} (column {})", e.column())
    } else {
        what.to_owned()
    }
}

/// Parses a whole trace.
pub fn read_trace(text: &str) -> Result<(TraceHeader, Vec<TraceRecord>), TraceError> {
    let mut lines = text.lines().enumerate();
    let (_, first) = lines.next().ok_or(TraceError::Header {
        reason: "the file is empty".into(),
    })?;
    let header: TraceHeader = serde_json::from_str(first).map_err(|e| TraceError::Header {
        reason: e.to_string(),
    })?;
    if header.format != TRACE_FORMAT {
        return Err(TraceError::Header {
            reason: format!("format is '{}'", header.format),
        });
    }
    if header.version != TRACE_VERSION {
        return Err(TraceError::Version {
            found: header.version,
        });
    }
    let mut records = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let r = serde_json::from_str(line).map_err(|e| TraceError::Record {
            line: i + 1,
            reason: json_reason(&e),
        })?;
        records.push(r);
    }
    Ok((header, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example_parses() {
        let text = concat!(
            r#"{"format":"zswap-trace","version":1,"kernel":"6.12","era":"folio","page_size":4096,"clock":"monotonic","hooks":[]}"#,
            "\n",
            r#"{"t_ns":91240001,"op":"load","outcome":"not-found","cgroup":28,"pid":212,"comm":"x","latency_ns":310,"bytes":0,"pages":1,"ret":0,"future":true}"#,
            "\n"
        );
        let (_, r) = read_trace(text).unwrap();
        assert_eq!(r[0].op, Op::Load);
        assert_eq!(r[0].outcome, OpOutcome::NotFound);
    }

    #[test]
    fn traces_without_slots_or_settings_still_parse() {
        let text = concat!(
            r#"{"format":"zswap-trace","version":1,"kernel":"6.12","era":"folio","page_size":4096,"clock":"monotonic","hooks":[]}"#,
            "\n",
            r#"{"t_ns":1,"op":"store","outcome":"ok","cgroup":1,"pid":2,"comm":"x","latency_ns":3,"bytes":40,"pages":1,"ret":1}"#,
            "\n"
        );
        let (h, r) = read_trace(text).unwrap();
        assert_eq!((h.compressor, h.ram_pages), (None, None));
        assert_eq!((r[0].swap_type, r[0].swap_offset), (None, None));
    }

    #[test]
    fn documented_header_and_records_parse() {
        let doc: Vec<&str> = include_str!("trace.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! {"))
            .collect();
        assert_eq!(doc.len(), 3);
        let text: String = doc.iter().map(|l| format!("{{{l}\n")).collect();
        let (h, r) = read_trace(&text).unwrap();
        assert_eq!(h.compressor.as_deref(), Some("lzo"));
        assert_eq!(r[0].swap_offset, Some(1043));
        assert_eq!(r[1].swap_type, Some(0));
    }

    #[test]
    fn other_version_is_refused() {
        let text = r#"{"format":"zswap-trace","version":2,"kernel":"","era":"folio","page_size":4096,"clock":"monotonic","hooks":[]}"#;
        assert!(matches!(
            read_trace(text),
            Err(TraceError::Version { found: 2 })
        ));
    }

    #[test]
    fn bad_record_names_its_line() {
        let text = concat!(
            r#"{"format":"zswap-trace","version":1,"kernel":"6.12","era":"folio","page_size":4096,"clock":"monotonic","hooks":[]}"#,
            "\n\n{\"t_ns\":1}\n"
        );
        match read_trace(text) {
            Err(TraceError::Record { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_file_is_a_header_error() {
        assert!(matches!(read_trace(""), Err(TraceError::Header { .. })));
    }
}
