//! The exporter's modules import one way: `http` → `collector` → `families`, and no
//! collector file imports the module that runs it (node_exporter's `collector/` layout).

use std::path::Path;

use zswap_testkit::modgraph::{import_cycles, module_graph};

#[test]
fn module_imports_have_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let cycles = import_cycles(&src);
    assert!(
        cycles.is_empty(),
        "modules that import each other: {cycles:?}\n{:#?}",
        module_graph(&src)
    );
}

#[test]
fn collector_files_use_only_the_family_model() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    let sources: Vec<&String> = graph
        .keys()
        .filter(|m| m.starts_with("collector::"))
        .collect();
    assert!(sources.len() >= 8, "{sources:?}");
    for m in sources {
        let bad: Vec<&String> = graph[m]
            .iter()
            .filter(|d| *d != "families" && !d.starts_with(&format!("{m}::")))
            .collect();
        assert!(bad.is_empty(), "{m} imports {bad:?}");
    }
}
