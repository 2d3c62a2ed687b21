//! README.md's crate table says which of the workspace's crates each one depends on; the
//! manifests are the truth.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::disallowed_methods)] // reads the repository's files

use std::collections::{BTreeMap, BTreeSet};

use zswap_testkit::docs::repo_dir;

/// The workspace crates named in `[dependencies]` of `manifest`, without `zswap-`.
fn workspace_deps(manifest: &str) -> BTreeSet<String> {
    let mut in_deps = false;
    let mut out = BTreeSet::new();
    for line in manifest.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_deps = l == "[dependencies]";
            continue;
        }
        if !in_deps {
            continue;
        }
        let name = l.split(['=', '.', ' ']).next().unwrap_or_default();
        if let Some(short) = name.strip_prefix("zswap-") {
            out.insert(short.to_owned());
        }
    }
    out
}

/// Crate directory → the "uses" cell of README.md's crate table.
fn readme_table() -> BTreeMap<String, BTreeSet<String>> {
    let readme = std::fs::read_to_string(repo_dir().join("README.md")).unwrap();
    let start = readme
        .find("| crate | uses | owns |")
        .expect("README has the crate table");
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let dir = cells[1].trim_matches('`').to_owned();
            let uses = cells[2]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            (dir, uses)
        })
        .collect()
}

#[test]
fn readme_crate_map_matches_the_manifests() {
    let table = readme_table();
    let mut members: Vec<String> = std::fs::read_dir(repo_dir().join("crates"))
        .unwrap()
        .map(|e| format!("crates/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    members.push("xtask".to_owned());
    members.sort();
    let listed: Vec<String> = table.keys().cloned().collect();
    assert_eq!(listed, members, "README's crate table lists other crates");
    for (dir, uses) in &table {
        let manifest = std::fs::read_to_string(repo_dir().join(dir).join("Cargo.toml")).unwrap();
        assert_eq!(
            &workspace_deps(&manifest),
            uses,
            "README's crate table: the 'uses' cell of '{dir}' differs from its [dependencies]"
        );
    }
}
