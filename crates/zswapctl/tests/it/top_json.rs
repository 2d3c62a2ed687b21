//! `zswapctl --json top` without a terminal: two readings of every fixture tree, checked
//! against the tree's own files; no escape codes; Ctrl-C and a closed pipe end it with
//! status 0.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fixtures::{check_params, trees};
use crate::util::{read_trim, zswapctl_cmd};

/// `zswapctl --root tree --json top --rate 250ms`, stdin and stdout not terminals.
fn spawn(tree: &Path) -> Child {
    zswapctl_cmd(tree, &["--json", "top", "--rate", "250ms"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits up to 10 s for `child` to exit (killing it and failing after that).
fn wait(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("zswapctl --json top did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn next_line(out: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    assert!(out.read_line(&mut line).unwrap() > 0, "stdout ended early");
    assert!(line.ends_with('\n'), "{line:?}");
    line
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    child.stderr.take().unwrap().read_to_string(&mut s).unwrap();
    s
}

/// A number from a tree file (the first word of its first line).
fn num(p: &Path) -> Option<u64> {
    std::fs::read_to_string(p)
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `key value` from a file of such lines (`memory.stat`, `vmstat`; `meminfo` with `:`).
fn keyed(p: &Path, key: &str) -> Option<u64> {
    std::fs::read_to_string(p).ok()?.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        (w.next()?.trim_end_matches(':') == key)
            .then(|| w.next()?.parse().ok())
            .flatten()
    })
}

/// What the tree's files say each figure is; the rates of a tree that does not change are
/// null on the first reading and zero on the second.
fn check_reading(tree: &Path, j: &Value, seq: u64) {
    let at = |what: &str| format!("{} #{seq}: {what}", tree.display());
    assert_eq!(j["seq"], seq, "{}", at("seq"));
    assert_eq!(j["interval_ms"], 250);
    assert_eq!(j["source"], format!("tree {}", tree.display()));
    let release = read_trim(&tree.join("proc/sys/kernel/osrelease"));
    assert_eq!(j["kernel"], release.as_str());
    check_params(tree, &j["params"]);

    let rate = |present: bool| {
        if seq == 1 || !present {
            Value::Null
        } else {
            json!(0.0)
        }
    };
    let dbg = tree.join("sys/kernel/debug/zswap");
    let meminfo = tree.join("proc/meminfo");
    let vmstat = tree.join("proc/vmstat");
    let pool = &j["pool"];
    let pool_bytes =
        num(&dbg.join("pool_total_size")).or_else(|| keyed(&meminfo, "Zswap").map(|k| k * 1024));
    assert_eq!(pool["bytes"].as_u64(), pool_bytes, "{}", at("pool bytes"));
    let stored_pages = num(&dbg.join("stored_pages"))
        .or_else(|| keyed(&meminfo, "Zswapped").map(|k| k * 1024 / 4096));
    assert_eq!(pool["stored_pages"].as_u64(), stored_pages);
    assert_eq!(
        pool["stored_bytes"].as_u64(),
        stored_pages.map(|p| p * 4096)
    );
    let params = tree.join("sys/module/zswap/parameters");
    let total_pages = keyed(&meminfo, "MemTotal").unwrap() * 1024 / 4096;
    let limit = num(&params.join("max_pool_percent")).map(|p| total_pages * p / 100 * 4096);
    assert_eq!(pool["limit_bytes"].as_u64(), limit, "{}", at("limit"));
    assert_eq!(
        pool["incompressible_pages"].as_u64(),
        num(&dbg.join("stored_incompressible_pages"))
    );
    assert_eq!(
        pool["limit_hits"].as_u64(),
        num(&dbg.join("pool_limit_hit"))
    );

    let r = &j["rates_per_sec"];
    assert_eq!(r["store"], rate(keyed(&vmstat, "zswpout").is_some()));
    assert_eq!(r["load"], rate(keyed(&vmstat, "zswpin").is_some()));
    let wb = keyed(&vmstat, "zswpwb").is_some() || dbg.join("written_back_pages").exists();
    assert_eq!(r["writeback"], rate(wb), "{}", at("writeback rate"));

    if dbg.is_dir() {
        let rejects = j["rejects"].as_object().expect("rejects with debugfs");
        for (file, v) in rejects {
            assert_eq!(v["total"].as_u64(), num(&dbg.join(file)), "{}", at(file));
            assert_eq!(v["per_sec"], rate(true), "{}", at(file));
        }
        let want: BTreeSet<String> = std::fs::read_dir(&dbg)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|f| {
                f.starts_with("reject_")
                    || ["written_back_pages", "decompress_fail", "duplicate_entry"]
                        .contains(&f.as_str())
            })
            .collect();
        assert_eq!(rejects.keys().cloned().collect::<BTreeSet<_>>(), want);
    } else {
        assert!(j["rejects"].is_null(), "{}", at("rejects"));
        assert!(
            j["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["what"] == "debugfs")
        );
    }

    check_cgroups(tree, &j["cgroups"], seq);
    assert_eq!(j["probe"]["loaded"], false);
    assert!(
        j["probe"]["reason"].as_str().unwrap().contains("--root"),
        "{}",
        at("probe")
    );
}

/// The rows are the tree's cgroup v2 directories with zswap figures, or there are none and
/// `missing` says why.
fn check_cgroups(tree: &Path, cg: &Value, seq: u64) {
    let base = tree.join("sys/fs/cgroup");
    let v2_memory = std::fs::read_to_string(base.join("cgroup.controllers"))
        .is_ok_and(|c| c.split_whitespace().any(|w| w == "memory"));
    let rows = cg["rows"].as_array().unwrap();
    assert_eq!(cg["truncated"], false);
    if !v2_memory {
        assert!(rows.is_empty(), "{}: {rows:?}", tree.display());
        assert!(
            cg["missing"]
                .as_str()
                .unwrap()
                .contains("memory controller")
        );
        return;
    }
    assert!(cg["missing"].is_null() || rows.is_empty());
    let mut seen = BTreeSet::new();
    for row in rows {
        let path = row["path"].as_str().unwrap();
        let dir = base.join(path.trim_start_matches('/'));
        let stat = dir.join("memory.stat");
        let pool = num(&dir.join("memory.zswap.current")).or_else(|| keyed(&stat, "zswap"));
        assert_eq!(row["pool_bytes"].as_u64(), pool, "{path}");
        assert_eq!(row["stored_bytes"].as_u64(), keyed(&stat, "zswapped"));
        let zero_after_first = |k: &str| match keyed(&stat, k) {
            Some(_) if seq > 1 => json!(0.0),
            _ => Value::Null,
        };
        assert_eq!(row["store_per_sec"], zero_after_first("zswpout"), "{path}");
        assert_eq!(row["load_per_sec"], zero_after_first("zswpin"), "{path}");
        let max = match std::fs::read_to_string(dir.join("memory.zswap.max")) {
            Ok(t) if t.trim() == "max" => json!("max"),
            Ok(t) => json!(t.trim().parse::<u64>().unwrap()),
            Err(_) => Value::Null,
        };
        assert_eq!(row["max"], max, "{path}");
        let wb = num(&dir.join("memory.zswap.writeback")).map(|w| w == 1);
        assert_eq!(row["writeback"].as_bool(), wb, "{path}");
        seen.insert(dir);
    }
    // every cgroup directory with zswap figures has its row
    for e in walk(&base) {
        let has = e.join("memory.zswap.current").exists()
            || keyed(&e.join("memory.stat"), "zswap").is_some();
        assert_eq!(seen.contains(&e), has, "{}", e.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_owned()];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
    }
    out
}

#[test]
fn json_top_streams_two_readings_of_each_tree_without_a_terminal() {
    for tree in trees() {
        let mut child = spawn(&tree);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let lines = [next_line(&mut out), next_line(&mut out)];
        // Ctrl-C
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
        let status = wait(&mut child);
        let mut rest = Vec::new();
        out.read_to_end(&mut rest).unwrap();
        let err = stderr_of(&mut child);
        assert_eq!(status.code(), Some(0), "{}: {err}", tree.display());
        assert!(err.is_empty(), "{err}");
        let all = [lines[0].as_bytes(), lines[1].as_bytes(), &rest].concat();
        assert!(!all.contains(&0x1b), "escape code in {}", tree.display());
        let readings: Vec<Value> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        check_reading(&tree, &readings[0], 1);
        check_reading(&tree, &readings[1], 2);
        let t0 = readings[0]["taken_at_ms"].as_u64().unwrap();
        let t1 = readings[1]["taken_at_ms"].as_u64().unwrap();
        assert!(t1 >= t0 + 200, "{t0} {t1}");
    }
}

#[test]
fn json_top_ends_quietly_when_the_reader_goes_away() {
    let tree = zswap_testkit::fixtures_dir().join("linux-6.18-after-workload");
    let mut child = spawn(&tree);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    next_line(&mut out);
    drop(out); // `| head -n 1`
    let status = wait(&mut child);
    let err = stderr_of(&mut child);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn docs_document_every_json_top_key() {
    let tree = zswap_testkit::fixtures_dir().join("linux-6.1-after-workload");
    let mut child = spawn(&tree);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let j: Value = serde_json::from_str(&next_line(&mut out)).unwrap();
    drop(out);
    wait(&mut child);
    let repo = zswap_testkit::fixtures_dir().join("../..");
    let doc = std::fs::read_to_string(repo.join("docs/zswapctl.md")).unwrap();
    let start = doc
        .find("\n## top\n")
        .expect("docs/zswapctl.md has a '## top' section");
    let end = doc[start + 1..]
        .find("\n## ")
        .map_or(doc.len(), |e| start + 1 + e);
    let section = &doc[start..end];
    let mut keys: Vec<String> = j.as_object().unwrap().keys().cloned().collect();
    for nested in ["pool", "rates_per_sec", "cgroups", "probe"] {
        keys.extend(j[nested].as_object().unwrap().keys().cloned());
    }
    keys.extend(j["cgroups"]["rows"][0].as_object().unwrap().keys().cloned());
    for k in keys {
        assert!(
            section.contains(&format!("`{k}`")),
            "docs/zswapctl.md's top section does not document `{k}`"
        );
    }
}
