//! A minimal logfmt logger on stderr (`level=warn msg="..."`), filtered by `--log.level`;
//! journald and container runtimes add the timestamps.
#![allow(clippy::print_stderr)] // the binary's log goes to stderr

use std::sync::atomic::{AtomicU8, Ordering};

/// Severity, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub(crate) enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

static MIN: AtomicU8 = AtomicU8::new(Level::Info as u8);

/// Sets the lowest level written.
pub(crate) fn set_level(l: Level) {
    MIN.store(l as u8, Ordering::Relaxed);
}

fn write(level: Level, name: &str, msg: &str) {
    if (level as u8) < MIN.load(Ordering::Relaxed) {
        return;
    }
    let escaped = msg
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ");
    eprintln!("level={name} msg=\"{escaped}\"");
}

pub(crate) fn info(msg: &str) {
    write(Level::Info, "info", msg);
}

pub(crate) fn warn(msg: &str) {
    write(Level::Warn, "warn", msg);
}

pub(crate) fn error(msg: &str) {
    write(Level::Error, "error", msg);
}
