//! The command line, defined once with clap; completions and the man page are generated
//! from it.

use std::path::PathBuf;
use std::sync::LazyLock;

use clap::{Args, Parser, Subcommand};
use zswap_core::page::PAGE_SIZE;

/// `--version`: the crate's version, then whether the eBPF probe (`zswapctl trace`) is built
/// in and, if not, why and how to fix it.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{}\n{}",
        env!("CARGO_PKG_VERSION"),
        zswap_probe::PROBE_VERSION_LINE
    )
});

/// Administer, observe and reason about Linux zswap.
#[derive(Debug, Parser)]
#[command(
    name = "zswapctl",
    version = VERSION.as_str(),
    about,
    after_help = "Exit status: 0 success, 1 runtime failure, 2 usage or invalid input (nothing \
                  changed), 3 permission denied (run as root), 4 check found problems. With --json, \
                  results go to stdout as JSON; error messages still go to stderr as text."
)]
pub(crate) struct Cli {
    /// Read and write kernel files below DIR instead of / (a captured tree); default: the
    /// ZSWAP_ROOT environment variable when set, else /.
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
    /// Watch zswap live: pool against its limit, rates, rejects, cgroups (q quits, ? helps);
    /// with --json, a line of JSON per reading instead, no terminal needed.
    Top(zswap_top::TopArgs),
    /// Print one parameter's value (or all of them).
    Get(GetArgs),
    /// Set one parameter, validated first, read back, undone on failure.
    Set(SetArgs),
    /// Apply a YAML file of parameters in order, all or nothing.
    Apply(ApplyArgs),
    /// Make the settings survive a reboot (GRUB drop-in or systemd unit).
    Persist(PersistArgs),
    /// Diagnose the system: findings with severity and fix (exit 4 on errors or warnings).
    Check(CheckArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page zswapctl(1) (roff), or write it and one page per command
    /// (zswapctl-status.1, …) to a directory with --out-dir.
    Man(ManArgs),
    /// Which compressor, which pool size: run a file of raw pages, a process's anonymous
    /// memory or an ELF core file through every kernel compressor and zswap's rules.
    Analyze(AnalyzeArgs),
    /// Trace every zswap store and load with the eBPF probe: live lines, a --summary of
    /// latency and size histograms, or a --record file for replay (needs root and a kernel
    /// that allows BPF tracing).
    Trace(TraceArgs),
    /// Replay a synthetic swapping workload through the zswap reference model: pool size over
    /// time, limit hits, rejects, writeback, and suggested limits; several values sweep.
    Simulate(SimulateArgs),
}

/// `zswapctl trace`.
#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    /// Print latency histograms by outcome, compressed sizes and per-cgroup counts at the
    /// end instead of one line per event.
    #[arg(long, conflicts_with = "record")]
    pub(crate) summary: bool,

    /// Write every event to FILE in the zswap-trace format (JSON lines with a header).
    #[arg(long, value_name = "FILE")]
    pub(crate) record: Option<PathBuf>,

    /// Stop after SECS seconds (default: at Ctrl-C).
    #[arg(long, value_name = "SECS")]
    pub(crate) duration: Option<u64>,

    /// Use kprobes even where fentry/fexit would work.
    #[arg(long)]
    pub(crate) kprobes: bool,

    /// With --summary: have the kernel time the probe's own programs and show their runs
    /// and ns per run (what the probe costs; the timing adds two clock reads per run).
    #[arg(long, requires = "summary")]
    pub(crate) self_cost: bool,

    /// With --summary: print `key=value` lines (counters, histogram totals, per-cgroup
    /// counts, program costs) for scripts, instead of the tables.
    #[arg(long, requires = "summary")]
    pub(crate) kv: bool,

    /// Also stop once FILE exists; FILE.ready is created as soon as the probe is attached,
    /// for scripts that run the trace in the background.
    #[arg(long, value_name = "FILE")]
    pub(crate) until_file: Option<PathBuf>,

    /// Load no probe: print the totals of the recorded trace FILE (records, pages stored and
    /// loaded, bytes, swap slots named, recorded settings) as `key=value` lines.
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "summary", "record", "duration", "kprobes", "until_file",
    ])]
    pub(crate) totals: Option<PathBuf>,
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

/// `zswapctl get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// Parameter name (enabled, compressor, max_pool_percent, …); all when omitted.
    pub(crate) name: Option<String>,
}

/// `zswapctl set`.
#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    /// Parameter name.
    pub(crate) name: String,
    /// New value: booleans as y/n, yes/no, true/false, on/off, 1/0; percentages 0 to 100.
    pub(crate) value: String,
    /// Show what would change and write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    #[command(flatten)]
    pub(crate) lock: LockArgs,
}

