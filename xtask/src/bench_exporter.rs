//! `cargo xtask bench-exporter`: scrape latency (p50/p99 at N concurrent keep-alive clients)
//! and peak RSS of zswap-exporter against Debian's node_exporter, on this host, in one run.
//!
//! Each server runs alone (one after the other) on a loopback port, is warmed up, then
//! scraped by `--clients` threads with Prometheus' Accept header until `--scrapes` requests
//! are done. Peak RSS is `VmHWM` from `/proc/PID/status` after its run.
#![allow(clippy::disallowed_methods)] // a development tool: reads /proc/PID/status

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                      version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// What to measure.
#[derive(Debug, Clone)]
pub(crate) struct BenchOptions {
    pub(crate) clients: usize,
    pub(crate) scrapes: usize,
    pub(crate) cargo: String,
    pub(crate) workspace: std::path::PathBuf,
    pub(crate) target_dir: std::path::PathBuf,
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

/// One server's figures.
#[derive(Debug)]
pub(crate) struct Figures {
    pub(crate) name: String,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    max_ms: f64,
    per_sec: f64,
    body_bytes: usize,
    zswap_series: usize,
    pub(crate) peak_rss_kib: u64,
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

fn start(name: &str, program: &Path, args: &[String], port: u16) -> Result<Server> {
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting '{}'", program.display()))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let s = Server {
        name: name.to_owned(),
        child,
        addr,
    };
    wait_listening(addr)?;
    Ok(s)
}

/// A keep-alive HTTP/1.1 client for `/metrics` (Content-Length or chunked bodies).
struct Client {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Client {
    fn connect(addr: SocketAddr) -> Result<Client> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Client {
            reader: BufReader::new(s),
            host: addr.to_string(),
        })
    }

    fn scrape(&mut self) -> Result<String> {
        let req = format!(
            "GET /metrics HTTP/1.1\r\nHost: {}\r\nAccept: {ACCEPT}\r\nUser-Agent: xtask-bench\r\n\r\n",
            self.host
        );
        self.reader.get_mut().write_all(req.as_bytes())?;
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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn measure(s: &mut Server, o: &BenchOptions) -> Result<Figures> {
    let mut warm = Client::connect(s.addr)?;
    let mut body = String::new();
    for _ in 0..20 {
        body = warm.scrape()?;
    }
    let per_client = o.scrapes.div_ceil(o.clients);
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(o.scrapes)));
    let start = Instant::now();
    let threads: Vec<_> = (0..o.clients)
        .map(|_| {
            let (addr, lat) = (s.addr, latencies.clone());
            std::thread::spawn(move || -> Result<()> {
                let mut c = Client::connect(addr)?;
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
    let wall = start.elapsed().as_secs_f64();
    let mut lat = latencies
        .lock()
        .map_err(|_| anyhow::anyhow!("latency list poisoned"))?
        .clone();
    lat.sort_by(f64::total_cmp);
    let zswap_series = body
        .lines()
        .filter(|l| !l.starts_with('#') && l.to_ascii_lowercase().contains("zswap"))
        .count();
    Ok(Figures {
        name: s.name.clone(),
        p50_ms: percentile(&lat, 0.50),
        p99_ms: percentile(&lat, 0.99),
        max_ms: lat.last().copied().unwrap_or(0.0),
        per_sec: lat.len() as f64 / wall,
        body_bytes: body.len(),
        zswap_series,
        peak_rss_kib: vm_hwm_kib(s.child.id())?,
    })
}

/// Builds the exporter in release mode, measures it and node_exporter, prints a table.
pub(crate) fn bench(o: &BenchOptions) -> Result<()> {
    let results = measure_all(o)?;
    print_table(o, &results);
    Ok(())
}

/// Builds the exporter in release mode and measures it, then node_exporter with its default
/// collectors, then node_exporter with meminfo and vmstat only (in that order).
pub(crate) fn measure_all(o: &BenchOptions) -> Result<Vec<Figures>> {
    let st = Command::new(&o.cargo)
        .args(["build", "--release", "--quiet", "-p", "zswap-exporter"])
        .current_dir(&o.workspace)
        .status()
        .context("running cargo build")?;
    if !st.success() {
        bail!("building zswap-exporter failed");
    }
    let ours = o.target_dir.join("release/zswap-exporter");
    let node = Path::new("/usr/bin/prometheus-node-exporter");
    if !node.exists() {
        bail!(
            "'{}' is missing: run scripts/setup-test-deps.sh",
            node.display()
        );
    }
    let mut results = Vec::new();
    let runs: [(&str, &Path, Vec<&str>); 3] = [
        ("zswap-exporter (all collectors)", &ours, vec![]),
        ("node_exporter 1.5 (default collectors)", node, vec![]),
        (
            "node_exporter 1.5 (meminfo + vmstat only)",
            node,
            vec![
                "--collector.disable-defaults",
                "--collector.meminfo",
                "--collector.vmstat",
            ],
        ),
    ];
    for (name, program, extra) in runs {
        let port = free_port()?;
        let mut args = vec![format!("--web.listen-address=127.0.0.1:{port}")];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut s = start(name, program, &args, port)?;
        results.push(measure(&mut s, o)?);
    }
    Ok(results)
}

/// The table of `measure_all`'s figures.
pub(crate) fn print_table(o: &BenchOptions, results: &[Figures]) {
    println!(
        "{} scrapes, {} concurrent keep-alive clients, loopback, Prometheus' Accept header, no gzip\n",
        o.scrapes, o.clients
    );
    println!(
        "| server | p50 ms | p99 ms | max ms | scrapes/s | body bytes | series naming zswap | peak RSS MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for f in results {
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.0} | {} | {} | {:.1} |",
            f.name,
            f.p50_ms,
            f.p99_ms,
            f.max_ms,
            f.per_sec,
            f.body_bytes,
            f.zswap_series,
            f.peak_rss_kib as f64 / 1024.0
        );
    }
}
