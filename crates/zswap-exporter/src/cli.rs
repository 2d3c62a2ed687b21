//! Command line, in node_exporter's style: dotted long flags, `--collector.<name>` /
//! `--no-collector.<name>` (the last one given wins), `--path.*` to read another root.

use std::collections::BTreeSet;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use clap::Parser;

use crate::collector::CollectorName;
use crate::logger;

/// The default address, every interface on port 10119: 9100–9999 of the Prometheus
/// default-port allocations are all taken (node_exporter has 9100), so zswap-exporter uses a
/// port above them.
const DEFAULT_LISTEN: &str = ":10119";

/// `--version`: the crate's version, then whether the eBPF probe (`--collector.ebpf`) is built
/// in and, if not, why and how to fix it.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{}\n{}",
        env!("CARGO_PKG_VERSION"),
        zswap_probe::PROBE_VERSION_LINE
    )
});

/// Prometheus exporter for Linux zswap: parameters, debugfs counters, /proc/meminfo,
/// /proc/vmstat and cgroup v2 figures, read fresh on every scrape.
#[derive(Debug, Parser)]
#[command(name = "zswap-exporter", version = VERSION.as_str(), about, long_about = None)]
pub(crate) struct Cli {
    /// Address to listen on, `HOST:PORT` or `:PORT` (all interfaces); repeat for several.
    #[arg(long = "web.listen-address", value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub(crate) listen: Vec<String>,

    /// Serve on the sockets systemd passes (socket activation, a .socket unit) instead of
    /// --web.listen-address.
    #[arg(long = "web.systemd-socket")]
    pub(crate) systemd_socket: bool,

