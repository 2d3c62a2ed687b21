//! What a user reads: messages that agree with each other and with the machine,
//! advice that can be followed as written, and exit statuses as documented.

use std::path::Path;

use zswap_testkit::FixtureRoot;

use crate::util::{check_json, finding, texts, zswapctl};

#[test]
fn regress_22_check_says_saved_only_when_it_saved() {
    let f = FixtureRoot::copy_of(&zswap_testkit::fixtures_dir().join("linux-6.18-after-workload"));
    // a state file whose directory is a regular file cannot be written, even by root
    f.file("blocker", "");
    let state = f.path().join("blocker/last-check.json");
    let (_, j) = check_json(f.path(), &["--state", state.to_str().unwrap()]);
    assert!(finding(&j, "state-unsaved").is_some(), "{j}");
    let first = finding(&j, "first-look").unwrap();
    assert!(
        !first["message"].as_str().unwrap().contains("saved"),
        "{first}"
    );
    let (_, j) = check_json(f.path(), &[]);
    let first = finding(&j, "first-look").unwrap();
    assert!(
        first["message"].as_str().unwrap().contains("saved"),
        "{first}"
    );
}

#[test]
fn regress_22_check_config_is_read_below_root() {
    let f = FixtureRoot::era("6.18.2");
    f.file("etc/zswap/other.yaml", "enabled: maybe\n");
    let (code, j) = check_json(
        f.path(),
        &["--no-save", "--config", "/etc/zswap/other.yaml"],
    );
    assert_eq!(code, 4, "{j}");
    let c = finding(&j, "config-invalid").unwrap();
    assert!(c["message"].as_str().unwrap().contains("maybe"), "{c}");
}

#[test]
fn regress_22_check_config_that_does_not_exist_is_a_finding() {
    let f = FixtureRoot::era("6.18.2");
    let (code, j) = check_json(f.path(), &["--no-save", "--config", "/etc/zswap/nope.yaml"]);
    assert_eq!(code, 4, "{j}");
    let c = finding(&j, "config-missing").unwrap();
    assert_eq!(c["severity"], "error");
    assert!(c["message"].as_str().unwrap().contains("nope.yaml"), "{c}");
}

#[test]
fn regress_22_a_root_that_does_not_exist_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-tree");
    for args in [&["status"][..], &["check"], &["get"]] {
        let (code, out, err) = texts(&zswapctl(Some(&missing), args));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.contains(&format!("'{}'", missing.display())) && err.contains("does not exist"),
            "{args:?}: {err}"
        );
        assert!(out.is_empty(), "{args:?}: {out}");
    }
}

#[test]
fn regress_22_check_problems_have_a_fix_to_follow() {
    let f = FixtureRoot::era("6.18.2");
    std::fs::remove_file(f.path().join("proc/vmstat")).ok();
    std::fs::remove_file(f.path().join("proc/swaps")).ok();
    let (_, j) = check_json(f.path(), &["--no-save"]);
    for x in j["findings"].as_array().unwrap() {
        assert_ne!(x["fix"], "see the message", "{x}");
    }
}

