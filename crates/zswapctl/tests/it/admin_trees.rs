//! `get`, `set` and `apply` on fixture trees of every kernel era: 6.1 (zpool zbud,
//! same-filled switches), 6.12 (zpool zsmalloc, shrinker), 6.18 and 7.x (no zpool), and
//! copies of the committed 6.18 trees. Refusals change nothing; a write the kernel refuses
//! midway is undone and the undo is shown.

use std::path::Path;

use zswap_testkit::host::{is_root, require};
use zswap_testkit::{FixtureRoot, fixtures_dir};

use crate::util::{json, params_of, texts, zswapctl, zswapctl_as_nobody};

const ERAS: [&str; 4] = [
    "6.1.0-41-amd64",
    "6.12.57+deb13-amd64",
    "6.18.2",
    "7.2.3+deb14-amd64",
];

fn has_zpool(root: &Path) -> bool {
    root.join("sys/module/zswap/parameters/zpool").exists()
}

/// Every era tree, plus copies of the committed trees captured on this host.
fn trees() -> Vec<(String, FixtureRoot)> {
    let mut v: Vec<(String, FixtureRoot)> = ERAS
        .iter()
        .map(|r| ((*r).to_owned(), FixtureRoot::era(r)))
        .collect();
    for e in std::fs::read_dir(fixtures_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.join("sys/module/zswap/parameters").is_dir() {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            v.push((name, FixtureRoot::copy_of(&p)));
        }
    }
    v
}

