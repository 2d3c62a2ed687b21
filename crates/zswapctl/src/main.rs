//! zswapctl: administer, observe and reason about Linux zswap.
//!
//! `main` is the only place that reads the environment and picks the [`SysRoot`]; every
//! command takes it as an argument.

mod cli;
mod cmd;
mod exit;
mod human;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use zswap_core::SysRoot;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = pick_root(&cli);
    let mut out = io::stdout().lock();
    let result = match &cli.command {
        Command::Status(args) => cmd::status::run(&root, args, cli.json, &mut out),
    };
    let flushed = out.flush();
    match result.and_then(|()| flushed.map_err(anyhow::Error::from)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => exit::report(&err),
    }
}

/// `--root DIR`, else `ZSWAP_ROOT`, else the live system.
fn pick_root(cli: &Cli) -> SysRoot {
    #[allow(clippy::disallowed_methods)] // main picks the root
    let env_root = std::env::var_os("ZSWAP_ROOT").filter(|v| !v.is_empty());
    match cli.root.clone().or(env_root.map(Into::into)) {
        Some(dir) => SysRoot::at(dir),
        None => SysRoot::host(),
    }
}
