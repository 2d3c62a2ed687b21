//! `zswapctl --json top`: the dashboard's figures as one JSON object per reading, one per
//! line, instead of a screen; for scripts and pipes, so no terminal is needed. The figures
//! come from the same [`App`] the screen is drawn from.

use std::collections::BTreeMap;

use serde::Serialize;
use zswap_core::ZswapParams;

use crate::app::{App, CgroupRow};
use crate::explain::{Note, notes};
use crate::latency::ProbeStatus;

/// One line of output: what the dashboard shows after a reading. Figures that cannot be
/// read are `null`, and `notes` says why.
#[derive(Debug, Serialize)]
pub(crate) struct Record<'a> {
    /// The reading's number, from 1 (the title's `#N`).
    seq: u64,
    /// When the reading was taken, in ms since the Unix epoch.
    taken_at_ms: u64,
    /// The refresh interval, in ms.
    interval_ms: u64,
    /// What is watched: `host` or `tree DIR`.
    source: &'a str,
    /// The kernel release.
    kernel: Option<&'a str>,
    /// The parameters in sysfs spelling, as `status --json` prints them.
    params: Option<&'a ZswapParams>,
    /// The pool gauge and the figures under it.
    pool: Pool,
    /// Pages per second since the previous reading (`null` on the first).
    rates_per_sec: Rates,
    /// The rejects panel, by debugfs file: `null` without debugfs counters.
    rejects: Option<BTreeMap<String, Counter>>,
    /// The cgroup table.
    cgroups: Cgroups,
    /// The latency panel.
    probe: Probe<'a>,
    /// Why figures are missing.
    notes: Vec<Note>,
}

/// The pool against its limit.
#[derive(Debug, Serialize)]
struct Pool {
    bytes: Option<u64>,
    limit_bytes: Option<u64>,
    usage_ratio: Option<f64>,
    accept_threshold_bytes: Option<u64>,
    stored_pages: Option<u64>,
    stored_bytes: Option<u64>,
    compression_ratio: Option<f64>,
    /// debugfs `stored_incompressible_pages` (6.18 and later).
    incompressible_pages: Option<u64>,
    /// debugfs `pool_limit_hit`.
    limit_hits: Option<u64>,
}

/// The rates chart's latest point.
#[derive(Debug, Serialize)]
struct Rates {
    /// `zswpout`.
    store: Option<f64>,
    /// `zswpin`.
    load: Option<f64>,
    /// `zswpwb`, else debugfs `written_back_pages`.
    writeback: Option<f64>,
}

/// A counter's value and its rate.
#[derive(Debug, Serialize)]
struct Counter {
    total: u64,
    per_sec: Option<f64>,
}

/// The cgroup table: rows in the dashboard's default order (pool, largest first).
#[derive(Debug, Serialize)]
struct Cgroups {
    rows: Vec<CgroupRow>,
    /// True if and only if the walk stopped before the last cgroup.
    truncated: bool,
    /// Why there are no rows, when there are none.
    missing: Option<String>,
}

/// The eBPF probe's histograms, or why there are none.
#[derive(Debug, Serialize)]
struct Probe<'a> {
    loaded: bool,
    reason: Option<&'a str>,
    histograms: Vec<Histogram<'a>>,
}

/// One latency histogram: `buckets[b]` counts calls under `2^b` ns (and at least
/// `2^(b-1)`).
#[derive(Debug, Serialize)]
struct Histogram<'a> {
    label: String,
    count: u64,
    /// Upper bound of the bucket holding the median.
    p50_ns: Option<u64>,
    p99_ns: Option<u64>,
    buckets: &'a [u64],
}

