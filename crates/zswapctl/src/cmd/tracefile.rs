//! Reading a recorded swap trace (the eBPF probe's format, `zswap_probe::trace`) for
//! `analyze` and `simulate`: errors name the file and say what to do.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::Result;
use zswap_core::compress::KernelEra;
use zswap_probe::{TraceHeader, TraceRecord};

use crate::exit::{Exit, coded};

/// Reads and parses the trace at `path`.
pub(crate) fn read(path: &Path) -> Result<(TraceHeader, Vec<TraceRecord>)> {
    let mut text = String::new();
    File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| unreadable(path, &e))?;
    zswap_probe::read_trace(&text).map_err(|e| {
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
    zswap_core::KernelRelease::parse(&header.kernel)
        .and_then(|r| KernelEra::for_release(r.major, r.minor))
        .map(|e| (e, format!("trace kernel '{}'", header.kernel)))
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
