//! The trace file format written by `zswap-probe record` (and `zswapctl trace --record`) and
//! read back by replays such as `zswapctl simulate`.
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

use crate::events::ProbeEvent;
use crate::snapshot::{Op, Outcome};

/// The `format` value of every trace header.
pub const TRACE_FORMAT: &str = "zswap-trace";
/// The version this crate writes and reads.
pub const TRACE_VERSION: u32 = 1;

/// Line 1 of a trace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraceHeader {
    /// Always [`TRACE_FORMAT`].
    pub format: String,
    /// [`TRACE_VERSION`] when written by this crate.
    pub version: u32,
    /// `uname -r` of the traced kernel.
    pub kernel: String,
    /// zswap generation: `frontswap` (6.1) or `folio` (6.6+).
    pub era: String,
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

impl TraceHeader {
    /// The header of a trace recorded by `probe` on the kernel under `root` (its release,
    /// zswap parameters and RAM are read now).
    pub fn for_probe(probe: &crate::Probe, root: &zswap_core::SysRoot) -> TraceHeader {
        let kernel = zswap_core::read_release(root)
            .ok()
            .flatten()
            .map(|r| r.to_string())
            .unwrap_or_default();
        let params = zswap_core::read_params(root).ok().flatten();
        let p = params.as_ref();
        TraceHeader {
            format: TRACE_FORMAT.into(),
            version: TRACE_VERSION,
            kernel,
            era: probe.plan().era.as_str().to_owned(),
            page_size: 4096,
            clock: "monotonic".into(),
            hooks: probe
                .attached()
                .iter()
                .map(|a| format!("{:?}:{}:{:?}", a.role, a.symbol, a.mechanism).to_lowercase())
                .collect(),
            compressor: p.and_then(|p| p.compressor()).map(str::to_owned),
            max_pool_percent: p.and_then(|p| p.max_pool_percent()),
            accept_threshold_percent: p.and_then(|p| p.accept_threshold_percent()),
            shrinker_enabled: p.and_then(|p| p.shrinker_enabled()),
            ram_pages: zswap_core::stats::meminfo::read_meminfo(root)
                .ok()
                .map(|m| m.mem_total_bytes / 4096),
        }
    }
}

/// One traced operation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraceRecord {
    /// CLOCK_MONOTONIC at return, ns.
    pub t_ns: u64,
    /// The operation.
    pub op: Op,
    /// How it ended.
    pub outcome: Outcome,
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

impl From<&ProbeEvent> for TraceRecord {
    fn from(e: &ProbeEvent) -> TraceRecord {
        TraceRecord {
            t_ns: e.ts_ns,
            op: e.op,
            outcome: e.outcome,
            cgroup: e.cgroup_id,
            pid: e.pid,
            comm: e.comm.clone(),
            latency_ns: e.latency_ns,
            bytes: e.bytes,
            pages: e.pages,
            ret: e.ret,
            swap_type: e.slot.map(|s| s.swap_type),
            swap_offset: e.slot.map(|s| s.offset),
        }
    }
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

    fn header() -> TraceHeader {
        TraceHeader {
            format: TRACE_FORMAT.into(),
            version: TRACE_VERSION,
            kernel: "6.12.117+deb13-amd64".into(),
            era: "folio".into(),
            page_size: 4096,
            clock: "monotonic".into(),
            hooks: vec!["store:zswap_store:fentry".into()],
            compressor: Some("lzo".into()),
            max_pool_percent: Some(20),
            accept_threshold_percent: Some(90),
            shrinker_enabled: Some(false),
            ram_pages: Some(57344),
        }
    }

    fn record() -> TraceRecord {
        TraceRecord {
            t_ns: 5,
            op: Op::Store,
            outcome: Outcome::Ok,
            cgroup: 28,
            pid: 7,
            comm: "w".into(),
            latency_ns: 900,
            bytes: 1712,
            pages: 1,
            ret: 1,
            swap_type: Some(0),
            swap_offset: Some(1043),
        }
    }

    #[test]
    fn round_trip() {
        let mut w = TraceWriter::new(Vec::new(), &header()).unwrap();
        w.record(&record()).unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        let (h, r) = read_trace(&text).unwrap();
        assert_eq!(h, header());
        assert_eq!(r, vec![record()]);
    }

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
        assert_eq!(r[0].outcome, Outcome::NotFound);
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
        let mut text = serde_json::to_string(&header()).unwrap();
        text.push_str("\n\n{\"t_ns\":1}\n");
        match read_trace(&text) {
            Err(TraceError::Record { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_file_is_a_header_error() {
        assert!(matches!(read_trace(""), Err(TraceError::Header { .. })));
    }
}
