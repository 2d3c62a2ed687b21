//! `cargo xtask`: development tasks for zswap-tools.
//!
//! - `vmtest`: the QEMU kernel matrix (Debian 6.1, 6.12, 7.x) running scenarios in guests.
//! - `capture-fixtures`: copies zswap-relevant kernel files from a root, or from each guest
//!   kernel before and after a workload, into fixture trees.
//! - `bench`: every performance goal against its peer in one run, as a table of ratios.
//! - `bench-exporter`: CPU per scrape, latency and peak RSS, zswap-exporter vs node_exporter,
//!   and the exporter's cost per cgroup.
//! - `zram-oracle`: zswap-core's compressed lengths against the running kernel's, via zram.
//! - `image`, `kube-rules`, `kubetest`: the OCI image, the Kubernetes manifests and their
//!   test (docs/kubernetes.md).
//! - `oracle`: zswap-core's compressors and zsmalloc classes against the kernel's own C from
//!   Debian's `linux-source` packages, compiled in userspace.
//! - `mutants`: cargo-mutants over params, admin, sim and the exporter's metric building.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool: printing is its job

mod bench;
mod bench_exporter;
mod bench_table;
mod deploy;
mod dist;
mod fieldtest;
mod fixtures;
mod kernel_oracle;
mod kube;
mod mirror;
mod mutants;
mod units;
mod vm;
mod zram_oracle;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use vm::Series;

#[derive(Parser, Debug)]
#[command(name = "cargo xtask", about = "Development tasks for zswap-tools")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Debian archive to download kernels, linux-source and fieldtest images from
    /// [default: the one this machine's apt sources use].
    #[arg(long, global = true, env = mirror::MIRROR_ENV, value_name = "URI")]
    debian_mirror: Option<String>,
}

