//! Reading a recorded swap trace (`zswap_core::trace`) for `analyze` and `simulate`, and the
//! era its replay follows: errors name the file and say what to do.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::Result;
use zswap_analyze::trace_era;
use zswap_core::KernelEra;
use zswap_core::trace::{TraceHeader, TraceRecord, read_trace};

use crate::exit::{Exit, coded};

/// Reads and parses the trace at `path`.
pub(crate) fn read(path: &Path) -> Result<(TraceHeader, Vec<TraceRecord>)> {
    let mut text = String::new();
    File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| unreadable(path, &e))?;
    read_trace(&text).map_err(|e| {
        coded(
            Exit::Usage,
            anyhow::anyhow!(
                "corrupt trace '{}': {e}; give a file written by 'zswapctl trace --record'",
                path.display()
            ),
        )
    })
}

/// A trace that cannot be read, called a trace (`simulate --trace` has no raw pages).
fn unreadable(path: &Path, e: &std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind;
    let p = path.display();
    let (exit, msg) = match e.kind() {
        ErrorKind::NotFound => (
            Exit::Usage,
            format!("trace '{p}' does not exist; give a file written by 'zswapctl trace --record'"),
        ),
        ErrorKind::PermissionDenied => (
            Exit::Permission,
            format!("cannot read trace '{p}': permission denied; check its permissions"),
        ),
        ErrorKind::IsADirectory => (
            Exit::Usage,
            format!("trace '{p}' is a directory; give a file written by 'zswapctl trace --record'"),
        ),
        _ => (Exit::Runtime, format!("cannot read trace '{p}': {e}")),
    };
    coded(exit, anyhow::anyhow!(msg))
}

/// The era whose rules apply to a trace: `asked` (`--kernel`), else the header's kernel
/// release. Returns the era and where it came from.
pub(crate) fn era(header: &TraceHeader, asked: Option<KernelEra>) -> Result<(KernelEra, String)> {
    if let Some(e) = asked {
        return Ok((e, "--kernel".to_owned()));
    }
    trace_era(header)
        .map(|r| (r.era, r.evidence))
        .ok_or_else(|| {
            coded(
                Exit::Usage,
                anyhow::anyhow!(
                    "cannot tell the era of trace kernel '{}'; pass --kernel 6.1, 6.12 or 6.18",
                    header.kernel
                ),
            )
        })
}
