//! `deploy/`: the alert rules pass `promtool check rules` and their unit tests, and the
//! Grafana dashboard is valid JSON whose every query is valid PromQL naming only metrics the
//! exporter writes, with every metric family shown on some panel.
#![allow(clippy::disallowed_methods)] // test support reads deploy/ and writes a temp file

use std::collections::BTreeSet;
use std::process::Command;

use zswap_testkit::host::require;

use crate::common::{self, once, sample_names};

fn deploy(rel: &str) -> std::path::PathBuf {
    common::workspace().join("deploy").join(rel)
}

/// The metric names a PromQL expression mentions.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = expr.as_bytes();
    for prefix in ["zswap_", "zram_"] {
        let mut i = 0;
        while let Some(pos) = expr[i..].find(prefix) {
            let start = i + pos;
            let boundary =
                start == 0 || !(b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_');
            let mut end = start;
            while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                end += 1;
            }
            if boundary {
                out.insert(expr[start..end].to_owned());
            }
            i = end;
        }
    }
    out
}

/// Every sample name the exporter can write: a scrape of a tree with every file, plus the
/// ebpf collector's families (which need a loaded probe) from their golden output, itself
/// checked against the code by the `ebpf::render_tests::golden_ebpf_families` unit test.
fn exported() -> BTreeSet<String> {
    let f = common::tree_everything();
    let mut names = sample_names(&once(f.path(), &[]));
    let ebpf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ebpf.prom");
    names.extend(sample_names(&std::fs::read_to_string(ebpf).unwrap()));
    names
}

fn promtool(args: &[&str]) -> (bool, String) {
    let out = Command::new("promtool").args(args).output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn alert_rules_check_and_unit_tests_pass() {
    if !require(
        "promtool (Debian package prometheus)",
        common::have("promtool"),
    ) {
        return;
    }
    let rules = deploy("prometheus/zswap-alerts.yml");
    let (ok, out) = promtool(&["check", "rules", rules.to_str().unwrap()]);
    assert!(ok, "{out}");
    let tests = deploy("prometheus/zswap-alerts.test.yml");
    let (ok, out) = promtool(&["test", "rules", tests.to_str().unwrap()]);
    assert!(ok, "{out}");
}

#[test]
fn alert_rules_use_only_exported_metrics() {
    let text = std::fs::read_to_string(deploy("prometheus/zswap-alerts.yml")).unwrap();
    let exported = exported();
    let used = metric_names(&text);
    for want in [
        "zswap_pool_usage_ratio",
        "zswap_rejects_total",
        "zswap_vmstat_zswpwb_total",
        "zswap_decompress_failures_total",
        "zram_memory_used_bytes",
        "zram_memory_limit_bytes",
        "zram_failed_writes_total",
    ] {
        assert!(used.contains(want), "no alert uses {want}");
    }
    for m in &used {
        assert!(
            exported.contains(m),
            "alert rules use '{m}', which the exporter does not write"
        );
    }
}

fn dashboard_exprs() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(deploy("grafana/zswap.json")).unwrap();
    let d: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d["uid"], "zswap-exporter");
    let panels = d["panels"].as_array().unwrap();
    let mut ids = BTreeSet::new();
    let mut exprs = Vec::new();
    for p in panels {
        assert!(
            ids.insert(p["id"].as_u64().unwrap()),
            "duplicate panel id {}",
            p["id"]
        );
        let g = &p["gridPos"];
        assert!(
            g["w"].as_u64().unwrap() <= 24
                && g["x"].as_u64().unwrap() + g["w"].as_u64().unwrap() <= 24
        );
        if p["type"] == "row" {
            continue;
        }
        let title = p["title"].as_str().unwrap().to_owned();
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "panel '{title}' has no query");
        for t in targets {
            exprs.push((title.clone(), t["expr"].as_str().unwrap().to_owned()));
        }
    }
    exprs
}

#[test]
fn dashboard_covers_every_family_with_exported_metrics_only() {
    let exported = exported();
    let mut used = BTreeSet::new();
    for (title, expr) in dashboard_exprs() {
        let names = metric_names(&expr);
        assert!(
            !names.is_empty(),
            "panel '{title}': '{expr}' names no zswap metric"
        );
        for m in names {
            assert!(
                exported.contains(&m),
                "panel '{title}' uses '{m}', which the exporter does not write"
            );
            used.insert(m);
        }
    }
    let missing: Vec<_> = exported.difference(&used).collect();
    assert!(
        missing.is_empty(),
        "metric families on no dashboard panel: {missing:?}"
    );
}

#[test]
fn dashboard_queries_are_valid_promql() {
    if !require(
        "promtool (Debian package prometheus)",
        common::have("promtool"),
    ) {
        return;
    }
    // each query as a recording rule, with Grafana's variables filled in
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, (_, expr)) in dashboard_exprs().iter().enumerate() {
        let e = expr
            .replace("$__rate_interval", "5m")
            .replace("$instance", "host:10119");
        rules.push_str(&format!(
            "      - record: dashboard:q{i}\n        expr: '{}'\n",
            e.replace('\'', "''")
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("dashboard-rules.yml");
    std::fs::write(&p, rules).unwrap();
    let (ok, out) = promtool(&["check", "rules", p.to_str().unwrap()]);
    assert!(ok, "{out}");
}

#[test]
fn metric_names_finds_names_not_substrings() {
    let n = metric_names("rate(zswap_a_total{x=\"y\"}[5m]) / my_zswap_b + zswap_c");
    assert_eq!(
        n.into_iter().collect::<Vec<_>>(),
        ["zswap_a_total", "zswap_c"]
    );
}
