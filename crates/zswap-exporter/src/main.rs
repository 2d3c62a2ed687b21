//! zswap-exporter: a Prometheus exporter for Linux zswap. Serves `/metrics` over HTTP(S), or
//! with `--once` writes the same metrics once (atomically to a file for node_exporter's
//! textfile collector). See the crate's README for the metric list and design notes.

mod cli;
mod collector;
mod encode;
mod families;
mod http;
mod logger;
mod process;

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use zswap_core::stats::cgroup::CgroupFilter;

use crate::cli::Cli;
use crate::collector::{CollectConfig, CollectorName, EbpfSource};
use crate::encode::Format;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    logger::init(cli.log_level, cli.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            log::error!("{e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<()> {
    let root = cli.sysroot();
    let enabled = cli.collectors();
    let ebpf = enabled.contains(&CollectorName::Ebpf).then(|| {
        let src = EbpfSource::load(&root);
        if let Some(why) = src.load_error() {
            log::warn!("collector ebpf: the probe did not load: {why}");
        }
        src
    });
    let cfg = CollectConfig {
        root,
        enabled,
        cgroup_filter: CgroupFilter {
            prefix: cli.cgroup_filter.clone(),
            max_cgroups: cli.cgroup_max,
        },
        ebpf,
        // the running kernel's, also under `--path.*`: those move mount points, not kernels
        page_size: zswap_core::page::running_kernel_page_size(),
    };
    if cli.once {
        // a probe that did not load was reported above; its scrape failure says it again
        let probe_reported = cfg.ebpf.as_ref().is_some_and(|s| s.load_error().is_some());
        let (text, scrape) = http::scrape_text(&cfg, Format::Text)?;
        for o in &scrape.outcomes {
            if probe_reported && o.name == CollectorName::Ebpf {
                continue;
            }
            if let Some(e) = &o.error {
                log::warn!("collector {} failed: {e}", o.name);
            }
        }
        return match &cli.textfile_output {
            Some(path) => Ok(zswap_core::write_atomically(path, text.as_bytes())?),
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())
                    .and_then(|()| out.flush())
                    .context("writing to standard output")
            }
        };
    }
    let web = match &cli.web_config {
        Some(p) => http::webconfig::load(p)?,
        None => http::webconfig::WebConfig::default(),
    };
    let listen = cli.listen_addrs().map_err(anyhow::Error::msg)?;
    let opts = http::ServerOptions {
        listen,
        systemd_socket: cli.systemd_socket,
        telemetry_path: cli.telemetry_path.clone(),
        max_requests: cli.max_requests,
        max_connections: cli.max_connections,
        header_timeout: cli.header_timeout,
        idle_timeout: cli.idle_timeout,
        web,
        // the exporter's own figures: always this process's procfs, whatever --path.procfs says
        process_root: zswap_core::SysRoot::host(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(8)
        .build()
        .context("starting the runtime")?;
    rt.block_on(http::serve(cfg, opts))
}
