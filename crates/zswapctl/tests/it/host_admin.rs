//! `get`, `set` and `apply` on the live kernel (this host: 6.18, zswap built in, no
//! `zpool`). Each test holds the machine-wide host lock and a guard that puts every zswap
//! parameter back as it found it, even when the test fails.

use std::collections::BTreeMap;
use std::path::Path;

use zswap_testkit::host::{HostLock, is_root, require};

use crate::util::{texts, zswapctl, zswapctl_as_nobody};

const PARAMS: &str = "/sys/module/zswap/parameters";

/// Holds the host lock and restores every parameter on drop: `enabled` first when it was
/// off (so zswap stops before anything else changes), last when it was on.
pub(crate) struct Restore {
    saved: BTreeMap<String, String>,
    _lock: HostLock,
}

impl Restore {
    pub(crate) fn take() -> Option<Restore> {
        let ok = is_root() && Path::new(PARAMS).is_dir();
        if !require("root and a kernel with zswap", ok) {
            return None;
        }
        let lock = HostLock::acquire();
        Some(Restore {
            saved: live(),
            _lock: lock,
        })
    }

    fn put(&self, name: &str) {
        let want = &self.saved[name];
        let path = Path::new(PARAMS).join(name);
        // a failure shows up in the final comparison in drop
        if std::fs::read_to_string(&path).unwrap_or_default().trim() != want {
            let _ = std::fs::write(&path, want);
        }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        let was_on = self.saved.get("enabled").is_some_and(|v| v == "Y");
        if !was_on {
            self.put("enabled");
        }
        for name in self.saved.keys().filter(|n| *n != "enabled") {
            self.put(name);
        }
        if was_on {
            self.put("enabled");
        }
        if !std::thread::panicking() {
            assert_eq!(live(), self.saved, "host parameters not restored");
        }
    }
}

fn live() -> BTreeMap<String, String> {
    std::fs::read_dir(PARAMS)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let v = std::fs::read_to_string(e.path()).unwrap();
            (e.file_name().into_string().unwrap(), v.trim().to_owned())
        })
        .collect()
}

fn get(name: &str) -> String {
    live()[name].clone()
}

fn available_compressors() -> Vec<String> {
    let text = std::fs::read_to_string("/proc/crypto").unwrap();
    let mut names: Vec<String> = text
        .split("\n\n")
        .filter(|b| {
            b.lines().any(|l| {
                l.starts_with("type")
                    && (l.ends_with("scomp") || l.ends_with("acomp") || l.ends_with("compression"))
            })
        })
        .filter_map(|b| {
            b.lines()
                .find(|l| l.starts_with("name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn live_set_compressor_deflate_and_get_it() {
    let Some(_g) = Restore::take() else { return };
    let (code, out, err) = texts(&zswapctl(None, &["set", "compressor", "deflate"]));
    assert_eq!(code, 0, "{out} {err}");
    assert_eq!(get("compressor"), "deflate");
    let (code, out, _) = texts(&zswapctl(None, &["get", "compressor"]));
    assert_eq!(code, 0);
    assert_eq!(out, "deflate\n");
}

#[test]
fn live_refusals_change_nothing() {
    let Some(_g) = Restore::take() else { return };
    let before = live();
    let (code, _, err) = texts(&zswapctl(None, &["set", "compressor", "deflate-iaa"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'deflate-iaa'"), "{err}");
    let listed = format!("available: {}", available_compressors().join(", "));
    assert!(err.contains(&listed), "expected {listed:?} in {err}");
    assert_eq!(live(), before);

    let (code, _, err) = texts(&zswapctl(None, &["set", "max_pool_percent", "250"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'250'"), "{err}");
    assert_eq!(live(), before);

    let (code, _, err) = texts(&zswapctl(None, &["set", "enabled", "maybe"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'maybe'"), "{err}");
    assert_eq!(live(), before);
}

#[test]
fn live_zpool_is_explained_on_6_18() {
    let Some(_g) = Restore::take() else { return };
    // A kernel with `zpool` (before 6.18) is not a missing capability but the other era,
    // whose zpool switching the `ctl` guest scenario covers: nothing to fail under CI.
    if Path::new(PARAMS).join("zpool").exists() {
        eprintln!("skipped: this kernel still has zpool; the 6.18 refusal needs a 6.18+ kernel");
        return;
    }
    let before = live();
    let (code, _, err) = texts(&zswapctl(None, &["set", "zpool", "zsmalloc"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("since Linux 6.18 zswap always uses zsmalloc"),
        "{err}"
    );
    assert!(
        err.contains("remove 'zpool' from your configuration"),
        "{err}"
    );
    assert_eq!(live(), before);
}

#[test]
fn live_apply_bad_and_dry_run_change_nothing_good_sets_everything() {
    let Some(_g) = Restore::take() else { return };
    let dir = tempfile::tempdir().unwrap();
    let before = live();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "compressor: deflate\nmax_pool_percent: 25\naccept_threshold_percent: 180\nenabled: true\n",
    )
    .unwrap();
    let (code, _, err) = texts(&zswapctl(None, &["apply", "-f", bad.to_str().unwrap()]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("line 3") && err.contains("'accept_threshold_percent: 180'"),
        "{err}"
    );
    assert_eq!(live(), before);

    let good = dir.path().join("good.yaml");
    let other = if before["compressor"] == "deflate" {
        "lzo-rle"
    } else {
        "deflate"
    };
    std::fs::write(
        &good,
        format!(
            "compressor: {other}\nmax_pool_percent: 25\naccept_threshold_percent: 80\n\
             shrinker_enabled: true\nenabled: true\n"
        ),
    )
    .unwrap();
    let good_s = good.to_str().unwrap();
    let (code, out, err) = texts(&zswapctl(None, &["apply", "--dry-run", "-f", good_s]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("change compressor"), "{out}");
    assert_eq!(live(), before, "dry run changed the kernel");

    let (code, out, err) = texts(&zswapctl(None, &["apply", "-f", good_s]));
    assert_eq!(code, 0, "{out} {err}");
    let now = live();
    assert_eq!(now["compressor"], other);
    assert_eq!(now["max_pool_percent"], "25");
    assert_eq!(now["accept_threshold_percent"], "80");
    assert_eq!(now["shrinker_enabled"], "Y");
    assert_eq!(now["enabled"], "Y");
    assert!(out.contains(&format!("uses compressor '{other}'")), "{out}");
}

#[test]
fn live_unprivileged_set_exits_3() {
    let Some(_g) = Restore::take() else { return };
    let before = live();
    let out = zswapctl_as_nobody(None, &["set", "max_pool_percent", "21"]);
    let (code, _, err) = texts(&out);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("run as root"), "{err}");
    assert_eq!(live(), before);
}

#[test]
fn live_check_reports_findings_as_json() {
    // the lock keeps 'enabled' still between the check and the comparison below
    let Some(_g) = Restore::take() else { return };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let out = zswapctl(
        None,
        &["check", "--json", "--state", state.to_str().unwrap()],
    );
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 4,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = j["findings"].as_array().unwrap();
    let problems = findings
        .iter()
        .filter(|f| f["severity"] == "error" || f["severity"] == "warning")
        .count();
    assert_eq!(code == 4, problems > 0, "{j}");
    for f in findings {
        assert!(!f["fix"].as_str().unwrap().is_empty(), "{f}");
    }
    if get("enabled") == "N" {
        assert!(findings.iter().any(|f| f["code"] == "disabled"), "{j}");
    }
}
