//! Reading a recorded swap trace (`zswap_core::trace`) for `analyze` and `simulate`, and the
//! era its replay follows: errors name the file and say what to do.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::Result;
use zswap_analyze::trace_era;
use zswap_core::KernelEra;
use zswap_core::page::PAGE_SIZE;
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

/// Refuses a trace recorded on a kernel whose pages are not the model's 4 KiB: its sizes and
/// pool limits would be read against the wrong page.
pub(crate) fn check_page_size(path: &Path, header: &TraceHeader) -> Result<()> {
    if u64::from(header.page_size) == PAGE_SIZE as u64 {
        return Ok(());
    }
    Err(coded(
        Exit::Usage,
        anyhow::anyhow!(
            "trace '{}' was recorded on a kernel with {}-byte pages; the model replays {PAGE_SIZE}-byte \
             pages only; record the workload on a kernel with 4 KiB pages (x86-64, or arm64 built \
             with 4K pages)",
            path.display(),
            header.page_size
        ),
    ))
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
