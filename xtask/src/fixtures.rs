//! `cargo xtask capture-fixtures`: copies the zswap-relevant kernel files of a root (the live
//! `/`, or a guest's `/`) into a fixture tree laid out like `/`, which `SysRoot::at` and
//! `zswapctl --root` read.
//!
//! Captured, when present (see `Documentation/admin-guide/mm/zswap.rst` for the zswap ones):
//! - `sys/module/zswap/parameters/*`, `sys/kernel/debug/zswap/*`,
//!   `sys/kernel/debug/frontswap/*` (6.1)
//! - `proc/{meminfo,vmstat,swaps,crypto,mounts}`, `proc/sys/kernel/osrelease`
//! - for each cgroup2 mount in `proc/mounts`: the root's `memory.stat` and
//!   `cgroup.controllers`, and for every cgroup
//!   with `memory.zswap.current`, its `memory.zswap.*`, `memory.stat`, `memory.max` and
//!   `memory.current`
//! - `sys/kernel/mm/transparent_hugepage/hugepages-*/stats/zswpout`
//! - for each `sys/block/zramN`: the attributes `zswap_core::zram` reads (`docs/zram.md`)
//!
//! Files are copied as read (sysfs and procfs report fake sizes, so each is read to EOF).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use zswap_core::SysRoot;

const PROC_FILES: [&str; 6] = [
    "meminfo",
    "vmstat",
    "swaps",
    "crypto",
    "mounts",
    "sys/kernel/osrelease",
];
/// The zram device attributes `zswap_core::zram` reads.
const ZRAM_FILES: [&str; 10] = [
    "disksize",
    "initstate",
    "comp_algorithm",
    "recomp_algorithm",
    "mm_stat",
    "io_stat",
    "bd_stat",
    "backing_dev",
    "writeback_limit",
    "writeback_limit_enable",
];
const CGROUP_FILES: [&str; 3] = ["memory.stat", "memory.max", "memory.current"];
/// How deep below a cgroup2 mount to look for groups with zswap files.
const CGROUP_DEPTH: usize = 4;

/// Copies the zswap-relevant files under `from` into `to`; returns the relative paths copied.
pub(crate) fn capture(from: &Path, to: &Path) -> Result<Vec<PathBuf>> {
    let root = SysRoot::at(from);
    let mut wanted: Vec<PathBuf> = Vec::new();
    let mut dir_files = |dir: PathBuf| -> Result<()> {
        for name in root.list_dir(&dir)?.unwrap_or_default() {
            let p = dir.join(name);
            if p.is_file() {
                wanted.push(p);
            }
        }
        Ok(())
    };
    dir_files(root.sys("module/zswap/parameters"))?;
    dir_files(root.debug("zswap"))?;
    // 6.1 counts zswap's loads and stores through frontswap (removed in 6.3).
    dir_files(root.debug("frontswap"))?;
    for name in root
        .list_dir(&root.sys("kernel/mm/transparent_hugepage"))?
        .unwrap_or_default()
    {
        if name.starts_with("hugepages-") {
            wanted.push(root.sys(format!(
                "kernel/mm/transparent_hugepage/{name}/stats/zswpout"
            )));
        }
    }
    wanted.extend(PROC_FILES.iter().map(|f| root.proc(f)));
    for name in root.list_dir(&root.sys("block"))?.unwrap_or_default() {
        if name.starts_with("zram") {
            wanted.extend(
                ZRAM_FILES
                    .iter()
                    .map(|f| root.sys(format!("block/{name}/{f}"))),
            );
        }
    }
    let mounts = root.read_opt(&root.proc("mounts"))?.unwrap_or_default();
    for mnt in cgroup2_mounts(&mounts) {
        let dir = root.map_abs(Path::new(&mnt));
        wanted.push(dir.join("memory.stat"));
        wanted.push(dir.join("cgroup.controllers"));
        cgroups_with_zswap(&root, &dir, 0, &mut wanted)?;
    }

    let mut copied = Vec::new();
    for src in wanted {
        let Some(text) = root
            .read_opt(&src)
            .with_context(|| format!("reading '{}'", src.display()))?
        else {
            continue;
        };
        let rel = src.strip_prefix(from).unwrap_or(&src).to_path_buf();
        let dst = to.join(&rel);
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating '{}'", parent.display()))?;
        }
        #[allow(clippy::disallowed_methods)] // writes the fixture copy, not a kernel attribute
        std::fs::write(&dst, text).with_context(|| format!("writing '{}'", dst.display()))?;
        copied.push(rel);
    }
    Ok(copied)
}

