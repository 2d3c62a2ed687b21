//! Proof of the zswap model against this host's zswap (6.18): known pages are put into a
//! tmpfs file by a process inside a cgroup-v1 memory group, then `memory.force_empty` makes
//! the kernel reclaim every one of them through `swap_writeout` → zeromap or `zswap_store`.
//! With the pool empty beforehand, debugfs `stored_pages`, `pool_total_size` and
//! `stored_incompressible_pages` and vmstat `zswpout`/`swpout_zero` must then move by
//! exactly what `sim::Zswap` predicts for the same pages (allocation-only zsmalloc page
//! counts do not depend on the order the kernel reclaims the pages in).
//!
//! Runs for deflate, lzo and lzo-rle (the compressors this kernel has). Needs root, a memory
//! cgroup v1 hierarchy, swap support and zswap; takes the host lock; restores the zswap
//! parameters (the host's are enabled=N, compressor=lzo), swaps off and deletes its swap file,
//! removes its cgroup and unmounts its tmpfs (and debugfs if it mounted it), even on failure.
#![allow(clippy::disallowed_methods)] // test: drives sysfs, cgroupfs and tools directly
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)] // failures fail the test

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use zswap_core::sim::{KernelEra, MemcgId, SimConfig, StoreOutcome, Zswap};
use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::pages::{Rng, mixed_corpus};

const PARAMS: &str = "/sys/module/zswap/parameters";
const DEBUGFS: &str = "/sys/kernel/debug";
const MEMCG_V1: &str = "/sys/fs/cgroup/memory";

fn run(cmd: &str, args: &[&str]) {
    let st = Command::new(cmd)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(st.success(), "{cmd} {args:?} failed: {st}");
}

fn read_num(path: &Path) -> u64 {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .trim()
        .parse()
        .unwrap()
}

/// Restores every zswap parameter it saw at creation.
struct Params(Vec<(String, String)>);

impl Params {
    fn save() -> Params {
        let names = [
            "compressor",
            "max_pool_percent",
            "accept_threshold_percent",
            "shrinker_enabled",
            "enabled",
        ];
        Params(
            names
                .iter()
                .map(|n| {
                    let v = fs::read_to_string(format!("{PARAMS}/{n}")).unwrap();
                    ((*n).to_owned(), v.trim().to_owned())
                })
                .collect(),
        )
    }

    fn set(name: &str, value: &str) {
        fs::write(format!("{PARAMS}/{name}"), value)
            .unwrap_or_else(|e| panic!("set zswap {name}={value}: {e}"));
    }
}

impl Drop for Params {
    fn drop(&mut self) {
        for (n, v) in &self.0 {
            let _ = fs::write(format!("{PARAMS}/{n}"), v);
        }
    }
}

/// debugfs, unmounted on drop if this test mounted it.
struct Debugfs(bool);

impl Debugfs {
    fn ensure() -> Debugfs {
        let mounted = fs::read_to_string("/proc/mounts")
            .unwrap()
            .lines()
            .any(|l| l.split_whitespace().nth(1) == Some(DEBUGFS));
        if !mounted {
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

/// A swap file, swapped off and deleted on drop.
struct SwapFile(PathBuf);

impl SwapFile {
    fn on(path: PathBuf, bytes: u64) -> SwapFile {
        run(
            "fallocate",
            &["-l", &bytes.to_string(), path.to_str().unwrap()],
        );
        let s = SwapFile(path);
        fs::set_permissions(&s.0, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        run("mkswap", &["-q", s.0.to_str().unwrap()]);
        run("swapon", &[s.0.to_str().unwrap()]);
        s
    }

    fn cycle(&self) {
        run("swapoff", &[self.0.to_str().unwrap()]);
        run("swapon", &[self.0.to_str().unwrap()]);
    }
}

impl Drop for SwapFile {
    fn drop(&mut self) {
        let _ = Command::new("swapoff").arg(&self.0).status();
        let _ = fs::remove_file(&self.0);
    }
}

/// A tmpfs mount (huge=never), unmounted on drop.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = fs::remove_file(self.0.join("data"));
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A cgroup-v1 memory group, removed on drop.
struct Memcg(PathBuf);

impl Drop for Memcg {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.0);
    }
}

struct Debug;

impl Debug {
    fn get(name: &str) -> u64 {
        read_num(&Path::new(DEBUGFS).join("zswap").join(name))
    }
}

fn vmstat(key: &str) -> u64 {
    fs::read_to_string("/proc/vmstat")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("vmstat {key}"))
}

/// Pages of files under /usr chosen by a seeded generator, plus generated pages of every kind.
fn corpus() -> Vec<[u8; 4096]> {
    let mut files = Vec::new();
    for d in ["/usr/share/doc", "/usr/lib/x86_64-linux-gnu", "/usr/bin"] {
        let mut rd: Vec<PathBuf> = fs::read_dir(d)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        rd.sort();
        files.extend(
            rd.into_iter()
                .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| m.is_file() && m.len() >= 4096)),
        );
    }
    assert!(files.len() > 50);
    let mut rng = Rng::new(0x0ac1_e2026);
    let mut pages = Vec::new();
    while pages.len() < 1500 {
        let f = &files[rng.below(files.len())];
        let Ok(data) = fs::read(f) else { continue };
        let at = rng.below(data.len() / 4096) * 4096;
        pages.push(data[at..at + 4096].try_into().unwrap());
    }
    pages.extend(mixed_corpus(0x0ac1_e2027, 500));
    pages
}

