//! `cargo xtask bench-exporter` (and the exporter rows of `cargo xtask bench`): zswap-exporter
//! against Debian's node_exporter on this host, in one run, as the performance goals state
//! them (docs/performance.md, "The exporter"):
//!
//! - process CPU per scrape: `utime + stime` of `/proc/PID/stat` before and after `--scrapes`
//!   scrapes from `--cpu-clients` (8) keep-alive clients, divided by the scrapes; all threads
//!   of the process count, also those that ended;
//! - scrape latency p50/p99 at `--clients` (16) keep-alive clients;
//! - peak RSS: `VmHWM` of `/proc/PID/status` after the last round.
//!
//! All servers run at once but only one is scraped at a time; each round scrapes every server
//! in turn (CPU run, then latency run), so that the ratios of one round share the host's load
//! of that moment. The table gives the median over rounds and the spread of the per-round
//! ratio. Clients send Prometheus' Accept header and no `Accept-Encoding`: neither server
//! compresses (node_exporter gzips only when asked), so both serve the same kind of body.
//!
//! The exporter reads a hybrid sysfs (`hybrid_sysfs`): the live one but for a synthetic
//! cgroup v2 hierarchy, so that cgroups are present on any host. The cgroup cost curve runs
//! the exporter alone on such trees of 0, 100, 1,000 and 5,000 cgroups and fits the CPU per
//! scrape against the cgroup count.
#![allow(clippy::disallowed_methods)] // a development tool: reads /proc, writes scratch trees

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench_table::{Row, median};

const ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                      version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// The goal's bounds (docs/performance.md).
const CPU_RATIO_TARGET: f64 = 0.25;
const RSS_TARGET_MIB: f64 = 8.0;
const US_PER_CGROUP_TARGET: f64 = 20.0;
/// The curve counts as linear when the per-cgroup cost at the largest count is within this
/// factor of the cost at the second largest.
const LINEARITY_FACTOR: f64 = 1.5;

/// The exporter comparison's settings, the same flags in `bench-exporter` and `bench`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct ExporterArgs {
    /// Concurrent keep-alive clients of the latency runs.
    #[arg(long, default_value_t = 16)]
    pub(crate) clients: usize,
    /// Concurrent keep-alive clients of the CPU runs.
    #[arg(long, default_value_t = 8)]
    pub(crate) cpu_clients: usize,
    /// Scrapes per server per run.
    #[arg(long, default_value_t = 2000)]
    pub(crate) scrapes: usize,
    /// Rounds of the exporter comparison (every server scraped once per round).
    #[arg(long, default_value_t = 3)]
    pub(crate) exporter_rounds: usize,
    /// Cgroups in the exporter's (synthetic) cgroup v2 hierarchy during the comparison with
    /// node_exporter.
    #[arg(long, default_value_t = 20)]
    pub(crate) cgroups_present: usize,
    /// Cgroup counts of the cost curve, comma-separated; an empty list skips it.
    #[arg(long, value_delimiter = ',', default_value = "0,100,1000,5000")]
    pub(crate) cgroups: Vec<usize>,
}

/// What to measure, and how to build it.
#[derive(Debug, Clone)]
pub(crate) struct BenchOptions {
    pub(crate) exporter: ExporterArgs,
    pub(crate) cargo: String,
    pub(crate) workspace: PathBuf,
    pub(crate) target_dir: PathBuf,
}

