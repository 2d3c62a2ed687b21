//! `zswapctl --root DIR status` on every committed fixture tree reports that tree's own
//! values: its parameters, its debugfs counters, absent things absent.

use std::path::{Path, PathBuf};

use zswap_testkit::fixtures_dir;

use crate::util::{json, read_trim, zswapctl};

pub(crate) fn trees() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("proc").is_dir())
        .collect();
    v.sort();
    assert!(
        !v.is_empty(),
        "no fixture trees under {}",
        fixtures_dir().display()
    );
    v
}

/// `params` (as `status --json` and `--json top` print them) holds exactly the tree's
/// parameter files, with their values.
pub(crate) fn check_params(tree: &Path, params: &serde_json::Value) {
    let dir = tree.join("sys/module/zswap/parameters");
    let mut files = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        let text = read_trim(&e.path());
        let got = &params[&name];
        let want = match text.as_str() {
            "Y" => serde_json::json!(true),
            "N" => serde_json::json!(false),
            t => t
                .parse::<u64>()
                .map_or(serde_json::json!(t), |n| serde_json::json!(n)),
        };
        assert_eq!(got, &want, "{}: parameter {name}", tree.display());
        files += 1;
    }
    let shown = params
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "unknown")
        .count();
    assert_eq!(
        shown,
        files,
        "{}: only the tree's parameters are shown",
        tree.display()
    );
}

fn check_debugfs(tree: &Path, j: &serde_json::Value) {
    let dir = tree.join("sys/kernel/debug/zswap");
    let dbg = &j["sample"]["debugfs"];
    if !dir.is_dir() {
        assert_ne!(dbg["status"], "available", "{}", tree.display());
        assert!(dbg.get("stats").is_none());
        return;
    }
    assert_eq!(dbg["status"], "available");
    let values = dbg["stats"]["values"].as_object().unwrap();
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        let want: u64 = read_trim(&e.path()).parse().unwrap();
        assert_eq!(values[&name], want, "{}: {name}", tree.display());
        n += 1;
    }
    assert_eq!(values.len(), n, "{}: no counter invented", tree.display());
}

#[test]
fn status_json_reports_each_trees_own_values() {
    for tree in trees() {
        let j = json(&zswapctl(Some(&tree), &["status", "--json"]));
        let release = read_trim(&tree.join("proc/sys/kernel/osrelease"));
        assert_eq!(j["sample"]["release"]["text"], release.as_str());
        check_params(&tree, &j["sample"]["params"]);
        check_debugfs(&tree, &j);
        let zswap = std::fs::read_to_string(tree.join("proc/meminfo"))
            .unwrap()
            .lines()
            .find_map(|l| {
                l.strip_prefix("Zswap:").map(|v| {
                    v.trim()
                        .trim_end_matches(" kB")
                        .trim()
                        .parse::<u64>()
                        .unwrap()
                })
            });
        assert_eq!(
            j["sample"]["meminfo"]["zswap_bytes"].as_u64(),
            zswap.map(|k| k * 1024)
        );
    }
}

#[test]
fn text_status_names_tree_compressor_and_allocator() {
    for tree in trees() {
        let out = zswapctl(Some(&tree), &["status"]);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let compressor = read_trim(&tree.join("sys/module/zswap/parameters/compressor"));
        let line = text
            .lines()
            .find(|l| l.starts_with("  compressor "))
            .unwrap_or_else(|| panic!("no compressor line: {text}"));
        let value = line["  compressor".len()..].trim_start();
        assert_eq!(value.split(' ').next(), Some(compressor.as_str()), "{text}");
        let zpool = tree.join("sys/module/zswap/parameters/zpool");
        if zpool.exists() {
            assert!(
                text.contains(&format!("{} (zpool parameter)", read_trim(&zpool))),
                "{text}"
            );
        } else {
            assert!(text.contains("no zpool parameter"), "{text}");
        }
    }
}

#[test]
fn zswap_root_environment_variable_picks_the_tree() {
    let tree = fixtures_dir().join("linux-6.18-after-workload");
    let out = assert_cmd::Command::cargo_bin("zswapctl")
        .unwrap()
        .env("ZSWAP_ROOT", &tree)
        .args(["status", "--json"])
        .output()
        .unwrap();
    let j = json(&out);
    assert_eq!(j["sample"]["params"]["compressor"], "deflate");
}

#[test]
fn after_workload_tree_derives_ratio_from_its_counters() {
    let tree = fixtures_dir().join("linux-6.18-after-workload");
    let j = json(&zswapctl(Some(&tree), &["status", "--json"]));
    let stored: f64 = read_trim(&tree.join("sys/kernel/debug/zswap/stored_pages"))
        .parse()
        .unwrap();
    let pool: f64 = read_trim(&tree.join("sys/kernel/debug/zswap/pool_total_size"))
        .parse()
        .unwrap();
    let ratio = j["derived"]["compression_ratio"].as_f64().unwrap();
    assert!((ratio - stored * 4096.0 / pool).abs() < 1e-9);
    let text = String::from_utf8(zswapctl(Some(&tree), &["status", "--bytes"]).stdout).unwrap();
    // exact bytes, grouped like every count
    let grouped = zswap_core::exact_bytes(pool as u64);
    assert!(grouped.contains(','), "{grouped}");
    assert!(text.contains(&grouped), "{text}");
}

