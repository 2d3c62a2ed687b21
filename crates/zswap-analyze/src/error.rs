//! Errors of the analysis: every variant names the file, pid or value at fault and says the fix.

use std::io;
use std::path::PathBuf;

use zswap_core::compress::{Algorithm, CompressError};

/// Result of zswap-analyze.
pub type Result<T, E = AnalyzeError> = std::result::Result<T, E>;

/// Why an analysis could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzeError {
    /// The input file does not exist.
    #[error("input file '{}' does not exist; give a file of raw pages, an ELF core or a trace", path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The input is a directory.
    #[error("input '{}' is a directory; give a file of raw pages, an ELF core or a trace", path.display())]
    Directory {
        /// The directory.
        path: PathBuf,
    },
    /// The input file may not be read.
    #[error("cannot read input file '{}': permission denied; check its permissions or run as root", path.display())]
    Denied {
        /// The file.
        path: PathBuf,
    },
    /// The input file could not be opened or read.
    #[error("cannot read input file '{}': {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The input holds no full page.
    #[error("input '{}' is empty ({bytes} bytes, less than one 4096-byte page); give a file of whole pages", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        bytes: u64,
    },
    /// No process has this pid.
    #[error("no process with pid '{pid}'; check the pid with ps")]
    NoSuchProcess {
        /// The pid.
        pid: u32,
    },
    /// The process exists but its memory may not be read by this user.
    #[error("cannot read the memory of pid '{pid}' ('{}'): {source}; this needs root or ptrace rights (CAP_SYS_PTRACE, or the same user with kernel.yama.ptrace_scope 0)", path.display())]
    PidPermission {
        /// The pid.
        pid: u32,
        /// The file refused.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A /proc file of the process could not be read or parsed.
    #[error("cannot read '{}' of pid '{pid}': {reason}; the process may have exited", path.display())]
    Process {
        /// The pid.
        pid: u32,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// An ELF file that is not a core file this reader understands.
    #[error("'{}' is not a usable ELF core file: {reason}; give a 64-bit little-endian core (e.g. from gcore)", path.display())]
    BadCore {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A swap trace line that does not follow the trace format.
    #[error("corrupt trace '{}' at line {line}: {reason}; see docs/trace-format.md", path.display())]
    BadTrace {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A trace only has the sizes of the compressor it was recorded with.
    #[error("trace '{}' was recorded with compressor '{recorded}', so it cannot tell sizes for '{asked}'; drop --compressor or ask for '{recorded}'", path.display())]
    TraceCompressor {
        /// The file.
        path: PathBuf,
        /// The compressor the trace has.
        recorded: String,
        /// The compressor asked for.
        asked: Algorithm,
    },
    /// A compressor could not be set up.
    #[error("compressor '{algorithm}' cannot be used: {source}")]
    Compressor {
        /// The algorithm.
        algorithm: Algorithm,
        /// Why.
        source: CompressError,
    },
    /// A worker thread could not be started.
    #[error("cannot start analysis thread: {source}")]
    Thread {
        /// The I/O error.
        source: io::Error,
    },
}

/// Which kind of failure an error is, for a command's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The input (file, pid, trace, compressor name) was refused.
    BadInput,
    /// Reading needs privileges the user lacks.
    Permission,
    /// Anything else.
    Runtime,
}

impl AnalyzeError {
    /// The kind of failure.
    pub fn kind(&self) -> FailureKind {
        match self {
            AnalyzeError::NotFound { .. }
            | AnalyzeError::Empty { .. }
            | AnalyzeError::NoSuchProcess { .. }
            | AnalyzeError::BadCore { .. }
            | AnalyzeError::BadTrace { .. }
            | AnalyzeError::TraceCompressor { .. }
            | AnalyzeError::Compressor { .. }
            | AnalyzeError::Directory { .. }
            | AnalyzeError::Unreadable { .. } => FailureKind::BadInput,
            AnalyzeError::PidPermission { .. } | AnalyzeError::Denied { .. } => {
                FailureKind::Permission
            }
            AnalyzeError::Process { .. } | AnalyzeError::Thread { .. } => FailureKind::Runtime,
        }
    }

    /// The error for a file that could not be opened or read: `NotFound`, `Directory`,
    /// `Denied` or `Unreadable`.
    pub fn open(path: impl Into<PathBuf>, source: io::Error) -> AnalyzeError {
        let path = path.into();
        match source.kind() {
            io::ErrorKind::NotFound => AnalyzeError::NotFound { path },
            io::ErrorKind::IsADirectory => AnalyzeError::Directory { path },
            io::ErrorKind::PermissionDenied => AnalyzeError::Denied { path },
            _ => AnalyzeError::Unreadable { path, source },
        }
    }
}
