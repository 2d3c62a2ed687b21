//! Shared helpers: run the exporter binary, a minimal HTTP/1.1 client, tool lookup, and
//! synthetic kernel trees of each era.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zswap_testkit::{FixtureRoot, meminfo_text};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_zswap-exporter");

/// The workspace root.
pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// True if and only if `tool` is on PATH.
pub(crate) fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

/// A free loopback port (bound, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running exporter, killed on drop.
pub(crate) struct Exporter {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
}

impl Exporter {
    /// Starts the exporter on a loopback port with `args` and waits for it to listen.
    pub(crate) fn start(args: &[&str]) -> Exporter {
        let mut child = Command::new(BIN)
            .args(["--web.listen-address", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zswap-exporter");
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("exporter exited before listening")
                .unwrap();
            // node_exporter's line: msg="Listening on" address=127.0.0.1:PORT tls=false ...
            if line.contains("msg=\"Listening on\"") {
                let hostport = line
                    .split(' ')
                    .find_map(|w| w.strip_prefix("address="))
                    .unwrap_or_else(|| panic!("no address= in the listening line: {line}"));
                break hostport.parse::<SocketAddr>().unwrap();
            }
        };
        // keep draining the log so the exporter never blocks on a full pipe
        std::thread::spawn(move || for _ in lines {});
        Exporter { child, addr }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// GET `path` and return (status, headers, body).
    pub(crate) fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        http_get(self.addr, path, headers)
    }

    /// The text exposition of one scrape; panics unless it is a 200.
    pub(crate) fn scrape(&self) -> String {
        let r = self.get("/metrics", &[]);
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 GET on a fresh connection (`Connection: close`).
pub(crate) fn http_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

pub(crate) fn parse_response(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// The value of the sample `name` (with its labels exactly as written, e.g.
/// `zswap_rejects_total{reason="alloc_fail"}`), if present.
pub(crate) fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (n, v) = l.rsplit_once(' ')?;
        (n == name).then(|| v.parse().unwrap())
    })
}

/// Every sample name (without labels) in an exposition.
pub(crate) fn sample_names(text: &str) -> std::collections::BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_owned())
        .collect()
}

