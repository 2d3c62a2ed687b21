//! Whether this build carries the eBPF probe is said by `--version`, and a
//! probe-less build's `trace` says why and which script installs the toolchain. The answer
//! comes from `zswap_probe::PROBE_BUILD`, the same crate build the binary links. Which branch
//! runs depends on the build: `AYA_BUILD_SKIP=1 cargo test -p zswapctl --test it probe_build`
//! checks the probe-less wording (the rebuild itself is tested in crates/zswap-probe).

use zswap_probe::{INSTALL_SCRIPT, PROBE_BUILD};

use crate::util::{texts, zswapctl};

#[test]
fn version_says_whether_the_probe_is_built_in() {
    let (code, out, err) = texts(&zswapctl(None, &["--version"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "zswapctl {}\neBPF probe: {PROBE_BUILD}\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    match PROBE_BUILD.not_built_reason() {
        None => assert!(out.contains("eBPF probe: built in"), "{out}"),
        Some(reason) => {
            assert!(out.contains(&format!("not built ({reason})")), "{out}");
            assert!(out.contains(INSTALL_SCRIPT), "{out}");
        }
    }
}

#[test]
fn trace_without_the_probe_names_the_reason_and_the_install_script() {
    let (code, _, err) = texts(&zswapctl(None, &["trace", "--duration", "1"]));
    match PROBE_BUILD.not_built_reason() {
        Some(reason) => {
            assert_eq!(code, 1, "{err}");
            assert!(
                err.contains(&format!("the probe was not built ({reason})")),
                "{err}"
            );
            assert!(err.contains(INSTALL_SCRIPT), "{err}");
        }
        // built in: whatever stops it here (no root, BPF refused), it is not a missing build
        None => assert!(!err.contains("not built"), "{err}"),
    }
}
