//! Fixture builders for zswap-tools' tests: a throw-away tree laid out like `/` that any
//! zswap-core reader can be pointed at through [`SysRoot`].
#![deny(missing_docs)]
#![allow(clippy::disallowed_methods, clippy::expect_used, clippy::panic)] // test support

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;
use zswap_core::{KernelRelease, SysRoot};

pub mod docs;
pub mod host;
pub mod modgraph;
pub mod swapout;
pub mod tmux;
pub mod trace;
pub mod zram;

/// A temporary tree laid out like `/`, removed on drop.
#[derive(Debug)]
pub struct FixtureRoot {
    dir: TempDir,
}

impl Default for FixtureRoot {
    fn default() -> Self {
        Self::new()
    }
}

impl FixtureRoot {
    /// An empty tree.
    pub fn new() -> Self {
        FixtureRoot {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    /// A tree copied from an on-disk fixture (e.g. `tests/fixtures/linux-6.18-enabled`).
    pub fn copy_of(src: &Path) -> Self {
        let f = Self::new();
        copy_tree(src, f.path());
        f
    }

    /// The tree's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A [`SysRoot`] over this tree.
    pub fn root(&self) -> SysRoot {
        SysRoot::at(self.dir.path())
    }

    /// Writes `rel` (relative to the tree) with `content`, creating parent directories.
    pub fn file(&self, rel: &str, content: &str) -> &Self {
        let p = self.path().join(rel.trim_start_matches('/'));
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("create fixture directory");
        }
        fs::write(&p, content).expect("write fixture file");
        self
    }

    /// Creates a directory `rel`.
    pub fn dir(&self, rel: &str) -> &Self {
        fs::create_dir_all(self.path().join(rel.trim_start_matches('/')))
            .expect("create fixture directory");
        self
    }

    /// Writes a zswap parameter as sysfs prints it (value plus newline).
    pub fn param(&self, name: &str, value: &str) -> &Self {
        self.file(
            &format!("sys/module/zswap/parameters/{name}"),
            &format!("{value}\n"),
        )
    }

    /// Writes a debugfs zswap counter.
    pub fn debugfs(&self, name: &str, value: u64) -> &Self {
        self.file(
            &format!("sys/kernel/debug/zswap/{name}"),
            &format!("{value}\n"),
        )
    }

    /// Writes a file below `proc/`.
    pub fn proc(&self, rel: &str, content: &str) -> &Self {
        self.file(&format!("proc/{rel}"), content)
    }

    /// Writes the attributes of a set-up zram device `zramN` as a 6.18 kernel without
    /// writeback prints them: `disksize` bytes, `algorithm` selected among lzo, lzo-rle and
    /// lz4, and `mm_stat` as given (its 9 fields separated by spaces).
    pub fn zram(&self, n: u32, disksize: u64, algorithm: &str, mm_stat: &str) -> &Self {
        let algs = ["lzo", "lzo-rle", "lz4"]
            .map(|a| {
                if a == algorithm {
                    format!("[{a}]")
                } else {
                    a.to_owned()
                }
            })
            .join(" ");
        let dev = format!("sys/block/zram{n}");
        self.file(&format!("{dev}/disksize"), &format!("{disksize}\n"))
            .file(
                &format!("{dev}/initstate"),
                if disksize > 0 { "1\n" } else { "0\n" },
            )
            .file(&format!("{dev}/comp_algorithm"), &format!("{algs} \n"))
            .file(&format!("{dev}/mm_stat"), &format!("{mm_stat}\n"))
            .file(&format!("{dev}/io_stat"), "       0        0 0        0\n")
            .dir("sys/class/zram-control")
    }

    /// Reads a file of the tree back, as a test would after a write.
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel.trim_start_matches('/')))
            .expect("read fixture file")
    }

    /// A typical 6.18 parameter set (no `zpool`), zswap off, as on a fresh host.
    pub fn params_6_18(&self) -> &Self {
        self.param("enabled", "N")
            .param("compressor", "lzo")
            .param("max_pool_percent", "20")
            .param("accept_threshold_percent", "90")
            .param("shrinker_enabled", "N")
    }

    /// A typical 6.12 parameter set: `zpool` (zsmalloc) and `shrinker_enabled`, no
    /// same-filled switches.
    pub fn params_6_12(&self) -> &Self {
        self.param("enabled", "N")
            .param("compressor", "lzo")
            .param("zpool", "zsmalloc")
            .param("max_pool_percent", "20")
            .param("accept_threshold_percent", "90")
            .param("shrinker_enabled", "N")
    }

    /// A typical 6.1 parameter set: `zpool` zbud and the same-filled switches, no
    /// `shrinker_enabled`.
    pub fn params_6_1(&self) -> &Self {
        self.param("enabled", "N")
            .param("compressor", "lzo")
            .param("zpool", "zbud")
            .param("max_pool_percent", "20")
            .param("accept_threshold_percent", "90")
            .param("same_filled_pages_enabled", "Y")
            .param("non_same_filled_pages_enabled", "Y")
    }

    /// Sets `/proc/sys/kernel/osrelease`.
    pub fn release(&self, release: &str) -> &Self {
        self.proc("sys/kernel/osrelease", &format!("{release}\n"))
    }

    /// Writes `/proc/crypto` with these compression algorithms as `(name, driver, module)`.
    pub fn crypto(&self, algs: &[(&str, &str, &str)]) -> &Self {
        self.proc("crypto", &crypto_text(algs))
    }

    /// A whole tree of one era, as a guest of that kernel shows it with zswap off: the
    /// era's parameters, its release, `/proc/crypto` with lzo, lzo-rle and deflate built in,
    /// meminfo (4 GiB), no swap, and `modules.alias` offering zstd and lz4 as modules.
    /// `release` picks the era: `6.1.x`, `6.12.x`, anything newer has no `zpool`.
    pub fn era(release: &str) -> Self {
        let f = Self::new();
        let r = KernelRelease::parse(release).expect("release like 6.12.57");
        match (r.major, r.minor) {
            (6, 0..=9) => f.params_6_1(),
            (6, 10..=17) => f.params_6_12(),
            _ => f.params_6_18(),
        };
        f.release(release)
            .crypto(&[
                ("lzo", "lzo-scomp", "kernel"),
                ("lzo-rle", "lzo-rle-scomp", "kernel"),
                ("deflate", "deflate-generic", "kernel"),
            ])
            .proc("meminfo", &meminfo_text(4 * 1024 * 1024, Some((0, 0))))
            .proc(
                "swaps",
                "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n",
            )
            .proc("cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda ro\n")
            .file(
                &format!("lib/modules/{release}/modules.alias"),
                "alias crypto-zstd zstd\nalias crypto-zstd-generic zstd\n\
                 alias crypto-lz4 lz4\nalias crypto-lz4-generic lz4\n",
            );
        f
    }
}

