//! `zswapctl simulate`: a synthetic swapping workload, or a recorded swap trace
//! (`--trace`, see `simulate_trace`), through the reference model under one or several
//! (`max_pool_percent`, `accept_threshold_percent`) settings, to compare them before setting one.

use std::fs::File;
use std::io::Write;

use anyhow::{Context, Result};
use serde::Serialize;
use zswap_analyze::svg::{LineChart, Series};
use zswap_analyze::{SimResult, SimSettings, Workload, simulate, suggest_max_pool_percent};
use zswap_core::SysRoot;
use zswap_core::compress::{Algorithm, PAGE_SIZE};

use crate::cli::SimulateArgs;
use crate::cmd::analyze::{pick_algorithms, pick_era};
use crate::exit::{Exit, coded};
use crate::human;

/// Parses `512M`, `4G`, `65536` (bytes; K, M, G, T are binary multiples).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => {
                    return Err(format!(
                        "invalid size '{s}': use a number with K, M, G or T"
                    ));
                }
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|&b| b >= PAGE_SIZE as u64)
        .ok_or_else(|| format!("invalid size '{s}': use at least one page, e.g. 64M or 4G"))
}

fn pages(bytes: u64) -> u64 {
    bytes / PAGE_SIZE as u64
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    workload: &'a Workload,
    runs: &'a [SimResult],
    // left out when there is none, never null (issue 22, schema/simulate.schema.json)
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
    let mut runs = Vec::new();
    for p in or_default(&args.max_pool_percent, 20) {
        for a in or_default(&args.accept_threshold_percent, 90) {
            runs.push(
                simulate(&workload, &settings(p, a), every).map_err(|e| coded(Exit::Usage, e))?,
            );
        }
    }
    let unlimited =
        simulate(&workload, &settings(100, 100), every).map_err(|e| coded(Exit::Usage, e))?;
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

/// `values`, or `[default]` when none were given.
pub(crate) fn or_default(values: &[u32], default: u32) -> Vec<u32> {
    if values.is_empty() {
        vec![default]
    } else {
        values.to_vec()
    }
}

/// Prints one row per run; `extra` adds a last column (title, one cell per run).
pub(crate) fn table(
    out: &mut dyn Write,
    runs: &[SimResult],
    extra: Option<(&str, Vec<String>)>,
) -> Result<()> {
    let (title, cells) = extra.unwrap_or(("", Vec::new()));
    // the extra column is right-aligned to its widest cell, like the others
    let w = cells
        .iter()
        .map(String::len)
        .chain([title.len()])
        .max()
        .unwrap_or(0);
    let head = format!(
        "{:>5} {:>5} {:>10} {:>10} {:>8} {:>8} {:>10} {:>10} {:>10} {:>10} {title:>w$}",
        "MAX%",
        "ACC%",
        "LIMIT-HIT",
        "REJECTS",
        "LIMIT-RJ",
        "WRITTEN",
        "DISK-READ",
        "DISK-IO",
        "PEAK-POOL",
        "LIMIT"
    );
    writeln!(out, "{}", head.trim_end())?;
    for (i, r) in runs.iter().enumerate() {
        let row = format!(
            "{:>5} {:>5} {:>10} {:>10} {:>8} {:>8} {:>10} {:>10} {:>10} {:>10} {:>w$}",
            r.settings.max_pool_percent,
            r.settings.accept_threshold_percent,
            r.pool_limit_hit,
            r.rejects,
            r.limit_rejects,
            r.written_back_pages,
            r.disk_reads,
            r.disk_io_pages(),
            human::size(r.peak_pool_bytes),
            human::size(r.max_pool_pages * PAGE_SIZE as u64),
            cells.get(i).map_or("", String::as_str)
        );
        writeln!(out, "{}", row.trim_end())?;
    }
    Ok(())
}

/// The accept threshold of the run with the least disk traffic (ties: the higher one).
pub(crate) fn suggest_accept_threshold(runs: &[SimResult]) -> Option<u32> {
    runs.iter()
        .min_by_key(|r| {
            (
                r.disk_io_pages(),
                std::cmp::Reverse(r.settings.accept_threshold_percent),
            )
        })
        .map(|r| r.settings.accept_threshold_percent)
}

/// Prints the suggested settings.
pub(crate) fn suggestions(
    out: &mut dyn Write,
    suggested_p: Option<u32>,
    unlimited: &SimResult,
    suggested_a: Option<u32>,
) -> Result<()> {
    match suggested_p {
        Some(p) => writeln!(
            out,
            "suggested max_pool_percent: {p} (the pool peaks at {} without a limit)",
            human::size(unlimited.peak_pool_bytes)
        )?,
        None => writeln!(
            out,
            "suggested max_pool_percent: none fits: the pool peaks at {}, more than the RAM",
            human::size(unlimited.peak_pool_bytes)
        )?,
    }
    if let Some(a) = suggested_a {
        writeln!(
            out,
            "suggested accept_threshold_percent: {a} (least disk traffic among the runs)"
        )?;
    }
    Ok(())
}

/// Draws the pool size of every run over its operations (page touches or trace records).
pub(crate) fn write_plot(path: &std::path::Path, runs: &[SimResult], x_label: &str) -> Result<()> {
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let marks = match runs {
        [r] => vec![
            (
                mib(r.max_pool_pages * PAGE_SIZE as u64),
                "max_pool_percent".to_owned(),
            ),
            (
                mib(r.accept_threshold_pages * PAGE_SIZE as u64),
                "accept threshold".to_owned(),
            ),
        ],
        _ => Vec::new(),
    };
    let chart = LineChart {
        title: "zswap pool size over the workload (reference model)".to_owned(),
        x_label: x_label.to_owned(),
        y_label: "pool_total_size (MiB)".to_owned(),
        series: runs
            .iter()
            .map(|r| Series {
                name: format!(
                    "max {}% acc {}%",
                    r.settings.max_pool_percent, r.settings.accept_threshold_percent
                ),
                points: r
                    .samples
                    .iter()
                    .map(|s| (s.op as f64, mib(s.pool_bytes)))
                    .collect(),
            })
            .collect(),
        marks,
    };
    let mut f = File::create(path)
        .with_context(|| format!("cannot create plot file '{}'", path.display()))?;
    f.write_all(chart.to_svg().as_bytes())
        .with_context(|| format!("cannot write plot file '{}'", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("64M").unwrap(), 64 << 20);
        assert_eq!(parse_size("4g").unwrap(), 4 << 30);
        assert_eq!(parse_size("8192").unwrap(), 8192);
    }

    #[test]
    fn bad_sizes_name_the_value() {
        assert!(parse_size("12Q").unwrap_err().contains("'12Q'"));
        assert!(parse_size("10").unwrap_err().contains("'10'"));
    }
}
