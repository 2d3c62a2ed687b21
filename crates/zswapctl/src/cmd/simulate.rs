//! `zswapctl simulate`: a synthetic swapping workload, or a recorded swap trace
//! (`--trace`, see `simulate_trace`), through the reference model under one or several
//! (`max_pool_percent`, `accept_threshold_percent`) settings, to compare them before setting one.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use zswap_analyze::{
    Memo, SimResult, SimSettings, Workload, simulate_sweep, suggest_accept_threshold,
    suggest_max_pool_percent,
};
use zswap_core::SysRoot;
use zswap_core::compress::Algorithm;
use zswap_core::page::PAGE_SIZE;

use crate::cli::SimulateArgs;
use crate::cmd::analyze::{pick_algorithms, pick_era};
use crate::cmd::simulate_output::{or_default, suggestions, table, write_plot};
use crate::exit::{Exit, coded};
use crate::human;

fn pages(bytes: u64) -> u64 {
    bytes / PAGE_SIZE as u64
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    workload: &'a Workload,
    runs: &'a [SimResult],
    // left out when there is none, never null (schema/simulate.schema.json)
    #[serde(skip_serializing_if = "Option::is_none")]
    suggested_max_pool_percent: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggested_accept_threshold_percent: Option<u32>,
}

/// Runs `zswapctl simulate`.
pub(crate) fn run(
    root: &SysRoot,
    args: &SimulateArgs,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    if let Some(path) = &args.trace {
        return crate::cmd::simulate_trace::run(path, args, json, out);
    }
    let Some(working_set) = args.working_set else {
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!("give --working-set SIZE for a synthetic workload, or --trace FILE"),
        ));
    };
    let ram = args.ram.unwrap_or(1 << 30);
    let (era, _) = pick_era(root, args.kernel)?;
    let compressor = pick_algorithms(&[args.compressor.unwrap_or(Algorithm::Lzo)], era)?[0];
    let ws = pages(working_set);
    let resident = args.resident.map_or(ws / 2, pages);
    if resident >= ws {
        return Err(coded(
            Exit::Usage,
            anyhow::anyhow!(
                "resident size '{}' must be smaller than the working set '{}', or nothing is swapped",
                human::size(args.resident.unwrap_or(0)),
                human::size(working_set)
            ),
        ));
    }
    let workload = Workload {
        working_set_pages: ws,
        resident_pages: resident,
        accesses: args.accesses.unwrap_or(4 * ws),
        pattern: args.pattern,
        seed: args.seed,
    };
    let every = ((ws + workload.accesses) / args.samples.max(1)).max(1);
    let settings = |p: u32, a: u32| SimSettings {
        era,
        ram_pages: pages(ram),
        compressor,
        max_pool_percent: p,
        accept_threshold_percent: a,
        shrinker_enabled: false,
    };
    // The runs and the unlimited one (for the pool suggestion) in one sweep: one thread per
    // core, each page compressed once (docs/performance.md, simulate).
    let mut all: Vec<SimSettings> = or_default(&args.max_pool_percent, 20)
        .into_iter()
        .flat_map(|p| {
            or_default(&args.accept_threshold_percent, 90)
                .into_iter()
                .map(move |a| (p, a))
        })
        .map(|(p, a)| settings(p, a))
        .collect();
    all.push(settings(100, 100));
    let threads = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |j| j as usize,
    );
    let memo = if args.compress_every_store {
        Memo::Off
    } else {
        Memo::On
    };
    let mut runs =
        simulate_sweep(&workload, &all, every, threads, memo).map_err(|e| coded(Exit::Usage, e))?;
    let Some(unlimited) = runs.pop() else {
        anyhow::bail!("the sweep returned no result for the unlimited run");
    };
    let suggested_p = suggest_max_pool_percent(&unlimited);
    let suggested_a = suggest_accept_threshold(&runs);
    if let Some(path) = &args.plot {
        write_plot(path, &runs, "page touches")?;
    }
    if json {
        let o = Output {
            workload: &workload,
            runs: &runs,
            suggested_max_pool_percent: suggested_p,
            suggested_accept_threshold_percent: suggested_a,
        };
        serde_json::to_writer_pretty(&mut *out, &o)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "workload: {} working set, {} resident, {} accesses ({}), {} RAM, {compressor}, Linux {era} rules",
        human::size(working_set),
        human::size(resident * PAGE_SIZE as u64),
        workload.accesses,
        workload.pattern,
        human::size(ram)
    )?;
    table(out, &runs, None)?;
    suggestions(out, suggested_p, &unlimited, suggested_a)
}
