//! Whole-file replacement for the tools' own output files (boot configuration, `check`'s saved
//! counters, the exporter's textfile): a reader sees the old file or the new one, never a part,
//! and the new one survives a crash once this returns.

use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A file could not be replaced; the old content, if any, is still in place.
#[derive(Debug, thiserror::Error)]
#[error("cannot write '{}': {source}; check that '{}' exists and is writable", path.display(), dir.display())]
pub struct AtomicWriteError {
    /// The file to replace.
    pub path: PathBuf,
    /// Its directory, where the temporary file goes.
    pub dir: PathBuf,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

impl AtomicWriteError {
    /// The I/O error's kind (a permission refusal gets its own exit code in `zswapctl`).
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

/// Replaces `path` with `content`: writes a temporary file in the same directory, syncs it,
/// renames it over `path`, then syncs the directory so the rename itself is durable. The new
/// file gets the mode a plain create would (`0666` less the umask), so other readers such as
/// node_exporter's textfile collector can read it. The directory must exist.
pub fn write_atomically(path: &Path, content: &[u8]) -> Result<(), AtomicWriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fail = |source| AtomicWriteError {
        path: path.to_owned(),
        dir: dir.to_owned(),
        source,
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(content).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(fail)
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the tests' own temporary files
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.prom");
        write_atomically(&p, b"old\n").unwrap();
        write_atomically(&p, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.prom"]);
    }

    #[test]
    fn new_file_gets_the_mode_of_a_plain_create() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.prom");
        write_atomically(&p, b"x").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        // tempfile's own default would be 0600; a plain create gives 0666 less the umask.
        let umask = process_umask();
        assert_eq!(mode & 0o777, 0o666 & !umask);
    }

    /// The process umask, read from `/proc/self/status` (no `umask(2)` call, which would
    /// race the other tests' file creations).
    fn process_umask() -> u32 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:"))
            .unwrap();
        u32::from_str_radix(line.trim(), 8).unwrap()
    }

    #[test]
    fn missing_directory_names_it_and_keeps_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("absent/out.prom");
        let e = write_atomically(&p, b"x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        let msg = e.to_string();
        assert!(msg.contains("absent' exists and is writable"), "{msg}");
        assert!(!d.path().join("absent").exists());
    }
}
