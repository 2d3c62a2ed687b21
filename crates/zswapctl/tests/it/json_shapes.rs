//! `--json` shapes on every fixture tree: absent figures are left out (no
//! `null`), no always-empty objects, change and unchanged entries alike, no `values.values`.

use std::path::Path;

use serde_json::Value;
use zswap_testkit::{FixtureRoot, fixtures_dir};

use crate::util::zswapctl;

/// Copies of every committed tree.
fn trees() -> Vec<(String, FixtureRoot)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(fixtures_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.join("sys").is_dir() {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            v.push((name, FixtureRoot::copy_of(&p)));
        }
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Every path in `v` whose value is `null` or an empty object.
fn holes(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Null => out.push(format!("{at}: null")),
        Value::Object(m) if m.is_empty() => out.push(format!("{at}: {{}}")),
        Value::Object(m) => {
            for (k, x) in m {
                holes(x, &format!("{at}.{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                holes(x, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Checks `v` against `crates/zswapctl/schema/<name>.schema.json`: why it does not match.
fn check(name: &str, v: &Value) -> Result<(), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schema/{name}.schema.json"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let loc = format!("file:///{name}.schema.json");
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(&loc, schema).unwrap();
    let mut schemas = boon::Schemas::new();
    let idx = compiler.compile(&loc, &mut schemas).unwrap();
    schemas
        .validate(v, idx)
        .map_err(|e| format!("does not match {}: {e:#}", path.display()))
}

/// Checks `v` against `crates/zswapctl/schema/<name>.schema.json`.
fn validate(name: &str, v: &Value, what: &str) {
    if let Err(e) = check(name, v) {
        panic!("{what}: {e}\n{v:#}");
    }
}

fn json_of(root: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = zswapctl(Some(root), &all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn regress_22_json_has_no_nulls_or_empty_objects_on_any_tree() {
    for (name, f) in trees() {
        let root = f.path();
        f.file(
            "plan.yaml",
            "max_pool_percent: 17\naccept_threshold_percent: 90\n",
        );
        let plan = root.join("plan.yaml");
        let plan = plan.to_str().unwrap();
        let pages: Vec<u8> = (0..8 * 4096u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(root.join("pages.bin"), pages).unwrap();
        let pages = root.join("pages.bin");
        let pages = pages.to_str().unwrap();
        let cmds: Vec<Vec<&str>> = vec![
            vec!["analyze", "--jobs", "1", pages],
            vec!["status"],
            vec!["status", "--cgroups"],
            vec!["get"],
            vec!["check", "--no-save"],
            vec!["apply", "--dry-run", "-f", plan],
            vec!["persist", "--dry-run"],
        ];
        for args in cmds {
            let v = json_of(root, &args);
            let schema = if args[0] == "set" { "apply" } else { args[0] };
            validate(schema, &v, &format!("{name} {args:?}"));
            let mut found = Vec::new();
            holes(&v, "", &mut found);
            assert!(found.is_empty(), "{name} {args:?}: {found:?}");
        }
    }
}

#[test]
fn regress_22_unchanged_entries_are_shaped_like_changes() {
    let f = FixtureRoot::era("6.18.2");
    f.param("max_pool_percent", "20");
    f.file(
        "plan.yaml",
        "max_pool_percent: 20\naccept_threshold_percent: 80\n",
    );
    let plan = f.path().join("plan.yaml");
    let v = json_of(
        f.path(),
        &["apply", "--dry-run", "-f", plan.to_str().unwrap()],
    );
    let unchanged = &v["plan"]["unchanged"][0];
    assert_eq!(unchanged["name"], "max_pool_percent", "{v}");
    assert_eq!(unchanged["value"], 20, "{v}");
    assert_eq!(
        v["plan"]["changes"][0]["name"], "accept_threshold_percent",
        "{v}"
    );
}

#[test]
fn regress_22_persist_values_are_not_nested() {
    let f = FixtureRoot::era("6.18.2");
    let v = json_of(f.path(), &["persist", "--dry-run"]);
    assert!(v["values"].get("values").is_none(), "{v}");
    assert!(v["values"].get("enabled").is_some(), "{v}");
}

#[test]
fn regress_22_a_schema_refuses_a_wrong_shape() {
    // the old shape of a plan's unchanged entries, [name, value] pairs, is refused
    let old: Value = serde_json::json!({
        "status": "planned",
        "plan": {"changes": [], "unchanged": [["enabled", true]]}
    });
    let r = std::panic::catch_unwind(|| validate("apply", &old, "old shape"));
    assert!(r.is_err(), "the apply schema accepted [name, value] pairs");
}

#[test]
fn regress_22_every_json_command_has_a_schema() {
    let names = [
        "status", "get", "check", "apply", "persist", "analyze", "simulate", "top", "trace",
    ];
    for name in names {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schema/{name}.schema.json"));
        assert!(p.exists(), "{}", p.display());
    }
}

/// Two zram devices on a copy of `tree`: zram0 set up, lz4, active swap; zram1 not set up.
fn with_zram(tree: &Path) -> FixtureRoot {
    let f = FixtureRoot::copy_of(tree);
    f.zram(
        0,
        4_294_967_296,
        "lz4",
        "41943040 10485760 12582912 0 13631488 64 0 5 9",
    );
    f.zram(1, 0, "lzo-rle", "0 0 0 0 0 0 0 0 0");
    let swaps = std::fs::read_to_string(f.path().join("proc/swaps")).unwrap();
    f.proc(
        "swaps",
        &format!("{swaps}/dev/zram0 partition 4194300 8192 100\n"),
    );
    f
}

#[test]
fn regress_22_status_json_with_zram_matches_the_schema_on_every_tree() {
    for (name, _) in trees() {
        let f = with_zram(&fixtures_dir().join(&name));
        for args in [vec!["status"], vec!["status", "--cgroups"]] {
            let v = json_of(f.path(), &args);
            assert_eq!(v["zram"][0]["device"], "zram0", "{name}: {v:#}");
            assert_eq!(v["zram"][0]["swap"]["priority"], 100, "{name}: {v:#}");
            validate("status", &v, &format!("{name} {args:?} with zram"));
            let mut found = Vec::new();
            holes(&v, "", &mut found);
            assert!(found.is_empty(), "{name} {args:?}: {found:?}");
        }
    }
}

#[test]
fn regress_22_simulate_json_matches_the_schema_on_every_tree() {
    for (name, f) in trees() {
        // the tree gives the kernel rules; a small RAM makes the 1 % limit bite
        let args = [
            "simulate",
            "--ram",
            "16M",
            "--working-set",
            "2M",
            "--resident",
            "1M",
            "--accesses",
            "3000",
            "--max-pool-percent",
            "1,20",
            "--accept-threshold-percent",
            "50,90",
        ];
        let v = json_of(f.path(), &args);
        validate("simulate", &v, &format!("{name} {args:?}"));
        assert!(
            !v["runs"][0]["episodes"].as_array().unwrap().is_empty(),
            "{name}: {v}"
        );
    }
}

#[test]
fn regress_22_simulate_trace_json_matches_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    crate::simulate::write_trace(&trace, 600, true);
    let t = trace.to_str().unwrap();
    let out = zswapctl(
        None,
        &[
            "--json",
            "simulate",
            "--trace",
            t,
            "--max-pool-percent",
            "1,20",
        ],
    );
    let v = crate::util::json(&out);
    validate("simulate", &v, "simulate --trace");
    assert_eq!(v["runs"].as_array().unwrap().len(), 2, "{v}");
}

#[test]
fn regress_22_trace_lines_match_the_schema() {
    use zswap_core::trace::{Op, OpOutcome, TraceRecord, TraceWriter};
    // written with the writer of `trace --record`; `trace --json` prints the same records
    let header = zswap_testkit::trace::bare_trace_header(
        "6.1.0-50-amd64",
        zswap_core::ZswapInterface::Frontswap,
        &["store:zswap_frontswap_store:fentry"],
    );
    let mut buf = Vec::new();
    let mut w = TraceWriter::new(&mut buf, &header).unwrap();
    let ops = [Op::Store, Op::Load, Op::Invalidate, Op::Writeback];
    for (i, (op, outcome)) in ops
        .iter()
        .flat_map(|op| OpOutcome::ALL.iter().map(move |o| (*op, *o)))
        .enumerate()
    {
        let slot = i % 2 == 0;
        w.record(&TraceRecord {
            t_ns: i as u64,
            op,
            outcome,
            cgroup: 1,
            pid: 2,
            comm: "c".into(),
            latency_ns: 3,
            bytes: 4,
            pages: 1,
            ret: -2,
            swap_type: slot.then_some(0),
            swap_offset: slot.then_some(i as u64),
        })
        .unwrap();
    }
    w.finish().unwrap();
    let text = String::from_utf8(buf).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 4 * OpOutcome::ALL.len());
    for l in lines {
        validate("trace", &serde_json::from_str(l).unwrap(), l);
    }
}

/// `--json top` readings of a tree: the first `n` lines.
pub(crate) fn top_lines(tree: &Path, n: usize) -> Vec<Value> {
    use std::io::BufRead;
    let mut child = crate::util::zswapctl_cmd(tree, &["--json", "top", "--rate", "250ms"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut v = Vec::new();
    for _ in 0..n {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "stdout ended early");
        v.push(serde_json::from_str(&line).unwrap());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    v
}

#[test]
fn regress_22_top_json_matches_the_schema_on_every_tree() {
    for (name, f) in trees() {
        // the second reading has rates
        for (i, v) in top_lines(f.path(), 2).iter().enumerate() {
            validate("top", v, &format!("{name} top reading {}", i + 1));
        }
    }
}

#[test]
fn regress_22_schemas_refuse_a_renamed_or_undeclared_key() {
    let f = with_zram(&fixtures_dir().join("linux-6.18-after-workload"));
    let good = json_of(f.path(), &["status"]);
    validate("status", &good, "status with zram");
    let mut renamed = good.clone();
    let dev = renamed["zram"][0].as_object_mut().unwrap();
    let d = dev.remove("device").unwrap();
    dev.insert("dev".into(), d);
    assert!(check("status", &renamed).is_err(), "zram 'device' renamed");
    let mut extra = good.clone();
    extra["zram_total"] = serde_json::json!(1);
    assert!(
        check("status", &extra).is_err(),
        "an undeclared top-level key"
    );
    let mut mm = good;
    let m = mm["zram"][0]["mm_stat"].as_object_mut().unwrap();
    let x = m.remove("mem_used_total_bytes").unwrap();
    m.insert("mem_used_total".into(), x);
    assert!(check("status", &mm).is_err(), "mm_stat key renamed");

    let top = top_lines(f.path(), 1).remove(0);
    let mut t = top.clone();
    let pool = t["pool"].as_object_mut().unwrap();
    let b = pool.remove("bytes").unwrap();
    pool.insert("pool_bytes".into(), b);
    assert!(check("top", &t).is_err(), "top pool.bytes renamed");
}
