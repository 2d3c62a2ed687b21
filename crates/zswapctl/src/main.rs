//! zswapctl: administer, observe and reason about Linux zswap.
//!
//! `main` is the only place that reads the environment and picks the [`SysRoot`]; every
//! command takes it as an argument.

mod cli;
mod cmd;
mod exit;
mod files;
mod human;
mod modprobe;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use zswap_core::SysRoot;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = match pick_root(&cli) {
        Ok(root) => root,
        Err(err) => return exit::report(&err),
    };
    let mut out = io::stdout().lock();
    let result = match &cli.command {
        Command::Status(args) => cmd::status::run(&root, args, cli.json, &mut out),
        Command::Top(args) => run_top(root, args, cli.json, &mut out),
        Command::Get(args) => cmd::get::run(&root, args, cli.json, &mut out),
        Command::Set(args) => {
            cmd::set::run(&root, args, &*modprobe::for_root(&root), cli.json, &mut out)
        }
        Command::Apply(args) => {
            cmd::apply::run(&root, args, &*modprobe::for_root(&root), cli.json, &mut out)
        }
        Command::Persist(args) => {
            cmd::persist::run(&root, args, &*modprobe::for_root(&root), cli.json, &mut out)
        }
        Command::Check(args) => {
            cmd::check::run(&root, args, &*modprobe::for_root(&root), cli.json, &mut out)
        }
        Command::Completions(args) => cmd::generate::completions(args, &mut out),
        Command::Man(args) => cmd::generate::man(args, &mut out),
        Command::Analyze(args) => {
            cmd::analyze::run(&root, args, &*modprobe::for_root(&root), cli.json, &mut out)
        }
        Command::Trace(args) => cmd::trace::run(&root, args, cli.json, &mut out),
        Command::Simulate(args) => cmd::simulate::run(&root, args, cli.json, &mut out),
    };
    let flushed = out.flush();
    match result.and_then(|()| flushed.map_err(anyhow::Error::from)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => exit::report(&err),
    }
}

/// `zswapctl top`; `NO_COLOR` (https://no-color.org) turns colours off. With `--json` it
/// prints a JSON line per reading instead of drawing (no terminal needed).
fn run_top(
    root: SysRoot,
    args: &zswap_top::TopArgs,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    #[allow(clippy::disallowed_methods)] // main reads the environment
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let opts = zswap_top::TopOptions::new(args.clone()).color(!no_color);
    if json {
        return Ok(zswap_top::run_json(root, opts, out)?);
    }
    zswap_top::run(root, opts).map_err(|e| match e {
        // the command was used where it cannot work: a usage problem (exit 2)
        zswap_top::TopError::NotATerminal => exit::coded(exit::Exit::Usage, e),
        e => e.into(),
    })
}

/// `--root DIR`, else `ZSWAP_ROOT`, else the live system. A root that is not a directory
/// is refused (exit 2): read as an empty tree it would report a kernel without zswap.
fn pick_root(cli: &Cli) -> anyhow::Result<SysRoot> {
    #[allow(clippy::disallowed_methods)] // main picks the root
    let env_root = std::env::var_os("ZSWAP_ROOT").filter(|v| !v.is_empty());
    let (dir, source) = match (cli.root.clone(), env_root) {
        (Some(dir), _) => (dir, "--root"),
        (None, Some(dir)) => (dir.into(), "ZSWAP_ROOT"),
        (None, None) => return Ok(SysRoot::host()),
    };
    if !dir.is_dir() {
        return Err(exit::coded(
            exit::Exit::Usage,
            anyhow::anyhow!(
                "{source} '{}' does not exist or is not a directory: give a directory holding \
                 a captured tree (its sys/ and proc/)",
                dir.display()
            ),
        ));
    }
    Ok(SysRoot::at(dir))
}
