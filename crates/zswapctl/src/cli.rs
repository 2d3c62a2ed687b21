//! The command line, defined once with clap; completions and the man page are generated
//! from it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Administer, observe and reason about Linux zswap.
#[derive(Debug, Parser)]
#[command(
    name = "zswapctl",
    version,
    about,
    after_help = "Exit status: 0 success, 1 runtime failure, 2 usage or invalid input (nothing \
                  changed), 3 permission denied (run as root), 4 check found problems."
)]
pub(crate) struct Cli {
    /// Read and write kernel files below DIR instead of / (a captured tree).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) root: Option<PathBuf>,

    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Summarise zswap: parameters, pool, compression, rejects, writeback, swap.
    Status(StatusArgs),
    /// Watch zswap live: pool against its limit, rates, rejects, cgroups (q quits, ? helps).
    Top(zswap_top::TopArgs),
}

/// `zswapctl status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Show exact byte counts instead of human sizes.
    #[arg(long)]
    pub(crate) bytes: bool,

    /// Include per-cgroup zswap usage (cgroup v2).
    #[arg(long)]
    pub(crate) cgroups: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
