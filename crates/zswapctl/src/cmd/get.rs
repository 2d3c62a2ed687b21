//! `zswapctl get [NAME]`: a parameter's value as sysfs holds it (`Y`/`N`, a number, a
//! name), or all of them.

use std::io::Write;

use anyhow::Result;
use serde_json::json;
use zswap_core::admin::absent_param;
use zswap_core::{ParamName, SysRoot};

use crate::cli::GetArgs;
use crate::cmd::admin::discover;
use crate::exit::{Exit, coded};

/// Runs `get`.
pub(crate) fn run(root: &SysRoot, args: &GetArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let caps = discover(root)?;
    let Some(name) = &args.name else {
        if json {
            serde_json::to_writer_pretty(&mut *out, &caps.params)?;
            writeln!(out)?;
        } else {
            for (n, v) in caps.params.iter() {
                writeln!(out, "{:<30} {v}", n.as_str())?;
            }
        }
        return Ok(());
    };
    let name: ParamName = name.parse().map_err(|e| coded(Exit::Usage, e))?;
    let Some(value) = caps.params.get(name) else {
        return Err(coded(Exit::Usage, absent_param(&caps, name)));
    };
    if json {
        serde_json::to_writer_pretty(&mut *out, &json!({ "name": name, "value": value }))?;
        writeln!(out)?;
    } else {
        writeln!(out, "{value}")?;
    }
    Ok(())
}