fn param(root: &Path, name: &str) -> String {
    std::fs::read_to_string(root.join("sys/module/zswap/parameters").join(name))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn set_compressor_takes_effect_and_get_prints_it() {
    for (era, f) in trees() {
        let root = f.path();
        f.param("compressor", "lzo"); // the after-workload capture already runs deflate
        let (code, out, err) = texts(&zswapctl(Some(root), &["set", "compressor", "deflate"]));
        assert_eq!(code, 0, "{era}: {err}");
        assert!(
            out.contains("compressor") && out.contains("-> 'deflate' (read back)"),
            "{era}: {out}"
        );
        assert_eq!(param(root, "compressor"), "deflate", "{era}");
        let (_, got, _) = texts(&zswapctl(Some(root), &["get", "compressor"]));
        assert_eq!(got, "deflate\n", "{era}");
        let j = json(&zswapctl(Some(root), &["get", "compressor", "--json"]));
        assert_eq!(j["value"], "deflate", "{era}");
    }
}

#[test]
fn refusals_change_nothing_and_explain() {
    for (era, f) in trees() {
        let root = f.path();
        let before = params_of(root);
        let cases: [(&[&str], &[&str]); 4] = [
            (
                &["set", "compressor", "deflate-iaa"],
                &[
                    "'deflate-iaa'",
                    "available: ",
                    "lzo",
                    "iaa_crypto",
                    "nothing was changed",
                ],
            ),
            (
                &["set", "max_pool_percent", "250"],
                &["'250'", "from 0 to 100"],
            ),
            (
                &["set", "enabled", "maybe"],
                &["'maybe'", "expected a boolean"],
            ),
            (
                &["set", "no_such_thing", "1"],
                &["unknown zswap parameter 'no_such_thing'"],
            ),
        ];
        for (args, needles) in cases {
            let (code, _, err) = texts(&zswapctl(Some(root), args));
            assert_eq!(code, 2, "{era} {args:?}: {err}");
            for n in needles {
                assert!(err.contains(n), "{era} {args:?}: missing {n:?} in {err}");
            }
            assert_eq!(params_of(root), before, "{era} {args:?} changed the tree");
        }
    }
}

#[test]
fn zpool_per_era() {
    for (era, f) in trees() {
        let root = f.path();
        let before = params_of(root);
        let out = zswapctl(Some(root), &["set", "zpool", "zsmalloc"]);
        let (code, _, err) = texts(&out);
        let is_old = has_zpool(f.path());
        if is_old {
            assert_eq!(code, 0, "{era}: {err}");
            assert_eq!(param(root, "zpool"), "zsmalloc", "{era}");
            let (code, _, err) = texts(&zswapctl(Some(root), &["set", "zpool", "zbud"]));
            assert_eq!(code, 0, "{era}: {err}");
            assert_eq!(param(root, "zpool"), "zbud", "{era}");
        } else {
            assert_eq!(code, 2, "{era}: {err}");
            assert!(
                err.contains("since Linux 6.18 zswap always uses zsmalloc"),
                "{era}: {err}"
            );
            assert!(err.contains("remove 'zpool'"), "{era}: {err}");
            assert_eq!(params_of(root), before, "{era}");
            let (code, _, err) = texts(&zswapctl(Some(root), &["get", "zpool"]));
            assert_eq!(code, 2, "{era}");
            assert!(err.contains("always uses zsmalloc"), "{era}: {err}");
        }
    }
}

#[test]
fn era_specific_parameters() {
    let f = FixtureRoot::era("6.1.0-41-amd64");
    let (code, _, err) = texts(&zswapctl(
        Some(f.path()),
        &["set", "same_filled_pages_enabled", "no"],
    ));
    assert_eq!(code, 0, "{err}");
    assert_eq!(param(f.path(), "same_filled_pages_enabled"), "N");
    let (code, _, err) = texts(&zswapctl(
        Some(f.path()),
        &["set", "shrinker_enabled", "yes"],
    ));
    assert_eq!(code, 2);
    assert!(
        err.contains("no zswap parameter 'shrinker_enabled'"),
        "{err}"
    );

    let f = FixtureRoot::era("6.12.57+deb13-amd64");
    let (code, _, err) = texts(&zswapctl(
        Some(f.path()),
        &["set", "same_filled_pages_enabled", "no"],
    ));
    assert_eq!(code, 2);
    assert!(
        err.contains("no zswap parameter 'same_filled_pages_enabled'"),
        "{err}"
    );
    let (code, _, err) = texts(&zswapctl(
        Some(f.path()),
        &["set", "shrinker_enabled", "on"],
    ));
    assert_eq!(code, 0, "{err}");
    assert_eq!(param(f.path(), "shrinker_enabled"), "Y");
}

#[test]
fn module_compressor_is_accepted_when_the_tree_can_load_it() {
    for era in ERAS {
        let f = FixtureRoot::era(era);
        let (code, _, err) = texts(&zswapctl(Some(f.path()), &["set", "compressor", "zstd"]));
        assert_eq!(code, 0, "{era}: {err}");
        assert_eq!(param(f.path(), "compressor"), "zstd");
        std::fs::remove_dir_all(f.path().join("lib/modules")).unwrap();
        let (code, _, err) = texts(&zswapctl(Some(f.path()), &["set", "compressor", "lz4"]));
        assert_eq!(code, 2, "{era}");
        assert!(err.contains("compressor 'lz4' is not available"), "{err}");
    }
}

fn write(f: &FixtureRoot, name: &str, text: &str) -> String {
    f.file(name, text);
    f.path().join(name).display().to_string()
}

#[test]
fn apply_good_file_sets_every_value_in_every_era() {
    for (era, f) in trees() {
        let mut yaml = String::from(
            "enabled: true\ncompressor: deflate\nmax_pool_percent: 25\naccept_threshold_percent: 80\n",
        );
        if has_zpool(f.path()) {
            yaml.push_str("zpool: zsmalloc\n");
        }
        let file = write(&f, "good.yaml", &yaml);
        let (code, out, err) = texts(&zswapctl(Some(f.path()), &["apply", "-f", &file]));
        assert_eq!(code, 0, "{era}: {err}");
        let root = f.path();
        assert_eq!(param(root, "enabled"), "Y", "{era}");
        assert_eq!(param(root, "compressor"), "deflate", "{era}");
        assert_eq!(param(root, "max_pool_percent"), "25", "{era}");
        assert_eq!(param(root, "accept_threshold_percent"), "80", "{era}");
        if has_zpool(f.path()) {
            assert_eq!(param(root, "zpool"), "zsmalloc", "{era}");
        }
        // the compressor in use is reported when this apply enabled zswap or changed it
        let touched = out.contains("set    compressor") || out.contains("set    enabled");
        assert_eq!(
            out.contains("uses compressor 'deflate'"),
            touched,
            "{era}: {out}"
        );
        // the documented order: compressor before enabled
        let c = out.find("compressor ").unwrap();
        let e = out.find("enabled ").unwrap();
        assert!(c < e, "{era}: {out}");
    }
}

#[test]
fn apply_bad_files_change_nothing_and_name_key_value_line() {
    let cases: [(&str, &[&str]); 5] = [
        (
            "enabled: true\ncompressor: deflate\nmax_pool_percent: 250\n",
            &["line 3", "'max_pool_percent: 250'"],
        ),
        (
            "compressor: deflate\ncompresor: lzo\n",
            &["line 2", "unknown key 'compresor'"],
        ),
        ("enabled: true\nenabled: false\n", &["enabled", "line 2"]),
        (
            "max_pool_percent: twenty\n",
            &["line 1", "'max_pool_percent: twenty'"],
        ),
        (
            "enabled: true\ncompressor: deflate-iaa\n",
            &["line 2", "'deflate-iaa'"],
        ),
    ];
    for (era, f) in trees() {
        let before = params_of(f.path());
        for (yaml, needles) in cases {
            let file = write(&f, "bad.yaml", yaml);
            let (code, out, err) = texts(&zswapctl(Some(f.path()), &["apply", "-f", &file]));
            assert_eq!(code, 2, "{era} {yaml:?}: {out} {err}");
            for n in needles {
                assert!(err.contains(n), "{era} {yaml:?}: missing {n:?} in {err}");
            }
            assert!(err.contains("nothing was changed"), "{era}: {err}");
            assert_eq!(params_of(f.path()), before, "{era} {yaml:?}");
        }
    }
}

#[test]
fn apply_dry_run_prints_ordered_plan_and_writes_nothing() {
    for (era, f) in trees() {
        let before = params_of(f.path());
        let cur = param(f.path(), "max_pool_percent");
        let file = write(
            &f,
            "plan.yaml",
            &format!("enabled: true\nmax_pool_percent: {cur}\ncompressor: lzo-rle\n"),
        );
        let (code, out, err) = texts(&zswapctl(
            Some(f.path()),
            &["apply", "--dry-run", "-f", &file],
        ));
        assert_eq!(code, 0, "{era}: {err}");
        assert!(out.contains("change compressor"), "{era}: {out}");
        assert!(
            out.contains(&format!(
                "keep   max_pool_percent               '{cur}' (unchanged)"
            )),
            "{era}: {out}"
        );
        assert!(out.contains("dry run: nothing was written"), "{era}: {out}");
        assert_eq!(params_of(f.path()), before, "{era}");
        let j = json(&zswapctl(
            Some(f.path()),
            &["apply", "--dry-run", "-f", &file, "--json"],
        ));
        assert_eq!(j["status"], "planned");
        assert_eq!(j["plan"]["changes"][0]["name"], "compressor");
        assert_eq!(j["plan"]["changes"][0]["to"], "lzo-rle");
        assert_eq!(params_of(f.path()), before, "{era}");
    }
}

/// Runs zswapctl in a private mount namespace where `file` of the tree is a read-only bind
/// mount: open(O_WRONLY) then fails with EROFS for root too, as a kernel refusal would,
/// while the file stays readable. The mount vanishes with the namespace.
fn with_read_only(root: &Path, file: &str, args: &[&str]) -> std::process::Output {
    let target = root.join("sys/module/zswap/parameters").join(file);
    let bin = assert_cmd::cargo::cargo_bin("zswapctl");
    std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" && shift && exec \"$@\"",
        )
        .arg("sh")
        .arg(&target)
        .arg(&bin)
        .arg("--root")
        .arg(root)
        .args(args)
        .env_remove("ZSWAP_ROOT")
        .output()
        .unwrap()
}

