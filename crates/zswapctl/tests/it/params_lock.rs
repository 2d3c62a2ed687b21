//! Concurrent writers of the zswap parameters never leave a mix of their
//! configurations, and every run's report is true to what it did. Rounds of 2 and of 8
//! `zswapctl apply --json` runs start at once, each with its own file; afterwards:
//! - the parameters equal exactly one run's file;
//! - every run saw (its plan's `from` and `unchanged`) either the round's starting state or
//!   the complete file of another run, and wrote (read back) exactly its own file;
//! - the runs form one chain: one saw the start, each other one saw a different run's file,
//!   and the final state is the file of the run nobody saw, i.e. they ran one after another.
//!
//! On a fixture tree (hundreds of runs) and on this host's live parameters (restored after).
//! A writer killed with SIGKILL while holding the lock does not hold up the next one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use zswap_testkit::FixtureRoot;

use crate::host_admin::Restore;
use crate::util::{json, texts, zswapctl};

type State = BTreeMap<String, String>;

const KEYS: [&str; 3] = ["compressor", "max_pool_percent", "accept_threshold_percent"];
const PARAMS: &str = "sys/module/zswap/parameters";

/// `n` configurations that differ in every key.
fn configs(n: usize) -> Vec<State> {
    let comps = ["lzo", "deflate", "lzo-rle"];
    (0..n)
        .map(|i| {
            State::from([
                ("compressor".to_owned(), comps[i % comps.len()].to_owned()),
                ("max_pool_percent".to_owned(), (11 + i).to_string()),
                ("accept_threshold_percent".to_owned(), (41 + i).to_string()),
            ])
        })
        .collect()
}