fn total_ram_pages() -> u64 {
    let kb: u64 = fs::read_to_string("/proc/meminfo")
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .trim()
                .strip_suffix(" kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap();
    kb / 4
}

#[test]
fn host_zswap_counters_equal_the_model() {
    let have = is_root()
        && Path::new(PARAMS).join("enabled").exists()
        && Path::new(MEMCG_V1).join("memory.force_empty").exists()
        && Path::new("/proc/swaps").exists();
    if !require("root, zswap, a cgroup-v1 memory hierarchy and swap", have) {
        return;
    }
    let _lock = HostLock::acquire();
    let pages = corpus();
    let work = tempfile::Builder::new()
        .prefix("zswap-oracle")
        .tempdir_in("/var/tmp")
        .unwrap();
    let src = work.path().join("pages");
    fs::write(&src, pages.concat()).unwrap();

    let _params = Params::save();
    let _debugfs = Debugfs::ensure();
    Params::set("max_pool_percent", "20");
    Params::set("accept_threshold_percent", "90");
    Params::set("shrinker_enabled", "N");
    Params::set("enabled", "Y");
    let swap = SwapFile::on(work.path().join("swap"), 256 << 20);
    let mnt = work.path().join("tmpfs");
    fs::create_dir(&mnt).unwrap();
    run(
        "mount",
        &[
            "-t",
            "tmpfs",
            "-o",
            "size=64m,huge=never",
            "none",
            mnt.to_str().unwrap(),
        ],
    );
    let tmpfs = Tmpfs(mnt);
    let group = Path::new(MEMCG_V1).join(format!("zswap-oracle-{}", std::process::id()));
    fs::create_dir(&group).unwrap();
    let group = Memcg(group);

    let mut failures = Vec::new();
    for alg in ["deflate", "lzo", "lzo-rle"] {
        Params::set("compressor", alg);
        if Debug::get("pool_total_size") != 0 {
            swap.cycle();
        }
        assert_eq!(
            Debug::get("pool_total_size"),
            0,
            "{alg}: pool not empty before the run"
        );
        let before = (
            Debug::get("stored_pages"),
            Debug::get("stored_incompressible_pages"),
            vmstat("zswpout"),
            vmstat("swpout_zero"),
            Debug::get("reject_compress_poor") + Debug::get("reject_compress_fail"),
        );
        let script = format!(
            "echo $$ > {}/cgroup.procs && exec cp {} {}/data",
            group.0.display(),
            src.display(),
            tmpfs.0.display()
        );
        run("sh", &["-c", &script]);
        fs::write(group.0.join("memory.force_empty"), "1").unwrap();
        let host = (
            Debug::get("stored_pages") - before.0,
            Debug::get("stored_incompressible_pages") - before.1,
            Debug::get("pool_total_size"),
            vmstat("zswpout") - before.2,
            vmstat("swpout_zero") - before.3,
            Debug::get("reject_compress_poor") + Debug::get("reject_compress_fail") - before.4,
        );

        let mut model = Zswap::new(
            SimConfig::builder(KernelEra::V6_18)
                .total_ram_pages(total_ram_pages())
                .compressor(alg)
                .build(),
        );
        assert_eq!(model.params().compressor, alg);
        for (i, p) in pages.iter().enumerate() {
            let out = model.store(i as u64, MemcgId::ROOT, p);
            assert!(
                !matches!(out, StoreOutcome::Rejected(_)),
                "{alg}: model rejected {i}: {out:?}"
            );
        }
        let c = model.counters();
        let predicted = (
            c.debugfs.stored_pages,
            c.debugfs.stored_incompressible_pages.unwrap(),
            c.debugfs.pool_total_size,
            c.vmstat.zswpout,
            c.vmstat.swpout_zero.unwrap(),
            0,
        );
        println!(
            "{alg}: host (stored, incompressible, pool bytes, zswpout, swpout_zero, rejects) = \
             {host:?}, model = {predicted:?}"
        );
        if host != predicted {
            failures.push(format!("{alg}: host {host:?} model {predicted:?}"));
        }
        fs::remove_file(tmpfs.0.join("data")).unwrap();
        // Slots of the deleted file are freed (and their entries invalidated) shortly after.
        let mut left = Debug::get("stored_pages");
        for _ in 0..50 {
            if left == before.0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            left = Debug::get("stored_pages");
        }
        assert_eq!(left, before.0, "{alg}: entries not freed with the file");
    }
    drop(group);
    drop(tmpfs);
    drop(swap);
    assert!(failures.is_empty(), "{failures:#?}");
}
