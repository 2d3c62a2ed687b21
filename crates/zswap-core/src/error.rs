//! Errors of the kernel interface. Every variant names the path and, where there is one,
//! the value.

use std::io;
use std::path::PathBuf;

/// Result of zswap-core's kernel interface.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong reading or writing a kernel file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read '{}': {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// An attribute could not be opened for writing.
    #[error("cannot open '{}' for writing: {source}", path.display())]
    Open {
        /// The attribute.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The kernel refused a value written to an attribute.
    #[error("writing '{value}' to '{}' failed: {source}", path.display())]
    Write {
        /// The attribute.
        path: PathBuf,
        /// What was written.
        value: String,
        /// The I/O error (its errno is the kernel's answer).
        source: io::Error,
    },
    /// A file's content did not have the expected form.
    #[error("unexpected content '{text}' in '{}': expected {expected}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The offending text (trimmed, at most one line).
        text: String,
        /// What the file should hold.
        expected: &'static str,
    },
}

impl Error {
    /// The OS error number behind this error, if there is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Read { source, .. }
            | Error::Open { source, .. }
            | Error::Write { source, .. } => source.raw_os_error(),
            Error::Parse { .. } => None,
        }
    }

    /// True if and only if the error is a permission refusal (`EACCES`/`EPERM`).
    pub fn is_permission(&self) -> bool {
        matches!(self.errno(), Some(libc::EACCES) | Some(libc::EPERM))
    }

    pub(crate) fn parse(path: impl Into<PathBuf>, text: &str, expected: &'static str) -> Self {
        let line = text.lines().next().unwrap_or("").trim();
        let mut shown: String = line.chars().take(80).collect();
        if line.chars().count() > 80 {
            shown.push('…');
        }
        Error::Parse {
            path: path.into(),
            text: shown,
            expected,
        }
    }
}
