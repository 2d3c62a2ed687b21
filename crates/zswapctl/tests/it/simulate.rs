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
