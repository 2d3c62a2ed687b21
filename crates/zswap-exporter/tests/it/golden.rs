//! Golden exposition output, node_exporter `end-to-end-test.sh` style: `--once` over a kernel
//! tree, diffed against a committed file. Durations vary per run and are masked.
//! Regenerate after an intended change with `UPDATE_GOLDEN=1 cargo test -p zswap-exporter`.

use std::path::{Path, PathBuf};

use crate::common::{self, once, sample, sample_names};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Masks what changes from run to run: collector durations, and from build to build: the
/// commit and compiler in the build info (the version stays: it changes only on purpose).
pub(crate) fn normalize(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with("zswap_exporter_collector_duration_seconds{") {
                let (name, _) = l.rsplit_once(' ').unwrap();
                format!("{name} <duration>")
            } else if l.starts_with("zswap_exporter_build_info{") {
                mask_label(&mask_label(l, "revision"), "rustversion")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `name="anything"` becomes `name="<name>"`; a missing label stays missing, so the diff shows it.
fn mask_label(line: &str, name: &str) -> String {
    let key = format!("{name}=\"");
    let Some(start) = line.find(&key).map(|i| i + key.len()) else {
        return line.to_owned();
    };
    let end = start + line[start..].find('"').unwrap_or(0);
    format!("{}<{name}>{}", &line[..start], &line[end..])
}

#[allow(clippy::disallowed_methods)] // test support: golden files and the update switch
fn check_golden(name: &str, got: &str) {
    let path = golden_dir().join(format!("{name}.prom"));
    let got = normalize(got);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "no golden file '{}' ({e}): run UPDATE_GOLDEN=1 cargo test -p zswap-exporter",
            path.display()
        )
    });
    if want != got {
        let diff: Vec<String> = want
            .lines()
            .zip(got.lines())
            .filter(|(a, b)| a != b)
            .take(10)
            .map(|(a, b)| format!("- {a}\n+ {b}"))
            .collect();
        panic!(
            "'{}' differs (want {} lines, got {}):\n{}\nif intended: UPDATE_GOLDEN=1 cargo test -p zswap-exporter",
            path.display(),
            want.lines().count(),
            got.lines().count(),
            diff.join("\n")
        );
    }
}

#[test]
fn golden_6_18_with_cgroups() {
    let f = common::tree_6_18();
    check_golden("synthetic-6.18", &once(f.path(), &[]));
}

#[test]
fn golden_6_1() {
    let f = common::tree_6_1();
    check_golden("synthetic-6.1", &once(f.path(), &[]));
}

#[test]
fn golden_6_12_never_enabled() {
    let f = common::tree_6_12_never_enabled();
    check_golden("synthetic-6.12-never-enabled", &once(f.path(), &[]));
}

/// Every committed fixture tree (tests/fixtures, captured from real kernels) that has a
/// golden file must match it.
#[test]
fn golden_committed_fixtures() {
    let mut checked = 0;
    for e in committed_fixtures() {
        let name = e.file_name().to_string_lossy().into_owned();
        if golden_dir().join(format!("{name}.prom")).exists()
            || std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1")
        {
            check_golden(&name, &once(&e.path(), &[]));
            checked += 1;
        }
    }
    assert!(checked > 0, "no committed fixture has a golden file");
}

/// The committed fixture trees; they are part of the repository, so an unreadable or empty
/// directory is a failure, not a reason to check nothing.
fn committed_fixtures() -> Vec<std::fs::DirEntry> {
    let dir = common::workspace().join("tests/fixtures");
    let entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "cannot read the committed fixtures '{}': {e}",
                dir.display()
            )
        })
        .map(Result::unwrap)
        .collect();
    assert!(
        !entries.is_empty(),
        "'{}' holds no fixture tree",
        dir.display()
    );
    entries
}

/// For every committed fixture, with or without a golden file: a metric is present if and
/// only if its file is (absent on that kernel means not exported, not 0), and the values
/// are the files' values.
#[test]
fn fixtures_metrics_match_their_files() {
    for e in committed_fixtures() {
        let root = e.path();
        check_tree_matches_files(&root, &once(&root, &[]));
    }
}

#[test]
fn synthetic_trees_match_their_files() {
    for f in [
        common::tree_6_18(),
        common::tree_6_1(),
        common::tree_6_12_never_enabled(),
    ] {
        check_tree_matches_files(f.path(), &once(f.path(), &[]));
    }
}

