//! The `zswap-exporter` commands of the markdown files' ```console examples run as tests
//! (docs/doc-tests.md); zswapctl's test of the same name runs the rest and checks that every command
//! example is run or marked. How: `zswap_testkit::docs`.

#[test]
fn regress_22_markdown_examples_run() {
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_zswap-exporter"));
    zswap_testkit::docs::run_markdown_examples(&[("zswap-exporter", &exe)]);
}
