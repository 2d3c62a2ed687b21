//! `zswapctl status` on the live host: as root it shows the live parameters and the
//! debugfs counters; as an unprivileged user it shows what it can and says why the rest is
//! missing.

use std::path::Path;

use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::swapout::Debugfs;

use crate::util::{json, read_trim, zswapctl, zswapctl_as_nobody};

const PARAMS: &str = "/sys/module/zswap/parameters";

fn host_has_zswap() -> bool {
    Path::new(PARAMS).is_dir()
}

#[test]
fn root_status_shows_live_parameters_and_counters() {
    if !require(
        "root and a kernel with zswap",
        is_root() && host_has_zswap(),
    ) {
        return;
    }
    let _lock = HostLock::acquire();
    let _debugfs = Debugfs::ensure();
    let j = json(&zswapctl(None, &["status", "--json"]));
    for name in ["compressor", "max_pool_percent", "accept_threshold_percent"] {
        let live = read_trim(&Path::new(PARAMS).join(name));
        let shown = &j["sample"]["params"][name];
        let shown = shown
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| shown.to_string());
        assert_eq!(shown, live, "{name}");
    }
    if Path::new("/sys/kernel/debug/zswap").is_dir() {
        // The pool moves while something swaps: a run counts when the file read the same
        // before and after status, and then status must show exactly that value.
        let pool = || -> u64 {
            read_trim(Path::new("/sys/kernel/debug/zswap/pool_total_size"))
                .parse()
                .unwrap()
        };
        let mut tries = 0;
        loop {
            let before = pool();
            let j = json(&zswapctl(None, &["status", "--json"]));
            let after = pool();
            let dbg = &j["sample"]["debugfs"];
            assert_eq!(dbg["status"], "available");
            if before == after {
                assert_eq!(
                    dbg["stats"]["values"]["pool_total_size"].as_u64(),
                    Some(before),
                    "{dbg}"
                );
                break;
            }
            tries += 1;
            assert!(tries < 20, "the pool kept moving: {before} then {after}");
        }
    } else {
        assert_eq!(j["sample"]["debugfs"]["status"], "no_zswap_dir");
    }
    let text = String::from_utf8(zswapctl(None, &["status"]).stdout).unwrap();
    assert!(text.contains(&format!(
        "compressor        {}",
        read_trim(&Path::new(PARAMS).join("compressor"))
    )));
}

#[test]
fn unprivileged_status_explains_what_it_cannot_read() {
    if !require(
        "root (to drop to an unprivileged user) and zswap",
        is_root() && host_has_zswap(),
    ) {
        return;
    }
    let _lock = HostLock::acquire();
    let _debugfs = Debugfs::ensure();
    let out = zswapctl_as_nobody(None, &["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let compressor = read_trim(&Path::new(PARAMS).join("compressor"));
    assert!(
        text.contains(&format!("compressor        {compressor}")),
        "{text}"
    );
    assert!(text.contains("readable only by root"), "{text}");
}
