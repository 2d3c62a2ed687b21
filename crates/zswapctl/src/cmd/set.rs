//! `zswapctl set NAME VALUE`: one parameter, validated against this kernel before the
//! write, read back after it, undone if the kernel does not take it.

use std::io::Write;

use anyhow::Result;
use zswap_core::admin::{ModuleResolver, Plan, desired_one};
use zswap_core::{ParamName, SysRoot};

use crate::cli::SetArgs;
use crate::cmd::admin::{discover, execute, lock, refused};
use crate::exit::{Exit, coded};

/// Runs `set`.
pub(crate) fn run(
    root: &SysRoot,
    args: &SetArgs,
    modules: &dyn ModuleResolver,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let name: ParamName = args.name.parse().map_err(|e| coded(Exit::Usage, e))?;
    let desired = desired_one(name, &args.value).map_err(refused)?;
    let _lock = lock(root, &args.lock, args.dry_run)?;
    let caps = discover(root)?;
    let plan = Plan::build(&caps, &desired, modules).map_err(refused)?;
    execute(root, &caps, &plan, args.dry_run, json, out)
}
