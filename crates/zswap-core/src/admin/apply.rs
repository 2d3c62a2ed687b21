//! Carrying out a [`Plan`]: one write per parameter in plan order, each read back; on any
//! failure every parameter already changed is restored in reverse order. The kernel's
//! answer to a write (`errno`) is mapped to a reason and a fix (`mm/zswap.c`
//! `zswap_compressor_param_set`, `zswap_enabled_param_set`; `kernel/params.c`).

use std::io;
use std::path::PathBuf;

use serde::Serialize;

use crate::admin::caps::KernelCaps;
use crate::admin::plan::{ParamChange, Plan};
use crate::error::{Error, Result};
use crate::params::{ParamName, ParamValue, read_param, write_param};
use crate::sysroot::SysRoot;

/// Reads a parameter back after a write, to see what the kernel made of it.
///
/// [`ReadBack`] reads the sysfs file; tests inject verifiers that play a kernel's part
/// (for example 6.12's silent compressor fallback on first enable).
pub trait Verifier {
    /// The value of `name` now.
    fn read_back(&self, root: &SysRoot, name: ParamName) -> Result<Option<ParamValue>>;
}

/// Reads the parameter file.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadBack;

impl Verifier for ReadBack {
    fn read_back(&self, root: &SysRoot, name: ParamName) -> Result<Option<ParamValue>> {
        read_param(root, name)
    }
}

/// Why one write did not take effect.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteFailure {
    /// `EACCES`/`EPERM`.
    #[error("permission denied writing '{}': {}", path.display(), permission_advice())]
    Permission {
        /// The attribute.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is gone (open gave `ENOENT`).
    #[error("'{}' does not exist: this kernel has no parameter '{name}'", path.display())]
    Missing {
        /// The parameter.
        name: ParamName,
        /// The attribute.
        path: PathBuf,
    },
    /// `compressor` write gave `ENOENT`.
    #[error(
        "the kernel refused compressor '{value}': the algorithm is not available (ENOENT); \
         available: {}",
        available.join(", ")
    )]
    CompressorUnavailable {
        /// What was written.
        value: String,
        /// The registered algorithm names.
        available: Vec<String>,
    },
    /// `zpool` write gave `ENOENT`.
    #[error("the kernel refused allocator '{value}': it is not built into this kernel (ENOENT)")]
    ZpoolUnavailable {
        /// What was written.
        value: String,
    },
    /// `EINVAL`.
    #[error(
        "the kernel refused '{value}' for '{name}' as an invalid value (EINVAL){}",
        if *name == ParamName::Compressor { ": the compression pool could not be created" } else { "" }
    )]
    BadValue {
        /// The parameter.
        name: ParamName,
        /// What was written.
        value: String,
    },
    /// `ENODEV`.
    #[error(
        "the kernel refused '{value}' for '{name}': zswap failed to initialise (ENODEV); see \
         'dmesg | grep zswap' (a compressor or allocator could not be set up at boot or first enable)"
    )]
    InitFailed {
        /// The parameter.
        name: ParamName,
        /// What was written.
        value: String,
    },
    /// `EROFS` on open: the file system holding the parameter is read-only.
    #[error(
        "'{}' is on a read-only file system (EROFS): remount it read-write or run where sysfs is writable",
        path.display()
    )]
    ReadOnly {
        /// The attribute.
        path: PathBuf,
    },
    /// Another error opening the file.
    #[error("cannot open '{}' for writing: {source}", path.display())]
    Open {
        /// The attribute.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Another error from the write.
    #[error("writing '{value}' to '{name}' failed: {source}")]
    Write {
        /// The parameter.
        name: ParamName,
        /// What was written.
        value: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The write succeeded but reading back shows something else.
    #[error("wrote '{wrote}' to '{name}' but the kernel now reports '{read}'")]
    Mismatch {
        /// The parameter.
        name: ParamName,
        /// What was written.
        wrote: String,
        /// What reading back gave (empty when the file vanished).
        read: String,
    },
    /// zswap ended up enabled with another compressor than asked (6.12+ fall back silently
    /// to the Kconfig default when the configured one cannot be set up on first enable).
    #[error(
        "zswap is enabled but uses compressor '{in_use}' instead of '{asked}': the kernel fell \
         back to its default; choose an available compressor"
    )]
    FellBack {
        /// The compressor asked for.
        asked: String,
        /// The compressor in use.
        in_use: String,
    },
    /// Reading back failed.
    #[error("reading back '{name}' failed: {source}")]
    ReadBack {
        /// The parameter.
        name: ParamName,
        /// The error.
        source: Error,
    },
}

