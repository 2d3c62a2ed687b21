//! `zswapctl simulate` end to end: a sweep over pool limits shows the limit biting only where
//! it should, with writeback; bad values exit 2 naming the value.

use crate::util::{json, zswapctl};

const BASE: [&str; 14] = [
    "--json",
    "simulate",
    "--kernel",
    "6.18",
    "--working-set",
    "12M",
    "--resident",
    "4M",
    "--ram",
    "64M",
    "--accesses",
    "6000",
    "--compressor",
    "lzo",
];

#[test]
fn sweep_shows_the_limit_and_writeback_where_it_bites() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("pool.svg");
    let mut args = BASE.to_vec();
    args.extend([
        "--max-pool-percent",
        "3,100",
        "--accept-threshold-percent",
        "50,90",
    ]);
    args.extend(["--plot", svg.to_str().unwrap()]);
    let v = json(&zswapctl(None, &args));
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for r in runs {
        let p = r["settings"]["max_pool_percent"].as_u64().unwrap();
        let hits = r["pool_limit_hit"].as_u64().unwrap();
        if p == 100 {
            assert_eq!(hits, 0, "{r}");
        } else {
            assert!(hits > 0, "{r}");
            assert!(r["written_back_pages"].as_u64().unwrap() > 0, "{r}");
        }
        assert!(r["samples"].as_array().unwrap().len() > 10);
    }
    let p = v["suggested_max_pool_percent"].as_u64().unwrap();
    assert!(p > 3 && p <= 100, "{p}");
    assert_eq!(
        std::fs::read_to_string(&svg)
            .unwrap()
            .matches("<polyline")
            .count(),
        4
    );
}

