//! The markdown files' command examples are tests (docs/doc-tests.md): every ```console block of every
//! `*.md` in the repository runs with trycmd on copies of the fixture trees, and a command
//! example that is neither run nor marked `not-run:` fails. How blocks are run and marked:
//! `zswap_testkit::docs`. `zswap-exporter` commands run in that crate's test of the same name.

use std::path::Path;

use zswap_testkit::docs::{doc_files, repo_dir, run_markdown_examples, untested_examples};

#[test]
fn regress_22_every_command_example_is_run_or_marked() {
    let mut problems = Vec::new();
    for rel in doc_files() {
        let text = std::fs::read_to_string(repo_dir().join(&rel)).unwrap();
        problems.extend(untested_examples(&rel.display().to_string(), &text));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn regress_22_doc_files_include_the_issue_files() {
    let files = doc_files();
    for f in [
        "README.md",
        "crates/zswapctl/README-analyze.md",
        "crates/zswap-exporter/README.md",
        "docs/zram.md",
    ] {
        assert!(
            files.contains(&Path::new(f).to_path_buf()),
            "{f}: {files:?}"
        );
    }
}

#[test]
fn regress_22_markdown_examples_run() {
    let exe = assert_cmd::cargo::cargo_bin("zswapctl");
    run_markdown_examples(&[("zswapctl", &exe)]);
}

/// The `zswapctl top` screen of docs/zswapctl.md (a capture, not a command) shows the figures the
/// dashboard renders for the same tree: its header lines equal those of the 80x24 snapshot
/// of `linux-6.18-after-workload` (`crates/zswap-top/tests/it/render.rs`).
#[test]
fn regress_22_documented_top_screen_matches_the_rendering() {
    let doc = std::fs::read_to_string(repo_dir().join("docs/zswapctl.md")).unwrap();
    let screen = zswap_testkit::docs::fences(&doc)
        .into_iter()
        .find(|f| {
            f.body
                .first()
                .is_some_and(|l| l.starts_with(" zswapctl top #"))
        })
        .expect("docs/zswapctl.md has the top screen");
    let snap = std::fs::read_to_string(repo_dir().join(
        "crates/zswap-top/tests/it/snapshots/it__render__linux-6.18-after-workload-80x24.snap",
    ))
    .unwrap();
    let rendered: Vec<String> = snap
        .lines()
        .filter_map(|l| l.strip_prefix('"')?.strip_suffix('"'))
        .map(|l| l.trim_end().to_owned())
        .collect();
    // lines 2-4: parameters, pool gauge, ratio and counts (line 1 has the time, 5+ rates)
    assert!(
        screen.body.len() >= 4 && rendered.len() >= 4,
        "the documented screen has {} lines, the snapshot {}: both need lines 2-4",
        screen.body.len(),
        rendered.len()
    );
    for (n, (doc, shown)) in screen
        .body
        .iter()
        .zip(&rendered)
        .enumerate()
        .take(4)
        .skip(1)
    {
        assert_eq!(
            doc.trim_end(),
            shown,
            "docs/zswapctl.md top screen line {}",
            n + 1
        );
    }
}