/// How a writer waits for the host-wide lock of the zswap parameters (docs/params-lock.md),
/// which another `set`, `apply` or the boot unit may hold.
#[derive(Debug, Args)]
pub(crate) struct LockArgs {
    /// Wait at most SECS for another writer to finish, then fail (exit 1).
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = parse_wait)]
    pub(crate) wait: f64,
    /// Fail at once (exit 1) if another writer holds the lock.
    #[arg(long, conflicts_with = "wait")]
    pub(crate) no_wait: bool,
}

impl LockArgs {
    /// How long to wait; zero with `--no-wait`.
    pub(crate) fn wait(&self) -> std::time::Duration {
        if self.no_wait {
            std::time::Duration::ZERO
        } else {
            std::time::Duration::from_secs_f64(self.wait)
        }
    }
}

fn parse_wait(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}' is not a number of seconds from 0 to 86400 (use --no-wait to not wait)"
        )),
    }
}

/// `zswapctl apply`.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// YAML file whose top-level keys are parameter names (e.g. `compressor: zstd`).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Print the ordered plan and write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    #[command(flatten)]
    pub(crate) lock: LockArgs,
}

/// How `persist` makes settings survive a reboot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum PersistMethod {
    /// A oneshot systemd unit running `zswapctl apply -f CONFIG` early in boot.
    Systemd,
    /// `zswap.*=` options in a GRUB drop-in (/etc/default/grub.d/zswap.cfg).
    Grub,
}

/// `zswapctl persist`.
#[derive(Debug, Args)]
pub(crate) struct PersistArgs {
    /// Show the files that would be written and write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Boot-time mechanism.
    #[arg(long, value_enum, default_value_t = PersistMethod::Systemd)]
    pub(crate) method: PersistMethod,
    /// Where the systemd method keeps the YAML it applies (a path as seen at boot).
    #[arg(long, value_name = "FILE", default_value = "/etc/zswap/zswap.yaml")]
    pub(crate) config: PathBuf,
    /// Persist the values of this YAML file instead of the current ones.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub(crate) from: Option<PathBuf>,
    /// The zswapctl binary the unit runs (default: this one).
    #[arg(long, value_name = "PATH")]
    pub(crate) exec: Option<PathBuf>,
}

/// `zswapctl check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Where the counters of the last check are kept
    /// (default: <root>/var/lib/zswapctl/last-check.json).
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// Do not save this check's counters.
    #[arg(long)]
    pub(crate) no_save: bool,
    /// The boot-time configuration to check, as seen at boot (an absolute path is taken
    /// below --root); default: /etc/zswap/zswap.yaml if it exists.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

/// `zswapctl man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write zswapctl.1 and zswapctl-COMMAND.1 for every command into DIR (it must exist)
    /// instead of printing zswapctl.1.
    #[arg(long, value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
}

/// `zswapctl completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// How `analyze` reads FILE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum InputFormat {
    /// An ELF core header means a core file, a zswap-trace header means a trace; anything
    /// else is raw pages.
    Auto,
    /// Raw 4096-byte pages.
    Raw,
    /// An ELF core file: the PT_LOAD segments.
    Core,
    /// A swap trace recorded by `zswapctl trace --record` (zswap-trace JSON lines): the
    /// recorded compressed sizes of successful stores.
    Trace,
}

/// `zswapctl analyze`.
#[derive(Debug, Args)]
#[command(
    override_usage = "zswapctl analyze [OPTIONS] <FILE>\n       \
                      zswapctl analyze [OPTIONS] --pid <PID> [--address <START-END>]",
    after_help = "Figures per compressor: pages, zero/same-filled/incompressible pages, \
                        compressed_bytes (what zswap charges), pool_bytes (zsmalloc pool with \
                        every page stored at once), ratio, time per page, zsmalloc class \
                        histogram (--json) and fragmentation; then the total cost as zswap \
                        (pool + entries + index) and as zram (mem_used_total + slot table). See crates/zswapctl/README-analyze.md."
)]
pub(crate) struct AnalyzeArgs {
    /// File of raw pages, ELF core file or recorded trace ('-' is not supported: give a path).
    #[arg(
        value_name = "FILE",
        required_unless_present = "pid",
        conflicts_with = "pid"
    )]
    pub(crate) input: Option<PathBuf>,

    /// Analyse the anonymous memory of this live process (pages not in RAM are skipped).
    #[arg(long, value_name = "PID")]
    pub(crate) pid: Option<u32>,

    /// With --pid: only this address range, START-END in hex as in /proc/PID/maps.
    #[arg(long, value_name = "START-END", requires = "pid")]
    pub(crate) address: Option<zswap_analyze::AddressRange>,

    /// How to read FILE.
    #[arg(long = "input-format", value_enum, default_value = "auto")]
    pub(crate) format: InputFormat,

    /// A compressor to try (repeatable); default: every compressor the model has.
    #[arg(long, value_name = "NAME")]
    pub(crate) compressor: Vec<zswap_core::Algorithm>,

    /// Kernel era whose rules apply (6.1, 6.12, 6.18 or later); default: the running kernel's.
    #[arg(long, value_name = "ERA")]
    pub(crate) kernel: Option<zswap_core::KernelEra>,

    /// Worker threads; default: one per core.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(usize))]
    pub(crate) jobs: Option<usize>,

    /// Also draw the compressed-size distributions to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub(crate) plot: Option<PathBuf>,

    /// Disk size of the zram device the total cost assumes (its slot table grows with it,
    /// e.g. 8G); default: just large enough for the pages analysed.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) zram_disksize: Option<u64>,
}