#[derive(clap::Args, Debug, Clone)]
struct GuestArgs {
    /// Kernel series to boot: 6.1 (bookworm), 6.12 (trixie), 7 (sid); all when omitted.
    #[arg(long = "kernel", value_name = "SERIES")]
    kernels: Vec<Series>,
    /// Cache for kernel packages, extracted kernels and guest runs
    /// [default: $XDG_CACHE_HOME/zswap-tools/vmtest or ~/.cache/zswap-tools/vmtest].
    #[arg(long, env = "ZSWAP_VMTEST_CACHE", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Guests to run at the same time.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Seconds before a guest is killed and reported as failed.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Guest memory in MiB [default: the scenario's, 512].
    #[arg(long, value_name = "MIB")]
    memory: Option<u32>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Build the release artefacts into target/dist/: the static musl tarball with man pages,
    /// completions and systemd units, the Debian package, and SHA256SUMS. Needs the eBPF
    /// toolchain (scripts/install-ebpf-toolchain.sh), tar and dpkg-deb.
    Dist,
    /// Build the release .deb (as `dist` does) and try it on Debian guests booted with systemd
    /// as PID 1 (images made with mmdebstrap, cached; QEMU TCG); prints one
    /// `PASS <distro> <scenario>` or `FAIL <distro> <scenario> <reason>` line per pair.
    Fieldtest {
        /// Distribution to boot (repeatable: bookworm, trixie, sid, or 6.1, 6.12, 7) [default: all].
        #[arg(long = "distro", value_name = "DISTRO")]
        distros: Vec<Series>,
        /// Scenario to run (repeatable: package, persist-reboot, exporter-service, bad-host) [default: all].
        #[arg(long = "scenario", value_name = "NAME")]
        scenarios: Vec<String>,
        /// Where the images are cached [default: $XDG_CACHE_HOME/zswap-tools/fieldtest or
        /// ~/.cache/zswap-tools/fieldtest].
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
        /// Guest memory in MiB (the exporter scenario's pressure is sized for 768).
        #[arg(long, default_value_t = 768)]
        memory: u32,
        /// Seconds one boot may take before the guest is killed.
        #[arg(long, default_value_t = 1200)]
        timeout: u64,
        /// Guests to boot at the same time (each takes one core under TCG)
        /// [default: the number of cores].
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Boot Debian kernels in QEMU (TCG) and run scenarios in them; prints one
    /// `PASS <kernel> <scenario>` or `FAIL <kernel> <scenario> <reason>` line per pair.
    Vmtest {
        #[command(flatten)]
        guest: GuestArgs,
        /// Scenario to run (repeatable); the default matrix when omitted.
        #[arg(long = "scenario", value_name = "NAME")]
        scenarios: Vec<String>,
    },
    /// Copy zswap-relevant kernel files into fixture trees laid out like `/`.
    CaptureFixtures {
        /// Root to copy from (`/` for this machine); needs --to.
        #[arg(long, value_name = "ROOT", conflicts_with = "guest")]
        from: Option<PathBuf>,
        /// Destination: the tree itself with --from; with --guest, the directory receiving
        /// `linux-<ver>-fresh/` and `linux-<ver>-after-workload/` [default: tests/fixtures].
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        /// Boot these kernel series and capture each before enabling zswap and after the
        /// workload.
        #[arg(long, value_name = "SERIES", num_args = 1..)]
        guest: Vec<Series>,
        #[command(flatten)]
        guest_args: GuestArgs,
    },
    /// Every performance goal against its peer in one run (node_exporter, the kernel's zram
    /// ingest, the raw compressor, analyze of a file, simulate before its size memo), as a
    /// table of ratios; root for the zram rows. Fails if a goal with a target is missed.
    Bench(bench::BenchArgs),
    /// zswap-exporter against Debian's node_exporter in one run on this host: process CPU
    /// per scrape, latency p50/p99 and peak RSS, and the exporter's cgroup cost curve.
    BenchExporter(bench_exporter::ExporterArgs),
    /// Compare zswap-core's compressed page lengths with the running kernel's through zram,
    /// for every compressor its zram offers (root; also run in guests by scenario `compress`).
    ZramOracle(zram_oracle::OracleArgs),
    /// Compare zswap-core's compressors (lzo, lzo-rle, lz4, lz4hc, 842) byte for byte and its
    /// zsmalloc class table with the kernel's own C from Debian's linux-source packages
    /// (6.1, 6.12, 7.x), compiled here with gcc; prints one
    /// `PASS|FAIL <compressor> <linux-source version> <pages>` line per comparison.
    Oracle(kernel_oracle::OracleArgs),
    /// Mutation testing with cargo-mutants (installed if missing) over zswap_core::params,
    /// ::admin, the exporter's metric building and ::sim, each against the tests that cover
    /// it; fails on a surviving mutant that docs/mutants.md does not explain. CPU-heavy: run
    /// it under `nice`, outside CI. Prints one `PASS|FAIL mutants <module>: <counts>` line each.
    Mutants(mutants::MutantsArgs),
    /// Build the OCI image of zswap-exporter from the release tarball's static binary (runs
    /// `dist` first; buildah, FROM scratch, nothing pulled), tagged localhost/zswap-exporter:<version>
    /// and exported as an OCI archive into target/dist/.
    Image,
    /// Write deploy/kubernetes/prometheusrule.yaml from deploy/prometheus/zswap-alerts.yml.
    KubeRules,
    /// Validate deploy/kubernetes/ offline (kubernetes-validate; prometheus-operator's CRD
    /// schemas), then build the image and run it under podman with the DaemonSet's arguments,
    /// mounts and security context and scrape it; removes the container and image afterwards.
    /// Prints `PASS kube <step>` or `FAIL kube <step> <reason>` lines.
    Kubetest {
        /// Python virtual environment for kubernetes-validate and the CRD models
        /// [default: $XDG_CACHE_HOME/zswap-tools/kube-venv or ~/.cache/zswap-tools/kube-venv].
        #[arg(long, value_name = "DIR")]
        venv: Option<PathBuf>,
    },
    /// Lint deploy/ with ansible-lint, converge the roles against this machine twice (the
    /// second must change nothing) and verify the result; restores the machine afterwards.
    /// Prints `PASS deploy <step>` or `FAIL deploy <step> <reason>` lines.
    Deploytest {
        /// Python virtual environment for ansible-core and ansible-lint
        /// [default: $XDG_CACHE_HOME/zswap-tools/ansible-venv or ~/.cache/zswap-tools/ansible-venv].
        #[arg(long, value_name = "DIR")]
        venv: Option<PathBuf>,
    },
}

fn dist() -> Result<bool> {
    let workspace = workspace_root();
    let made = dist::dist(&workspace, &target_dir(&workspace), &cargo())?;
    #[allow(clippy::print_stdout)] // the artefacts' paths are the command's output
    for path in made {
        println!("{}", path.display());
    }
    Ok(true)
}

fn fieldtest(
    distros: &[Series],
    names: &[String],
    cache_dir: Option<PathBuf>,
    memory_mb: u32,
    timeout: u64,
    jobs: Option<usize>,
    mirror: &mirror::DebianMirror,
) -> Result<bool> {
    let scenarios = if names.is_empty() {
        fieldtest::SCENARIOS.iter().collect()
    } else {
        names
            .iter()
            .map(|n| {
                fieldtest::find(n).with_context(|| {
                    format!("unknown scenario '{n}'; known: {}", fieldtest::names())
                })
            })
            .collect::<Result<Vec<_>>>()?
    };
    let workspace = workspace_root();
    let target = target_dir(&workspace);
    let cache_dir = match cache_dir {
        Some(d) => d,
        None => default_cache_dir()?.with_file_name("fieldtest"),
    };
    let distros = if distros.is_empty() {
        Series::ALL.to_vec()
    } else {
        distros.to_vec()
    };
    // the images (network and dpkg, mostly) are made while dist compiles
    let (built, images) = std::thread::scope(|s| {
        let images = s.spawn(|| fieldtest::prepare_images(&cache_dir, &distros, mirror));
        let started = std::time::Instant::now();
        let built = dist::dist(&workspace, &target, &cargo());
        eprintln!(
            "fieldtest: dist took {:.0} s",
            started.elapsed().as_secs_f64()
        );
        (built, images.join())
    });
    built?;
    let images = images.map_err(|_| anyhow::anyhow!("the image builder panicked"))?;
    let opts = fieldtest::Options {
        distros,
        scenarios,
        work_dir: target.join("fieldtest"),
        deb: target.join("dist").join(dist::deb_name()),
        memory_mb,
        boot_timeout: Duration::from_secs(timeout),
        jobs: jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let outcomes = fieldtest::run(&opts, &images, &|o| println!("{}", o.line));
    Ok(outcomes.iter().all(|o| o.pass))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Where cargo puts build output: `$CARGO_TARGET_DIR`, else the workspace's `target`.
#[allow(clippy::disallowed_methods)] // main reads the environment
fn target_dir(workspace: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
}

/// The cargo that runs xtask (`$CARGO`), for the builds it starts.
#[allow(clippy::disallowed_methods)] // main reads the environment
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

#[allow(clippy::disallowed_methods)] // main reads the environment
fn default_cache_dir() -> Result<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(x).join("zswap-tools/vmtest"));
    }
    let home = std::env::var_os("HOME")
        .context("neither XDG_CACHE_HOME nor HOME is set; pass --cache-dir")?;
    Ok(PathBuf::from(home).join(".cache/zswap-tools/vmtest"))
}

