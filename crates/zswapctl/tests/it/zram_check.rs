//! `zswapctl check` and zram: on trees, and on the live host with a zram swap device (root,
//! zram, mkswap/swapon). zswap enabled over zram swap exits 4 naming `zswap-over-zram`;
//! disabled, it is not named. The host test restores zswap's `enabled`, swaps the device off
//! and resets it even when it fails, under the host lock.

use std::path::Path;
use std::process::Command;

use zswap_testkit::FixtureRoot;
use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::zram::{ZramDevice, available};

use crate::util::{texts, zswapctl};

const SWAPS: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

fn tree(enabled: &str) -> FixtureRoot {
    let f = FixtureRoot::new();
    f.params_6_18().param("enabled", enabled);
    f.proc(
        "swaps",
        &format!("{SWAPS}/dev/zram0 partition 1048572 0 100\n"),
    );
    f.zram(0, 1 << 30, "lz4", "0 0 0 0 0 0 0 0 0");
    f
}

#[test]
fn tree_zswap_over_zram_exits_4() {
    let f = tree("Y");
    let (code, out, _) = texts(&zswapctl(Some(f.path()), &["check"]));
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("[zswap-over-zram]"), "{out}");
}

#[test]
fn tree_zswap_disabled_does_not_name_it() {
    let f = tree("N");
    let (_, out, _) = texts(&zswapctl(Some(f.path()), &["check"]));
    assert!(!out.contains("zswap-over-zram"), "{out}");
}

/// Undoes the host changes on drop: swapoff, then `enabled` back, then the device reset.
struct Restore {
    enabled: String,
    swap: Option<String>,
}

const ENABLED: &str = "/sys/module/zswap/parameters/enabled";

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(dev) = self.swap.take() {
            let _ = Command::new("swapoff").arg(&dev).status();
        }
        let _ = std::fs::write(ENABLED, &self.enabled);
    }
}

fn set_enabled(v: &str) {
    std::fs::write(ENABLED, v).unwrap();
}

#[test]
fn host_zram_swap_with_zswap_enabled_is_named() {
    if !require(
        "root, zswap and zram",
        is_root() && available() && Path::new(ENABLED).exists(),
    ) {
        return;
    }
    let _lock = HostLock::acquire();
    // dropped last: the device is reset after the swapoff in Restore
    let dev = ZramDevice::add().unwrap();
    dev.configure("lzo", 4096).unwrap();
    let path = format!("/dev/zram{}", dev.id());
    let mut restore = Restore {
        enabled: std::fs::read_to_string(ENABLED).unwrap().trim().to_owned(),
        swap: None,
    };
    assert!(
        Command::new("mkswap")
            .arg(&path)
            .output()
            .unwrap()
            .status
            .success()
    );
    assert!(
        Command::new("swapon")
            .arg(&path)
            .status()
            .unwrap()
            .success()
    );
    restore.swap = Some(path.clone());

    set_enabled("Y");
    let (code, out, err) = texts(&zswapctl(None, &["check"]));
    assert_eq!(code, 4, "{out}{err}");
    assert!(out.contains("[zswap-over-zram]"), "{out}");
    assert!(out.contains(&format!("'zram{}'", dev.id())), "{out}");

    set_enabled("N");
    let (_, out, _) = texts(&zswapctl(None, &["check"]));
    assert!(!out.contains("zswap-over-zram"), "{out}");
    drop(restore);
}