/// `/proc/crypto` text for compression algorithms given as `(name, driver, module)`.
pub fn crypto_text(algs: &[(&str, &str, &str)]) -> String {
    algs.iter()
        .map(|(name, driver, module)| {
            format!(
                "name         : {name}\ndriver       : {driver}\nmodule       : {module}\n\
                 priority     : 0\nrefcnt       : 1\nselftest     : passed\n\
                 internal     : no\ntype         : scomp\n"
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The directory holding the committed on-disk fixture trees (`tests/fixtures` at the
/// workspace root).
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Copies a directory tree (regular files and directories only).
pub fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("create destination");
    for entry in fs::read_dir(src).expect("read fixture source") {
        let entry = entry.expect("read fixture entry");
        let to = dst.join(entry.file_name());
        let ty = entry.file_type().expect("file type");
        if ty.is_dir() {
            copy_tree(&entry.path(), &to);
        } else if ty.is_file() {
            fs::copy(entry.path(), &to).expect("copy fixture file");
        }
    }
}

/// A complete `/proc/meminfo` as a 6.x kernel prints it, with `MemTotal` in KiB and, when
/// given, `Zswap`/`Zswapped` in KiB (kernels before 5.19 print neither).
pub fn meminfo_text(mem_total_kib: u64, zswap_kib: Option<(u64, u64)>) -> String {
    let mut s = format!(
        "MemTotal:       {mem_total_kib} kB\nMemFree:        {} kB\nMemAvailable:   {} kB\n\
         Buffers:            1024 kB\nCached:           204800 kB\nSwapCached:          0 kB\n\
         Active:           102400 kB\nInactive:         102400 kB\nActive(anon):      51200 kB\n\
         Inactive(anon):    51200 kB\nActive(file):      51200 kB\nInactive(file):    51200 kB\n\
         Unevictable:           0 kB\nMlocked:               0 kB\nSwapTotal:       1048572 kB\n\
         SwapFree:        1048572 kB\n",
        mem_total_kib / 2,
        mem_total_kib / 2
    );
    if let Some((zswap, zswapped)) = zswap_kib {
        s.push_str(&format!(
            "Zswap:          {zswap} kB\nZswapped:       {zswapped} kB\n"
        ));
    }
    s.push_str(
        "Dirty:                 0 kB\nWriteback:             0 kB\nAnonPages:         102400 kB\n\
         Mapped:            51200 kB\nShmem:              1024 kB\nKReclaimable:      10240 kB\n\
         Slab:              20480 kB\nSReclaimable:      10240 kB\nSUnreclaim:        10240 kB\n\
         KernelStack:        2048 kB\nPageTables:         1024 kB\nNFS_Unstable:          0 kB\n\
         Bounce:                0 kB\nWritebackTmp:          0 kB\nCommitLimit:     2000000 kB\n\
         Committed_AS:     300000 kB\nVmallocTotal:   34359738367 kB\nVmallocUsed:       10240 kB\n\
         VmallocChunk:          0 kB\n",
    );
    s
}