/// zram: a set-up device's disk size and `mm_stat` memory used are its metrics' values, a
/// device that is not set up has no memory figures, and a tree without zram devices has no
/// `zram_` sample at all.
#[allow(clippy::disallowed_methods)] // test support reads the fixture files directly
fn check_zram_matches_files(root: &Path, text: &str) {
    let ctx = root.display();
    let devices: Vec<String> = std::fs::read_dir(root.join("sys/block"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("zram"))
                .collect()
        })
        .unwrap_or_default();
    if devices.is_empty() {
        assert!(
            !text.lines().any(|l| l.starts_with("zram_")),
            "{ctx}: zram samples without a zram device"
        );
        return;
    }
    for dev in devices {
        let read =
            |f: &str| std::fs::read_to_string(root.join(format!("sys/block/{dev}/{f}"))).unwrap();
        let disksize: f64 = read("disksize").trim().parse().unwrap();
        let label = format!("{{device=\"{dev}\"}}");
        assert_eq!(
            sample(text, &format!("zram_disksize_bytes{label}")),
            Some(disksize),
            "{ctx}: {dev} disksize"
        );
        let used = sample(text, &format!("zram_memory_used_bytes{label}"));
        if read("initstate").trim() == "1" {
            let mm = read("mm_stat");
            let want: f64 = mm.split_whitespace().nth(2).unwrap().parse().unwrap();
            assert_eq!(used, Some(want), "{ctx}: {dev} mem_used_total");
        } else {
            assert_eq!(used, None, "{ctx}: {dev} is not set up");
        }
    }
}

#[allow(clippy::disallowed_methods)] // test support reads the fixture files directly
fn check_tree_matches_files(root: &Path, text: &str) {
    let names = sample_names(text);
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).ok();
    let ctx = root.display();
    // debugfs: file ⇔ metric, same value
    for (file, metric) in [
        ("pool_total_size", "zswap_pool_size_bytes"),
        ("stored_pages", "zswap_stored_pages"),
        ("same_filled_pages", "zswap_same_filled_pages"),
        (
            "stored_incompressible_pages",
            "zswap_stored_incompressible_pages",
        ),
        ("pool_limit_hit", "zswap_pool_limit_hit_total"),
        ("decompress_fail", "zswap_decompress_failures_total"),
        ("written_back_pages", "zswap_written_back_pages_total"),
        ("duplicate_entry", "zswap_duplicate_entries_total"),
    ] {
        let content = read(&format!("sys/kernel/debug/zswap/{file}"));
        assert_eq!(
            sample(text, metric),
            content.map(|c| c.trim().parse::<f64>().unwrap()),
            "{ctx}: {metric} vs debugfs {file}"
        );
    }
    for reason in [
        "compress_poor",
        "compress_fail",
        "alloc_fail",
        "kmemcache_fail",
        "reclaim_fail",
    ] {
        let content = read(&format!("sys/kernel/debug/zswap/reject_{reason}"));
        assert_eq!(
            sample(text, &format!("zswap_rejects_total{{reason=\"{reason}\"}}")),
            content.map(|c| c.trim().parse::<f64>().unwrap()),
            "{ctx}: reject reason {reason}"
        );
    }
    // parameters: file ⇔ metric
    let param = |p: &str| read(&format!("sys/module/zswap/parameters/{p}"));
    for (p, metric) in [
        ("enabled", "zswap_enabled"),
        ("max_pool_percent", "zswap_max_pool_ratio"),
        ("accept_threshold_percent", "zswap_accept_threshold_ratio"),
        ("shrinker_enabled", "zswap_shrinker_enabled"),
        (
            "same_filled_pages_enabled",
            "zswap_same_filled_pages_enabled",
        ),
        (
            "non_same_filled_pages_enabled",
            "zswap_non_same_filled_pages_enabled",
        ),
        ("exclusive_loads", "zswap_exclusive_loads_enabled"),
    ] {
        assert_eq!(
            param(p).is_some(),
            names.contains(metric),
            "{ctx}: {metric} vs {p}"
        );
    }
    if let Some(c) = param("compressor") {
        let zpool = param("zpool")
            .map(|z| format!("zpool=\"{}\",", z.trim()))
            .unwrap_or_default();
        let info = format!("zswap_info{{{zpool}compressor=\"{}\"}}", c.trim());
        assert_eq!(sample(text, &info), Some(1.0), "{ctx}: {info}");
    }
    check_zram_matches_files(root, text);
    // vmstat keys ⇔ metrics
    let vmstat = read("proc/vmstat").unwrap_or_default();
    let has_key = |k: &str| {
        vmstat
            .lines()
            .any(|l| l.split_whitespace().next() == Some(k))
    };
    for (key, metric) in [
        ("zswpin", "zswap_vmstat_zswpin_total"),
        ("zswpout", "zswap_vmstat_zswpout_total"),
        ("zswpwb", "zswap_vmstat_zswpwb_total"),
        ("swpout_zero", "zswap_swapout_zero_pages_total"),
        ("swpin_zero", "zswap_swapin_zero_pages_total"),
    ] {
        assert_eq!(
            has_key(key),
            names.contains(metric),
            "{ctx}: {metric} vs vmstat {key}"
        );
    }
}
