//! Checks by Prometheus' own tools (Debian's `prometheus` package, installed by
//! `scripts/setup-test-deps.sh`): `promtool check metrics` finds nothing to fix in a scrape,
//! and a real Prometheus server scraping the exporter on loopback ingests the `zswap_`
//! series with their values.
#![allow(clippy::disallowed_methods)] // test support writes the Prometheus config

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use zswap_testkit::host::require;

use crate::common::{self, Exporter, http_get, wait_for};

/// Runs `promtool check metrics` on `text`; returns its complaints (empty when clean).
pub(crate) fn promtool_check_metrics(text: &str) -> String {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let complaints = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() && complaints.trim().is_empty() {
        return format!("promtool failed: {}", out.status);
    }
    complaints
}

#[test]
fn promtool_finds_nothing_to_fix() {
    if !require(
        "promtool (Debian package prometheus)",
        common::have("promtool"),
    ) {
        return;
    }
    for f in [
        common::tree_6_18(),
        common::tree_6_1(),
        common::tree_6_12_never_enabled(),
    ] {
        let text = common::once(f.path(), &[]);
        let complaints = promtool_check_metrics(&text);
        assert!(
            complaints.trim().is_empty(),
            "{}:\n{complaints}",
            f.path().display()
        );
    }
    // and a scrape of this host as whoever runs the tests (the host is only read)
    let e = Exporter::start(&[]);
    let complaints = promtool_check_metrics(&e.scrape());
    assert!(complaints.trim().is_empty(), "host scrape:\n{complaints}");
}

/// The ebpf collector's families need a loaded probe, so they are checked from their golden
/// output, itself kept equal to the code by the `ebpf::render_tests::golden_ebpf_families`
/// unit test.
#[test]
fn promtool_accepts_the_ebpf_families() {
    if !require(
        "promtool (Debian package prometheus)",
        common::have("promtool"),
    ) {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ebpf.prom");
    let text = std::fs::read_to_string(&path).unwrap();
    let complaints = promtool_check_metrics(&text);
    assert!(
        complaints.trim().is_empty(),
        "{}:\n{complaints}",
        path.display()
    );
}

struct Prometheus {
    child: Child,
    _dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn query(port: u16, q: &str) -> Option<serde_json::Value> {
    let enc: String = q
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"_-.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let r = std::panic::catch_unwind(|| http_get(addr, &format!("/api/v1/query?query={enc}"), &[]))
        .ok()?;
    if r.status != 200 {
        return None;
    }
    let body = if r.header("transfer-encoding") == Some("chunked") {
        dechunk(&r.body)
    } else {
        r.body
    };
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    let result = v["data"]["result"].clone();
    (result.as_array().is_some_and(|a| !a.is_empty())).then_some(result)
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n]);
        rest = &tail[n + 2..];
    }
    out
}

fn value_of(result: &serde_json::Value) -> f64 {
    result[0]["value"][1].as_str().unwrap().parse().unwrap()
}

#[test]
fn real_prometheus_ingests_the_zswap_series() {
    if !require(
        "prometheus (Debian package prometheus)",
        common::have("prometheus"),
    ) {
        return;
    }
    let f = common::tree_6_18();
    let root = f.path().display().to_string();
    let e = Exporter::start(&["--path.rootfs", &root]);
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let cfg = dir.path().join("prometheus.yml");
    std::fs::write(
        &cfg,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
             scrape_configs:\n  - job_name: zswap\n    static_configs:\n      - targets: ['{}']\n",
            e.addr
        ),
    )
    .unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let p = Prometheus {
        child,
        _dir: dir,
        port,
    };
    let up = wait_for(
        "prometheus to scrape the exporter",
        Duration::from_secs(60),
        || query(p.port, "up{job=\"zswap\"}"),
    );
    assert_eq!(value_of(&up), 1.0);
    for (q, want) in [
        ("zswap_pool_size_bytes", 1_638_400.0),
        ("zswap_rejects_total{reason=\"alloc_fail\"}", 3.0),
        ("zswap_info{compressor=\"deflate\"}", 1.0),
        ("zswap_compression_ratio", 3.0),
        ("zswap_cgroup_max_bytes{cgroup=\"/capped\"}", 1_048_576.0),
        (
            "zswap_exporter_collector_success{collector=\"debugfs\"}",
            1.0,
        ),
        ("count({__name__=~\"zswap_rejects_total\"})", 5.0),
    ] {
        let r = wait_for(q, Duration::from_secs(30), || query(p.port, q));
        assert_eq!(value_of(&r), want, "{q}");
    }
    // the scrape went through the OpenMetrics path (Prometheus asks for it first) and
    // Prometheus saw no sample it had to drop
    let dropped = wait_for(
        "scrape_samples_post_metric_relabeling",
        Duration::from_secs(10),
        || {
            query(
                p.port,
                "scrape_samples_scraped{job=\"zswap\"} - scrape_samples_post_metric_relabeling{job=\"zswap\"}",
            )
        },
    );
    assert_eq!(value_of(&dropped), 0.0);
}