#[test]
fn regress_22_set_and_apply_mention_the_compressor_only_when_they_touch_it() {
    let f = FixtureRoot::copy_of(&zswap_testkit::fixtures_dir().join("linux-6.18-fresh"));
    f.param("enabled", "Y");
    let (code, out, err) = texts(&zswapctl(
        Some(f.path()),
        &["set", "max_pool_percent", "17"],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("uses compressor"), "{out}");
    let (code, out, err) = texts(&zswapctl(Some(f.path()), &["set", "compressor", "deflate"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("uses compressor 'deflate'"), "{out}");
}

/// Removes the immutable attribute again even when the test fails.
struct Immutable(std::path::PathBuf);

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn regress_22_immutable_file_as_root_exits_3_with_advice_for_root() {
    use zswap_testkit::host::{is_root, require};
    let chattr = std::process::Command::new("chattr")
        .arg("--help")
        .output()
        .is_ok();
    if !require("root and chattr", is_root() && chattr) {
        return;
    }
    let f = FixtureRoot::copy_of(&zswap_testkit::fixtures_dir().join("linux-6.18-fresh"));
    // max_pool_percent is written first and undone when accept_threshold_percent fails
    let file = f
        .path()
        .join("sys/module/zswap/parameters/accept_threshold_percent");
    let st = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&file)
        .status()
        .unwrap();
    if !require("a file system with the immutable attribute", st.success()) {
        return;
    }
    let _undo = Immutable(file);
    f.file(
        "plan.yaml",
        "accept_threshold_percent: 80\nmax_pool_percent: 17\n",
    );
    let plan = f.path().join("plan.yaml");
    let (code, out, err) = texts(&zswapctl(
        Some(f.path()),
        &["apply", "-f", plan.to_str().unwrap()],
    ));
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        !err.contains("run as root") && !out.contains("run as root"),
        "{out}{err}"
    );
    assert!(err.contains("immutable"), "{err}");
    assert!(out.contains("undo"), "{out}");
    let (code, _, err) = texts(&zswapctl(
        Some(f.path()),
        &["set", "accept_threshold_percent", "81"],
    ));
    assert_eq!(code, 3, "{err}");
    assert!(
        !err.contains("run as root") && err.contains("immutable"),
        "{err}"
    );
}

/// The first string literal after each `marker` in `text`.
fn literals_after(text: &str, marker: &str) -> Vec<String> {
    text.split(marker)
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('"')? + 1;
            let len = rest[start..].find('"')?;
            Some(rest[start..start + len].to_owned())
        })
        .collect()
}

