//! `persist` and `check` in fixture trees: the files land below `--root`, the generated
//! unit passes `systemd-analyze verify`, refused settings write nothing; `check` reports
//! findings with severity and fix, remembers counters between runs and exits 4 on
//! problems.

use std::path::Path;

use zswap_testkit::FixtureRoot;
use zswap_testkit::host::require;

use crate::util::{check_json, finding, json, params_of, texts, zswapctl};

fn exists(root: &Path, rel: &str) -> bool {
    root.join(rel).symlink_metadata().is_ok()
}

#[test]
fn persist_grub_writes_dropin_below_root() {
    let f = FixtureRoot::era("6.12.57+deb13-amd64");
    f.param("compressor", "deflate").param("enabled", "Y");
    let (code, out, err) = texts(&zswapctl(Some(f.path()), &["persist", "--method", "grub"]));
    assert_eq!(code, 0, "{err}");
    let text = f.read("etc/default/grub.d/zswap.cfg");
    assert!(
        text.contains("GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT zswap.zpool=zsmalloc zswap.compressor=deflate"),
        "{text}"
    );
    assert!(text.contains("zswap.enabled=Y\"\n"), "{text}");
    assert!(out.contains("update-grub"), "{out}");
}

#[test]
fn persist_dry_run_writes_nothing() {
    let f = FixtureRoot::era("6.18.2");
    for method in ["grub", "systemd"] {
        let (code, out, err) = texts(&zswapctl(
            Some(f.path()),
            &["persist", "--dry-run", "--method", method],
        ));
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("would write"), "{out}");
        assert!(
            !exists(f.path(), "etc"),
            "{method} wrote files on a dry run"
        );
        let j = json(&zswapctl(
            Some(f.path()),
            &["persist", "--dry-run", "--method", method, "--json"],
        ));
        assert_eq!(j["dry_run"], true);
        assert!(
            j["files"][0]["content"]
                .as_str()
                .unwrap()
                .contains("max_pool_percent")
        );
        assert!(!exists(f.path(), "etc"));
    }
}

#[test]
fn persist_systemd_writes_yaml_unit_and_link() {
    let f = FixtureRoot::era("6.18.2");
    f.param("compressor", "lzo-rle");
    let (code, _, err) = texts(&zswapctl(Some(f.path()), &["persist"]));
    assert_eq!(code, 0, "{err}");
    let yaml = f.read("etc/zswap/zswap.yaml");
    assert!(yaml.contains("compressor: \"lzo-rle\"\n"), "{yaml}");
    assert!(!yaml.contains("zpool"), "{yaml}");
    let unit = f.read("etc/systemd/system/zswap-apply.service");
    assert!(unit.contains(" apply -f /etc/zswap/zswap.yaml\n"), "{unit}");
    let link = f
        .path()
        .join("etc/systemd/system/sysinit.target.wants/zswap-apply.service");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("../zswap-apply.service")
    );
    // the YAML written is exactly what apply reads: applying it to the tree changes nothing
    let before = params_of(f.path());
    let cfg = f.path().join("etc/zswap/zswap.yaml");
    let (code, out, err) = texts(&zswapctl(
        Some(f.path()),
        &["apply", "-f", cfg.to_str().unwrap()],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("set "), "{out}");
    assert_eq!(params_of(f.path()), before);
}

