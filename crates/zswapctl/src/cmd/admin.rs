//! What `set` and `apply` share: reading the kernel's capabilities, printing a plan, and
//! carrying it out with read-back and rollback (the logic lives in `zswap_core::admin`).

use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use zswap_core::admin::{
    ApplyError, ApplyReport, KernelCaps, ParamChange, ParamsLock, Plan, PlanError, PlanRefusal,
    ReadBack, RollbackStep, apply_plan,
};
use zswap_core::{ParamName, SysRoot};

use crate::cli::LockArgs;
use crate::exit::{Exit, coded};

/// Takes the writers' lock (docs/params-lock.md) before the kernel's values are read for the plan;
/// `None` for a dry run, which writes nothing. The caller holds the guard until it has
/// reported, so planning, writes, read-back and rollback all happen under it.
pub(crate) fn lock(root: &SysRoot, args: &LockArgs, dry_run: bool) -> Result<Option<ParamsLock>> {
    if dry_run {
        return Ok(None);
    }
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    match ParamsLock::acquire(root, args.wait(), &command) {
        Ok(l) => Ok(Some(l)),
        Err(e) if e.is_permission() => Err(coded(
            Exit::Permission,
            anyhow::Error::new(e).context("run as root"),
        )),
        Err(e) => Err(coded(Exit::Runtime, e)),
    }
}

/// Reads what this kernel offers; no zswap is a usage error (nothing can be set).
pub(crate) fn discover(root: &SysRoot) -> Result<KernelCaps> {
    match KernelCaps::discover(root) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(coded(Exit::Usage, PlanRefusal::NoZswap)),
        Err(e) if e.is_permission() => Err(coded(
            Exit::Permission,
            anyhow::Error::new(e).context("run as root"),
        )),
        Err(e) => Err(coded(Exit::Runtime, e)),
    }
}

/// A refused plan: invalid input, nothing changed (exit 2).
pub(crate) fn refused(e: PlanError) -> anyhow::Error {
    coded(Exit::Usage, e)
}

/// What `set --json` and `apply --json` print.
#[derive(Debug, Serialize)]
struct ChangeOutput<'a> {
    /// `planned` (dry run), `applied`, `unchanged` or `failed`.
    status: &'static str,
    plan: &'a Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a ApplyReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<&'a ParamChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applied_before_failure: Option<&'a [ParamChange]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollback: Option<&'a [RollbackStep]>,
}

impl<'a> ChangeOutput<'a> {
    /// The outcome `status` of `plan`, with nothing else to say yet.
    fn of(status: &'static str, plan: &'a Plan) -> ChangeOutput<'a> {
        ChangeOutput {
            status,
            plan,
            report: None,
            failed: None,
            failure: None,
            applied_before_failure: None,
            rollback: None,
        }
    }

    /// Writes it as pretty JSON and a newline.
    fn write(&self, out: &mut dyn Write) -> Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)?;
        Ok(())
    }
}

fn change_line(c: &ParamChange) -> String {
    format!("{:<30} '{}' -> '{}'", c.name.as_str(), c.from, c.to)
}

fn print_plan(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "plan (in write order):")?;
    if plan.changes.is_empty() {
        writeln!(out, "  nothing to change")?;
    }
    for c in &plan.changes {
        writeln!(out, "  change {}", change_line(c))?;
    }
    for (name, v) in &plan.unchanged {
        writeln!(out, "  keep   {:<30} '{v}' (unchanged)", name.as_str())?;
    }
    Ok(())
}

/// Prints the plan and, unless `dry_run`, carries it out. A failed write is rolled back
/// and reported (exit 1; exit 3 when the kernel refused for lack of privilege).
pub(crate) fn execute(
    root: &SysRoot,
    caps: &KernelCaps,
    plan: &Plan,
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    if dry_run {
        if json {
            ChangeOutput::of("planned", plan).write(out)?;
        } else {
            print_plan(plan, out)?;
            writeln!(out, "dry run: nothing was written")?;
        }
        return Ok(());
    }
    match apply_plan(root, caps, plan, &ReadBack) {
        Ok(report) => {
            if json {
                let status = if report.applied.is_empty() {
                    "unchanged"
                } else {
                    "applied"
                };
                ChangeOutput {
                    report: Some(&report),
                    ..ChangeOutput::of(status, plan)
                }
                .write(out)?;
            } else {
                for c in &report.applied {
                    writeln!(out, "set    {} (read back)", change_line(c))?;
                }
                for (name, v) in &report.unchanged {
                    writeln!(out, "keep   {:<30} '{v}' (unchanged)", name.as_str())?;
                }
                // only news when this run enabled zswap or changed its compressor
                let touched = report
                    .applied
                    .iter()
                    .any(|c| matches!(c.name, ParamName::Enabled | ParamName::Compressor));
                if let Some(c) = report.compressor_in_use.as_ref().filter(|_| touched) {
                    writeln!(out, "zswap is enabled and uses compressor '{c}'")?;
                }
            }
            Ok(())
        }
        Err(e) => {
            report_failure(plan, &e, json, out)?;
            // the errno table: a refusal for privilege is 3 even when earlier writes of the
            // plan were made and undone
            let exit = if e.failure.is_permission() {
                Exit::Permission
            } else {
                Exit::Runtime
            };
            Err(coded(exit, *e))
        }
    }
}

fn report_failure(plan: &Plan, e: &ApplyError, json: bool, out: &mut dyn Write) -> Result<()> {
    if json {
        return ChangeOutput {
            failed: e.failed.as_ref(),
            failure: Some(e.failure.to_string()),
            applied_before_failure: Some(&e.applied),
            rollback: Some(&e.rollback),
            ..ChangeOutput::of("failed", plan)
        }
        .write(out);
    }
    for c in &e.applied {
        writeln!(out, "set    {} (read back)", change_line(c))?;
    }
    match &e.failed {
        Some(c) => writeln!(out, "FAILED {}: {}", change_line(c), e.failure)?,
        None => writeln!(out, "FAILED after the writes: {}", e.failure)?,
    }
    if e.rollback.is_empty() {
        writeln!(out, "nothing had been changed, nothing to roll back")?;
    }
    for s in &e.rollback {
        match &s.error {
            None => writeln!(
                out,
                "undo   {:<30} restored to '{}' (read back)",
                s.name.as_str(),
                s.to
            )?,
            Some(err) => writeln!(
                out,
                "undo   {:<30} NOT restored to '{}': {err}",
                s.name.as_str(),
                s.to
            )?,
        }
    }
    Ok(())
}