/// Every parameter line of the text status has its value in one column, apart from its label,
/// including 6.1's `non_same_filled_pages_enabled` (wider than the other labels).
#[test]
fn text_status_aligns_parameter_values_past_the_longest_label() {
    for tree in trees() {
        let text = String::from_utf8(zswapctl(Some(&tree), &["status"]).stdout).unwrap();
        let params: Vec<&str> = text
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .collect();
        assert!(params.len() > 3, "{text}");
        // (label, column of the value): a label ends at its first double space, or at its
        // only single space when it fills the column.
        let split = |l: &str| {
            let body = &l[2..];
            let end = body
                .find("  ")
                .or_else(|| body.find(' '))
                .unwrap_or_else(|| panic!("no value in {l:?}"));
            let gap = body[end..].len() - body[end..].trim_start().len();
            (body[..end].to_owned(), 2 + end + gap)
        };
        let rows: Vec<(String, usize)> = params.iter().map(|l| split(l)).collect();
        assert!(
            rows.iter().all(|(_, c)| *c == rows[0].1),
            "{}: {rows:?}\n{text}",
            tree.display()
        );
        if tree.ends_with("linux-6.1-fresh") {
            assert!(
                rows.iter()
                    .any(|(label, _)| label == "non_same_filled_pages_enabled"),
                "{text}"
            );
        }
    }
}

#[test]
fn unmounted_debugfs_says_how_to_mount() {
    let tree = fixtures_dir().join("linux-6.18-fresh");
    let text = String::from_utf8(zswapctl(Some(&tree), &["status"]).stdout).unwrap();
    assert!(
        text.contains("mount -t debugfs none /sys/kernel/debug"),
        "{text}"
    );
}

#[test]
fn tree_without_zswap_says_so() {
    let f = zswap_testkit::FixtureRoot::new();
    f.proc("meminfo", &zswap_testkit::meminfo_text(1 << 20, None))
        .proc("vmstat", "nr_free_pages 1\n")
        .proc("swaps", "Filename Type Size Used Priority\n")
        .proc("crypto", "")
        .proc("sys/kernel/osrelease", "5.10.0\n");
    let out = zswapctl(Some(f.path()), &["status"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("zswap: not available") && text.contains("CONFIG_ZSWAP"),
        "{text}"
    );
}

#[test]
fn broken_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let tree = fixtures_dir().join("linux-6.18-after-workload");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("zswapctl"))
        .arg("--root")
        .arg(&tree)
        .args(["status", "--cgroups"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    assert!(err.is_empty(), "{err}");
}

/// zram in every committed tree: a tree with `sys/block/zramN` lists exactly those devices
/// in `status --json`'s `zram` array, with `mem_used_total` as its `mm_stat` says for a
/// set-up device and a "zram" section per device in the text; a tree without one has an
/// empty array and no section. The trees hold both kinds (`tests/fixtures/README.md`).
#[test]
fn status_reports_each_trees_zram_devices() {
    let (mut with, mut without) = (0, 0);
    for tree in trees() {
        let j = json(&zswapctl(Some(&tree), &["status", "--json"]));
        let text = String::from_utf8(zswapctl(Some(&tree), &["status"]).stdout).unwrap();
        let mut devices: Vec<String> = std::fs::read_dir(tree.join("sys/block"))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().into_string().unwrap())
                    .filter(|n| n.starts_with("zram"))
                    .collect()
            })
            .unwrap_or_default();
        devices.sort();
        let shown: Vec<&str> = j["zram"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["device"].as_str().unwrap())
            .collect();
        assert_eq!(shown, devices, "{}", tree.display());
        if devices.is_empty() {
            without += 1;
            assert!(!text.contains("\nzram zram"), "{}\n{text}", tree.display());
            continue;
        }
        with += 1;
        for (d, name) in j["zram"].as_array().unwrap().iter().zip(&devices) {
            assert!(
                text.contains(&format!("zram {name} (")),
                "{}\n{text}",
                tree.display()
            );
            let dir = tree.join("sys/block").join(name);
            if read_trim(&dir.join("initstate")) == "1" {
                let mm = read_trim(&dir.join("mm_stat"));
                let used: u64 = mm.split_whitespace().nth(2).unwrap().parse().unwrap();
                assert_eq!(d["mm_stat"]["mem_used_total_bytes"], used, "{name}");
            } else {
                assert!(d["mm_stat"].is_null(), "{name}");
            }
        }
    }
    assert!(
        with > 0 && without > 0,
        "trees with zram {with}, without {without}"
    );
}
