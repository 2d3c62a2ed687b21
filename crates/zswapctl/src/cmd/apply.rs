//! `zswapctl apply -f FILE [--dry-run]`: every parameter of a YAML file, validated as a
//! whole before the first write, written in order, all or nothing.

use std::io::Write;

use anyhow::{Context, Result};
use zswap_core::SysRoot;
use zswap_core::admin::{ModuleResolver, Plan, parse_config};

use crate::cli::ApplyArgs;
use crate::cmd::admin::{discover, execute, lock, refused};
use crate::exit::{Exit, coded};
use crate::files;

/// Runs `apply`.
pub(crate) fn run(
    root: &SysRoot,
    args: &ApplyArgs,
    modules: &dyn ModuleResolver,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let path = args.file.display().to_string();
    let text = files::read_opt(&args.file)
        .map_err(|e| coded(Exit::Usage, e))?
        .with_context(|| format!("configuration file '{path}' does not exist"))
        .map_err(|e| coded(Exit::Usage, e))?;
    let desired = parse_config(&text)
        .with_context(|| format!("'{path}'; nothing was changed"))
        .map_err(|e| coded(Exit::Usage, e))?;
    let _lock = lock(root, &args.lock, args.dry_run)?;
    let caps = discover(root)?;
    let plan = Plan::build(&caps, &desired, modules)
        .map_err(refused)
        .with_context(|| format!("'{path}'"))?;
    execute(root, &caps, &plan, args.dry_run, json, out)
}