/// What to do about `EACCES`/`EPERM`: as root it is no lack of privilege but an immutable
/// file or a security module, and "run as root" would send the user in a circle.
fn permission_advice() -> &'static str {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        "this runs as root, so the file is immutable ('lsattr' shows 'i'; 'chattr -i' clears \
         it) or a security module (lockdown, SELinux, AppArmor) forbids the write"
    } else {
        "run as root (for example with sudo)"
    }
}

impl WriteFailure {
    /// True if and only if the failure is for lack of privilege.
    pub fn is_permission(&self) -> bool {
        match self {
            WriteFailure::Permission { .. } => true,
            WriteFailure::ReadBack { source, .. } => source.is_permission(),
            _ => false,
        }
    }

    /// Maps an error from [`write_param`] to its reason.
    pub fn from_write(caps: &KernelCaps, name: ParamName, value: &str, err: Error) -> Self {
        let errno = err.errno();
        match err {
            Error::Open { path, source } => match errno {
                Some(libc::EACCES) | Some(libc::EPERM) => WriteFailure::Permission { path, source },
                Some(libc::ENOENT) => WriteFailure::Missing { name, path },
                Some(libc::EROFS) => WriteFailure::ReadOnly { path },
                _ => WriteFailure::Open { path, source },
            },
            Error::Write { path, source, .. } => match (errno, name) {
                (Some(libc::EACCES) | Some(libc::EPERM), _) => {
                    WriteFailure::Permission { path, source }
                }
                (Some(libc::ENOENT), ParamName::Compressor) => {
                    WriteFailure::CompressorUnavailable {
                        value: value.to_owned(),
                        available: caps.compressor_names(),
                    }
                }
                (Some(libc::ENOENT), ParamName::Zpool) => WriteFailure::ZpoolUnavailable {
                    value: value.to_owned(),
                },
                (Some(libc::EINVAL), _) => WriteFailure::BadValue {
                    name,
                    value: value.to_owned(),
                },
                (Some(libc::ENODEV), _) => WriteFailure::InitFailed {
                    name,
                    value: value.to_owned(),
                },
                _ => WriteFailure::Write {
                    name,
                    value: value.to_owned(),
                    source,
                },
            },
            other => WriteFailure::ReadBack {
                name,
                source: other,
            },
        }
    }
}

/// One restoring write after a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackStep {
    /// The parameter.
    pub name: ParamName,
    /// The value restored.
    pub to: ParamValue,
    /// `None` if restored; otherwise why not.
    pub error: Option<String>,
}

/// A plan that did not go through: what failed, what had been changed, and how the
/// rollback went.
#[derive(Debug, thiserror::Error)]
#[error("{failure}; {}", self.rollback_summary())]
pub struct ApplyError {
    /// The change that failed (`None` for the post-enable compressor check).
    pub failed: Option<ParamChange>,
    /// Why.
    pub failure: WriteFailure,
    /// The changes made before the failure (and undone).
    pub applied: Vec<ParamChange>,
    /// The restoring writes, in the order done (reverse of `applied`).
    pub rollback: Vec<RollbackStep>,
}

impl ApplyError {
    /// True if and only if every changed parameter was restored.
    pub fn rolled_back(&self) -> bool {
        self.rollback.iter().all(|s| s.error.is_none())
    }

    fn rollback_summary(&self) -> String {
        if self.rollback.is_empty() {
            return "nothing had been changed".to_owned();
        }
        let steps: Vec<String> = self
            .rollback
            .iter()
            .map(|s| match &s.error {
                None => format!("{} restored to '{}'", s.name, s.to),
                Some(e) => format!("{} NOT restored to '{}' ({e})", s.name, s.to),
            })
            .collect();
        let head = if self.rolled_back() {
            "rolled back"
        } else {
            "ROLLBACK INCOMPLETE"
        };
        format!("{head}: {}", steps.join(", "))
    }
}