impl<'a> Record<'a> {
    /// The record for `app`'s latest reading; `None` before the first.
    pub(crate) fn new(app: &'a App) -> Option<Record<'a>> {
        let s = app.sample()?;
        let m = app.model()?;
        let dbg = s.debugfs.as_ref().and_then(|d| d.stats.as_ref());
        let latest = app.rate_points(1).last().copied().unwrap_or_default();
        let rows = app.cgroup_rows();
        Some(Record {
            seq: app.samples_seen(),
            taken_at_ms: s.taken_at_ms,
            interval_ms: u64::try_from(app.interval().as_millis()).unwrap_or(u64::MAX),
            source: &app.options().source,
            kernel: s.release.as_ref().map(|r| r.text.as_str()),
            params: s.params.as_ref(),
            pool: Pool {
                bytes: m.pool_bytes,
                limit_bytes: m.pool_limit_bytes,
                usage_ratio: m.pool_usage_ratio,
                accept_threshold_bytes: m.accept_threshold_bytes,
                stored_pages: m.stored_pages,
                stored_bytes: m.stored_bytes,
                compression_ratio: m.compression_ratio,
                incompressible_pages: dbg.and_then(|d| d.get("stored_incompressible_pages")),
                limit_hits: dbg.and_then(|d| d.get("pool_limit_hit")),
            },
            rates_per_sec: Rates {
                store: latest.store,
                load: latest.load,
                writeback: latest.writeback,
            },
            rejects: app.reject_rows().map(|rows| {
                rows.into_iter()
                    .map(|r| {
                        let c = Counter {
                            total: r.total,
                            per_sec: r.per_sec,
                        };
                        (r.counter, c)
                    })
                    .collect()
            }),
            cgroups: Cgroups {
                missing: rows.is_empty().then(|| app.why_no_cgroup_rows(s)),
                truncated: s.cgroups.as_ref().is_some_and(|c| c.truncated),
                rows,
            },
            probe: probe(app.probe()),
            notes: notes(s),
        })
    }
}

fn probe(status: &ProbeStatus) -> Probe<'_> {
    match status {
        ProbeStatus::NotLoaded(why) => Probe {
            loaded: false,
            reason: Some(why),
            histograms: Vec::new(),
        },
        ProbeStatus::Loaded(hists) => Probe {
            loaded: true,
            reason: None,
            histograms: hists
                .iter()
                .map(|h| Histogram {
                    label: h.label(),
                    count: h.histogram.total(),
                    p50_ns: h.histogram.quantile_ns(0.5),
                    p99_ns: h.histogram.quantile_ns(0.99),
                    buckets: &h.histogram.buckets,
                })
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use zswap_core::ZswapSample;
    use zswap_core::stats::cgroup::{CgroupZswap, CgroupsReading, Limit};
    use zswap_core::stats::vmstat::parse_vmstat;

    use super::*;
    use crate::app::AppOptions;
    use zswap_core::trace::{Op, OpOutcome};
    use zswap_probe::LatencyHistogram;

    use crate::latency::OpLatency;

    fn app(probe: ProbeStatus) -> App {
        App::new(
            AppOptions {
                source: "test".into(),
                root: "/tmp/tree".into(),
                interval: Duration::from_millis(500),
                color: false,
                history: 4,
                cgroups: true,
            },
            probe,
        )
    }

    fn sample(t_ms: u64, zswpout: u64, cg_zswpout: u64) -> ZswapSample {
        ZswapSample {
            taken_at_ms: t_ms,
            vmstat: parse_vmstat(&format!("zswpout {zswpout}\nzswpin 0\n")),
            cgroups: Some(CgroupsReading {
                cgroups: vec![CgroupZswap {
                    path: "/a".into(),
                    zswap_current_bytes: Some(4096),
                    zswap_max: Some(Limit::Max),
                    stat: BTreeMap::from([("zswpout".to_owned(), cg_zswpout)]),
                    ..Default::default()
                }],
                truncated: false,
            }),
            ..Default::default()
        }
    }

    fn json(app: &App) -> serde_json::Value {
        serde_json::to_value(Record::new(app).unwrap()).unwrap()
    }

    #[test]
    fn nothing_before_the_first_reading() {
        assert!(Record::new(&app(ProbeStatus::NotLoaded("x".into()))).is_none());
    }

    #[test]
    fn rates_appear_with_the_second_reading() {
        let mut a = app(ProbeStatus::NotLoaded("x".into()));
        a.update(sample(1000, 10, 4));
        let first = json(&a);
        assert_eq!(first["seq"], 1);
        assert_eq!(first["interval_ms"], 500);
        assert!(first["rates_per_sec"]["store"].is_null());
        a.update(sample(3000, 30, 10));
        let second = json(&a);
        assert_eq!(second["seq"], 2);
        assert_eq!(second["rates_per_sec"]["store"], 10.0);
        assert_eq!(second["rates_per_sec"]["load"], 0.0);
        let row = &second["cgroups"]["rows"][0];
        assert_eq!(row["path"], "/a");
        assert_eq!(row["pool_bytes"], 4096);
        assert_eq!(row["store_per_sec"], 3.0);
        assert_eq!(row["max"], "max");
        assert!(second["cgroups"]["missing"].is_null());
    }

    #[test]
    fn a_missing_probe_says_why_and_a_loaded_one_gives_quantiles() {
        let mut a = app(ProbeStatus::NotLoaded("no BTF".into()));
        a.update(sample(1000, 1, 1));
        let p = &json(&a)["probe"];
        assert_eq!(p["loaded"], false);
        assert_eq!(p["reason"], "no BTF");
        let mut a = app(ProbeStatus::Loaded(vec![OpLatency {
            op: Op::Store,
            histogram: LatencyHistogram {
                outcome: OpOutcome::Ok,
                buckets: vec![0, 0, 3, 1],
            },
        }]));
        a.update(sample(1000, 1, 1));
        let h = &json(&a)["probe"]["histograms"][0];
        assert_eq!(h["label"], "store ok");
        assert_eq!(h["count"], 4);
        assert_eq!(h["p50_ns"], 4);
        assert_eq!(h["p99_ns"], 8);
        assert_eq!(h["buckets"], serde_json::json!([0, 0, 3, 1]));
    }

    #[test]
    fn no_debugfs_means_null_rejects_and_a_note() {
        let mut a = app(ProbeStatus::NotLoaded("x".into()));
        a.update(ZswapSample::default());
        let j = json(&a);
        assert!(j["rejects"].is_null());
        assert!(j["pool"]["bytes"].is_null());
        assert_eq!(j["notes"][0]["what"], "zswap");
    }
}
