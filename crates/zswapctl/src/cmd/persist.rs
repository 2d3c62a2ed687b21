//! `zswapctl persist`: makes zswap settings survive a reboot, either as `zswap.*=` options
//! in a GRUB drop-in or as a oneshot systemd unit that runs `zswapctl apply` early in boot
//! (with the YAML it applies). The values are validated against the running kernel first.
//! Every path is below `--root`, so it can be tried on a tree.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use zswap_core::SysRoot;
use zswap_core::admin::persist::{
    GRUB_DROPIN, SYSTEMD_UNIT, SYSTEMD_WANTS_LINK, cmdline_notes, grub_dropin, systemd_unit,
};
use zswap_core::admin::{
    DesiredConfig, KernelCaps, ModuleResolver, Plan, parse_config, render_config,
};

use crate::cli::{PersistArgs, PersistMethod};
use crate::cmd::admin::{discover, refused};
use crate::exit::{Exit, coded};
use crate::files;

#[derive(Debug, Serialize)]
struct FileOut {
    /// Where it goes, as seen at boot.
    path: String,
    /// Where it is written now (below `--root`).
    written_at: String,
    content: String,
}

#[derive(Debug, Serialize)]
struct LinkOut {
    link: String,
    target: String,
}

#[derive(Debug, Serialize)]
struct PersistOut {
    method: &'static str,
    dry_run: bool,
    values: DesiredConfig,
    files: Vec<FileOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_link: Option<LinkOut>,
    notes: Vec<String>,
    next_step: String,
}

/// Runs `persist`.
pub(crate) fn run(
    root: &SysRoot,
    args: &PersistArgs,
    modules: &dyn ModuleResolver,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    if !args.config.is_absolute() {
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!(
                "--config '{}' must be an absolute path (the unit reads it at boot)",
                args.config.display()
            ),
        ));
    }
    let caps = discover(root)?;
    let values = desired_values(args, &caps)?;
    Plan::build(&caps, &values, modules)
        .map_err(refused)
        .context("refusing to persist settings this kernel would not take")?;
    let mut report = match args.method {
        PersistMethod::Grub => grub_report(root, args, &caps, values, modules),
        PersistMethod::Systemd => systemd_report(root, args, values)?,
    };
    if !args.dry_run {
        write_all(root, &report).map_err(|e| {
            let exit = if files::is_permission(&e) {
                Exit::Permission
            } else {
                Exit::Runtime
            };
            coded(exit, e)
        })?;
    }
    if json {
        report.notes.shrink_to_fit();
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(());
    }
    render(root, args, &report, out)
}

/// The values to persist: those of `--from`, else the running kernel's current ones.
fn desired_values(args: &PersistArgs, caps: &KernelCaps) -> Result<DesiredConfig> {
    let Some(path) = &args.from else {
        let mut d = DesiredConfig::new();
        for (name, v) in caps.params.iter() {
            d.set(name, v.clone(), None);
        }
        return Ok(d);
    };
    let text = files::read_opt(path)
        .map_err(|e| coded(Exit::Usage, e))?
        .with_context(|| format!("configuration file '{}' does not exist", path.display()))
        .map_err(|e| coded(Exit::Usage, e))?;
    parse_config(&text)
        .with_context(|| format!("'{}'; nothing was written", path.display()))
        .map_err(|e| coded(Exit::Usage, e))
}

/// `zswap.*=` options in a GRUB drop-in, with notes on what the command line cannot say.
fn grub_report(
    root: &SysRoot,
    args: &PersistArgs,
    caps: &KernelCaps,
    values: DesiredConfig,
    modules: &dyn ModuleResolver,
) -> PersistOut {
    PersistOut {
        method: "grub",
        dry_run: args.dry_run,
        files: vec![file(root, Path::new(GRUB_DROPIN), grub_dropin(&values))],
        enable_link: None,
        notes: cmdline_notes(caps, &values, modules),
        next_step: "run 'update-grub' (or 'grub-mkconfig -o /boot/grub/grub.cfg'); the \
                    settings apply from the next boot"
            .into(),
        values,
    }
}

/// The YAML `zswapctl apply` reads at boot, the oneshot unit that runs it, and the link that
/// enables the unit.
fn systemd_report(root: &SysRoot, args: &PersistArgs, values: DesiredConfig) -> Result<PersistOut> {
    let exe = match &args.exec {
        Some(p) => p.clone(),
        None => std::env::current_exe().context("cannot find this program's path")?,
    };
    let heading = "zswap parameters applied at boot by zswap-apply.service\n\
                   (zswapctl apply -f); written by 'zswapctl persist'";
    Ok(PersistOut {
        method: "systemd",
        dry_run: args.dry_run,
        files: vec![
            file(root, &args.config, render_config(&values, heading)),
            file(
                root,
                Path::new(SYSTEMD_UNIT),
                systemd_unit(&exe, &args.config),
            ),
        ],
        enable_link: Some(LinkOut {
            link: SYSTEMD_WANTS_LINK.into(),
            target: "../zswap-apply.service".into(),
        }),
        notes: Vec::new(),
        next_step: "run 'systemctl daemon-reload'; the unit is enabled for sysinit.target and \
                    applies the settings at every boot"
            .into(),
        values,
    })
}

/// What was (or would be) written and linked, the notes, and the next step.
fn render(
    root: &SysRoot,
    args: &PersistArgs,
    report: &PersistOut,
    out: &mut dyn Write,
) -> Result<()> {
    let verb = if args.dry_run { "would write" } else { "wrote" };
    for f in &report.files {
        writeln!(out, "{verb} {}:", f.written_at)?;
        for line in f.content.lines() {
            writeln!(out, "    {line}")?;
        }
    }
    if let Some(l) = &report.enable_link {
        let verb = if args.dry_run { "would link" } else { "linked" };
        writeln!(
            out,
            "{verb} {} -> {}",
            root.map_abs(Path::new(&l.link)).display(),
            l.target
        )?;
    }
    for n in &report.notes {
        writeln!(out, "note: {n}")?;
    }
    if args.dry_run {
        writeln!(out, "dry run: nothing was written")?;
    } else {
        writeln!(out, "next: {}", report.next_step)?;
    }
    Ok(())
}

fn file(root: &SysRoot, path: &Path, content: String) -> FileOut {
    FileOut {
        path: path.display().to_string(),
        written_at: root.map_abs(path).display().to_string(),
        content,
    }
}

fn write_all(root: &SysRoot, report: &PersistOut) -> Result<()> {
    for f in &report.files {
        files::write_atomic(&PathBuf::from(&f.written_at), &f.content)?;
    }
    if let Some(l) = &report.enable_link {
        files::symlink(Path::new(&l.target), &root.map_abs(Path::new(&l.link)))?;
    }
    Ok(())
}