/// What a successful apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// The writes done, in order.
    pub applied: Vec<ParamChange>,
    /// Parameters that already had the wanted value.
    #[serde(serialize_with = "crate::admin::plan::named_values")]
    pub unchanged: Vec<(ParamName, ParamValue)>,
    /// The compressor zswap runs with, checked after enabling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compressor_in_use: Option<String>,
}

/// Writes the plan's changes in order, reading each back through `verifier`. On failure
/// restores every parameter already changed, in reverse order, and reports both (boxed:
/// the error carries the whole history).
pub fn apply_plan(
    root: &SysRoot,
    caps: &KernelCaps,
    plan: &Plan,
    verifier: &dyn Verifier,
) -> std::result::Result<ApplyReport, Box<ApplyError>> {
    let mut applied: Vec<ParamChange> = Vec::new();
    for change in &plan.changes {
        if let Err(failure) = write_checked(root, caps, change.name, &change.to, verifier) {
            return Err(roll_back(
                root,
                caps,
                Some(change.clone()),
                failure,
                applied,
                verifier,
            ));
        }
        applied.push(change.clone());
    }
    let mut compressor_in_use = None;
    if let Some(asked) = &plan.expect_compressor {
        let now = verifier.read_back(root, ParamName::Compressor);
        let in_use = match now {
            Ok(v) => v.and_then(|v| v.as_text().map(str::to_owned)),
            Err(source) => {
                let failure = WriteFailure::ReadBack {
                    name: ParamName::Compressor,
                    source,
                };
                return Err(roll_back(root, caps, None, failure, applied, verifier));
            }
        };
        let in_use = in_use.unwrap_or_default();
        if &in_use != asked {
            let failure = WriteFailure::FellBack {
                asked: asked.clone(),
                in_use,
            };
            return Err(roll_back(root, caps, None, failure, applied, verifier));
        }
        compressor_in_use = Some(in_use);
    }
    Ok(ApplyReport {
        applied,
        unchanged: plan.unchanged.clone(),
        compressor_in_use,
    })
}

fn write_checked(
    root: &SysRoot,
    caps: &KernelCaps,
    name: ParamName,
    value: &ParamValue,
    verifier: &dyn Verifier,
) -> std::result::Result<(), WriteFailure> {
    let text = value.to_string();
    write_param(root, name, value).map_err(|e| WriteFailure::from_write(caps, name, &text, e))?;
    let read = verifier
        .read_back(root, name)
        .map_err(|source| WriteFailure::ReadBack { name, source })?;
    if read.as_ref() != Some(value) {
        return Err(WriteFailure::Mismatch {
            name,
            wrote: text,
            read: read.map(|v| v.to_string()).unwrap_or_default(),
        });
    }
    Ok(())
}

fn roll_back(
    root: &SysRoot,
    caps: &KernelCaps,
    failed: Option<ParamChange>,
    failure: WriteFailure,
    applied: Vec<ParamChange>,
    verifier: &dyn Verifier,
) -> Box<ApplyError> {
    // A failed write may still have changed the value (a mismatch, a fallback): restore
    // the failing parameter too when it no longer holds its old value.
    let mut to_restore: Vec<&ParamChange> = applied.iter().collect();
    if let Some(f) = &failed
        && matches!(verifier.read_back(root, f.name), Ok(Some(ref v)) if *v != f.from)
    {
        to_restore.push(f);
    }
    let rollback = to_restore
        .into_iter()
        .rev()
        .map(|c| RollbackStep {
            name: c.name,
            to: c.from.clone(),
            error: write_checked(root, caps, c.name, &c.from, verifier)
                .err()
                .map(|e| e.to_string()),
        })
        .collect();
    Box::new(ApplyError {
        failed,
        failure,
        applied,
        rollback,
    })
}

#[cfg(test)]
mod tests;
