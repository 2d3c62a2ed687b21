//! The live host, as root: zswap enabled with real swap traffic (a swap file and a cgroup-v1
//! memory squeeze), then one moment where the exporter's pool bytes equal debugfs
//! `pool_total_size` and node_exporter's `node_memory_Zswap_bytes`. Everything changed is
//! put back by a guard, also when the test fails; the machine-wide host lock keeps other
//! test runs off zswap meanwhile.
#![allow(clippy::disallowed_methods)] // test support reads and writes the host's files

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use zswap_testkit::host::{HostLock, Undo, is_root, record, require};
use zswap_testkit::swapout::{Debugfs, SavedParams, SwapFile};

use crate::common::{self, Exporter, http_get, sample, succeed, wait_for};

const PARAMS: &str = "/sys/module/zswap/parameters";
const DEBUGFS: &str = "/sys/kernel/debug";
const MEMCG_V1: &str = "/sys/fs/cgroup/memory";

/// The test's memory group and the workload in it, removed on drop (the swap file, the
/// parameters and debugfs are testkit's guards).
#[derive(Default)]
struct WorkloadGuard {
    cgroup: Option<PathBuf>,
    workload: Option<Child>,
}

impl Drop for WorkloadGuard {
    fn drop(&mut self) {
        if let Some(mut c) = self.workload.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(cg) = self.cgroup.take() {
            for _ in 0..50 {
                if std::fs::remove_dir(&cg).is_ok() || !cg.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn read_num(path: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// A node_exporter (Debian's prometheus-node-exporter) with only its meminfo collector.
struct NodeExporter {
    child: Child,
    port: u16,
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn node_exporter() -> NodeExporter {
    let port = common::free_port();
    let child = Command::new("prometheus-node-exporter")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .args(["--collector.disable-defaults", "--collector.meminfo"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let n = NodeExporter { child, port };
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_for("node_exporter to listen", Duration::from_secs(20), || {
        std::net::TcpStream::connect(addr).ok()
    });
    n
}

#[test]
fn live_scrape_matches_debugfs_and_node_exporter() {
    let usable = is_root() && Path::new(PARAMS).is_dir() && Path::new(MEMCG_V1).is_dir();
    if !require("root, zswap and a cgroup-v1 memory controller", usable)
        || !require(
            "prometheus-node-exporter (Debian package)",
            common::have("prometheus-node-exporter"),
        )
    {
        return;
    }
    let _lock = HostLock::acquire();
    let params = SavedParams::save();
    let _debugfs = Debugfs::ensure();
    params.set("enabled", "Y");

    // a swap file on disk, and a memory group that squeezes a workload into it
    let dir = tempfile::tempdir_in("/var/tmp").unwrap();
    let _swap = SwapFile::on(dir.path().join("swap"), 512 << 20);
    let mut g = WorkloadGuard::default();
    let cg = Path::new(MEMCG_V1).join(format!("zswap-exporter-live-{}", std::process::id()));
    record(&Undo::Cgroup(cg.clone()));
    std::fs::create_dir(&cg).unwrap();
    g.cgroup = Some(cg.clone());
    std::fs::write(cg.join("memory.limit_in_bytes"), "48M").unwrap();
    std::fs::write(cg.join("memory.swappiness"), "100").unwrap();
    // ~100 MiB of decimal text held in a shell variable: compressible anonymous memory
    let script = format!(
        "echo $$ > {}/cgroup.procs && x=$(seq 1 12000000) && echo ready && read _",
        cg.display()
    );
    let mut child = Command::new("bash")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    g.workload = Some(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    let stored = read_num("/sys/kernel/debug/zswap/stored_pages");
    assert!(
        stored > 1000,
        "the workload put only {stored} pages into zswap"
    );

    let e = Exporter::start(&[]);
    let node = node_exporter();
    let node_addr = format!("127.0.0.1:{}", node.port).parse().unwrap();

    // the same moment: debugfs unchanged before and after both scrapes
    let (text, node_text, pool) = wait_for("a quiet moment", Duration::from_secs(30), || {
        let before = read_num("/sys/kernel/debug/zswap/pool_total_size");
        let text = e.scrape();
        let node_text = http_get(node_addr, "/metrics", &[]).body;
        let after = read_num("/sys/kernel/debug/zswap/pool_total_size");
        (before == after).then_some((text, node_text, before))
    });
    assert!(pool > 0);
    assert_eq!(sample(&text, "zswap_pool_size_bytes"), Some(pool as f64));
    assert_eq!(
        sample(&text, "zswap_meminfo_zswap_bytes"),
        Some(pool as f64)
    );
    assert_eq!(
        sample(&node_text, "node_memory_Zswap_bytes"),
        Some(pool as f64)
    );
    assert!(sample(&text, "zswap_stored_pages").unwrap() > 1000.0);

    // parameters, with the compressor in the info metric
    let compressor = std::fs::read_to_string(Path::new(PARAMS).join("compressor")).unwrap();
    assert_eq!(
        sample(
            &text,
            &format!("zswap_info{{compressor=\"{}\"}}", compressor.trim())
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "zswap_enabled"), Some(1.0));
    let max_pool = read_num(&format!("{PARAMS}/max_pool_percent")) as f64 / 100.0;
    assert_eq!(sample(&text, "zswap_max_pool_ratio"), Some(max_pool));
    assert!(sample(&text, "zswap_accept_threshold_ratio").is_some());
    // every reject reason this kernel counts, written-back pages, the vmstat counters
    let mut reasons = 0;
    for r in [
        "compress_poor",
        "compress_fail",
        "alloc_fail",
        "kmemcache_fail",
        "reclaim_fail",
    ] {
        let file = format!("{DEBUGFS}/zswap/reject_{r}");
        let metric = sample(&text, &format!("zswap_rejects_total{{reason=\"{r}\"}}"));
        assert_eq!(metric.is_some(), Path::new(&file).exists(), "reason {r}");
        reasons += usize::from(metric.is_some());
    }
    assert!(reasons >= 4, "{text}");
    assert!(sample(&text, "zswap_written_back_pages_total").is_some());
    assert!(sample(&text, "zswap_vmstat_zswpout_total").unwrap() >= stored as f64);
    assert!(sample(&text, "zswap_vmstat_zswpin_total").is_some());
    assert!(sample(&text, "zswap_vmstat_zswpwb_total").is_some());
    for c in ["sysfs", "debugfs", "meminfo", "vmstat", "cgroup"] {
        assert_eq!(
            sample(
                &text,
                &format!("zswap_exporter_collector_success{{collector=\"{c}\"}}")
            ),
            Some(1.0),
            "collector {c}"
        );
    }
    if require(
        "promtool (Debian package prometheus)",
        common::have("promtool"),
    ) {
        let complaints = crate::prometheus::promtool_check_metrics(&text);
        assert!(complaints.trim().is_empty(), "promtool: {complaints}");
    }
}

/// Without root, debugfs is unreadable: the exporter says so in its self-metrics and still
/// exports the rest.
#[test]
fn unprivileged_user_gets_everything_but_debugfs() {
    let usable = is_root() && common::have("setpriv") && Path::new(PARAMS).is_dir();
    if !require("root (to drop to nobody with setpriv) and zswap", usable) {
        return;
    }
    let _lock = HostLock::acquire();
    let debugfs = Debugfs::ensure();
    let out = succeed(
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(common::BIN)
            .arg("--once"),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        sample(
            &text,
            "zswap_exporter_collector_success{collector=\"debugfs\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &text,
            "zswap_exporter_collector_success{collector=\"sysfs\"}"
        ),
        Some(1.0)
    );
    assert!(sample(&text, "zswap_meminfo_zswap_bytes").is_some());
    assert!(sample(&text, "zswap_enabled").is_some());
    assert!(String::from_utf8_lossy(&out.stderr).contains("run as root"));
    drop(debugfs);
}

/// `--collector.ebpf` as root: either the probe loads and its families are exported, or (as
/// on this host, whose kernel refuses BPF tracing) the collector reports 0 with the reason
/// and every other collector carries on.
#[test]
fn ebpf_collector_reports_whether_the_probe_loaded() {
    if !require("root", is_root()) {
        return;
    }
    let out = succeed(Command::new(common::BIN).args([
        "--once",
        "--collector.ebpf",
        "--no-collector.cgroup",
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    match sample(
        &text,
        "zswap_exporter_collector_success{collector=\"ebpf\"}",
    ) {
        Some(1.0) => {
            assert!(
                text.contains("zswap_ebpf_stores_total{result=\"ok\"}"),
                "{text}"
            );
        }
        Some(0.0) => {
            assert!(err.contains("the probe did not load"), "{err}");
            assert!(!text.contains("zswap_ebpf_"), "{text}");
            // Only a missing capability of this host excuses the probe: a kernel that refuses
            // tracing, no BTF, no zswap functions. A probe that was not built is a missing
            // toolchain (a skip, a failure under CI=true); any other reason is a bug.
            if err.contains("the probe was not built") {
                require(
                    "the eBPF probe built in (scripts/install-ebpf-toolchain.sh)",
                    false,
                );
                return;
            }
            let excused = [
                "this kernel refuses BPF tracing",
                "cannot read the kernel's btf",
                "this kernel has no zswap functions to probe",
            ];
            assert!(
                excused.iter().any(|e| err.contains(e)),
                "the probe did not load for a reason other than this host's kernel: {err}"
            );
        }
        other => panic!("ebpf success metric is {other:?}"),
    }
    assert_eq!(
        sample(
            &text,
            "zswap_exporter_collector_success{collector=\"meminfo\"}"
        ),
        Some(1.0)
    );
}
