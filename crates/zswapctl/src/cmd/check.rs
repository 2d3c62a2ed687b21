//! `zswapctl check`: diagnoses the system (see `zswap_core::admin::check`), compares the
//! reject counters with the last check's (kept in a state file) and exits 4 when any
//! finding is an error or a warning.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;
use zswap_core::admin::persist::DEFAULT_CONFIG;
use zswap_core::admin::{
    CounterSnapshot, Finding, KernelCaps, ModuleResolver, Severity, check_cmdline, check_config,
    check_sample, counter_snapshot,
};
use zswap_core::admin::{check_lock, lock_holder, lock_path, now_ms};
use zswap_core::stats::cgroup::CgroupFilter;
use zswap_core::{CollectOptions, SysRoot, ZswapSample, collect_sample};

use crate::cli::CheckArgs;
use crate::exit::{Exit, coded};
use crate::files;

/// Where the last check's counters are kept, below the root.
const STATE_FILE: &str = "/var/lib/zswapctl/last-check.json";

#[derive(Debug, Serialize)]
struct CheckOut<'a> {
    findings: &'a [Finding],
    errors: usize,
    warnings: usize,
    state_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    config_file: Option<String>,
}

/// Runs `check`.
pub(crate) fn run(
    root: &SysRoot,
    args: &CheckArgs,
    modules: &dyn ModuleResolver,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let sample = collect_sample(
        root,
        &CollectOptions {
            cgroups: Some(CgroupFilter::default()),
        },
    );
    let state = args
        .state
        .clone()
        .unwrap_or_else(|| root.map_abs(Path::new(STATE_FILE)));
    let mut findings = Vec::new();
    let previous = read_previous(&state, &mut findings);
    findings.extend(check_sample(&sample, previous.as_ref(), modules));
    // zram next to zswap (docs/zram.md); an unreadable /sys/block only loses these findings
    if let Ok(z) = zswap_core::zram::read_zram(root) {
        findings.extend(zswap_core::admin::check_zram(&sample, &z.devices));
    }
    findings.extend(unreadable_sources(root, &sample));
    // a writer stuck while holding the parameter lock blocks every other one
    if let Ok(holder) = lock_holder(root) {
        findings.extend(check_lock(holder.as_ref(), &lock_path(root), now_ms()));
    }
    let config = config_path(root, args);
    findings.extend(check_boot_settings(root, args, config.as_deref(), modules));
    if !args.no_save {
        save_counters(&state, &sample, &mut findings);
    }
    if !root.is_host() {
        // advice on a tree must act on the tree, as this check did
        let with_root = format!("zswapctl --root {} ", root.root().display());
        for f in &mut findings {
            f.fix = f.fix.replace("zswapctl ", &with_root);
        }
    }
    findings.sort_by_key(|f| f.severity);
    let errors = count(&findings, Severity::Error);
    let warnings = count(&findings, Severity::Warning);
    if json {
        let o = CheckOut {
            findings: &findings,
            errors,
            warnings,
            state_file: state.display().to_string(),
            config_file: config.map(|c| c.display().to_string()),
        };
        serde_json::to_writer_pretty(&mut *out, &o)?;
        writeln!(out)?;
    } else {
        render(&findings, errors, warnings, out)?;
    }
    if errors + warnings > 0 {
        return Err(coded(
            Exit::Findings,
            anyhow::anyhow!("check found {errors} error(s) and {warnings} warning(s)"),
        ));
    }
    Ok(())
}