#[test]
fn persisted_unit_passes_systemd_analyze_verify() {
    let have = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !require("systemd-analyze", have) {
        return;
    }
    let f = FixtureRoot::era("6.18.2");
    let (code, _, err) = texts(&zswapctl(Some(f.path()), &["persist"]));
    assert_eq!(code, 0, "{err}");
    let unit = f.path().join("etc/systemd/system/zswap-apply.service");
    let verify = |p: &Path| {
        let o = std::process::Command::new("systemd-analyze")
            .arg("verify")
            .arg(p)
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (ok, stderr) = verify(&unit);
    assert!(ok && !stderr.contains("zswap-apply.service"), "{stderr}");
    // the check can fail: a broken directive is reported
    let text = std::fs::read_to_string(&unit).unwrap();
    std::fs::write(
        &unit,
        text.replace("ProtectSystem=strict", "ProtectSystem=sometimes"),
    )
    .unwrap();
    let (_, stderr) = verify(&unit);
    assert!(stderr.contains("zswap-apply.service"), "{stderr}");
}

#[test]
fn persist_refuses_zpool_on_6_18_and_writes_nothing() {
    let f = FixtureRoot::era("6.18.2");
    f.file("want.yaml", "enabled: true\nzpool: zsmalloc\n");
    let want = f.path().join("want.yaml");
    for method in ["grub", "systemd"] {
        let (code, _, err) = texts(&zswapctl(
            Some(f.path()),
            &["persist", "--method", method, "-f", want.to_str().unwrap()],
        ));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("always uses zsmalloc"), "{err}");
        assert!(!exists(f.path(), "etc"));
    }
    let f = FixtureRoot::era("6.1.0-41-amd64");
    f.file("want.yaml", "enabled: true\nzpool: zsmalloc\n");
    let want = f.path().join("want.yaml");
    let (code, _, err) = texts(&zswapctl(
        Some(f.path()),
        &["persist", "--method", "grub", "-f", want.to_str().unwrap()],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(
        f.read("etc/default/grub.d/zswap.cfg")
            .contains("zswap.zpool=zsmalloc zswap.enabled=Y\"")
    );
}

#[test]
fn persist_grub_warns_about_module_compressors() {
    let f = FixtureRoot::era("6.12.57+deb13-amd64");
    f.file("want.yaml", "compressor: zstd\n");
    let want = f.path().join("want.yaml");
    let (code, out, err) = texts(&zswapctl(
        Some(f.path()),
        &[
            "persist",
            "--dry-run",
            "--method",
            "grub",
            "-f",
            want.to_str().unwrap(),
        ],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("note: compressor 'zstd' comes from module 'zstd'"),
        "{out}"
    );
}

#[test]
fn check_enabled_without_swap_exits_4() {
    let f = FixtureRoot::era("6.18.2");
    f.param("enabled", "Y");
    let (code, j) = check_json(f.path(), &[]);
    assert_eq!(code, 4);
    let w = finding(&j, "no-swap").unwrap();
    assert_eq!(w["severity"], "warning");
    assert!(w["fix"].as_str().unwrap().contains("swapon"));
    let (code, out, err) = texts(&zswapctl(Some(f.path()), &["check"]));
    assert_eq!(code, 4);
    assert!(
        out.contains("warning  [no-swap]") && out.contains("fix: "),
        "{out}"
    );
    assert!(
        err.contains("check found 0 error(s) and 1 warning(s)"),
        "{err}"
    );
}

#[test]
fn check_clean_tree_exits_0() {
    let f = FixtureRoot::era("6.18.2");
    let (code, j) = check_json(f.path(), &[]);
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["errors"], 0);
    assert_eq!(j["warnings"], 0);
}

#[test]
fn check_removed_setting_in_config_and_cmdline() {
    let f = FixtureRoot::era("7.2.3+deb14-amd64");
    f.file("etc/zswap/zswap.yaml", "enabled: false\nzpool: z3fold\n")
        .proc("cmdline", "root=/dev/vda zswap.zpool=zbud quiet\n");
    let (code, j) = check_json(f.path(), &[]);
    assert_eq!(code, 4);
    let c = finding(&j, "config-removed-setting").unwrap();
    assert_eq!(c["severity"], "error");
    assert!(c["message"].as_str().unwrap().contains("line 2"), "{c}");
    assert!(
        c["message"].as_str().unwrap().contains("since Linux 6.18"),
        "{c}"
    );
    assert!(finding(&j, "cmdline-removed-setting").is_some(), "{j}");
}

#[test]
fn check_compressor_pool_limit_cgroups_and_debugfs() {
    let f = FixtureRoot::era("6.12.57+deb13-amd64");
    f.param("enabled", "Y")
        .param("compressor", "zstd")
        .param("max_pool_percent", "80")
        .proc(
            "swaps",
            "Filename\tType\tSize\tUsed\tPriority\n/swap file 1048572 0 -2\n",
        )
        .proc(
            "mounts",
            "sysfs /sys sysfs rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n",
        )
        .file("sys/fs/cgroup/cgroup.controllers", "memory\n")
        .file("sys/fs/cgroup/memory.stat", "zswap 0\n")
        .file("sys/fs/cgroup/batch/memory.stat", "zswap 0\n")
        .file("sys/fs/cgroup/batch/memory.zswap.max", "0\n")
        .file("sys/fs/cgroup/batch/memory.zswap.writeback", "0\n");
    let (code, j) = check_json(f.path(), &[]);
    assert_eq!(code, 4);
    assert_eq!(
        finding(&j, "compressor-unavailable").unwrap()["severity"],
        "error"
    );
    assert_eq!(
        finding(&j, "pool-limit-high").unwrap()["severity"],
        "warning"
    );
    assert!(finding(&j, "cgroup-zswap-max-zero").is_some(), "{j}");
    assert!(finding(&j, "cgroup-writeback-off").is_some(), "{j}");
    // the fix names the real file below the known cgroup2 mount
    let fix = finding(&j, "cgroup-zswap-max-zero").unwrap()["fix"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = f.path().join("sys/fs/cgroup/batch/memory.zswap.max");
    assert!(
        fix.contains(&format!("echo max > {}", file.display())),
        "{fix}"
    );
    let d = finding(&j, "debugfs-unavailable").unwrap();
    assert_eq!(d["severity"], "info");
    assert!(finding(&j, "no-swap").is_none());
}

#[test]
fn check_remembers_counters_and_reports_rising_rejects() {
    let f = FixtureRoot::copy_of(&zswap_testkit::fixtures_dir().join("linux-6.18-after-workload"));
    let state = f.path().join("state.json");
    let state_s = state.to_str().unwrap();
    let (_, j) = check_json(f.path(), &["--state", state_s]);
    assert!(finding(&j, "first-look").is_some(), "{j}");
    assert!(state.exists());
    let (code, j) = check_json(f.path(), &["--state", state_s]);
    assert!(finding(&j, "rejects-rising").is_none(), "{j}");
    assert!(finding(&j, "first-look").is_none(), "{j}");
    // nothing rose: the exit status is that of the fixture's other findings alone (4 if and
    // only if one is a warning or an error)
    assert_eq!(code, exit_for(&j), "{j}");
    let n: u64 = f
        .read("sys/kernel/debug/zswap/reject_reclaim_fail")
        .trim()
        .parse()
        .unwrap();
    f.debugfs("reject_reclaim_fail", n + 7);
    let (code, j) = check_json(f.path(), &["--state", state_s]);
    assert_eq!(code, 4);
    let r = finding(&j, "rejects-rising").unwrap();
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("reject_reclaim_fail rose by 7"),
        "{r}"
    );
    // the default state file lives below the root
    let (_, _) = check_json(f.path(), &[]);
    assert!(f.path().join("var/lib/zswapctl/last-check.json").exists());
    // --no-save leaves it alone, and its first look does not claim to have saved anything;
    // a saving first look names the file
    let g = FixtureRoot::copy_of(&zswap_testkit::fixtures_dir().join("linux-6.18-after-workload"));
    let (_, j) = check_json(g.path(), &["--no-save"]);
    assert!(!g.path().join("var").exists());
    let first = finding(&j, "first-look").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!first.contains("saved"), "{first}");
    let (_, j) = check_json(g.path(), &[]);
    let first = finding(&j, "first-look").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(first.contains("saved in '"), "{first}");
    assert!(
        first.contains("var/lib/zswapctl/last-check.json"),
        "{first}"
    );
}

/// The exit status `zswapctl check` owes for the findings in `j`: 4 if and only if one of them
/// is a warning or an error.
fn exit_for(j: &serde_json::Value) -> i32 {
    let serious = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["severity"] == "warning" || f["severity"] == "error");
    if serious { 4 } else { 0 }
}

