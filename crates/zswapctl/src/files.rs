//! Regular files zswapctl owns (boot-time configuration under `/etc`, the check state
//! under `/var/lib`), as opposed to kernel attributes, which go through `SysRoot`.
#![allow(clippy::disallowed_methods)] // these are the tool's own files, not kernel files

use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Context, Result};

/// Reads a file; `Ok(None)` if it does not exist.
pub(crate) fn read_opt(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read '{}'", path.display())),
    }
}

/// Replaces a file atomically and durably ([`zswap_core::write_atomically`]), creating its
/// parent directories first (`/var/lib/zswapctl` does not exist before the first `check`).
pub(crate) fn write_atomic(path: &Path, content: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    }
    Ok(zswap_core::write_atomically(path, content.as_bytes())?)
}

/// Points `link` at `target` (replacing an existing link), creating parent directories.
pub(crate) fn symlink(target: &Path, link: &Path) -> Result<()> {
    if let Some(dir) = link.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    }
    match fs::symlink_metadata(link) {
        Ok(_) => {
            fs::remove_file(link).with_context(|| format!("cannot replace '{}'", link.display()))?
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot inspect '{}'", link.display())),
    }
    std::os::unix::fs::symlink(target, link)
        .with_context(|| format!("cannot link '{}'", link.display()))
}

/// True if and only if the error chain holds a permission refusal.
pub(crate) fn is_permission(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::PermissionDenied)
    })
}
