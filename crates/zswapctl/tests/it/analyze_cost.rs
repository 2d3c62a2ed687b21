//! `analyze`'s total cost per kind (`zswap_cost`, `zram_cost`): the era's structure sizes
//! are applied to the page counts, the text table shows both kinds, and `--zram-disksize`
//! resizes the slot table or is refused when it cannot hold the pages.

use std::io::Write;
use std::path::Path;

use serde_json::Value;
use zswap_core::compress::PAGE_SIZE;
use zswap_testkit::pages::mixed_corpus;

use crate::util::{json, zswapctl};

fn corpus_file(dir: &Path, pages: usize) -> String {
    let path = dir.join("pages.bin");
    let mut f = std::fs::File::create(&path).unwrap();
    for p in mixed_corpus(0xc057, pages) {
        f.write_all(&p).unwrap();
    }
    path.to_str().unwrap().to_owned()
}

fn lzo(kernel: &str, file: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "--json",
        "analyze",
        "--kernel",
        kernel,
        "--compressor",
        "lzo",
    ];
    args.extend_from_slice(extra);
    args.push(file);
    let v = json(&zswapctl(None, &args));
    v["compressors"][0].clone()
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn costs_apply_each_eras_structure_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let file = corpus_file(dir.path(), 1000);
    // (era, zswap_entry bytes, index, zram_table_entry bytes): docs/zram.md "Total cost"
    for (era, entry, index, slot) in [
        ("6.1", 64, "rbtree", 24),
        ("6.12", 56, "xarray", 24),
        ("6.18", 56, "xarray", 16),
    ] {
        let c = lzo(era, &file, &[]);
        let (z, r) = (&c["zswap_cost"], &c["zram_cost"]);
        assert_eq!(z["entries"], c["stored_pages"], "{era}");
        assert_eq!(n(&z["entry_bytes"]), n(&c["stored_pages"]) * entry, "{era}");
        assert_eq!(z["index"], index, "{era}");
        // e entries at offsets 1..=e (64 <= e < 4096): leaves 0..=e/64 and their parent
        let e = n(&z["entries"]);
        assert!((64..4096).contains(&e), "{era}: {e}");
        let nodes = if index == "xarray" { e / 64 + 2 } else { 0 };
        assert_eq!(n(&z["index_nodes"]), nodes, "{era}");
        assert_eq!(n(&z["index_bytes"]), nodes * 576, "{era}");
        assert_eq!(
            n(&z["total_bytes"]),
            n(&c["pool_bytes"]) + n(&z["entry_bytes"]) + nodes * 576,
            "{era}"
        );
        assert_eq!(r["mem_used_bytes"], c["zram_mem_used_bytes"], "{era}");
        assert_eq!(n(&r["disksize_bytes"]), 1000 * PAGE_SIZE as u64, "{era}");
        assert_eq!(n(&r["table_bytes"]), 1000 * slot, "{era}");
        assert_eq!(
            n(&r["total_bytes"]),
            n(&r["mem_used_bytes"]) + 1000 * slot,
            "{era}"
        );
    }
}

#[test]
fn zram_disksize_sizes_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = corpus_file(dir.path(), 100);
    let c = lzo("6.18", &file, &["--zram-disksize", "1G"]);
    assert_eq!(n(&c["zram_cost"]["disksize_bytes"]), 1 << 30);
    assert_eq!(n(&c["zram_cost"]["table_bytes"]), (1 << 18) * 16);
}

#[test]
fn zram_disksize_below_the_pages_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = corpus_file(dir.path(), 100);
    let out = zswapctl(
        None,
        &[
            "analyze",
            "--kernel",
            "6.18",
            "--zram-disksize",
            "64K",
            &file,
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("'65536'") && err.contains("'409600'"), "{err}");
}

#[test]
fn text_shows_both_totals() {
    let dir = tempfile::tempdir().unwrap();
    let file = corpus_file(dir.path(), 100);
    let out = zswapctl(
        None,
        &["analyze", "--kernel", "6.1", "--compressor", "lzo", &file],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("zswap = pool + 64 B entries + rbtree index, zram = mem_used + 24 B slots"),
        "{text}"
    );
    let row = text
        .lines()
        .skip_while(|l| !l.starts_with("COMPR          ZSWAP"))
        .nth(1)
        .unwrap_or_else(|| panic!("no cost table in:\n{text}"));
    assert!(row.starts_with("lzo "), "{row}");
}
