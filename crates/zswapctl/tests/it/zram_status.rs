//! `zswapctl status` on trees with and without zram: one section per device in the text, a
//! `zram` array in `--json` carrying `device` and the `mm_stat` figures in bytes, and the
//! reason when there is no zram or a device is not set up.

use zswap_testkit::FixtureRoot;

use crate::util::{json, zswapctl};

const SWAPS: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

fn tree() -> FixtureRoot {
    let f = FixtureRoot::new();
    f.params_6_18();
    f.proc(
        "swaps",
        &format!("{SWAPS}/dev/zram0 partition 4194300 8192 100\n"),
    );
    f.zram(
        0,
        4_294_967_296,
        "lz4",
        "41943040 10485760 12582912 33554432 13631488 64 0 5 9",
    );
    f.zram(1, 0, "lzo-rle", "0 0 0 0 0 0 0 0 0");
    f
}

#[test]
fn json_has_a_zram_array_with_mm_stat_bytes() {
    let f = tree();
    let j = json(&zswapctl(Some(f.path()), &["status", "--json"]));
    let z = j["zram"].as_array().unwrap();
    assert_eq!(z.len(), 2);
    assert_eq!(z[0]["device"], "zram0");
    let mm = &z[0]["mm_stat"];
    assert_eq!(mm["orig_data_size_bytes"], 41_943_040);
    assert_eq!(mm["compr_data_size_bytes"], 10_485_760);
    assert_eq!(mm["mem_used_total_bytes"], 12_582_912);
    assert_eq!(mm["mem_limit"], 33_554_432);
    assert_eq!(mm["mem_used_max_bytes"], 13_631_488);
    assert_eq!(mm["huge_pages_since"], 9);
    assert_eq!(z[0]["swap"]["priority"], 100);
    assert_eq!(z[0]["comp_algorithm"]["selected"], "lz4");
    assert_eq!(z[1]["device"], "zram1");
    assert!(z[1]["mm_stat"].is_null());
    let why = z[1]["absent"][0]["reason"].as_str().unwrap();
    assert!(why.contains("disksize 0"), "{why}");
}

#[test]
fn text_has_one_section_per_device() {
    let f = tree();
    let out = zswapctl(Some(f.path()), &["status", "--bytes"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("zram zram0 (swap, priority 100)"), "{text}");
    assert!(text.contains("memory used"), "{text}");
    assert!(text.contains("12,582,912 B"), "{text}");
    // 41943040 - 64 same pages = 41680896 bytes in 10485760: 3.98:1
    assert!(text.contains("3.98:1"), "{text}");
    assert!(text.contains("zram zram1 (not set up)"), "{text}");
}

#[test]
fn no_zram_is_an_empty_array_and_a_reason() {
    let f = FixtureRoot::new();
    f.params_6_18();
    f.proc("swaps", SWAPS);
    let j = json(&zswapctl(Some(f.path()), &["status", "--json"]));
    assert_eq!(j["zram"], serde_json::json!([]));
    let missing = j["missing"].as_array().unwrap();
    let m = missing.iter().find(|m| m["what"] == "zram").unwrap();
    assert!(m["reason"].as_str().unwrap().contains("CONFIG_ZRAM"));
}

#[test]
fn removed_zram_directory_is_no_crash() {
    let f = tree();
    // zram1's sysfs directory is a dangling entry: its attributes are gone
    std::fs::remove_dir_all(f.path().join("sys/block/zram1")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/zram1", f.path().join("sys/block/zram1")).unwrap();
    let j = json(&zswapctl(Some(f.path()), &["status", "--json"]));
    let z = j["zram"].as_array().unwrap();
    assert_eq!(z[1]["device"], "zram1");
    assert!(z[1]["disksize_bytes"].is_null());
    let reasons = z[1]["absent"].to_string();
    assert!(reasons.contains("removed"), "{reasons}");
}
