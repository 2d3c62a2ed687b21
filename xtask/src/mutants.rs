//! `cargo xtask mutants`: cargo-mutants over the code whose every line a test must guard
//! (`zswap_core::params`, `::admin`, `::sim` and the exporter's metric building), one module
//! at a time, each against only the tests that cover it so that a run fits on a workstation.
//!
//! A mutant that survives must be killed by a test or explained in docs/mutants.md: the
//! explanation names the mutant as cargo-mutants prints it, without its line and column
//! (`crates/zswap-core/src/params/mod.rs: replace ... with ...`). The run fails on a
//! surviving mutant with no explanation, and prints one summary line per module.
#![allow(clippy::disallowed_methods)] // reads cargo-mutants' reports and docs/, no kernel files

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// One module and the tests that cover it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub(crate) name: &'static str,
    package: &'static str,
    /// cargo-mutants `--file` globs, relative to the workspace.
    files: &'static [&'static str],
    /// The test targets, given to every cargo command cargo-mutants runs (its `--cargo-arg`),
    /// so that a mutant's build compiles only them.
    cargo_test: &'static [&'static str],
    /// Test-name filters given to every test binary (any one selects a test).
    filters: &'static [&'static str],
}

/// In the order a run takes them: the small, fast ones first.
pub(crate) const TARGETS: &[Target] = &[
    Target {
        name: "params",
        package: "zswap-core",
        files: &["crates/zswap-core/src/params/**"],
        cargo_test: &["--lib"],
        filters: &["params::"],
    },
    Target {
        name: "admin",
        package: "zswap-core",
        files: &["crates/zswap-core/src/admin/**"],
        cargo_test: &["--lib"],
        filters: &["admin::"],
    },
    Target {
        name: "exporter",
        package: "zswap-exporter",
        files: &[
            "crates/zswap-exporter/src/families.rs",
            "crates/zswap-exporter/src/encode.rs",
            "crates/zswap-exporter/src/collector/**",
        ],
        cargo_test: &["--bins", "--test", "it"],
        filters: &[
            "collector::",
            "encode::",
            "families::",
            "golden::",
            "prometheus::promtool",
        ],
    },
    Target {
        name: "sim",
        package: "zswap-core",
        files: &["crates/zswap-core/src/sim/**"],
        cargo_test: &["--lib", "--test", "sim_model"],
        filters: &[
            "sim::",
            "every_page_loads_back",
            "entries_keep_their_compressor",
            "invariants_hold",
        ],
    },
];

/// Options of `cargo xtask mutants`.
#[derive(clap::Args, Debug)]
pub(crate) struct MutantsArgs {
    /// Module to mutate (repeatable: params, admin, exporter, sim) [default: all, in that order].
    #[arg(long = "module", value_name = "NAME")]
    modules: Vec<String>,
    /// Mutants built and tested at the same time (cargo-mutants `--jobs`).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
}

/// What one module's run counted (cargo-mutants' `outcomes.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) total: u64,
    pub(crate) caught: u64,
    pub(crate) missed: u64,
    pub(crate) unviable: u64,
    pub(crate) timeout: u64,
}

impl Counts {
    fn from_outcomes(v: &Value) -> Result<Counts> {
        let n = |k: &str| {
            v[k].as_u64()
                .with_context(|| format!("outcomes.json has no number '{k}'"))
        };
        Ok(Counts {
            total: n("total_mutants")?,
            caught: n("caught")?,
            missed: n("missed")?,
            unviable: n("unviable")?,
            timeout: n("timeout")?,
        })
    }
}

/// A mutant as cargo-mutants names it in `missed.txt`, without `:line:col`, the form
/// docs/mutants.md explains it in.
pub(crate) fn mutant_key(line: &str) -> Option<String> {
    let (file, rest) = line.trim().split_once(": ")?;
    let mut parts = file.rsplitn(3, ':');
    let (col, row, path) = (parts.next()?, parts.next()?, parts.next()?);
    if col.parse::<u32>().is_err() || row.parse::<u32>().is_err() {
        return None;
    }
    Some(format!("{path}: {rest}"))
}

/// The surviving mutants of `missed` (cargo-mutants' `missed.txt`) that `explained`
/// (docs/mutants.md) does not name.
pub(crate) fn unexplained(missed: &str, explained: &str) -> Vec<String> {
    let named: BTreeSet<&str> = explained
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- `"))
        .filter_map(|l| l.split_once('`').map(|(k, _)| k))
        .collect();
    missed
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| mutant_key(l).unwrap_or_else(|| l.trim().to_owned()))
        .filter(|k| !named.contains(k.as_str()))
        .collect()
}

fn find(name: &str) -> Result<Target> {
    TARGETS
        .iter()
        .copied()
        .find(|t| t.name == name)
        .with_context(|| {
            let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
            format!(
                "unknown module '{name}'; known: {} (the fix: pass one of them to --module)",
                known.join(", ")
            )
        })
}

/// Installs cargo-mutants with `cargo install --locked` when `cargo mutants` is missing.
fn ensure_installed(cargo: &str) -> Result<()> {
    let have = Command::new(cargo)
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if have {
        return Ok(());
    }
    eprintln!("mutants: cargo-mutants is missing; running 'cargo install --locked cargo-mutants'");
    let st = Command::new(cargo)
        .args(["install", "--locked", "cargo-mutants"])
        .status()
        .context("running 'cargo install --locked cargo-mutants'")?;
    if !st.success() {
        bail!(
            "'cargo install --locked cargo-mutants' failed ({st}); install it by hand and \
             run again"
        );
    }
    Ok(())
}