/// Runs `cmd` to the end and returns its output; fails the test, showing its standard error,
/// if it did not succeed.
pub(crate) fn succeed(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `zswap-exporter --once` over a tree and returns its output.
pub(crate) fn once(root: &Path, extra: &[&str]) -> String {
    let out = succeed(
        Command::new(BIN)
            .arg("--once")
            .arg("--path.rootfs")
            .arg(root)
            .args(extra),
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Polls `f` until it gives `Some`, or panics after `limit`.
pub(crate) fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The debugfs counters of a 6.18 kernel after some traffic.
const DEBUGFS_6_18: [(&str, u64); 11] = [
    ("pool_total_size", 1_638_400),
    ("stored_pages", 1200),
    ("stored_incompressible_pages", 12),
    ("pool_limit_hit", 3),
    ("reject_compress_poor", 1),
    ("reject_compress_fail", 2),
    ("reject_alloc_fail", 3),
    ("reject_kmemcache_fail", 0),
    ("reject_reclaim_fail", 5),
    ("decompress_fail", 0),
    ("written_back_pages", 77),
];

/// A 6.18-like tree: no zpool, decompress_fail and stored_incompressible_pages, zswpwb and
/// the zero-page counters, and a cgroup v2 hierarchy with the memory controller.
pub(crate) fn tree_6_18() -> FixtureRoot {
    let f = FixtureRoot::new();
    f.params_6_18()
        .param("enabled", "Y")
        .param("compressor", "deflate");
    f.proc("meminfo", &meminfo_text(24_000_000, Some((1600, 4800))));
    f.proc(
        "vmstat",
        "nr_free_pages 100\nnr_zspages 400\npswpin 5\npswpout 80\nzswpin 300\nzswpout 1500\n\
         zswpwb 77\nswpin_zero 4\nswpout_zero 9\n",
    );
    for (n, v) in DEBUGFS_6_18 {
        f.debugfs(n, v);
    }
    // zram: a swap device with writeback built and limited, and one not set up
    f.proc(
        "swaps",
        "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0 partition 4194300 81920 100\n",
    );
    f.zram(
        0,
        4_294_967_296,
        "lz4",
        "83886080 20971520 23068672 268435456 25165824 512 12 40 75",
    )
    .file("sys/block/zram0/backing_dev", "/dev/vdb\n")
    .file("sys/block/zram0/bd_stat", "      10        4       25\n")
    .file("sys/block/zram0/writeback_limit_enable", "1\n")
    .file("sys/block/zram0/writeback_limit", "2560\n")
    .file("sys/block/zram0/io_stat", "       0        3 0      900\n");
    f.zram(1, 0, "lzo-rle", "0 0 0 0 0 0 0 0 0");
    f.proc(
        "mounts",
        "sysfs /sys sysfs rw 0 0\nproc /proc proc rw 0 0\n\
         cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\ndebugfs /sys/kernel/debug debugfs rw 0 0\n",
    );
    f.file(
        "sys/fs/cgroup/cgroup.controllers",
        "cpuset cpu io memory pids\n",
    );
    f.file(
        "sys/fs/cgroup/memory.stat",
        "anon 1000\nzswap 6553600\nzswapped 19660800\nzswpin 300\nzswpout 1500\nzswpwb 77\n",
    );
    f.file("sys/fs/cgroup/memory.zswap.writeback", "1\n");
    f.file(
        "sys/fs/cgroup/workload/memory.stat",
        "anon 900\nzswap 6000000\nzswapped 18000000\nzswpin 280\nzswpout 1400\nzswpwb 70\n",
    );
    f.file("sys/fs/cgroup/workload/memory.zswap.current", "6000000\n");
    f.file("sys/fs/cgroup/workload/memory.zswap.max", "max\n");
    f.file("sys/fs/cgroup/workload/memory.zswap.writeback", "1\n");
    f.file(
        "sys/fs/cgroup/capped/memory.stat",
        "anon 100\nzswap 4096\nzswapped 8192\nzswpin 0\nzswpout 2\nzswpwb 0\n",
    );
    f.file("sys/fs/cgroup/capped/memory.zswap.current", "4096\n");
    f.file("sys/fs/cgroup/capped/memory.zswap.max", "1048576\n");
    f.file("sys/fs/cgroup/capped/memory.zswap.writeback", "0\n");
    f
}

/// A 6.1-like tree: zpool=zbud, the same-filled switches, duplicate_entry and
/// same_filled_pages, frontswap counters, no zswpwb, no cgroup v2.
pub(crate) fn tree_6_1() -> FixtureRoot {
    let f = FixtureRoot::new();
    f.param("enabled", "Y")
        .param("compressor", "lzo")
        .param("zpool", "zbud")
        .param("max_pool_percent", "20")
        .param("accept_threshold_percent", "90")
        .param("same_filled_pages_enabled", "Y")
        .param("non_same_filled_pages_enabled", "Y");
    f.proc("meminfo", &meminfo_text(2_000_000, Some((800, 2400))));
    f.proc(
        "vmstat",
        "nr_free_pages 100\nnr_zspages 0\npswpin 0\npswpout 3\nzswpin 10\nzswpout 600\n",
    );
    for (n, v) in [
        ("pool_total_size", 819_200u64),
        ("stored_pages", 600),
        ("same_filled_pages", 40),
        ("duplicate_entry", 0),
        ("pool_limit_hit", 0),
        ("reject_compress_poor", 7),
        ("reject_alloc_fail", 0),
        ("reject_kmemcache_fail", 0),
        ("reject_reclaim_fail", 9),
        ("written_back_pages", 0),
    ] {
        f.debugfs(n, v);
    }
    for (n, v) in [
        ("loads", 10),
        ("succ_stores", 600),
        ("failed_stores", 7),
        ("invalidates", 2),
    ] {
        f.file(
            &format!("sys/kernel/debug/frontswap/{n}"),
            &format!("{v}\n"),
        );
    }
    f
}

/// A 6.12-like tree: zpool=zsmalloc, shrinker, no decompress_fail; zswap never enabled, so
/// debugfs is mounted but has no zswap directory yet.
pub(crate) fn tree_6_12_never_enabled() -> FixtureRoot {
    let f = FixtureRoot::new();
    f.params_6_18().param("zpool", "zsmalloc");
    f.proc("meminfo", &meminfo_text(4_000_000, Some((0, 0))));
    f.proc("vmstat", "nr_free_pages 100\nnr_zspages 0\npswpin 0\npswpout 0\nzswpin 0\nzswpout 0\nzswpwb 0\nswpin_zero 0\nswpout_zero 0\n");
    f.proc(
        "mounts",
        "sysfs /sys sysfs rw 0 0\nproc /proc proc rw 0 0\ndebugfs /sys/kernel/debug debugfs rw 0 0\n",
    );
    f.file("sys/kernel/debug/sched/verbose", "N\n");
    f
}

/// A tree with every file any era has (no real kernel has them all): the 6.18 tree plus
/// 6.1's parameters and counters, 6.5's exclusive_loads and 7.x's zswap_incomp. Its output
/// holds every metric family the exporter can write.
pub(crate) fn tree_everything() -> FixtureRoot {
    let f = tree_6_18();
    f.param("zpool", "zsmalloc")
        .param("same_filled_pages_enabled", "Y")
        .param("non_same_filled_pages_enabled", "Y")
        .param("exclusive_loads", "N")
        .debugfs("same_filled_pages", 3)
        .debugfs("duplicate_entry", 0);
    for n in ["loads", "succ_stores", "failed_stores", "invalidates"] {
        f.file(&format!("sys/kernel/debug/frontswap/{n}"), "1\n");
    }
    f.file(
        "sys/fs/cgroup/workload/memory.stat",
        "anon 900\nzswap 6000000\nzswapped 18000000\nzswpin 280\nzswpout 1400\nzswpwb 70\n\
         zswap_incomp 40960\n",
    );
    f
}
