//! The live host, as root: a zram device holding a known set of pages and idle. Its
//! `mm_stat` `mem_used_total`, `zswapctl status --json`'s figure for it and the exporter's
//! `zram_memory_used_bytes{device=...}` must be the same number, read in one moment (the
//! device is idle, and `mm_stat` is read again afterwards to prove it did not move).
//!
//! zram0 is used when it exists and is not set up (the contract names `device="zram0"`),
//! else a hot-added device; it is reset (and a hot-added one removed) even when the test
//! fails. Needs root and zram; takes the host lock.
#![allow(clippy::disallowed_methods)] // test support reads the host's files

use std::process::Command;

use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::zram::{ZramDevice, available};
use zswap_workload::pages::mixed_corpus;

use crate::common::{BIN, sample, succeed, workspace};

/// The zswapctl binary of this workspace, built now if needed (cargo test -p
/// zswap-exporter alone does not build other packages' binaries).
fn zswapctl() -> std::path::PathBuf {
    let ok = Command::new(env!("CARGO"))
        .current_dir(workspace())
        .args(["build", "--quiet", "-p", "zswapctl", "--bin", "zswapctl"])
        .status()
        .unwrap();
    assert!(ok.success(), "cargo build -p zswapctl");
    std::path::Path::new(BIN).with_file_name("zswapctl")
}

#[test]
fn status_exporter_and_mm_stat_agree_on_memory_used() {
    if !require(
        "root and zram (/sys/class/zram-control)",
        is_root() && available(),
    ) {
        return;
    }
    let ctl = zswapctl();
    let _lock = HostLock::acquire();
    let dev = ZramDevice::unused_or_add(0).unwrap();
    let name = format!("zram{}", dev.id());
    let pages: Vec<u8> = mixed_corpus(18, 4096).concat();
    dev.configure("lzo", pages.len() / 4096).unwrap();
    dev.write_pages(&pages).unwrap();
    let before = dev.mm_stat().unwrap();
    assert!(before[2] > 0, "mm_stat {before:?}");

    let out = succeed(Command::new(&ctl).args(["status", "--json"]));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = j["zram"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device"] == name.as_str())
        .unwrap_or_else(|| panic!("no '{name}' in {}", j["zram"]))
        .clone();

    let out = succeed(Command::new(BIN).args([
        "--once",
        "--no-collector.debugfs",
        "--no-collector.cgroup",
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    let after = dev.mm_stat().unwrap();
    assert_eq!(before, after, "the device moved while it was read");

    let mem_used = after[2];
    println!("{name}: mm_stat {after:?}");
    assert_eq!(entry["mm_stat"]["mem_used_total_bytes"], mem_used);
    assert_eq!(entry["mm_stat"]["orig_data_size_bytes"], after[0]);
    assert_eq!(entry["mm_stat"]["compr_data_size_bytes"], after[1]);
    assert_eq!(entry["comp_algorithm"]["selected"], "lzo");
    let shown = sample(
        &text,
        &format!("zram_memory_used_bytes{{device=\"{name}\"}}"),
    );
    assert_eq!(shown, Some(mem_used as f64), "{text}");
    let shown = sample(
        &text,
        &format!("zram_compr_data_bytes{{device=\"{name}\"}}"),
    );
    assert_eq!(shown, Some(after[1] as f64));
}