#[test]
fn regress_22_readme_lists_every_check_code() {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut codes = Vec::new();
    let core = ws.join("crates/zswap-core/src/admin");
    let mut files = vec![core.join("check.rs")];
    for e in std::fs::read_dir(core.join("check")).unwrap() {
        files.push(e.unwrap().path());
    }
    for f in files.iter().filter(|f| !f.ends_with("tests.rs")) {
        let text = std::fs::read_to_string(f).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap();
        codes.extend(literals_after(text, "finding(\n"));
        codes.extend(literals_after(text, "finding("));
        codes.extend(literals_after(text, "code: "));
    }
    let ctl = std::fs::read_to_string(ws.join("crates/zswapctl/src/cmd/check.rs")).unwrap();
    codes.extend(literals_after(&ctl, "note(\n"));
    codes.extend(literals_after(&ctl, "note("));
    codes.extend(literals_after(&ctl, "code: "));
    codes.retain(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'));
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 20, "{codes:?}");
    // the first cells of the markdown tables of the docs (README.md will be slimmed and the
    // check table may move to docs/): a code elsewhere in the prose does not count
    let first_cells: String = zswap_testkit::docs::doc_files()
        .iter()
        .map(|f| std::fs::read_to_string(ws.join(f)).unwrap())
        .flat_map(|t| {
            t.lines()
                .filter_map(|l| l.strip_prefix("| ")?.split(" |").next().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .join("\n");
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| !first_cells.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "the check table (README.md or docs/) lacks {missing:?}"
    );
}

#[test]
fn regress_22_status_keys_and_values_are_apart_on_6_1() {
    let f = FixtureRoot::era("6.1.0-41-amd64");
    let (code, out, err) = texts(&zswapctl(Some(f.path()), &["status"]));
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.contains("same_filled_pages_enabled"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("same_filled_pages_enabled "),
        "key and value run together: {line}"
    );
}

#[test]
fn regress_22_fixes_on_a_tree_name_the_tree() {
    let f = FixtureRoot::era("6.18.2");
    f.file("etc/zswap/zswap.yaml", "enabled: maybe\n");
    let (_, j) = check_json(f.path(), &["--no-save"]);
    let root = format!("--root {}", f.path().display());
    let mut seen = 0;
    for x in j["findings"].as_array().unwrap() {
        let fix = x["fix"].as_str().unwrap();
        for (i, _) in fix.match_indices("zswapctl ") {
            seen += 1;
            assert!(fix[i..].starts_with(&format!("zswapctl {root}")), "{fix}");
        }
    }
    assert!(seen >= 2, "{j}");
}

#[test]
fn regress_22_numbers_read_the_same_everywhere() {
    let f = FixtureRoot::copy_of(&zswap_testkit::fixtures_dir().join("linux-6.18-after-workload"));
    let (_, out, _) = texts(&zswapctl(Some(f.path()), &["status", "--bytes"]));
    let pool = out.lines().find(|l| l.contains("pool size")).unwrap();
    assert!(pool.contains(",") && pool.contains(" B"), "{pool}");
    let (_, out, err) = texts(&zswapctl(
        None,
        &["simulate", "--working-set", "16M", "--resident", "16M"],
    ));
    assert!(
        err.contains("'16.0 MiB'") && !err.contains("16777216"),
        "{out}{err}"
    );
    f.param("max_pool_percent", "1");
    let meminfo = std::fs::read_to_string(f.path().join("proc/meminfo")).unwrap();
    let meminfo: String = meminfo
        .lines()
        .map(|l| {
            if l.starts_with("MemTotal:") {
                "MemTotal:        1048576 kB\n".to_owned()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    f.proc("meminfo", &meminfo);
    let (_, j) = check_json(f.path(), &["--no-save"]);
    let tiny = finding(&j, "pool-limit-tiny").unwrap();
    let msg = tiny["message"].as_str().unwrap();
    assert!(msg.contains("MiB") && !msg.contains("bytes"), "{msg}");
}

#[test]
fn regress_22_status_and_top_name_the_cgroup_mount_alike() {
    // the tree's cgroup2 mount has no memory controller: both explain it with the mount as
    // the kernel names it
    let f = FixtureRoot::copy_of(&zswap_testkit::fixtures_dir().join("linux-6.18-after-workload"));
    let (code, out, err) = texts(&zswapctl(Some(f.path()), &["status", "--cgroups"]));
    assert_eq!(code, 0, "{err}");
    let named = "at '/sys/fs/cgroup/unified' has no memory controller";
    assert!(out.contains(named), "{out}");
    let top = crate::json_shapes::top_lines(f.path(), 1).remove(0);
    let why = top["cgroups"]["missing"].as_str().unwrap();
    assert!(why.contains(named), "{why}");
}

#[test]
fn regress_22_duplicate_key_is_one_line_naming_file_key_and_line_in_apply_and_check() {
    let f = FixtureRoot::era("6.18.2");
    let yaml = "max_pool_percent: 20\nenabled: true\nmax_pool_percent: 30\n";
    f.file("etc/zswap/zswap.yaml", yaml);
    let file = f.path().join("etc/zswap/zswap.yaml");
    let (code, _, err) = texts(&zswapctl(
        Some(f.path()),
        &["apply", "-f", file.to_str().unwrap()],
    ));
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let named = "line 3: key 'max_pool_percent' is given twice";
    assert!(err.contains(named) && err.contains("zswap.yaml"), "{err}");
    assert!(
        !err.contains("DuplicateKeyPolicy") && !err.contains("<input>"),
        "{err}"
    );
    let (_, j) = check_json(f.path(), &["--no-save"]);
    let c = finding(&j, "config-invalid").unwrap();
    let msg = c["message"].as_str().unwrap();
    assert!(msg.contains(named) && msg.contains("zswap.yaml"), "{msg}");
    assert!(
        !msg.contains('\n') && !msg.contains("DuplicateKeyPolicy"),
        "{msg}"
    );
}
