//! `zswapctl simulate --trace FILE`: a swap trace recorded by the eBPF probe, replayed
//! through the reference model under the recorded settings and any others asked for
//! (`zswap_analyze::replay`). Called by `simulate`; shares its output with it
//! (`simulate_output`).

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use zswap_analyze::{
    ReplayResult, SimResult, SimSettings, TraceEvent, replay, suggest_accept_threshold,
    suggest_max_pool_percent,
};
use zswap_core::compress::Algorithm;
use zswap_core::page::PAGE_SIZE;
use zswap_core::trace::TraceHeader;

use crate::cli::SimulateArgs;
use crate::cmd::simulate_output::{or_default, suggestions, table, write_plot};
use crate::exit::{Exit, coded};
use crate::human;

fn usage(msg: String) -> anyhow::Error {
    coded(Exit::Usage, anyhow::anyhow!(msg))
}

/// The settings the trace was recorded under, with `args` overriding them.
struct Base {
    compressor: Algorithm,
    ram_pages: u64,
    max_pool_percent: Vec<u32>,
    accept_threshold_percent: Vec<u32>,
    shrinker_enabled: bool,
    recorded: (Option<u32>, Option<u32>),
}

fn base(path: &Path, header: &TraceHeader, args: &SimulateArgs) -> Result<Base> {
    let recorded: Option<Algorithm> = match header.compressor.as_deref() {
        Some(name) => Some(name.parse().map_err(|_| {
            usage(format!(
                "trace '{}' was recorded with compressor '{name}', which the model does not \
                 know; it knows {}",
                path.display(),
                Algorithm::ALL
                    .iter()
                    .map(|a| a.kernel_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?),
        None => None,
    };
    let compressor = match (args.compressor, recorded) {
        (Some(a), Some(r)) if a != r => {
            return Err(usage(format!(
                "trace '{}' holds compressed sizes of '{}', not of '{}': a replay cannot \
                 change the compressor; drop --compressor (use `zswapctl analyze` on the \
                 workload's pages to compare compressors)",
                path.display(),
                r.kernel_name(),
                a.kernel_name()
            )));
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => {
            return Err(usage(format!(
                "trace '{}' does not say which compressor it was recorded with; pass \
                 --compressor NAME (the one zswap used then)",
                path.display()
            )));
        }
    };
    let ram_pages = match (args.ram, header.ram_pages) {
        (Some(bytes), _) => bytes / PAGE_SIZE as u64,
        (None, Some(p)) => p,
        (None, None) => {
            return Err(usage(format!(
                "trace '{}' does not say how much RAM the machine had; pass --ram SIZE",
                path.display()
            )));
        }
    };
    let pick = |given: &[u32], recorded: Option<u32>, default: u32| match recorded {
        _ if !given.is_empty() => given.to_vec(),
        Some(v) => vec![v],
        None => or_default(given, default),
    };
    Ok(Base {
        compressor,
        ram_pages,
        max_pool_percent: pick(&args.max_pool_percent, header.max_pool_percent, 20),
        accept_threshold_percent: pick(
            &args.accept_threshold_percent,
            header.accept_threshold_percent,
            90,
        ),
        shrinker_enabled: header.shrinker_enabled.unwrap_or(false),
        recorded: (header.max_pool_percent, header.accept_threshold_percent),
    })
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    trace: &'a Path,
    header: &'a TraceHeader,
    records: usize,
    runs: Vec<&'a ReplayResult>,
    // left out when there is none, never null (schema/simulate.schema.json)
    #[serde(skip_serializing_if = "Option::is_none")]
    suggested_max_pool_percent: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggested_accept_threshold_percent: Option<u32>,
}

/// Runs `zswapctl simulate --trace FILE`.
pub(crate) fn run(path: &Path, args: &SimulateArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let (header, records) = crate::cmd::tracefile::read(path)?;
    crate::cmd::tracefile::check_page_size(path, &header)?;
    let (era, evidence) = crate::cmd::tracefile::era(&header, args.kernel)?;
    let b = base(path, &header, args)?;
    let events: Vec<TraceEvent> = records.iter().map(TraceEvent::from).collect();
    let every = (events.len() as u64 / args.samples.max(1)).max(1);
    let settings = |p: u32, a: u32| SimSettings {
        era,
        ram_pages: b.ram_pages,
        compressor: b.compressor,
        max_pool_percent: p,
        accept_threshold_percent: a,
        shrinker_enabled: b.shrinker_enabled,
    };
    let bad_trace = |e: zswap_analyze::ReplayError| {
        usage(format!("cannot replay trace '{}': {e}", path.display()))
    };
    let mut runs = Vec::new();
    for &p in &b.max_pool_percent {
        for &a in &b.accept_threshold_percent {
            runs.push(replay(&events, &settings(p, a), every).map_err(bad_trace)?);
        }
    }
    let unlimited = replay(&events, &settings(100, 100), every).map_err(bad_trace)?;
    let sims: Vec<SimResult> = runs.iter().map(|r| r.sim.clone()).collect();
    let suggested_p = suggest_max_pool_percent(&unlimited.sim);
    let suggested_a = suggest_accept_threshold(&sims);
    if let Some(plot) = &args.plot {
        write_plot(plot, &sims, "trace records")?;
    }
    if json {
        let o = Output {
            trace: path,
            header: &header,
            records: records.len(),
            runs: runs.iter().collect(),
            suggested_max_pool_percent: suggested_p,
            suggested_accept_threshold_percent: suggested_a,
        };
        serde_json::to_writer_pretty(&mut *out, &o)?;
        writeln!(out)?;
        return Ok(());
    }
    let k = &runs[0].kernel;
    writeln!(
        out,
        "trace: '{}', {} records from Linux {} ({evidence}: {era} rules), {}, {} RAM",
        path.display(),
        records.len(),
        header.kernel,
        b.compressor,
        human::size(b.ram_pages * PAGE_SIZE as u64)
    )?;
    writeln!(
        out,
        "kernel: {} stores ({} refused), {} loads from zswap, {} missed, {} invalidations, \
         {} written back; recorded with max_pool_percent {}, accept_threshold_percent {}",
        k.stores_ok + k.stores_rejected,
        k.stores_rejected,
        k.loads_ok,
        k.loads_missed,
        k.invalidates,
        k.written_back,
        b.recorded.0.map_or("unknown".into(), |v| v.to_string()),
        b.recorded.1.map_or("unknown".into(), |v| v.to_string()),
    )?;
    let agree: Vec<String> = runs
        .iter()
        .map(|r| format!("{:.1}%", 100.0 * r.agreement.ratio()))
        .collect();
    table(out, &sims, Some(("AGREE", agree)))?;
    writeln!(
        out,
        "AGREE: share of the trace's compared stores and loads whose outcome (stored or \
         refused, served from zswap or not) the model repeats under that row's settings; \
         refusals of unknown reason are kept without the model and not compared"
    )?;
    let r = &runs[0];
    if r.estimated_sizes > 0 {
        writeln!(
            out,
            "{} refused stores had no recorded size; replayed with the median stored size, {} B",
            r.estimated_sizes, r.median_store_bytes
        )?;
    }
    if r.kept_refused > 0 {
        writeln!(
            out,
            "{} refused stores do not say why (zswap_store returns only false on 6.6-6.17); \
             kept refused under every setting, so larger limits may take more than shown",
            r.kept_refused
        )?;
    }
    if r.skipped_without_slot > 0 {
        writeln!(
            out,
            "warning: {} records had no swap slot and were skipped",
            r.skipped_without_slot
        )?;
    }
    suggestions(out, suggested_p, &unlimited.sim, suggested_a)
}