#[test]
fn every_command_speaks_json() {
    let f = FixtureRoot::era("6.18.2");
    f.file("c.yaml", "max_pool_percent: 21\n");
    let c = f.path().join("c.yaml");
    let c = c.to_str().unwrap();
    for args in [
        vec!["status", "--json"],
        vec!["get", "--json"],
        vec!["get", "enabled", "--json"],
        vec!["set", "max_pool_percent", "22", "--json"],
        vec!["set", "max_pool_percent", "23", "--dry-run", "--json"],
        vec!["apply", "-f", c, "--json"],
        vec!["apply", "-f", c, "--dry-run", "--json"],
        vec!["persist", "--dry-run", "--json"],
        vec!["check", "--json", "--no-save"],
    ] {
        let j = json(&zswapctl(Some(f.path()), &args));
        assert!(j.is_object(), "{args:?}: {j}");
    }
}

#[test]
fn check_loadable_compressor_of_disabled_zswap_is_a_note() {
    let f = FixtureRoot::era("6.12.57+deb13-amd64");
    f.param("compressor", "zstd");
    let (code, j) = check_json(f.path(), &["--no-save"]);
    assert_eq!(code, 0, "{j}");
    assert_eq!(
        finding(&j, "compressor-not-loaded").unwrap()["severity"],
        "info"
    );
    std::fs::remove_dir_all(f.path().join("lib/modules")).unwrap();
    let (code, j) = check_json(f.path(), &["--no-save"]);
    assert_eq!(code, 4, "{j}");
    assert_eq!(
        finding(&j, "compressor-unavailable").unwrap()["severity"],
        "warning"
    );
}