fn options(
    g: &GuestArgs,
    scenarios: Vec<&'static vm::scenario::Scenario>,
    mirror: &mirror::DebianMirror,
) -> Result<vm::Options> {
    let workspace = workspace_root();
    let target_dir = target_dir(&workspace);
    let cargo = cargo();
    let cache_dir = match &g.cache_dir {
        Some(d) => d.clone(),
        None => default_cache_dir()?,
    };
    let kernels = if g.kernels.is_empty() {
        Series::ALL.to_vec()
    } else {
        g.kernels.clone()
    };
    Ok(vm::Options {
        kernels,
        scenarios,
        cache_dir,
        jobs: g.jobs,
        timeout: Duration::from_secs(g.timeout),
        memory_mb: g.memory,
        workspace,
        target_dir,
        cargo,
        mirror: mirror.clone(),
    })
}

fn vmtest(g: &GuestArgs, names: &[String], mirror: &mirror::DebianMirror) -> Result<bool> {
    let scenarios = if names.is_empty() {
        vm::scenario::SCENARIOS
            .iter()
            .filter(|s| s.listed)
            .collect()
    } else {
        names
            .iter()
            .map(|n| {
                vm::scenario::find(n).with_context(|| {
                    format!("unknown scenario '{n}'; known: {}", vm::scenario::names())
                })
            })
            .collect::<Result<Vec<_>>>()?
    };
    let outcomes = vm::run_matrix(&options(g, scenarios, mirror)?)?;
    for o in outcomes.iter().filter(|o| o.failure.is_some()) {
        eprintln!(
            "\n--- {} {}: console tail ({}) ---",
            o.release,
            o.scenario,
            o.run_dir.join("console.log").display()
        );
        eprintln!("{}", o.console_tail);
    }
    for o in &outcomes {
        println!("{}", o.line());
    }
    Ok(outcomes.iter().all(|o| o.failure.is_none()))
}