#[test]
fn write_failing_midway_is_rolled_back_and_shown() {
    if !require(
        "root (for a read-only bind mount in a private mount namespace)",
        is_root(),
    ) {
        return;
    }
    for (era, f) in trees() {
        let mut yaml = String::from(
            "compressor: deflate\nmax_pool_percent: 33\naccept_threshold_percent: 70\nenabled: true\n",
        );
        if has_zpool(f.path()) {
            yaml.push_str("zpool: z3fold\n");
        }
        if f.path()
            .join("sys/module/zswap/parameters/same_filled_pages_enabled")
            .exists()
        {
            yaml.push_str("same_filled_pages_enabled: false\n");
        }
        f.param("compressor", "lzo").param("enabled", "N");
        let file = write(&f, "mid.yaml", &yaml);
        let before = params_of(f.path());
        let out = with_read_only(
            f.path(),
            "accept_threshold_percent",
            &["apply", "-f", &file],
        );
        let (code, out, err) = texts(&out);
        assert_eq!(code, 1, "{era}: {out} {err}");
        assert!(out.contains("set    compressor"), "{era}: {out}");
        assert!(
            out.contains("FAILED accept_threshold_percent"),
            "{era}: {out}"
        );
        assert!(
            out.contains("read-only file system (EROFS)"),
            "{era}: {out}"
        );
        assert!(out.contains("undo   max_pool_percent"), "{era}: {out}");
        assert!(out.contains("undo   compressor"), "{era}: {out}");
        let undo_pool = out.find("undo   max_pool_percent").unwrap();
        let undo_comp = out.find("undo   compressor").unwrap();
        assert!(undo_pool < undo_comp, "{era}: reverse order: {out}");
        if has_zpool(f.path()) {
            assert!(out.contains("undo   zpool"), "{era}: {out}");
        }
        assert!(
            !out.contains("set    enabled"),
            "{era}: enabled is written last: {out}"
        );
        assert!(err.contains("rolled back:"), "{era}: {err}");
        assert_eq!(params_of(f.path()), before, "{era}: everything restored");

        let j = with_read_only(
            f.path(),
            "accept_threshold_percent",
            &["apply", "-f", &file, "--json"],
        );
        assert_eq!(j.status.code(), Some(1));
        let j: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
        assert_eq!(j["status"], "failed");
        assert_eq!(j["failed"]["name"], "accept_threshold_percent");
        assert_eq!(j["rollback"][0]["name"], "max_pool_percent");
        assert!(j["rollback"][0]["error"].is_null());
        assert_eq!(params_of(f.path()), before, "{era}");
    }
}

