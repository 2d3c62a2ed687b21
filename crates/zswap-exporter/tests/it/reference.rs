//! The metric reference, `docs/metrics.md`, is generated from what the exporter writes, so it
//! cannot drift from the code: the server's scrape of the tree with every file (which adds its
//! `process_*` families), `--once` over the other fixture trees, and the probe's families from
//! `tests/golden/ebpf.prom` (the collector's own golden test renders that file from code).
//! Regenerate after an intended change with `UPDATE_GOLDEN=1 cargo test -p zswap-exporter`.
//! The same list must have no near-twin names (the same words in another order).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::{self, Exporter};

#[derive(Debug, Default)]
struct Fam {
    kind: String,
    help: String,
    labels: BTreeSet<String>,
}

/// The label names of one sample line's `{...}`, honouring quotes and escapes.
fn label_names(line: &str) -> Vec<String> {
    let Some(open) = line.find('{') else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let mut rest = &line[open + 1..];
    while let Some(eq) = rest.find('=') {
        names.push(rest[..eq].trim_start_matches(',').to_owned());
        let mut chars = rest[eq + 2..].char_indices();
        let mut end = 0;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        rest = &rest[eq + 2 + end + 1..];
        if rest.starts_with('}') {
            break;
        }
    }
    names
}

fn add_exposition(text: &str, out: &mut BTreeMap<String, Fam>) {
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("# HELP ") {
            let (name, help) = h.split_once(' ').unwrap();
            out.entry(name.to_owned()).or_default().help = help.to_owned();
        } else if let Some(t) = line.strip_prefix("# TYPE ") {
            let (name, kind) = t.split_once(' ').unwrap();
            out.entry(name.to_owned()).or_default().kind = kind.to_owned();
        } else if !line.starts_with('#') && !line.is_empty() {
            let sample = line.split(['{', ' ']).next().unwrap();
            // the family is the longest declared name the sample's name starts with
            let fam = out
                .keys()
                .filter(|f| sample.starts_with(f.as_str()))
                .max_by_key(|f| f.len())
                .cloned()
                .unwrap_or_else(|| panic!("sample without a family: {line}"));
            let labels = out.get_mut(&fam).unwrap();
            labels
                .labels
                .extend(label_names(line).into_iter().filter(|l| l != "le"));
        }
    }
}

/// Every family the exporter can write.
fn all_families() -> BTreeMap<String, Fam> {
    let mut out = BTreeMap::new();
    let every = common::tree_everything();
    let root = every.path().display().to_string();
    let e = Exporter::start(&["--path.rootfs", &root]);
    add_exposition(&e.scrape(), &mut out);
    for tree in [
        common::tree_6_18(),
        common::tree_6_1(),
        common::tree_6_12_never_enabled(),
    ] {
        add_exposition(&common::once(tree.path(), &[]), &mut out);
    }
    let ebpf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ebpf.prom");
    add_exposition(&std::fs::read_to_string(ebpf).unwrap(), &mut out);
    out
}

fn render(fams: &BTreeMap<String, Fam>) -> String {
    let mut s = String::from(
        "# Metric reference\n\n\
         Every metric family zswap-exporter writes, generated from its output by\n\
         `crates/zswap-exporter/tests/it/reference.rs` (a test fails when this file differs;\n\
         `UPDATE_GOLDEN=1 cargo test -p zswap-exporter` rewrites it). Where each figure comes from\n\
         in the kernel: the table in `crates/zswap-exporter/README.md` (Collectors and metrics).\n\
         Types are as the text format declares them (an info family is a gauge named `_info`).\n\
         The `process_*` families come only from the HTTP server, not from `--once`.\n\n\
         | metric | type | labels | help |\n|---|---|---|---|\n",
    );
    for (name, f) in fams {
        let labels: Vec<String> = f.labels.iter().map(|l| format!("`{l}`")).collect();
        s.push_str(&format!(
            "| `{name}` | {} | {} | {} |\n",
            f.kind,
            labels.join(", "),
            f.help.replace('|', "\\|")
        ));
    }
    s
}

#[test]
fn metric_reference_is_generated_from_the_code() {
    let fams = all_families();
    assert!(fams.len() > 40, "{fams:?}");
    for (name, f) in &fams {
        assert!(!f.kind.is_empty() && !f.help.is_empty(), "{name}: {f:?}");
    }
    let want = render(&fams);
    let path = common::workspace().join("docs/metrics.md");
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    if got != want {
        let diff: Vec<String> = want
            .lines()
            .filter(|l| !got.lines().any(|g| g == *l))
            .map(|l| format!("+ {l}"))
            .chain(
                got.lines()
                    .filter(|g| !want.lines().any(|l| l == *g))
                    .map(|g| format!("- {g}")),
            )
            .collect();
        panic!(
            "docs/metrics.md differs from the exporter's families:\n{}\nif intended: UPDATE_GOLDEN=1 cargo test -p zswap-exporter",
            diff.join("\n")
        );
    }
}

/// Names with the same words in another order (`zswap_written_back_pages_total` and
/// `zswap_pages_written_back_total`): one name per figure.
fn near_twins(names: &[&str]) -> Vec<(String, String)> {
    let mut by_words: BTreeMap<Vec<&str>, &str> = BTreeMap::new();
    let mut twins = Vec::new();
    for name in names {
        let mut words: Vec<&str> = name
            .split('_')
            .filter(|w| !matches!(*w, "zswap" | "total"))
            .collect();
        words.sort_unstable();
        if let Some(other) = by_words.insert(words, name) {
            twins.push((other.to_owned(), (*name).to_owned()));
        }
    }
    twins
}

#[test]
fn no_near_twin_names() {
    let fams = all_families();
    let names: Vec<&str> = fams.keys().map(String::as_str).collect();
    assert_eq!(near_twins(&names), Vec::new());
    assert_eq!(
        near_twins(&[
            "zswap_written_back_pages_total",
            "zswap_pages_written_back_total"
        ])
        .len(),
        1
    );
}

#[test]
fn label_names_skip_quoted_values() {
    assert_eq!(
        label_names(r#"x{cgroup="/a,b=\"c\"",reason="d"} 1"#),
        ["cgroup", "reason"]
    );
    assert!(label_names("x 1").is_empty());
}
