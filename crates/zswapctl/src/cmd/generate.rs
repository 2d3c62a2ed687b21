//! `zswapctl completions SHELL` and `zswapctl man`: generated from the clap definition, so
//! they never drift from the real options. Both print their artefact whatever `--json` says.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};

/// Prints the completion script for a shell.
pub(crate) fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "zswapctl", out);
    Ok(())
}

/// Prints zswapctl(1) in roff, or writes it and a page per command (with its options) to
/// `--out-dir` for packagers.
pub(crate) fn man(args: &ManArgs, out: &mut dyn Write) -> Result<()> {
    match &args.out_dir {
        Some(dir) => clap_mangen::generate_to(Cli::command(), dir)
            .with_context(|| format!("cannot write the man pages to '{}'", dir.display())),
        None => {
            clap_mangen::Man::new(Cli::command()).render(out)?;
            Ok(())
        }
    }
}
