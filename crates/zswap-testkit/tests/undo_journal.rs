//! A test process killed while it holds the host lock (a timeout, `kill -9`) never runs its
//! guards' drops: the next holder of the lock undoes what its journal recorded.
#![allow(clippy::disallowed_methods)] // reads and writes the host's zswap parameters

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::swapout::{PARAMS, SavedParams};

const CHILD: &str = "ZSWAP_TESTKIT_UNDO_CHILD";

/// Run as the child: take the lock, change a parameter through the guard, say so, and wait
/// to be killed.
#[test]
#[ignore = "the child of a_killed_holders_changes_are_undone_by_the_next_holder"]
fn child_changes_a_parameter_and_waits() {
    assert!(
        std::env::var(CHILD).is_ok(),
        "run only as the child, with {CHILD} set"
    );
    let _lock = HostLock::acquire();
    let params = SavedParams::save();
    let now = std::fs::read_to_string(format!("{PARAMS}/max_pool_percent")).unwrap();
    let other = if now.trim() == "17" { "18" } else { "17" };
    params.set("max_pool_percent", other);
    println!("changed");
    std::thread::sleep(std::time::Duration::from_secs(600));
}

#[test]
fn a_killed_holders_changes_are_undone_by_the_next_holder() {
    let usable = is_root()
        && std::path::Path::new(PARAMS)
            .join("max_pool_percent")
            .exists();
    if !require("root and zswap", usable) {
        return;
    }
    let path = format!("{PARAMS}/max_pool_percent");
    let before = std::fs::read_to_string(&path).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_changes_a_parameter_and_waits",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut changed = false;
    for line in out.lines() {
        if line.unwrap().trim() == "changed" {
            changed = true;
            break;
        }
    }
    assert!(changed, "the child did not change the parameter");
    let during = std::fs::read_to_string(&path).unwrap();
    assert_ne!(during, before, "the child's change is not visible");
    child.kill().unwrap(); // SIGKILL: no drop runs
    child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), during);
    drop(HostLock::acquire());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        before,
        "the next holder of the host lock did not undo the killed holder's change"
    );
}