struct Server {
    name: String,
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_listening(addr: SocketAddr) -> Result<()> {
    let start = Instant::now();
    while TcpStream::connect(addr).is_err() {
        if start.elapsed() > Duration::from_secs(20) {
            bail!("nothing listens on {addr} after 20 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn start(name: &str, program: &Path, extra: &[String]) -> Result<Server> {
    let port = free_port()?;
    let child = Command::new(program)
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting '{}'", program.display()))?;
    let s = Server {
        name: name.to_owned(),
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
    };
    wait_listening(s.addr)?;
    Ok(s)
}

/// A keep-alive HTTP/1.1 client for `/metrics` (Content-Length or chunked bodies).
struct Client {
    reader: BufReader<TcpStream>,
    request: Vec<u8>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Result<Client> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Client {
            reader: BufReader::new(s),
            request: format!(
                "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nAccept: {ACCEPT}\r\nUser-Agent: xtask-bench\r\n\r\n"
            )
            .into_bytes(),
        })
    }

    fn scrape(&mut self) -> Result<String> {
        self.reader.get_mut().write_all(&self.request)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        if !line.starts_with("HTTP/1.1 200") {
            bail!("unexpected status line {line:?}");
        }
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let lower = l.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = Some(v.trim().parse::<usize>()?);
            }
            if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
            if lower.starts_with("content-encoding:") {
                bail!("the server compressed its answer ({l}) though the client did not ask");
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim(), 16)?;
                let mut chunk = vec![0u8; n + 2];
                self.reader.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else {
            let n = length.context("response without Content-Length or chunking")?;
            body.resize(n, 0);
            self.reader.read_exact(&mut body)?;
        }
        Ok(String::from_utf8(body)?)
    }
}

fn vm_hwm_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/PID/status")
}