fn cgroups_with_zswap(
    root: &SysRoot,
    dir: &Path,
    depth: usize,
    out: &mut Vec<PathBuf>,
) -> Result<()> {
    let names = root.list_dir(dir)?.unwrap_or_default();
    if depth > 0 && names.iter().any(|n| n == "memory.zswap.current") {
        for n in &names {
            if n.starts_with("memory.zswap.") || CGROUP_FILES.contains(&n.as_str()) {
                out.push(dir.join(n));
            }
        }
    }
    if depth < CGROUP_DEPTH {
        for n in names {
            let sub = dir.join(&n);
            if sub.is_dir() && !sub.is_symlink() {
                cgroups_with_zswap(root, &sub, depth + 1, out)?;
            }
        }
    }
    Ok(())
}

/// Mount points of cgroup2 file systems in a `/proc/mounts` text.
pub(crate) fn cgroup2_mounts(mounts: &str) -> Vec<String> {
    mounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3 && f[2] == "cgroup2").then(|| f[1].to_string())
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // builds and reads fake trees
mod tests {
    use super::*;

    fn put(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn cgroup2_mounts_skip_other_types() {
        let m = "proc /proc proc rw 0 0\nnone /sys/fs/cgroup/unified cgroup2 rw 0 0\ncg /sys/fs/cgroup/memory cgroup rw 0 0\n";
        assert_eq!(cgroup2_mounts(m), ["/sys/fs/cgroup/unified"]);
    }

    #[test]
    fn capture_copies_zswap_files_and_skips_the_rest() {
        let src = tempfile::tempdir().unwrap();
        let s = src.path();
        put(s, "sys/module/zswap/parameters/enabled", "Y\n");
        put(s, "sys/module/zswap/parameters/compressor", "lzo\n");
        put(s, "sys/module/other/parameters/x", "1\n");
        put(s, "sys/kernel/debug/zswap/stored_pages", "5\n");
        put(s, "sys/kernel/debug/frontswap/loads", "7\n");
        put(s, "sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        put(s, "proc/vmstat", "zswpout 3\n");
        put(s, "sys/block/zram0/mm_stat", "1 2 3 0 5 6 7 8 9\n");
        put(s, "sys/block/zram0/reset", "");
        put(s, "sys/block/vda/size", "8\n");
        put(s, "proc/mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
        put(s, "proc/sys/kernel/osrelease", "6.12.1\n");
        put(s, "sys/fs/cgroup/memory.stat", "anon 1\n");
        put(s, "sys/fs/cgroup/wl/memory.zswap.current", "8192\n");
        put(s, "sys/fs/cgroup/wl/memory.zswap.max", "max\n");
        put(s, "sys/fs/cgroup/wl/memory.stat", "zswpout 2\n");
        put(s, "sys/fs/cgroup/wl/cpu.max", "max\n");
        put(s, "sys/fs/cgroup/nozswap/memory.stat", "anon 0\n");
        put(
            s,
            "sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/zswpout",
            "0\n",
        );
        let dst = tempfile::tempdir().unwrap();
        let mut got: Vec<String> = capture(s, dst.path())
            .unwrap()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                "proc/mounts",
                "proc/sys/kernel/osrelease",
                "proc/vmstat",
                "sys/block/zram0/mm_stat",
                "sys/fs/cgroup/cgroup.controllers",
                "sys/fs/cgroup/memory.stat",
                "sys/fs/cgroup/wl/memory.stat",
                "sys/fs/cgroup/wl/memory.zswap.current",
                "sys/fs/cgroup/wl/memory.zswap.max",
                "sys/kernel/debug/frontswap/loads",
                "sys/kernel/debug/zswap/stored_pages",
                "sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/zswpout",
                "sys/module/zswap/parameters/compressor",
                "sys/module/zswap/parameters/enabled",
            ]
        );
        assert_eq!(
            std::fs::read_to_string(dst.path().join("sys/fs/cgroup/wl/memory.zswap.current"))
                .unwrap(),
            "8192\n"
        );
    }
}