fn capture_guests(
    g: &GuestArgs,
    series: &[Series],
    to: &Path,
    mirror: &mirror::DebianMirror,
) -> Result<bool> {
    let sc = vm::scenario::find("capture").context("the 'capture' scenario is missing")?;
    let mut g = g.clone();
    g.kernels = series.to_vec();
    let outcomes = vm::run_matrix(&options(&g, vec![sc], mirror)?)?;
    let mut ok = true;
    for o in &outcomes {
        if let Some(why) = &o.failure {
            eprintln!("--- {} console tail ---\n{}", o.release, o.console_tail);
            println!("FAIL {} capture {why}", o.release);
            ok = false;
            continue;
        }
        let unpack = o.run_dir.join("unpacked");
        if unpack.exists() {
            std::fs::remove_dir_all(&unpack)?;
        }
        std::fs::create_dir_all(&unpack)?;
        let st = std::process::Command::new("tar")
            .arg("-xf")
            .arg(o.run_dir.join("out.img"))
            .arg("-C")
            .arg(&unpack)
            .status()
            .context("running 'tar'")?;
        if !st.success() {
            bail!("unpacking the capture of '{}' failed", o.release);
        }
        let ver = vm::major_minor(&o.release);
        for phase in ["fresh", "after-workload"] {
            let dst = to.join(format!("linux-{ver}-{phase}"));
            if dst.exists() {
                std::fs::remove_dir_all(&dst)?;
            }
            std::fs::create_dir_all(to)?;
            std::fs::rename(unpack.join(phase), &dst)
                .with_context(|| format!("moving the capture to '{}'", dst.display()))?;
            println!("captured {} {phase} -> {}", o.release, dst.display());
        }
        let _ = std::fs::remove_file(o.run_dir.join("out.img"));
        let _ = std::fs::remove_dir_all(&unpack);
    }
    Ok(ok)
}

fn bench_exporter(args: bench_exporter::ExporterArgs) -> Result<bool> {
    let workspace = workspace_root();
    bench_exporter::bench(&bench_exporter::BenchOptions {
        exporter: args,
        cargo: cargo(),
        target_dir: target_dir(&workspace),
        workspace,
    })
}

