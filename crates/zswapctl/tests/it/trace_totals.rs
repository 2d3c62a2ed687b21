//! `zswapctl trace --totals FILE`: a recorded trace summed as `key=value` lines, with no probe
//! loaded (what the guest scenarios compare with the kernel's counters).

use crate::simulate::write_trace;
use crate::util::{texts, zswapctl};

fn kv(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no '{key}' in:\n{text}"))
        .to_owned()
}

#[test]
fn totals_count_what_the_trace_holds() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    write_trace(&trace, 30, true);
    let (code, out, err) = texts(&zswapctl(
        None,
        &["trace", "--totals", trace.to_str().unwrap()],
    ));
    assert_eq!(code, 0, "{err}");
    // write_trace: 30 stores of 900 + (i * 37) % 2500 bytes, every third slot loaded and freed
    let bytes: u64 = (0..30).map(|i| 900 + (i * 37) % 2500).sum();
    for (key, want) in [
        ("kernel", "6.12.117+deb13-amd64".to_owned()),
        ("era", "folio".to_owned()),
        ("records", "50".to_owned()),
        ("store_ok_pages", "30".to_owned()),
        ("load_ok", "10".to_owned()),
        ("stored_bytes", bytes.to_string()),
        ("store_records", "30".to_owned()),
        ("store_with_slot", "30".to_owned()),
        ("load_records", "10".to_owned()),
        ("load_with_slot", "10".to_owned()),
        ("invalidate_records", "10".to_owned()),
        ("invalidate_with_slot", "10".to_owned()),
        ("compressor", "lzo".to_owned()),
        ("max_pool_percent", "20".to_owned()),
        ("ram_pages", "16384".to_owned()),
    ] {
        assert_eq!(kv(&out, key), want, "{key}");
    }
}

#[test]
fn totals_count_records_without_a_slot() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    write_trace(&trace, 3, false);
    let (code, out, err) = texts(&zswapctl(
        None,
        &["trace", "--totals", trace.to_str().unwrap()],
    ));
    assert_eq!(code, 0, "{err}");
    assert_eq!(kv(&out, "store_records"), "3");
    assert_eq!(kv(&out, "store_with_slot"), "0");
    assert_eq!(kv(&out, "load_with_slot"), "0");
}

#[test]
fn totals_of_a_missing_trace_name_it_and_exit_2() {
    let (code, _, err) = texts(&zswapctl(
        None,
        &["trace", "--totals", "/nonexistent/t.jsonl"],
    ));
    assert_eq!(code, 2);
    assert!(
        err.contains("'/nonexistent/t.jsonl' does not exist"),
        "{err}"
    );
}

#[test]
fn totals_load_no_probe_and_take_no_probe_options() {
    for extra in ["--summary", "--kprobes", "--until-file=/tmp/x"] {
        let (code, _, err) = texts(&zswapctl(None, &["trace", "--totals", "t", extra]));
        assert_eq!(code, 2, "{extra}: {err}");
    }
    // --kv shapes the summary only
    let (code, _, err) = texts(&zswapctl(None, &["trace", "--kv"]));
    assert_eq!(code, 2, "{err}");
    // key=value lines have no JSON form (and no schema)
    let (code, _, err) = texts(&zswapctl(None, &["--json", "trace", "--totals", "t"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("drop '--json'"), "{err}");
}