fn write_configs(dir: &Path, cfgs: &[State]) -> Vec<PathBuf> {
    cfgs.iter()
        .enumerate()
        .map(|(i, c)| {
            let p = dir.join(format!("c{i}.yaml"));
            let text: String = c.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect()
}

fn state_of(params: &Path) -> State {
    KEYS.iter()
        .map(|k| {
            let v = std::fs::read_to_string(params.join(k)).unwrap();
            ((*k).to_owned(), v.trim().to_owned())
        })
        .collect()
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// The state a run's plan was made from and the state its read-back confirmed.
fn seen_and_left(out: &serde_json::Value) -> (State, State) {
    let plan = &out["plan"];
    let mut seen = State::new();
    let mut left = State::new();
    for c in plan["changes"].as_array().unwrap() {
        seen.insert(text(&c["name"]), text(&c["from"]));
        left.insert(text(&c["name"]), text(&c["to"]));
    }
    for u in plan["unchanged"].as_array().unwrap() {
        seen.insert(text(&u["name"]), text(&u["value"]));
        left.insert(text(&u["name"]), text(&u["value"]));
    }
    let applied: Vec<_> = out["report"]["applied"].as_array().unwrap().to_vec();
    assert_eq!(
        applied.len(),
        plan["changes"].as_array().unwrap().len(),
        "not every planned change was read back: {out}"
    );
    (seen, left)
}

/// One round: all `files` applied at once to `root` (`None`: the live system).
fn round(root: Option<&Path>, params: &Path, files: &[PathBuf], cfgs: &[State]) {
    let start = state_of(params);
    assert!(
        !cfgs.contains(&start),
        "the starting state must differ from every file"
    );
    let children: Vec<Child> = files
        .iter()
        .map(|f| {
            let mut cmd = Command::cargo_bin("zswapctl").unwrap();
            cmd.env_remove("ZSWAP_ROOT");
            if let Some(r) = root {
                cmd.arg("--root").arg(r);
            }
            cmd.args(["--json", "apply", "--wait", "60", "-f"])
                .arg(f)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let end = state_of(params);
    let mut seen_files = BTreeSet::new();
    let mut saw_start = 0;
    for (i, out) in outs.iter().enumerate() {
        let (code, _, err) = texts(out);
        assert_eq!(code, 0, "run {i}: {err}");
        let (seen, left) = seen_and_left(&json(out));
        let only = |s: &State| -> State {
            s.iter()
                .filter(|(k, _)| KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let (seen, left) = (only(&seen), only(&left));
        assert_eq!(
            left, cfgs[i],
            "run {i} reports a state that is not its file"
        );
        if seen == start {
            saw_start += 1;
        } else {
            let j = cfgs.iter().position(|c| *c == seen).unwrap_or_else(|| {
                panic!("run {i} planned from a mixed state {seen:?} (files {cfgs:?})")
            });
            assert_ne!(i, j);
            assert!(seen_files.insert(j), "two runs planned from run {j}'s file");
        }
    }
    assert_eq!(saw_start, 1, "runs that planned from the starting state");
    let last: Vec<usize> = (0..cfgs.len())
        .filter(|j| !seen_files.contains(j))
        .collect();
    assert_eq!(last.len(), 1, "runs nobody followed: {last:?}");
    assert_eq!(end, cfgs[last[0]], "final state is not the last run's file");
}

fn reset(params: &Path, to: &State) {
    for (k, v) in to {
        std::fs::write(params.join(k), v).unwrap();
    }
}

fn rounds(root: Option<&Path>, params: &Path, writers: usize, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let cfgs = configs(writers);
    let files = write_configs(dir.path(), &cfgs);
    let start = State::from([
        ("compressor".to_owned(), "lzo".to_owned()),
        ("max_pool_percent".to_owned(), "20".to_owned()),
        ("accept_threshold_percent".to_owned(), "90".to_owned()),
    ]);
    for _ in 0..n {
        reset(params, &start);
        round(root, params, &files, &cfgs);
    }
}

#[test]
fn concurrent_applies_on_a_tree_never_mix_two_writers() {
    let f = FixtureRoot::era("6.18.2");
    let params = f.path().join(PARAMS);
    let t = Instant::now();
    rounds(Some(f.path()), &params, 2, 150);
    rounds(Some(f.path()), &params, 8, 40);
    eprintln!("620 concurrent applies on a tree in {:?}", t.elapsed());
}

#[test]
fn concurrent_applies_on_the_live_host_never_mix_two_writers() {
    let Some(_restore) = Restore::take() else {
        return;
    };
    let params = Path::new("/").join(PARAMS);
    let t = Instant::now();
    rounds(None, &params, 2, 150);
    rounds(None, &params, 8, 40);
    eprintln!(
        "620 concurrent applies on the live host in {:?}",
        t.elapsed()
    );
}

/// A `zswapctl set` holding the lock is killed with SIGKILL; the next writer proceeds at
/// once. The writer is kept inside its locked section by a tree whose `max_pool_percent` is a
/// FIFO: reading the kernel's values (under the lock) blocks until someone writes to it.
#[test]
fn a_killed_writer_does_not_hold_up_the_next_one() {
    let f = FixtureRoot::era("6.18.2");
    let attr = f.path().join(PARAMS).join("max_pool_percent");
    std::fs::remove_file(&attr).unwrap();
    let c = std::ffi::CString::new(attr.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo on a path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let mut writer = Command::cargo_bin("zswapctl").unwrap();
    let mut writer = writer
        .env_remove("ZSWAP_ROOT")
        .arg("--root")
        .arg(f.path())
        .args(["set", "max_pool_percent", "33"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = writer.id();
    // wait for its record, so that the no-wait writer below can only meet a held lock (were it
    // to take the lock first, it would block on the FIFO itself)
    let lock = f.path().join("run/zswap-tools/zswap-params.lock");
    let t = Instant::now();
    while !std::fs::read_to_string(&lock).is_ok_and(|r| r.contains(&format!("pid={pid}\n"))) {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the writer never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (code, _, err) = texts(&zswapctl(
        Some(f.path()),
        &["set", "accept_threshold_percent", "77", "--no-wait"],
    ));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("pid '{pid}'")), "{err}");
    assert!(err.contains("not waiting (--no-wait)"), "{err}");
    // SAFETY: SIGKILL to our own child.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    writer.wait().unwrap();
    std::fs::remove_file(&attr).unwrap();
    std::fs::write(&attr, "20\n").unwrap();
    let t = Instant::now();
    let (code, _, err) = texts(&zswapctl(
        Some(f.path()),
        &["set", "max_pool_percent", "33", "--wait", "30"],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "waited {:?}",
        t.elapsed()
    );
    assert_eq!(std::fs::read_to_string(&attr).unwrap().trim(), "33");
}