    /// Path under which metrics are served.
    #[arg(
        long = "web.telemetry-path",
        value_name = "PATH",
        default_value = "/metrics"
    )]
    pub(crate) telemetry_path: String,

    /// Web configuration file (TLS, basic auth) in the Prometheus exporter-toolkit format.
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub(crate) web_config: Option<PathBuf>,

    /// Most scrapes served at once; more get HTTP 503. 0 means no limit.
    #[arg(long = "web.max-requests", value_name = "N", default_value_t = 40)]
    pub(crate) max_requests: usize,

    /// Most open connections; more are closed at once.
    #[arg(long = "web.max-connections", value_name = "N", default_value_t = 512)]
    pub(crate) max_connections: usize,

    /// Time a client has to send a request's headers (and finish a TLS handshake).
    #[arg(long = "web.read-header-timeout", value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub(crate) header_timeout: Duration,

    /// A connection that moves no byte for this long is closed.
    #[arg(long = "web.idle-timeout", value_name = "DURATION", default_value = "120s", value_parser = parse_duration)]
    pub(crate) idle_timeout: Duration,

    /// sysfs mount point [default: <rootfs>/sys].
    #[arg(long = "path.sysfs", value_name = "DIR")]
    pub(crate) sysfs: Option<PathBuf>,

    /// procfs mount point [default: <rootfs>/proc].
    #[arg(long = "path.procfs", value_name = "DIR")]
    pub(crate) procfs: Option<PathBuf>,

    /// debugfs mount point [default: <rootfs>/sys/kernel/debug].
    #[arg(long = "path.debugfs", value_name = "DIR")]
    pub(crate) debugfs: Option<PathBuf>,

    /// Root of the file systems to read: the defaults of the --path.* flags and the cgroup v2
    /// mount point (from /proc/mounts) are taken below it.
    #[arg(long = "path.rootfs", value_name = "DIR", default_value = "/")]
    pub(crate) rootfs: PathBuf,

    /// Start with every collector off; enable the wanted ones with --collector.<name>.
    #[arg(long = "collector.disable-defaults")]
    pub(crate) disable_defaults: bool,

    /// Enable the sysfs collector (zswap parameters). Default on.
    #[arg(long = "collector.sysfs", overrides_with = "no_sysfs")]
    sysfs_on: bool,
    /// Disable the sysfs collector.
    #[arg(long = "no-collector.sysfs", overrides_with = "sysfs_on")]
    no_sysfs: bool,

    /// Enable the debugfs collector (pool, stored pages, rejects, writeback; needs root).
    /// Default on.
    #[arg(long = "collector.debugfs", overrides_with = "no_debugfs")]
    debugfs_on: bool,
    /// Disable the debugfs collector.
    #[arg(long = "no-collector.debugfs", overrides_with = "debugfs_on")]
    no_debugfs: bool,

    /// Enable the meminfo collector (Zswap, Zswapped). Default on.
    #[arg(long = "collector.meminfo", overrides_with = "no_meminfo")]
    meminfo_on: bool,
    /// Disable the meminfo collector.
    #[arg(long = "no-collector.meminfo", overrides_with = "meminfo_on")]
    no_meminfo: bool,

    /// Enable the vmstat collector (zswpin, zswpout, zswpwb, zero pages). Default on.
    #[arg(long = "collector.vmstat", overrides_with = "no_vmstat")]
    vmstat_on: bool,
    /// Disable the vmstat collector.
    #[arg(long = "no-collector.vmstat", overrides_with = "vmstat_on")]
    no_vmstat: bool,

    /// Enable the cgroup collector (cgroup v2 memory.zswap.* and memory.stat). Default on.
    #[arg(long = "collector.cgroup", overrides_with = "no_cgroup")]
    cgroup_on: bool,
    /// Disable the cgroup collector.
    #[arg(long = "no-collector.cgroup", overrides_with = "cgroup_on")]
    no_cgroup: bool,

    /// Enable the zram collector (every zram device's mm_stat, io_stat, bd_stat, disk size and
    /// swap priority). Default on.
    #[arg(long = "collector.zram", overrides_with = "no_zram")]
    zram_on: bool,
    /// Disable the zram collector.
    #[arg(long = "no-collector.zram", overrides_with = "zram_on")]
    no_zram: bool,

    /// Enable the ebpf collector: load crates/zswap-probe's eBPF programs at start and export
    /// their latency and size histograms (root, and a kernel that allows BPF tracing of
    /// zswap). Default off.
    #[arg(long = "collector.ebpf", overrides_with = "no_ebpf")]
    ebpf_on: bool,
    /// Disable the ebpf collector.
    #[arg(long = "no-collector.ebpf", overrides_with = "ebpf_on")]
    no_ebpf: bool,

    /// Only cgroups whose path (from the hierarchy root, e.g. `/system.slice`) starts with
    /// this; a prefix without the leading `/` gets one (`system.slice` is `/system.slice`).
    #[arg(long = "collector.cgroup.filter", value_name = "PREFIX", value_parser = cgroup_prefix)]
    pub(crate) cgroup_filter: Option<String>,

    /// Most cgroups exported (breadth first from the root); zswap_exporter_cgroups_truncated
    /// says when more matched.
    #[arg(
        long = "collector.cgroup.max-count",
        value_name = "N",
        default_value_t = 200
    )]
    pub(crate) cgroup_max: usize,

    /// Collect once, write the metrics (Prometheus text format) and exit, instead of serving.
    #[arg(long)]
    pub(crate) once: bool,

    /// With --once: write to this file atomically (a temporary file, then rename), for
    /// node_exporter's textfile collector; without it, to standard output.
    #[arg(long = "textfile.output", value_name = "FILE", requires = "once")]
    pub(crate) textfile_output: Option<PathBuf>,

    /// Lowest log level written to standard error.
    #[arg(
        long = "log.level",
        value_name = "LEVEL",
        default_value = "info",
        value_enum
    )]
    pub(crate) log_level: logger::Level,

    /// Format of the log lines: node_exporter's logfmt (`time=… level=INFO source=… msg=…`)
    /// or JSON with the same keys.
    #[arg(
        long = "log.format",
        value_name = "FORMAT",
        default_value = "logfmt",
        value_enum
    )]
    pub(crate) log_format: logger::Format,
}

impl Cli {
    /// Where the kernel's files are.
    pub(crate) fn sysroot(&self) -> zswap_core::SysRoot {
        let r = zswap_core::SysRoot::at(&self.rootfs);
        let r = match &self.sysfs {
            Some(p) => r.with_sysfs(p),
            None => r,
        };
        let r = match &self.procfs {
            Some(p) => r.with_procfs(p),
            None => r,
        };
        match &self.debugfs {
            Some(p) => r.with_debugfs(p),
            None => r,
        }
    }

    /// The collectors that run, after defaults and toggles.
    pub(crate) fn collectors(&self) -> BTreeSet<CollectorName> {
        let toggles = [
            (CollectorName::Sysfs, self.sysfs_on, self.no_sysfs),
            (CollectorName::Debugfs, self.debugfs_on, self.no_debugfs),
            (CollectorName::Meminfo, self.meminfo_on, self.no_meminfo),
            (CollectorName::Vmstat, self.vmstat_on, self.no_vmstat),
            (CollectorName::Cgroup, self.cgroup_on, self.no_cgroup),
            (CollectorName::Zram, self.zram_on, self.no_zram),
        ];
        toggles
            .into_iter()
            .filter(|(_, on, off)| *on || (!self.disable_defaults && !*off))
            .map(|(n, _, _)| n)
            // the probe attaches to the kernel's swap path: only when asked for
            .chain(self.ebpf_on.then_some(CollectorName::Ebpf))
            .collect()
    }

