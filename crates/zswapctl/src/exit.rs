//! Exit codes, documented in docs/zswapctl.md and `zswapctl --help`:
//! 0 success, 1 runtime failure, 2 usage or invalid input (nothing changed),
//! 3 permission denied (run as root), 4 a check found problems.

use std::io;
use std::process::ExitCode;

/// The process exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Exit {
    /// Something failed at run time.
    Runtime = 1,
    /// The command line or an input value was refused; nothing was changed.
    Usage = 2,
    /// The kernel refused for lack of privilege.
    Permission = 3,
    /// `check` found problems.
    Findings = 4,
}

/// An error that carries its exit status.
#[derive(Debug)]
pub(crate) struct Coded {
    /// Which status.
    pub(crate) exit: Exit,
    /// The message.
    pub(crate) error: anyhow::Error,
}

impl std::fmt::Display for Coded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&message(&self.error))
    }
}

/// The error and its causes joined with ": ", leaving out a cause whose text the message
/// already holds (an error that names its OS error, and then has it as its source, would
/// otherwise say it twice).
pub(crate) fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

impl std::error::Error for Coded {}

/// Wraps an error with an exit status.
pub(crate) fn coded(exit: Exit, error: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(Coded {
        exit,
        error: error.into(),
    })
}

/// Prints an error and returns its exit code. A broken pipe (`zswapctl status | head`) is
/// not an error.
#[allow(clippy::print_stderr)] // the binary's one place that reports errors
pub(crate) fn report(err: &anyhow::Error) -> ExitCode {
    if err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    }) {
        return ExitCode::SUCCESS;
    }
    let exit = err
        .chain()
        .find_map(|c| c.downcast_ref::<Coded>())
        .map_or(Exit::Runtime, |c| c.exit);
    eprintln!("zswapctl: error: {}", message(err));
    ExitCode::from(exit as u8)
}
