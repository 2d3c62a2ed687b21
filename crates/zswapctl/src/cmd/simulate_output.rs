//! What `zswapctl simulate` prints for both kinds of run (a synthetic workload and a replayed
//! trace): the table of runs, the suggested settings and the plot.

use std::fs::File;
use std::io::Write;

use anyhow::{Context, Result};
use zswap_analyze::SimResult;
use zswap_analyze::svg::{LineChart, Series};
use zswap_core::page::PAGE_SIZE;

use crate::human;

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