/// The last check's counters from `state`; a file that cannot be read or parsed adds a
/// note and counts as no previous check.
fn read_previous(state: &Path, findings: &mut Vec<Finding>) -> Option<CounterSnapshot> {
    match files::read_opt(state) {
        Ok(Some(text)) => match serde_json::from_str::<CounterSnapshot>(&text) {
            Ok(p) => Some(p),
            Err(e) => {
                findings.push(note(
                    "state-unreadable",
                    format!("the state file '{}' is not valid ({e})", state.display()),
                    "it is replaced by this check's counters".into(),
                ));
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            findings.push(note("state-unreadable", format!("{e:#}"), state_fix(&e)));
            None
        }
    }
}

/// A note per source the sample could not read: its figures are left out of the check.
fn unreadable_sources(root: &SysRoot, sample: &ZswapSample) -> Vec<Finding> {
    sample
        .problems
        .iter()
        .map(|p| {
            note(
                "unreadable",
                p.message.clone(),
                if p.permission {
                    "run as root".into()
                } else if root.is_host() {
                    "the figures from this file are left out of the check".into()
                } else {
                    "the figures from this file are left out; check that the tree given to \
                     --root is complete"
                        .into()
                },
            )
        })
        .collect()
}

/// What the next boot will set: the kernel command line and the boot configuration file
/// (`config`), checked against this kernel's capabilities.
fn check_boot_settings(
    root: &SysRoot,
    args: &CheckArgs,
    config: Option<&Path>,
    modules: &dyn ModuleResolver,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Ok(Some(caps)) = KernelCaps::discover(root) else {
        return findings;
    };
    if let Ok(Some(cmdline)) = root.read_opt(&root.proc("cmdline")) {
        findings.extend(check_cmdline(&cmdline, &caps));
    }
    let Some(path) = config else {
        return findings;
    };
    match files::read_opt(path) {
        Ok(Some(text)) => findings.extend(check_config(
            &path.display().to_string(),
            &text,
            &caps,
            modules,
        )),
        Ok(None) if args.config.is_some() => findings.push(Finding {
            severity: Severity::Error,
            code: "config-missing",
            message: format!("the configuration '{}' does not exist", path.display()),
            fix: "give the path of the file 'zswapctl persist' wrote (--config), or write one \
                  with 'zswapctl persist'"
                .into(),
        }),
        Ok(None) => {}
        Err(e) => findings.push(note(
            "config-unreadable",
            format!("{e:#}"),
            "run as root".into(),
        )),
    }
    findings
}

/// Saves this check's counters to `state` for the next one, and says where (or why not).
fn save_counters(state: &Path, sample: &ZswapSample, findings: &mut Vec<Finding>) {
    let snap = counter_snapshot(sample);
    if snap.counters.is_empty() {
        return;
    }
    let saved = serde_json::to_string_pretty(&snap)
        .map_err(anyhow::Error::from)
        .and_then(|t| files::write_atomic(state, &t));
    match saved {
        Ok(()) => {
            if let Some(f) = findings.iter_mut().find(|f| f.code == "first-look") {
                f.message.push_str(&format!(
                    "; this check's counters are saved in '{}'",
                    state.display()
                ));
            }
        }
        Err(e) => findings.push(note(
            "state-unsaved",
            format!("could not save the counters for the next check: {e:#}"),
            state_fix(&e),
        )),
    }
}

/// The findings as text, most severe first, then the tally.
fn render(findings: &[Finding], errors: usize, warnings: usize, out: &mut dyn Write) -> Result<()> {
    for f in findings {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        writeln!(out, "{sev:<8} [{}] {}", f.code, f.message)?;
        writeln!(out, "         fix: {}", f.fix)?;
    }
    writeln!(
        out,
        "{errors} error(s), {warnings} warning(s), {} note(s)",
        findings.len() - errors - warnings
    )?;
    Ok(())
}

/// What to do about a state file that cannot be read or written.
fn state_fix(e: &anyhow::Error) -> String {
    if files::is_permission(e) {
        "run as root, or pass --state FILE".into()
    } else {
        "pass --state FILE with a file in an existing, writable directory".into()
    }
}

/// `--config` names the file as seen at boot, like `persist --config`: an absolute path is
/// taken below `--root`; a relative one from the current directory.
fn config_path(root: &SysRoot, args: &CheckArgs) -> Option<PathBuf> {
    match &args.config {
        Some(p) if p.is_absolute() => Some(root.map_abs(p)),
        Some(p) => Some(p.clone()),
        None => {
            let p = root.map_abs(Path::new(DEFAULT_CONFIG));
            root.exists(&p).then_some(p)
        }
    }
}

fn count(f: &[Finding], s: Severity) -> usize {
    f.iter().filter(|x| x.severity == s).count()
}

fn note(code: &'static str, message: String, fix: String) -> Finding {
    Finding {
        severity: Severity::Info,
        code,
        message,
        fix,
    }
}