/// The `cargo mutants` arguments for `t`, writing under `out`.
pub(crate) fn args(t: &Target, out: &Path, jobs: usize) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "mutants".into(),
        "--package".into(),
        t.package.into(),
        "--test-package".into(),
        t.package.into(),
        "--jobs".into(),
        jobs.max(1).to_string(),
        "--output".into(),
        out.display().to_string(),
        "--no-shuffle".into(),
    ];
    for f in t.files {
        a.extend(["--file".into(), (*f).into()]);
    }
    for c in t.cargo_test {
        a.push(format!("--cargo-arg={c}"));
    }
    // after the first `--`: arguments of `cargo test`; after the second: of the test binaries
    a.extend(["--".into(), "--".into()]);
    a.extend(t.filters.iter().map(|s| (*s).to_owned()));
    a
}

/// Runs every selected module; false if one has an unexplained survivor or did not run.
pub(crate) fn run(
    args_: &MutantsArgs,
    workspace: &Path,
    target_dir: &Path,
    cargo: &str,
) -> Result<bool> {
    let targets = if args_.modules.is_empty() {
        TARGETS.to_vec()
    } else {
        args_
            .modules
            .iter()
            .map(|m| find(m))
            .collect::<Result<Vec<_>>>()?
    };
    ensure_installed(cargo)?;
    let doc_path = workspace.join("docs/mutants.md");
    let explained = std::fs::read_to_string(&doc_path)
        .with_context(|| format!("reading {}", doc_path.display()))?;
    let mut ok = true;
    let mut summary = Vec::new();
    for t in &targets {
        let out: PathBuf = target_dir.join("mutants").join(t.name);
        std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
        eprintln!("mutants: {} ({})", t.name, t.files.join(" "));
        // cargo-mutants exits 2 when mutants survive; what counts is the explanation check
        let st = Command::new(cargo)
            .args(args(t, &out, args_.jobs))
            .current_dir(workspace)
            .status()
            .context("running 'cargo mutants'")?;
        let dir = out.join("mutants.out");
        let outcomes: Value = match std::fs::read(dir.join("outcomes.json")) {
            Ok(b) => serde_json::from_slice(&b).context("parsing outcomes.json")?,
            Err(e) => {
                ok = false;
                let line = format!(
                    "FAIL mutants {}: cargo mutants ({st}) wrote no {}: {e}",
                    t.name,
                    dir.join("outcomes.json").display()
                );
                println!("{line}");
                summary.push(line);
                continue;
            }
        };
        let c = Counts::from_outcomes(&outcomes)?;
        let missed = std::fs::read_to_string(dir.join("missed.txt")).unwrap_or_default();
        let open = unexplained(&missed, &explained);
        let verdict = if open.is_empty() && c.total > 0 {
            "PASS"
        } else {
            "FAIL"
        };
        ok &= verdict == "PASS";
        let line = format!(
            "{verdict} mutants {}: {} mutants, {} caught, {} missed ({} unexplained), {} \
             unviable, {} timeout",
            t.name,
            c.total,
            c.caught,
            c.missed,
            open.len(),
            c.unviable,
            c.timeout
        );
        println!("{line}");
        for m in &open {
            println!("  unexplained: {m}");
        }
        summary.push(line);
    }
    let path = target_dir.join("mutants/summary.txt");
    std::fs::write(&path, summary.join("\n") + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("mutants: summary in {}", path.display());
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_drop_line_and_column() {
        assert_eq!(
            mutant_key(
                "crates/zswap-core/src/params/mod.rs:120:9: replace Params::get -> bool with true"
            )
            .as_deref(),
            Some("crates/zswap-core/src/params/mod.rs: replace Params::get -> bool with true")
        );
        assert_eq!(mutant_key("no location here"), None);
    }

    #[test]
    fn only_unexplained_survivors_are_listed() {
        let missed = "a.rs:1:2: replace f -> u32 with 0\na.rs:9:1: replace g with ()\n";
        let doc = "# Mutants\n- `a.rs: replace f -> u32 with 0`: f's result is only logged.\n";
        assert_eq!(unexplained(missed, doc), vec!["a.rs: replace g with ()"]);
        assert!(unexplained("", doc).is_empty());
        // a mention outside a list item explains nothing
        assert_eq!(
            unexplained(missed, "see `a.rs: replace f -> u32 with 0`").len(),
            2
        );
    }

    #[test]
    fn arguments_restrict_files_and_tests() {
        let t = find("params").unwrap();
        let a = args(&t, Path::new("/o"), 1).join(" ");
        assert!(
            a.contains("--package zswap-core --test-package zswap-core --jobs 1 --output /o"),
            "{a}"
        );
        assert!(
            a.ends_with("--file crates/zswap-core/src/params/** --cargo-arg=--lib -- -- params::"),
            "{a}"
        );
        let e = find("nope").unwrap_err().to_string();
        assert!(
            e.contains("'nope'") && e.contains("params, admin, exporter, sim"),
            "{e}"
        );
    }

    #[test]
    fn counts_come_from_outcomes_json() {
        let v: Value = serde_json::json!({"total_mutants": 5, "caught": 3, "missed": 1,
            "unviable": 1, "timeout": 0});
        assert_eq!(
            Counts::from_outcomes(&v).unwrap(),
            Counts {
                total: 5,
                caught: 3,
                missed: 1,
                unviable: 1,
                timeout: 0
            }
        );
        let e = Counts::from_outcomes(&serde_json::json!({}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("total_mutants"), "{e}");
    }
}
