//! `zswapctl completions SHELL` and `zswapctl man`: generated from the clap definition, so
//! they never drift from the real options. Both print their artefact whatever `--json` says.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

/// Prints the completion script for a shell.
pub(crate) fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "zswapctl", out);
    Ok(())
}

/// Prints the man page in roff.
pub(crate) fn man(out: &mut dyn Write) -> Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)?;
    Ok(())
}
