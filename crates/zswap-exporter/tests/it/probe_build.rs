//! `--version` says whether the eBPF probe is built in, and a probe-less build
//! asked for `--collector.ebpf` says why and which script installs the toolchain. Which
//! branch runs depends on the build: `AYA_BUILD_SKIP=1 cargo test -p zswap-exporter --test it
//! probe_build` checks the probe-less wording.

use std::process::Command;

use zswap_probe::{INSTALL_SCRIPT, PROBE_BUILD};
use zswap_testkit::FixtureRoot;

use crate::common::BIN;

#[test]
fn version_says_whether_the_probe_is_built_in() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        format!(
            "zswap-exporter {}\neBPF probe: {PROBE_BUILD}\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    if let Some(reason) = PROBE_BUILD.not_built_reason() {
        assert!(text.contains(&format!("not built ({reason})")), "{text}");
        assert!(text.contains(INSTALL_SCRIPT), "{text}");
    }
}

#[test]
fn ebpf_collector_without_the_probe_names_the_reason_and_the_install_script() {
    let f = FixtureRoot::era("6.18.2");
    let out = Command::new(BIN)
        .args(["--once", "--collector.ebpf", "--path.rootfs"])
        .arg(f.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    match PROBE_BUILD.not_built_reason() {
        Some(reason) => {
            assert!(
                err.contains(&format!(
                    "collector ebpf: the probe did not load: the probe was not built ({reason})"
                )),
                "{err}"
            );
            assert!(err.contains(INSTALL_SCRIPT), "{err}");
        }
        None => assert!(!err.contains("not built"), "{err}"),
    }
}
