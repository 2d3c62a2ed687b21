//! Real zswap stores on the live host for tests: a swap file, a tmpfs and a cgroup-v1
//! memory group whose `memory.force_empty` reclaims every page a process put there, through
//! `zswap_store` (or the swap zeromap for zero pages). Each piece undoes itself on drop, so a
//! failing test leaves the host as it found it. Callers hold [`crate::host::HostLock`].

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::host::{Undo, record};

/// zswap's parameters directory.
pub const PARAMS: &str = "/sys/module/zswap/parameters";
/// Where debugfs is mounted.
pub const DEBUGFS: &str = "/sys/kernel/debug";
/// The cgroup-v1 memory hierarchy.
pub const MEMCG_V1: &str = "/sys/fs/cgroup/memory";

/// True if and only if this host can make real zswap stores: root, zswap, a cgroup-v1
/// memory hierarchy with `memory.force_empty`, and swap.
pub fn available() -> bool {
    crate::host::is_root()
        && Path::new(PARAMS).join("enabled").exists()
        && Path::new(MEMCG_V1).join("memory.force_empty").exists()
        && Path::new("/proc/swaps").exists()
}

fn run(cmd: &str, args: &[&str]) {
    let st = Command::new(cmd)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(st.success(), "{cmd} {args:?} failed: {st}");
}

/// A debugfs figure of zswap (`/sys/kernel/debug/zswap/NAME`).
pub fn debugfs(name: &str) -> u64 {
    let p = Path::new(DEBUGFS).join("zswap").join(name);
    fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The zswap parameters as found, restored on drop.
#[derive(Debug)]
pub struct SavedParams(Vec<(String, String)>);

impl SavedParams {
    /// Saves every writable parameter this test sets (and notes them in the host's undo
    /// journal).
    pub fn save() -> SavedParams {
        let names = [
            "compressor",
            "max_pool_percent",
            "accept_threshold_percent",
            "shrinker_enabled",
            "enabled",
        ];
        SavedParams(
            names
                .iter()
                .filter_map(|n| {
                    let path = format!("{PARAMS}/{n}");
                    let v = fs::read_to_string(&path).ok()?.trim().to_owned();
                    record(&Undo::Write {
                        path: path.into(),
                        value: v.clone(),
                    });
                    Some(((*n).to_owned(), v))
                })
                .collect(),
        )
    }

    /// Sets parameter `name`.
    pub fn set(&self, name: &str, value: &str) {
        fs::write(format!("{PARAMS}/{name}"), value)
            .unwrap_or_else(|e| panic!("set zswap {name}={value}: {e}"));
    }
}

impl Drop for SavedParams {
    fn drop(&mut self) {
        // enabled last, as saved: the others are restored while zswap is in the saved state
        for (n, v) in &self.0 {
            let _ = fs::write(format!("{PARAMS}/{n}"), v);
        }
    }
}

/// debugfs, unmounted on drop if this mounted it.
#[derive(Debug)]
pub struct Debugfs(bool);

impl Debugfs {
    /// Mounts debugfs unless it is mounted.
    pub fn ensure() -> Debugfs {
        let mounted = fs::read_to_string("/proc/mounts")
            .unwrap_or_default()
            .lines()
            .any(|l| l.split_whitespace().nth(1) == Some(DEBUGFS));
        if !mounted {
            record(&Undo::Mount(DEBUGFS.into()));
            run("mount", &["-t", "debugfs", "none", DEBUGFS]);
        }
        Debugfs(!mounted)
    }
}

impl Drop for Debugfs {
    fn drop(&mut self) {
        if self.0 {
            let _ = Command::new("umount").arg(DEBUGFS).status();
        }
    }
}

/// A swap file in use, swapped off and deleted on drop.
#[derive(Debug)]
pub struct SwapFile(PathBuf);

impl SwapFile {
    /// Creates a swap file of `bytes` at `path` and swaps on it.
    pub fn on(path: PathBuf, bytes: u64) -> SwapFile {
        record(&Undo::SwapFile(path.clone()));
        run(
            "fallocate",
            &["-l", &bytes.to_string(), &path.to_string_lossy()],
        );
        let s = SwapFile(path);
        fs::set_permissions(&s.0, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .expect("chmod swap file");
        run("mkswap", &["-q", &s.0.to_string_lossy()]);
        run("swapon", &[&s.0.to_string_lossy()]);
        s
    }

    /// Swaps off and on again, emptying zswap of this device's entries.
    pub fn cycle(&self) {
        run("swapoff", &[&self.0.to_string_lossy()]);
        run("swapon", &[&self.0.to_string_lossy()]);
    }
}

impl Drop for SwapFile {
    fn drop(&mut self) {
        let _ = Command::new("swapoff").arg(&self.0).status();
        let _ = fs::remove_file(&self.0);
    }
}

/// A tmpfs (huge=never) with a memory group whose processes' pages can be pushed to swap;
/// the file, the mount and the group are removed on drop.
#[derive(Debug)]
pub struct Reclaimable {
    mnt: PathBuf,
    group: PathBuf,
}

impl Reclaimable {
    /// Mounts a tmpfs of `mib` MiB under `work` and creates memory group `name`.
    pub fn new(work: &Path, name: &str, mib: u64) -> Reclaimable {
        let mnt = work.join("tmpfs");
        fs::create_dir_all(&mnt).expect("create tmpfs mount point");
        record(&Undo::Mount(mnt.clone()));
        run(
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m,huge=never"),
                "none",
                &mnt.to_string_lossy(),
            ],
        );
        let group = Path::new(MEMCG_V1).join(name);
        record(&Undo::Cgroup(group.clone()));
        let r = Reclaimable { mnt, group };
        fs::create_dir(&r.group).expect("create memory group");
        r
    }

    /// Copies `src` into the tmpfs from inside the group, so its pages are charged there.
    pub fn fill_from(&self, src: &Path) {
        let script = format!(
            "echo $$ > {}/cgroup.procs && exec cp {} {}/data",
            self.group.display(),
            src.display(),
            self.mnt.display()
        );
        run("sh", &["-c", &script]);
    }

    /// Reclaims every page of the group (to zswap, or the zeromap for zero pages).
    pub fn push_out(&self) {
        fs::write(self.group.join("memory.force_empty"), "1").expect("memory.force_empty");
    }

    /// Deletes the file; its swap slots, and their zswap entries, are freed shortly after.
    pub fn clear(&self) {
        let _ = fs::remove_file(self.mnt.join("data"));
    }
}

impl Drop for Reclaimable {
    fn drop(&mut self) {
        self.clear();
        let _ = Command::new("umount").arg(&self.mnt).status();
        let _ = fs::remove_dir(&self.group);
    }
}