/// CPU seconds (user + system) the process `pid` has used, all its threads included:
/// fields 14 and 15 of `/proc/PID/stat`, in clock ticks.
fn process_cpu_secs(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // the command name (field 2) may hold spaces: count fields after its closing ')'
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("no ')' in /proc/PID/stat")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64> {
        f.get(i)
            .and_then(|v| v.parse().ok())
            .context("short /proc/PID/stat")
    };
    // fields after the name start at field 3: utime (14) is index 11, stime (15) index 12
    let t = ticks(11)? + ticks(12)?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz <= 0 {
        bail!("sysconf(_SC_CLK_TCK) failed");
    }
    Ok(t as f64 / hz as f64)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// One load run against one server.
#[derive(Debug, Clone)]
struct Load {
    /// Latencies in ms, sorted.
    lat_ms: Vec<f64>,
    /// Process CPU per scrape, microseconds.
    cpu_us: f64,
}

/// `scrapes` scrapes from `clients` keep-alive clients; the process's CPU delta over them.
fn load(s: &Server, clients: usize, scrapes: usize) -> Result<Load> {
    let per_client = scrapes.div_ceil(clients);
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(per_client * clients)));
    // connect first, so that the CPU window holds scrapes only
    let conns = (0..clients)
        .map(|_| Client::connect(s.addr))
        .collect::<Result<Vec<_>>>()?;
    let cpu0 = process_cpu_secs(s.child.id())?;
    let threads: Vec<_> = conns
        .into_iter()
        .map(|mut c| {
            let lat = latencies.clone();
            std::thread::spawn(move || -> Result<()> {
                let mut mine = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let t = Instant::now();
                    c.scrape()?;
                    mine.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                lat.lock()
                    .map_err(|_| anyhow::anyhow!("latency list poisoned"))?
                    .extend(mine);
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join()
            .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
    }
    let cpu = process_cpu_secs(s.child.id())? - cpu0;
    let mut lat = latencies
        .lock()
        .map_err(|_| anyhow::anyhow!("latency list poisoned"))?
        .clone();
    lat.sort_by(f64::total_cmp);
    Ok(Load {
        cpu_us: cpu * 1e6 / lat.len() as f64,
        lat_ms: lat,
    })
}

/// One server's figures over all rounds (medians of the rounds).
#[derive(Debug)]
pub(crate) struct Figures {
    pub(crate) name: String,
    /// CPU per scrape at `cpu_clients`, per round.
    cpu_us: Vec<f64>,
    /// CPU per scrape at `clients`, per round.
    cpu_us_lat: Vec<f64>,
    /// p50 and p99 at `clients`, per round.
    p50_ms: Vec<f64>,
    p99_ms: Vec<f64>,
    body_bytes: usize,
    zswap_series: usize,
    body: String,
    pub(crate) peak_rss_kib: u64,
}

impl Figures {
    fn cpu(&self) -> f64 {
        median(self.cpu_us.clone())
    }
    fn p99(&self) -> f64 {
        median(self.p99_ms.clone())
    }
}

/// Median and min..max of per-round ratios.
fn spread(ratios: &[f64]) -> (f64, f64, f64) {
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (median(ratios.to_vec()), min, max)
}

/// Everything the exporter comparison measured.
pub(crate) struct Results {
    servers: Vec<Figures>,
    curve: Vec<CurvePoint>,
    /// `zswap_exporter_collector_source_present` of debugfs and cgroup in our body, and
    /// the number of cgroup series.
    conditions: Conditions,
    cpu_clients: usize,
    clients: usize,
    scrapes: usize,
    rounds: usize,
}

#[derive(Debug, Clone, Copy)]
struct Conditions {
    debugfs: bool,
    cgroup: bool,
    cgroups: usize,
}

impl Conditions {
    fn of(body: &str) -> Conditions {
        let present = |c: &str| {
            body.lines().any(|l| {
                l.starts_with(&format!(
                    "zswap_exporter_collector_source_present{{collector=\"{c}\"}} 1"
                ))
            })
        };
        Conditions {
            debugfs: present("debugfs"),
            cgroup: present("cgroup"),
            cgroups: body
                .lines()
                .filter(|l| l.starts_with("zswap_cgroup_compressed_bytes{"))
                .count(),
        }
    }

    fn met(&self) -> bool {
        self.debugfs && self.cgroup && self.cgroups > 0
    }
}

/// Debian's node_exporter: trixie's (1.9, unpacked into the cache by
/// scripts/setup-test-deps.sh) when present, else the installed one.
fn node_exporter() -> Result<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_default();
    let trixie = cache.join("zswap-tools/node-exporter-trixie/usr/bin/prometheus-node-exporter");
    let installed = PathBuf::from("/usr/bin/prometheus-node-exporter");
    for p in [trixie, installed] {
        if p.exists() {
            return Ok(p);
        }
    }
    bail!(
        "no node_exporter (neither trixie's in the cache nor /usr/bin/prometheus-node-exporter): run scripts/setup-test-deps.sh"
    )
}

fn version_of(program: &Path) -> String {
    let out = Command::new(program)
        .arg("--version")
        .output()
        .map(|o| {
            let mut t = String::from_utf8_lossy(&o.stdout).into_owned();
            t.push_str(&String::from_utf8_lossy(&o.stderr));
            t
        })
        .unwrap_or_default();
    out.split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .unwrap_or("?")
        .to_owned()
}

/// Builds the exporter in release mode; its path.
fn build(o: &BenchOptions) -> Result<PathBuf> {
    let st = Command::new(&o.cargo)
        .args(["build", "--release", "--quiet", "-p", "zswap-exporter"])
        .current_dir(&o.workspace)
        .status()
        .context("running cargo build")?;
    if !st.success() {
        bail!("building zswap-exporter failed");
    }
    Ok(o.target_dir.join("release/zswap-exporter"))
}

/// Runs every measurement: the servers round by round, then the cgroup curve.
pub(crate) fn measure_all(o: &BenchOptions) -> Result<Results> {
    let a = &o.exporter;
    if a.clients == 0
        || a.cpu_clients == 0
        || a.scrapes == 0
        || a.exporter_rounds == 0
        || a.cgroups_present == 0
    {
        bail!(
            "--clients, --cpu-clients, --scrapes, --exporter-rounds and --cgroups-present must be at least 1"
        );
    }
    if a.cgroups.len() == 1 || (!a.cgroups.is_empty() && !a.cgroups.contains(&0)) {
        bail!(
            "--cgroups {:?}: the curve needs 0 (the fixed cost) and at least one more count, e.g. 0,100,1000,5000",
            a.cgroups
        );
    }
    let ours = build(o)?;
    let node = node_exporter()?;
    let (_sysfs, ours_flags) = hybrid_root(a.cgroups_present, &o.workspace)?;
    let nv = version_of(&node);
    let specs: [(String, &Path, Vec<String>); 3] = [
        (
            format!(
                "zswap-exporter (default collectors, {} cgroups)",
                a.cgroups_present
            ),
            &ours,
            ours_flags,
        ),
        (
            format!("node_exporter {nv} (meminfo + vmstat only)"),
            &node,
            [
                "--collector.disable-defaults",
                "--collector.meminfo",
                "--collector.vmstat",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            format!("node_exporter {nv} (default collectors)"),
            &node,
            vec![],
        ),
    ];
    let mut servers = Vec::new();
    let mut figs = Vec::new();
    for (name, program, extra) in &specs {
        let s = start(name, program, extra)?;
        // warm-up: caches, lazy initialisation, the allocator's first growth
        let mut warm = Client::connect(s.addr)?;
        let mut body = String::new();
        for _ in 0..20 {
            body = warm.scrape()?;
        }
        figs.push(Figures {
            name: name.clone(),
            cpu_us: vec![],
            cpu_us_lat: vec![],
            p50_ms: vec![],
            p99_ms: vec![],
            body_bytes: body.len(),
            zswap_series: body
                .lines()
                .filter(|l| !l.starts_with('#') && l.to_ascii_lowercase().contains("zswap"))
                .count(),
            body,
            peak_rss_kib: 0,
        });
        servers.push(s);
    }
    for round in 0..a.exporter_rounds {
        for (s, f) in servers.iter().zip(figs.iter_mut()) {
            let c = load(s, a.cpu_clients, a.scrapes)?;
            let l = load(s, a.clients, a.scrapes)?;
            f.cpu_us.push(c.cpu_us);
            f.cpu_us_lat.push(l.cpu_us);
            f.p50_ms.push(percentile(&l.lat_ms, 0.50));
            f.p99_ms.push(percentile(&l.lat_ms, 0.99));
            eprintln!(
                "round {}: {}: {:.0} us CPU/scrape at {}, p99 {:.2} ms at {}",
                round + 1,
                s.name,
                c.cpu_us,
                a.cpu_clients,
                percentile(&l.lat_ms, 0.99),
                a.clients
            );
        }
    }
    for (s, f) in servers.iter().zip(figs.iter_mut()) {
        f.peak_rss_kib = vm_hwm_kib(s.child.id())?;
    }
    drop(servers);
    let conditions = Conditions::of(&figs[0].body);
    let curve = if a.cgroups.is_empty() {
        Vec::new()
    } else {
        cgroup_curve(&ours, &a.cgroups, &o.workspace)?
    };
    Ok(Results {
        servers: figs,
        curve,
        conditions,
        cpu_clients: a.cpu_clients,
        clients: a.clients,
        scrapes: a.scrapes,
        rounds: a.exporter_rounds,
    })
}

impl Results {
    /// Whether the run had the goal's conditions: debugfs read and cgroups exported.
    pub(crate) fn conditions_met(&self) -> bool {
        self.conditions.met()
    }
}

/// Prints the per-server table and returns the goal rows and notes.
pub(crate) fn report(r: &Results) -> (Vec<Row>, Vec<String>) {
    println!(
        "{} scrapes per run, {} rounds (medians), CPU at {} and latency at {} concurrent \
         keep-alive clients, loopback, Prometheus' Accept header, no gzip asked or sent\n",
        r.scrapes, r.rounds, r.cpu_clients, r.clients
    );
    println!(
        "| server | CPU us/scrape at {} | CPU us/scrape at {} | p50 ms | p99 ms | body bytes | series naming zswap | peak RSS MiB |",
        r.cpu_clients, r.clients
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for f in &r.servers {
        println!(
            "| {} | {:.0} | {:.0} | {:.2} | {:.2} | {} | {} | {:.1} |",
            f.name,
            f.cpu(),
            median(f.cpu_us_lat.clone()),
            median(f.p50_ms.clone()),
            f.p99(),
            f.body_bytes,
            f.zswap_series,
            f.peak_rss_kib as f64 / 1024.0
        );
    }
    println!();
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let c = r.conditions;
    notes.push(format!(
        "exporter conditions: debugfs read {}, cgroup collector found its source {}, {} cgroups exported",
        yes(c.debugfs),
        yes(c.cgroup),
        c.cgroups
    ));
    if let [ours, node, rest @ ..] = &r.servers[..] {
        let per_round = |a: &[f64], b: &[f64]| -> Vec<f64> {
            a.iter().zip(b).map(|(x, y)| x / y).collect::<Vec<_>>()
        };
        let (cm, cmin, cmax) = spread(&per_round(&ours.cpu_us, &node.cpu_us));
        rows.push(Row {
            goal: format!(
                "exporter CPU per scrape at {} concurrent (rounds {cmin:.2}..{cmax:.2})",
                r.cpu_clients
            ),
            ours: format!("{:.0} us", ours.cpu()),
            peer: format!("{:.0} us ({})", node.cpu(), node.name),
            ratio: if c.met() { cm } else { f64::NAN },
            target: Some(CPU_RATIO_TARGET),
        });
        let (pm, pmin, pmax) = spread(&per_round(&ours.p99_ms, &node.p99_ms));
        rows.push(Row {
            goal: format!(
                "exporter p99 latency at {} concurrent (rounds {pmin:.2}..{pmax:.2})",
                r.clients
            ),
            ours: format!("{:.2} ms", ours.p99()),
            peer: format!("{:.2} ms ({})", node.p99(), node.name),
            ratio: pm,
            target: Some(1.0),
        });
        for other in rest {
            rows.push(Row {
                goal: format!("exporter CPU per scrape at {} concurrent", r.cpu_clients),
                ours: format!("{:.0} us", ours.cpu()),
                peer: format!("{:.0} us ({})", other.cpu(), other.name),
                ratio: ours.cpu() / other.cpu(),
                target: None,
            });
        }
        rows.push(Row {
            goal: "exporter peak RSS / 8 MiB".into(),
            ours: format!("{:.1} MiB", ours.peak_rss_kib as f64 / 1024.0),
            peer: format!(
                "8 MiB (node_exporter {:.1} MiB)",
                node.peak_rss_kib as f64 / 1024.0
            ),
            ratio: ours.peak_rss_kib as f64 / 1024.0 / RSS_TARGET_MIB,
            target: Some(1.0),
        });
    }
    if !r.curve.is_empty() {
        println!(
            "cgroup cost curve (hybrid sysfs: synthetic cgroup v2 tree, live /proc, /sys, debugfs):\n"
        );
        println!("| cgroups | CPU us/scrape | scrapes | body bytes | peak RSS MiB |");
        println!("|---:|---:|---:|---:|---:|");
        for p in &r.curve {
            println!(
                "| {} | {:.0} | {} | {} | {:.1} |",
                p.cgroups,
                p.cpu_us,
                p.scrapes,
                p.body_bytes,
                p.peak_rss_kib as f64 / 1024.0
            );
        }
        println!();
        rows.extend(curve_rows(&r.curve));
    }
    (rows, notes)
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}

/// Builds, measures and prints; false if a goal was missed.
pub(crate) fn bench(o: &BenchOptions) -> Result<bool> {
    let r = measure_all(o)?;
    let (rows, notes) = report(&r);
    let met = crate::bench_table::print(&rows);
    for n in &notes {
        println!("* {n}");
    }
    Ok(met && r.conditions_met())
}

/// One point of the cgroup cost curve.
#[derive(Debug, Clone)]
pub(crate) struct CurvePoint {
    cgroups: usize,
    cpu_us: f64,
    scrapes: usize,
    body_bytes: usize,
    peak_rss_kib: u64,
}

/// Least-squares slope of `y` over `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// The curve's two goal rows: the fitted CPU per cgroup against 20 us, and linearity (the
/// per-cgroup cost above the empty tree at the largest count against the second largest).
fn curve_rows(curve: &[CurvePoint]) -> Vec<Row> {
    let pts: Vec<(f64, f64)> = curve.iter().map(|p| (p.cgroups as f64, p.cpu_us)).collect();
    let s = slope(&pts);
    let mut rows = vec![Row {
        goal: format!(
            "exporter CPU per cgroup (least-squares slope over {} cgroups) / 20 us",
            curve
                .iter()
                .map(|p| p.cgroups.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ours: format!("{s:.2} us"),
        peer: "20 us".into(),
        ratio: s / US_PER_CGROUP_TARGET,
        target: Some(1.0),
    }];
    let base = curve.iter().find(|p| p.cgroups == 0).map(|p| p.cpu_us);
    let mut big: Vec<&CurvePoint> = curve.iter().filter(|p| p.cgroups > 0).collect();
    big.sort_by_key(|p| p.cgroups);
    if let (Some(base), [.., a, b]) = (base, &big[..]) {
        let per = |p: &CurvePoint| (p.cpu_us - base) / p.cgroups as f64;
        let r = per(b) / per(a);
        rows.push(Row {
            goal: format!(
                "exporter per-cgroup CPU at {} / at {} cgroups (linear: within {LINEARITY_FACTOR}x either way; shown as larger/smaller)",
                b.cgroups, a.cgroups
            ),
            ours: format!("{:.2} us", per(b)),
            peer: format!("{:.2} us", per(a)),
            ratio: r.max(1.0 / r),
            target: Some(LINEARITY_FACTOR),
        });
    }
    rows
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A sysfs for the exporter's `--path.sysfs` in which everything is this host's live sysfs
/// (symbolic links into `/sys`) except the cgroup v2 hierarchy that `/proc/mounts` names:
/// there a directory tree of regular files with the memory controller and `n` cgroups
/// (`/pNNN` with up to 99 children `/pNNN/gNN` each, so the tree has depth as real ones do;
/// the parents count in `n`). Every cgroup holds the 7.2 fixture's `memory.stat` and
/// `memory.zswap.*` files. procfs and debugfs stay the live ones, so only the cgroup files
/// are synthetic: a real `memory.stat` costs the kernel more to make than a file does.
fn hybrid_sysfs(dir: &Path, n: usize, workspace: &Path) -> Result<()> {
    let mounts = std::fs::read_to_string("/proc/mounts")?;
    let cg2 = mounts
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.get(2) == Some(&"cgroup2")).then(|| f.get(1).map(|m| m.to_string()))
        })
        .flatten()
        .context("no cgroup2 mount in /proc/mounts: the exporter would find no cgroup hierarchy")?;
    let rel = Path::new(&cg2)
        .strip_prefix("/sys")
        .with_context(|| format!("the cgroup2 mount {cg2} is not below /sys"))?
        .to_owned();
    // real directories along the mount's path, links to /sys for everything beside it
    let mut real = PathBuf::from("/sys");
    let mut fake = dir.to_owned();
    std::fs::create_dir_all(&fake)?;
    for comp in rel.components() {
        for e in std::fs::read_dir(&real)? {
            let name = e?.file_name();
            if name != comp.as_os_str() {
                std::os::unix::fs::symlink(real.join(&name), fake.join(&name))?;
            }
        }
        real.push(comp);
        fake.push(comp);
        std::fs::create_dir_all(&fake)?;
    }
    let fixture = workspace.join("tests/fixtures/linux-7.2-after-workload/sys/fs/cgroup/workload");
    let files: Vec<(&str, String)> = [
        "memory.stat",
        "memory.zswap.current",
        "memory.zswap.max",
        "memory.zswap.writeback",
    ]
    .into_iter()
    .map(|f| {
        std::fs::read_to_string(fixture.join(f))
            .map(|t| (f, t))
            .with_context(|| format!("reading {}", fixture.join(f).display()))
    })
    .collect::<Result<_>>()?;
    std::fs::write(
        fake.join("cgroup.controllers"),
        "cpuset cpu io memory pids\n",
    )?;
    let one = |d: PathBuf| -> Result<()> {
        std::fs::create_dir_all(&d)?;
        for (f, t) in &files {
            std::fs::write(d.join(f), t)?;
        }
        Ok(())
    };
    let mut made = 0;
    let mut p = 0;
    while made < n {
        let parent = fake.join(format!("p{p:03}"));
        one(parent.clone())?;
        made += 1;
        let mut c = 0;
        while made < n && c < 99 {
            one(parent.join(format!("g{c:02}")))?;
            made += 1;
            c += 1;
        }
        p += 1;
    }
    Ok(())
}

/// A scratch sysfs of [`hybrid_sysfs`] with `n` cgroups, removed on drop, and the exporter
/// flags that read it.
fn hybrid_root(n: usize, workspace: &Path) -> Result<(Scratch, Vec<String>)> {
    let dir =
        Scratch(std::env::temp_dir().join(format!("zswap-bench-sysfs.{}.{n}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    hybrid_sysfs(&dir.0, n, workspace)?;
    let flags = vec![
        format!("--path.sysfs={}", dir.0.display()),
        "--path.procfs=/proc".to_owned(),
        "--path.debugfs=/sys/kernel/debug".to_owned(),
        format!("--collector.cgroup.max-count={}", n.max(1)),
    ];
    Ok((dir, flags))
}

/// CPU per scrape of the exporter on hybrid roots of each count, one client, scraping for
/// at least 2 s and 10 scrapes after 3 warm-up scrapes.
fn cgroup_curve(ours: &Path, counts: &[usize], workspace: &Path) -> Result<Vec<CurvePoint>> {
    let mut out = Vec::new();
    for &n in counts {
        let (_dir, flags) = hybrid_root(n, workspace)?;
        let s = start(&format!("zswap-exporter, {n} cgroups"), ours, &flags)?;
        let mut c = Client::connect(s.addr)?;
        let mut body = String::new();
        for _ in 0..3 {
            body = c.scrape()?;
        }
        let got = Conditions::of(&body).cgroups;
        if got != n {
            bail!("the exporter exported {got} cgroups of the synthetic tree's {n}");
        }
        let cpu0 = process_cpu_secs(s.child.id())?;
        let t0 = Instant::now();
        let mut scrapes = 0;
        while scrapes < 10 || t0.elapsed() < Duration::from_secs(2) {
            c.scrape()?;
            scrapes += 1;
        }
        let cpu = process_cpu_secs(s.child.id())? - cpu0;
        let p = CurvePoint {
            cgroups: n,
            cpu_us: cpu * 1e6 / scrapes as f64,
            scrapes,
            body_bytes: body.len(),
            peak_rss_kib: vm_hwm_kib(s.child.id())?,
        };
        eprintln!("{n} cgroups: {:.0} us CPU/scrape", p.cpu_us);
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line() {
        let s = slope(&[(0.0, 100.0), (100.0, 600.0), (1000.0, 5100.0)]);
        assert!((s - 5.0).abs() < 1e-9, "{s}");
    }

    fn pt(cgroups: usize, cpu_us: f64) -> CurvePoint {
        CurvePoint {
            cgroups,
            cpu_us,
            scrapes: 10,
            body_bytes: 0,
            peak_rss_kib: 0,
        }
    }

    #[test]
    fn a_quadratic_curve_fails_linearity() {
        let curve: Vec<_> = [0usize, 100, 1000, 5000]
            .iter()
            .map(|&n| pt(n, 300.0 + (n * n) as f64 / 1000.0))
            .collect();
        let rows = curve_rows(&curve);
        assert!(rows[1].ratio > LINEARITY_FACTOR, "{}", rows[1].ratio);
        let linear: Vec<_> = [0usize, 100, 1000, 5000]
            .iter()
            .map(|&n| pt(n, 300.0 + 5.0 * n as f64))
            .collect();
        let rows = curve_rows(&linear);
        assert!((rows[1].ratio - 1.0).abs() < 1e-9);
        assert!((rows[0].ratio - 0.25).abs() < 1e-9);
    }

    #[test]
    fn stat_fields_after_a_name_with_spaces() {
        // a real /proc/self/stat parses
        assert!(process_cpu_secs(std::process::id()).unwrap() >= 0.0);
    }

    #[test]
    fn conditions_read_from_the_body() {
        let body = "zswap_exporter_collector_source_present{collector=\"debugfs\"} 1\n\
                    zswap_exporter_collector_source_present{collector=\"cgroup\"} 1\n\
                    zswap_cgroup_compressed_bytes{cgroup=\"/\"} 5\n";
        let c = Conditions::of(body);
        assert!(c.met());
        assert_eq!(c.cgroups, 1);
        assert!(!Conditions::of(&body.replace("\"debugfs\"} 1", "\"debugfs\"} 0")).met());
    }
}