fn deploytest(venv: Option<PathBuf>) -> Result<bool> {
    let venv = match venv {
        Some(v) => v,
        None => default_cache_dir()?.with_file_name("ansible-venv"),
    };
    let workspace = workspace_root();
    deploy::run(&deploy::DeployOptions {
        target_dir: target_dir(&workspace),
        workspace,
        venv,
        cargo: cargo(),
    })
}

fn run(cli: Cli) -> Result<bool> {
    let mirror = mirror::DebianMirror::new(cli.debian_mirror);
    match cli.cmd {
        Cmd::Dist => dist(),
        Cmd::Fieldtest {
            distros,
            scenarios,
            cache_dir,
            memory,
            timeout,
            jobs,
        } => fieldtest(
            &distros, &scenarios, cache_dir, memory, timeout, jobs, &mirror,
        ),
        Cmd::Deploytest { venv } => deploytest(venv),
        Cmd::Image => {
            let workspace = workspace_root();
            let archive = kube::image(&workspace, &target_dir(&workspace), &cargo())?;
            println!("{}\n{}", kube::image_ref(), archive.display());
            Ok(true)
        }
        Cmd::KubeRules => {
            println!("{}", kube::write_rules(&workspace_root())?.display());
            Ok(true)
        }
        Cmd::Kubetest { venv } => {
            let venv = match venv {
                Some(v) => v,
                None => default_cache_dir()?.with_file_name("kube-venv"),
            };
            let workspace = workspace_root();
            kube::kubetest(&kube::KubetestOptions {
                target_dir: target_dir(&workspace),
                workspace,
                cargo: cargo(),
                venv,
            })
        }
        Cmd::Vmtest { guest, scenarios } => vmtest(&guest, &scenarios, &mirror),
        Cmd::Bench(args) => {
            let workspace = workspace_root();
            bench::run(
                &args,
                &bench_exporter::BenchOptions {
                    exporter: args.exporter.clone(),
                    cargo: cargo(),
                    target_dir: target_dir(&workspace),
                    workspace,
                },
            )
        }
        Cmd::BenchExporter(args) => bench_exporter(args),
        Cmd::ZramOracle(args) => zram_oracle::run(&args),
        Cmd::Mutants(args) => {
            let workspace = workspace_root();
            mutants::run(&args, &workspace, &target_dir(&workspace), &cargo())
        }
        Cmd::Oracle(args) => {
            let vmtest_cache = default_cache_dir()?;
            kernel_oracle::run(
                &args,
                vmtest_cache.with_file_name("linux-source"),
                &vmtest_cache.join("apt"),
                &mirror,
                &kernel_oracle::Zswapctl {
                    cargo: cargo(),
                    workspace: workspace_root(),
                },
            )
        }
        Cmd::CaptureFixtures {
            from,
            to,
            guest,
            guest_args,
        } => match from {
            Some(root) => {
                let to = to.context("'--from' needs '--to DIR'")?;
                let files = fixtures::capture(&root, &to)?;
                println!(
                    "captured {} files from '{}' into '{}'",
                    files.len(),
                    root.display(),
                    to.display()
                );
                Ok(true)
            }
            None if !guest.is_empty() => {
                let to = to.unwrap_or_else(|| workspace_root().join("tests/fixtures"));
                capture_guests(&guest_args, &guest, &to, &mirror)
            }
            None => {
                bail!("say where to capture from: '--from ROOT --to DIR' or '--guest SERIES...'")
            }
        },
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn vmtest_flags_parse() {
        let cli = Cli::try_parse_from([
            "xtask",
            "vmtest",
            "--kernel",
            "6.12",
            "--kernel",
            "sid",
            "--scenario",
            "workload",
            "--jobs",
            "1",
        ])
        .unwrap();
        let Cmd::Vmtest { guest, scenarios } = cli.cmd else {
            panic!("not vmtest")
        };
        assert_eq!(guest.kernels, [Series::Trixie, Series::Sid]);
        assert_eq!(scenarios, ["workload"]);
        assert_eq!(guest.jobs, 1);
    }
}