#[test]
fn unprivileged_write_exits_3_and_says_run_as_root() {
    if !require("root (to drop to an unprivileged user)", is_root()) {
        return;
    }
    let f = FixtureRoot::era("6.18.2");
    std::fs::set_permissions(
        f.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let before = params_of(f.path());
    let out = zswapctl_as_nobody(Some(f.path()), &["set", "compressor", "deflate"]);
    let (code, _, err) = texts(&out);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("run as root"), "{err}");
    assert_eq!(params_of(f.path()), before);
}

#[test]
fn set_json_reports_the_change() {
    let f = FixtureRoot::era("6.12.57+deb13-amd64");
    let j = json(&zswapctl(
        Some(f.path()),
        &["set", "max_pool_percent", "0x1e", "--json"],
    ));
    assert_eq!(j["status"], "applied");
    assert_eq!(j["report"]["applied"][0]["from"], 20);
    assert_eq!(j["report"]["applied"][0]["to"], 30);
    let j = json(&zswapctl(
        Some(f.path()),
        &["set", "max_pool_percent", "30", "--json"],
    ));
    assert_eq!(j["status"], "unchanged");
    let j = json(&zswapctl(Some(f.path()), &["get", "--json"]));
    assert_eq!(j["max_pool_percent"], 30);
    assert_eq!(j["zpool"], "zsmalloc");
}

/// 6.12+ accept any compressor string while zswap has never been enabled and fall back to
/// the default on first enable; zswapctl refuses to enable over such a leftover.
#[test]
fn enabling_over_an_unusable_leftover_compressor_is_refused() {
    for era in ["6.12.57+deb13-amd64", "7.2.3+deb14-amd64"] {
        let f = FixtureRoot::era(era);
        f.param("compressor", "nosuch");
        let before = params_of(f.path());
        let (code, _, err) = texts(&zswapctl(Some(f.path()), &["set", "enabled", "y"]));
        assert_eq!(code, 2, "{era}: {err}");
        assert!(
            err.contains("cannot enable zswap: its compressor 'nosuch'"),
            "{err}"
        );
        assert!(err.contains("fall back"), "{err}");
        assert_eq!(params_of(f.path()), before, "{era}");
        // naming an available compressor in the same apply makes it fine
        f.file("fix.yaml", "compressor: lzo\nenabled: true\n");
        let fix = f.path().join("fix.yaml");
        let (code, _, err) = texts(&zswapctl(
            Some(f.path()),
            &["apply", "-f", fix.to_str().unwrap()],
        ));
        assert_eq!(code, 0, "{era}: {err}");
        assert_eq!(param(f.path(), "enabled"), "Y");
    }
}