#[test]
fn bad_sizes_and_shapes_are_refused() {
    let out = zswapctl(
        None,
        &["simulate", "--kernel", "6.18", "--working-set", "12Q"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'12Q'"));
    let out = zswapctl(
        None,
        &[
            "simulate",
            "--kernel",
            "6.18",
            "--working-set",
            "4M",
            "--resident",
            "8M",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("must be smaller"), "{stderr}");
    let out = zswapctl(
        None,
        &[
            "simulate",
            "--kernel",
            "6.18",
            "--working-set",
            "4M",
            "--max-pool-percent",
            "101",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("101"));
}

/// A trace as the probe writes it: `stores` pages stored into slots 0.., every third one
/// loaded back (exclusive load, then its slot freed), on a 64 MiB 6.12 machine with the
/// default limits. With `slots: false` the records carry no swap slot.
pub(crate) fn write_trace(path: &std::path::Path, stores: u64, slots: bool) {
    use zswap_core::trace::{Op, OpOutcome, TraceRecord, TraceWriter};
    let header = zswap_testkit::trace::trace_header();
    let rec = |t: u64, op: Op, offset: u64, bytes: u64| TraceRecord {
        t_ns: t,
        op,
        outcome: OpOutcome::Ok,
        cgroup: 40,
        pid: 7,
        comm: "w".into(),
        latency_ns: 1000,
        bytes,
        pages: 1,
        ret: 1,
        swap_type: slots.then_some(0),
        swap_offset: slots.then_some(offset),
    };
    let f = std::fs::File::create(path).unwrap();
    let mut w = TraceWriter::new(f, &header).unwrap();
    let mut t = 0;
    for i in 0..stores {
        t += 10;
        w.record(&rec(t, Op::Store, i, 900 + (i * 37) % 2500))
            .unwrap();
        if i % 3 == 2 {
            t += 10;
            w.record(&rec(t, Op::Load, i - 1, 0)).unwrap();
            w.record(&rec(t + 1, Op::Invalidate, i - 1, 0)).unwrap();
        }
    }
    w.finish().unwrap();
}

#[test]
fn a_recorded_trace_replays_and_a_small_limit_shows_its_cost() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    write_trace(&trace, 3000, true);
    let t = trace.to_str().unwrap();
    // the recorded settings (20 % of 64 MiB): the model repeats every outcome
    let v = json(&zswapctl(None, &["--json", "simulate", "--trace", t]));
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let r = &runs[0];
    assert_eq!(r["sim"]["settings"]["max_pool_percent"], 20);
    assert_eq!(r["sim"]["settings"]["era"], "6.12");
    assert_eq!(r["kernel"]["stores_ok"], 3000);
    assert_eq!(r["kernel"]["loads_ok"], 1000);
    assert_eq!(r["agreement"]["stores_both_ok"], 3000);
    assert_eq!(r["agreement"]["loads_both_ok"], 1000);
    assert_eq!(r["sim"]["pool_limit_hit"], 0);
    // a 2 % limit (1.3 MiB) bites: limit hits, writeback, loads the model must read from disk
    let v = json(&zswapctl(
        None,
        &[
            "--json",
            "simulate",
            "--trace",
            t,
            "--max-pool-percent",
            "2,100",
            "--accept-threshold-percent",
            "50",
        ],
    ));
    let runs = v["runs"].as_array().unwrap();
    let small = &runs[0];
    assert!(
        small["sim"]["pool_limit_hit"].as_u64().unwrap() > 0,
        "{small}"
    );
    assert!(
        small["sim"]["written_back_pages"].as_u64().unwrap() > 0,
        "{small}"
    );
    assert!(
        small["agreement"]["loads_kernel_only"].as_u64().unwrap() > 0,
        "{small}"
    );
    assert_eq!(runs[1]["sim"]["pool_limit_hit"], 0);
    let peak = small["sim"]["peak_pool_bytes"].as_u64().unwrap();
    let limit = small["sim"]["max_pool_pages"].as_u64().unwrap() * 4096;
    // a store below the limit may add one whole zspage: up to 8 pages (ZSMALLOC_CHAIN_SIZE)
    assert!(peak < limit + 8 * 4096, "peak {peak} limit {limit}");
    assert!(v["suggested_max_pool_percent"].as_u64().unwrap() > 2);
    // the human table has the agreement column
    let out = zswapctl(None, &["simulate", "--trace", t, "--max-pool-percent", "2"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("AGREE"), "{text}");
    // the agreement cells end where their heading ends, 100.0% included
    for extra in [&["--max-pool-percent", "2"][..], &[]] {
        let mut args = vec!["simulate", "--trace", t];
        args.extend_from_slice(extra);
        let text = String::from_utf8_lossy(&zswapctl(None, &args).stdout).into_owned();
        let head = text.lines().find(|l| l.contains("AGREE")).unwrap();
        let row = text
            .lines()
            .skip_while(|l| !l.contains("AGREE"))
            .nth(1)
            .unwrap();
        assert_eq!(head.len(), row.len(), "{head}\n{row}");
    }
    assert!(text.contains("3000 stores (0 refused)"), "{text}");
}

#[test]
fn bad_traces_are_refused_naming_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let check = |args: &[&str], needles: &[&str]| {
        let out = zswapctl(None, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for n in needles {
            assert!(stderr.contains(n), "{args:?}: missing {n:?} in {stderr}");
        }
    };
    let noslots = dir.path().join("noslots.jsonl");
    write_trace(&noslots, 10, false);
    let n = noslots.to_str().unwrap();
    check(
        &["simulate", "--trace", n],
        &["noslots.jsonl", "no swap slot", "record it again"],
    );
    let good = dir.path().join("good.jsonl");
    write_trace(&good, 10, true);
    let g = good.to_str().unwrap();
    check(
        &["simulate", "--trace", g, "--compressor", "zstd"],
        &["'lzo'", "'zstd'", "drop --compressor"],
    );
    check(
        &["simulate", "--trace", g, "--working-set", "4M"],
        &["--working-set"],
    );
    let corrupt = dir.path().join("corrupt.jsonl");
    let mut text = std::fs::read_to_string(&good).unwrap();
    text.push_str("{\"t_ns\":\n");
    std::fs::write(&corrupt, text).unwrap();
    check(
        &["simulate", "--trace", corrupt.to_str().unwrap()],
        &["corrupt trace", "corrupt.jsonl", "line 18"],
    );
    // a trace from a 64 KiB-page kernel: the model's pages are 4 KiB
    let big = dir.path().join("pages64k.jsonl");
    let text = std::fs::read_to_string(&good).unwrap();
    assert!(text.contains("\"page_size\":4096"), "{text}");
    std::fs::write(
        &big,
        text.replacen("\"page_size\":4096", "\"page_size\":65536", 1),
    )
    .unwrap();
    let b = big.to_str().unwrap();
    for args in [&["simulate", "--trace", b][..], &["analyze", b]] {
        check(args, &["pages64k.jsonl", "65536-byte pages", "4 KiB"]);
    }
    let missing = dir.path().join("missing.jsonl");
    let out = zswapctl(None, &["simulate", "--trace", missing.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.jsonl"));
}