/// `zswapctl simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// Replay this swap trace (recorded with `zswapctl trace --record`) instead of a
    /// synthetic workload; its header's settings are the defaults.
    #[arg(long, value_name = "FILE",
          conflicts_with_all = ["working_set", "resident", "accesses", "pattern", "seed"])]
    pub(crate) trace: Option<PathBuf>,

    /// Pages the workload uses, as a size (e.g. 256M).
    #[arg(long, value_name = "SIZE", required_unless_present = "trace",
          value_parser = parse_size)]
    pub(crate) working_set: Option<u64>,

    /// Memory the workload may keep resident (default: half the working set).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) resident: Option<u64>,

    /// RAM of the simulated machine (totalram_pages; the pool limit is a share of it);
    /// default 1G, or the traced machine's.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) ram: Option<u64>,

    /// Accesses after the first touch of every page (default: 4 x working-set pages).
    #[arg(long, value_name = "N")]
    pub(crate) accesses: Option<u64>,

    /// Access pattern: sequential, random or hot-cold (90% of accesses to 10% of pages).
    #[arg(long, default_value = "random", value_parser = clap::value_parser!(zswap_analyze::Pattern))]
    pub(crate) pattern: zswap_analyze::Pattern,

    /// Seed of the pattern and the page contents.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,

    /// Compressor of the simulated zswap (default lzo; a trace keeps the one it was
    /// recorded with).
    #[arg(long, value_name = "NAME")]
    pub(crate) compressor: Option<zswap_core::Algorithm>,

    /// Kernel era whose rules apply; default: the running kernel's.
    #[arg(long, value_name = "ERA")]
    pub(crate) kernel: Option<zswap_core::KernelEra>,

    /// max_pool_percent values (comma-separated or repeated: a sweep); default 20, or the
    /// trace's.
    #[arg(long, value_name = "P", value_delimiter = ',',
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub(crate) max_pool_percent: Vec<u32>,

    /// accept_threshold_percent values (comma-separated or repeated: a sweep); default 90,
    /// or the trace's.
    #[arg(long, value_name = "A", value_delimiter = ',',
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub(crate) accept_threshold_percent: Vec<u32>,

    /// Points of the pool-size curve per run.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub(crate) samples: u64,

    /// Draw the pool size over time (one line per run) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub(crate) plot: Option<PathBuf>,

    /// Runs at the same time (threads); default: one per core.
    #[arg(long, value_name = "N", conflicts_with = "trace",
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub(crate) jobs: Option<u64>,

    /// Compress the page on every store instead of once per page for the whole sweep (the
    /// same figures, slower; `cargo xtask bench` times both).
    #[arg(long, hide = true, conflicts_with = "trace")]
    pub(crate) compress_every_store: bool,
}

/// A size of at least one page: `zswap_core::parse_size` (`512M`, `4G`, `1.5G`, `65536`
/// bytes; K, M, G, T are binary multiples).
fn parse_size(s: &str) -> Result<u64, String> {
    let bytes = zswap_core::parse_size(s).map_err(|e| e.to_string())?;
    if bytes < PAGE_SIZE as u64 {
        return Err(format!(
            "invalid size '{s}': {bytes} bytes is less than one page ({PAGE_SIZE}); \
             give at least 4K, e.g. 64M or 4G"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("64M").unwrap(), 64 << 20);
        assert_eq!(parse_size("4g").unwrap(), 4 << 30);
        assert_eq!(parse_size("8192").unwrap(), 8192);
    }

    #[test]
    fn bad_sizes_name_the_value() {
        assert!(parse_size("12Q").unwrap_err().contains("'12Q'"));
        assert!(parse_size("10").unwrap_err().contains("'10'"));
        assert!(parse_size("10").unwrap_err().contains("less than one page"));
    }
}
