//! No module-level import circle in any crate of the workspace: a module may use its own
//! submodules, its ancestors and anything else, but nothing it uses may use it back,
//! directly or round a circle. The exporter is held to the strict form (a child may not
//! import its parent either: its `tests/it/layout.rs`); here every crate is held to the
//! form that lets a child use its parent's types ([`without_ancestor_imports`]).

use std::path::{Path, PathBuf};

use zswap_testkit::modgraph::{ModuleGraph, cycles, module_graph, without_ancestor_imports};

/// Every crate of the workspace with Rust sources of its own (the eBPF program crates are
/// `no_std` programs of a few modules, built for another target).
const CRATES: [&str; 9] = [
    "crates/zswap-core",
    "crates/zswap-analyze",
    "crates/zswapctl",
    "crates/zswap-exporter",
    "crates/zswap-top",
    "crates/zswap-probe",
    "crates/zswap-workload",
    "crates/zswap-testkit",
    "xtask",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn no_crate_has_an_import_circle() {
    for name in CRATES {
        let graph: ModuleGraph =
            without_ancestor_imports(&module_graph(&workspace().join(name).join("src")));
        assert!(graph.len() > 1, "{name}: too few modules found: {graph:?}");
        let found = cycles(&graph);
        assert!(
            found.is_empty(),
            "{name}: modules that import each other: {found:?}; make the imports run one way \
             (move what both need to a module both may use)"
        );
    }
}

#[test]
fn every_workspace_crate_is_checked() {
    let mut members: Vec<String> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .map(|e| format!("crates/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    members.push("xtask".to_owned());
    members.sort();
    let mut checked: Vec<String> = CRATES.iter().map(|c| (*c).to_owned()).collect();
    checked.sort();
    assert_eq!(members, checked, "add the new crate to CRATES");
}