    /// The listen addresses, resolved. `:PORT` means every interface (IPv6 and IPv4).
    pub(crate) fn listen_addrs(&self) -> Result<Vec<SocketAddr>, String> {
        let mut out = Vec::new();
        for a in &self.listen {
            let spec = if a.starts_with(':') {
                format!("[::]{a}")
            } else {
                a.clone()
            };
            let mut addrs = spec.to_socket_addrs().map_err(|e| {
                format!("invalid --web.listen-address '{a}': {e}: use HOST:PORT or :PORT")
            })?;
            let first = addrs
                .next()
                .ok_or_else(|| format!("--web.listen-address '{a}' resolves to no address"))?;
            out.push(first);
        }
        Ok(out)
    }
}

/// A timeout: `zswap_core::parse_duration`, Go style as node_exporter's flags (`10s`,
/// `500ms`, `1m30s`, `1.5s`; a plain number is seconds), more than zero and under a day.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = zswap_core::parse_duration(s, zswap_core::BareNumber::Seconds)
        .map_err(|e| e.to_string())?;
    if d.is_zero() || d >= Duration::from_secs(86_400) {
        return Err(format!(
            "invalid duration '{s}': a timeout must be more than zero and under a day (24h); \
             give e.g. '10s' or '2m'"
        ));
    }
    Ok(d)
}

/// A cgroup path prefix as the filter compares it: from the hierarchy root, so with a
/// leading `/` (without one nothing would ever match).
fn cgroup_prefix(text: &str) -> Result<String, String> {
    if text.starts_with('/') {
        Ok(text.to_owned())
    } else {
        Ok(format!("/{text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("zswap-exporter").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_collector_but_ebpf_is_on_by_default() {
        let c = parse(&[]).collectors();
        assert_eq!(c.len(), CollectorName::ALL.len() - 1);
        assert!(!c.contains(&CollectorName::Ebpf));
        assert!(
            parse(&["--collector.ebpf"])
                .collectors()
                .contains(&CollectorName::Ebpf)
        );
        let c = parse(&["--collector.ebpf", "--no-collector.ebpf"]).collectors();
        assert!(!c.contains(&CollectorName::Ebpf));
    }

    #[test]
    fn no_collector_turns_one_off() {
        let c = parse(&["--no-collector.debugfs"]).collectors();
        assert!(!c.contains(&CollectorName::Debugfs));
        assert!(c.contains(&CollectorName::Meminfo));
    }

    #[test]
    fn last_toggle_wins() {
        let c = parse(&["--no-collector.cgroup", "--collector.cgroup"]).collectors();
        assert!(c.contains(&CollectorName::Cgroup));
        let c = parse(&["--collector.cgroup", "--no-collector.cgroup"]).collectors();
        assert!(!c.contains(&CollectorName::Cgroup));
    }

    #[test]
    fn disable_defaults_keeps_only_named() {
        let c = parse(&["--collector.disable-defaults", "--collector.vmstat"]).collectors();
        assert_eq!(
            c.into_iter().collect::<Vec<_>>(),
            vec![CollectorName::Vmstat]
        );
    }

    #[test]
    fn default_listen_is_every_interface_on_the_default_port() {
        let a = parse(&[]).listen_addrs().unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].port(), 10119);
        assert!(a[0].ip().is_unspecified());
    }

    #[test]
    fn listen_address_garbage_is_an_error() {
        let e = parse(&["--web.listen-address", "nope"])
            .listen_addrs()
            .unwrap_err();
        assert!(e.contains("'nope'"), "{e}");
    }

    #[test]
    fn default_paths_are_the_host() {
        assert!(parse(&[]).sysroot().is_host());
        let r = parse(&["--path.rootfs", "/host", "--path.debugfs", "/dbg"]).sysroot();
        assert_eq!(r.sys("x"), std::path::Path::new("/host/sys/x"));
        assert_eq!(r.debug("x"), std::path::Path::new("/dbg/x"));
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert!(parse_duration("0s").unwrap_err().contains("more than zero"));
        assert!(parse_duration("24h").unwrap_err().contains("under a day"));
        assert!(parse_duration("10x").unwrap_err().contains("'10x'"));
    }

    #[test]
    fn textfile_output_needs_once() {
        assert!(
            Cli::try_parse_from(["zswap-exporter", "--textfile.output", "/tmp/x.prom"]).is_err()
        );
    }
}
