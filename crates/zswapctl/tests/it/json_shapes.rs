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

/// Checks `v` against `crates/zswapctl/schema/<name>.schema.json`.
fn validate(name: &str, v: &Value, what: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schema/{name}.schema.json"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let loc = format!("file:///{name}.schema.json");
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(&loc, schema).unwrap();
    let mut schemas = boon::Schemas::new();
    let idx = compiler.compile(&loc, &mut schemas).unwrap();
    if let Err(e) = schemas.validate(v, idx) {
        panic!("{what}: does not match {}: {e:#}\n{v:#}", path.display());
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
    for name in ["status", "get", "check", "apply", "persist", "analyze"] {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("schema/{name}.schema.json"));
        assert!(p.exists(), "{}", p.display());
    }
}
