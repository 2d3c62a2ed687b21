//! The scenarios a guest can run. A scenario is a shell script (run by the guest's init after
//! `scenarios/common.sh`), the static binaries and kernel modules it needs, extra kernel
//! arguments, and optionally a host-side check of the values it reported.
//!
//! To add one: write `scenarios/NAME.sh` using `check`/`value`/`note`, and add an entry to
//! [`SCENARIOS`]. `listed: true` puts it in the default matrix.

use super::Series;
use super::console::Report;

/// A binary built for `x86_64-unknown-linux-musl` and installed as `/bin/BIN` in the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GuestBin {
    pub(crate) package: &'static str,
    pub(crate) bin: &'static str,
}

/// A host-side check of what the guest reported; `Err` is the failure reason.
pub(crate) type HostCheck = fn(&Report, Series) -> Result<(), String>;

/// One scenario.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) script: &'static str,
    pub(crate) binaries: &'static [GuestBin],
    /// Modules to load at boot (with their dependencies); names absent from a kernel are
    /// skipped (built in, or not configured there).
    pub(crate) modules: &'static [&'static str],
    /// Kernel arguments added after `console=ttyS0 panic=-1`.
    pub(crate) cmdline: &'static [&'static str],
    pub(crate) memory_mb: u32,
    pub(crate) host_check: Option<HostCheck>,
    /// Size of a second raw disk (`/dev/vdb`) the guest may write a tar archive to.
    pub(crate) out_disk_mb: Option<u64>,
    /// In the default matrix of `cargo xtask vmtest`.
    pub(crate) listed: bool,
}

/// Loaded by every guest: the swap disk's driver.
pub(crate) const BASE_MODULES: &[&str] = &["virtio_pci", "virtio_blk"];

/// zpool backends and compressors that Debian builds as modules on some of the kernels.
const ZSWAP_MODULES: &[&str] = &[
    "zsmalloc", "zbud", "z3fold", "lz4", "lz4hc", "zstd", "deflate", "842", "lzo_rle",
];

const WORKLOAD: GuestBin = GuestBin {
    package: "zswap-workload",
    bin: "zswap-workload",
};
const ZSWAPCTL: GuestBin = GuestBin {
    package: "zswapctl",
    bin: "zswapctl",
};
const XTASK: GuestBin = GuestBin {
    package: "xtask",
    bin: "xtask",
};

/// The helper functions every scenario script can use.
pub(crate) const COMMON_SH: &str = include_str!("scenarios/common.sh");
/// The guest's `/init`.
pub(crate) const INIT_SH: &str = include_str!("scenarios/init.sh");

/// Every scenario.
pub(crate) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "workload",
        script: include_str!("scenarios/workload.sh"),
        binaries: &[WORKLOAD],
        modules: ZSWAP_MODULES,
        cmdline: &["zswap.enabled=1"],
        memory_mb: 512,
        host_check: None,
        out_disk_mb: None,
        listed: true,
    },
    Scenario {
        name: "ctl",
        script: include_str!("scenarios/ctl.sh"),
        binaries: &[ZSWAPCTL],
        modules: ZSWAP_MODULES,
        cmdline: &["zswap.enabled=1"],
        memory_mb: 512,
        host_check: Some(check_ctl),
        out_disk_mb: None,
        listed: true,
    },
    // Used by `cargo xtask capture-fixtures --guest`: captures before enabling zswap and after
    // the workload, and writes both trees as a tar archive to /dev/vdb.
    Scenario {
        name: "capture",
        script: include_str!("scenarios/capture.sh"),
        binaries: &[WORKLOAD, XTASK],
        modules: ZSWAP_MODULES,
        cmdline: &[],
        memory_mb: 512,
        host_check: None,
        out_disk_mb: Some(64),
        listed: false,
    },
];

/// The scenario called `name`.
pub(crate) fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// The names of every scenario, for error messages.
pub(crate) fn names() -> String {
    SCENARIOS
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `ctl`: what `zswapctl status --json` printed must be JSON, and the era facts the guest
/// read from the kernel must match the series.
fn check_ctl(r: &Report, series: Series) -> Result<(), String> {
    if let Some(json) = r.values.get("status_json") {
        serde_json::from_str::<serde_json::Value>(json)
            .map_err(|e| format!("'zswapctl status --json' printed invalid JSON: {e}"))?;
    }
    let zpool = r.values.get("zpool").map(String::as_str);
    let expected = match series {
        Series::Bookworm => Some("zbud"),
        Series::Trixie => Some("zsmalloc"),
        Series::Sid => None,
    };
    let got = zpool.filter(|z| *z != "absent");
    if got != expected {
        return Err(format!(
            "default zpool is '{}', expected '{}' on {series}",
            got.unwrap_or("absent"),
            expected.unwrap_or("absent")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_findable() {
        for s in SCENARIOS {
            assert_eq!(find(s.name).unwrap().name, s.name);
        }
        let mut n: Vec<_> = SCENARIOS.iter().map(|s| s.name).collect();
        n.dedup();
        assert_eq!(n.len(), SCENARIOS.len());
    }

    #[test]
    fn scripts_only_use_the_protocol_through_helpers() {
        for s in SCENARIOS {
            assert!(
                !s.script.contains("VMTEST:CHECK"),
                "{} prints CHECK lines by hand",
                s.name
            );
        }
    }

    #[test]
    fn ctl_check_knows_the_zpool_eras() {
        let mut r = Report::default();
        r.values.insert("zpool".into(), "zbud".into());
        assert!(check_ctl(&r, Series::Bookworm).is_ok());
        assert!(check_ctl(&r, Series::Trixie).is_err());
        r.values.insert("zpool".into(), "absent".into());
        assert!(check_ctl(&r, Series::Sid).is_ok());
    }

    #[test]
    fn ctl_check_rejects_bad_json() {
        let mut r = Report::default();
        r.values.insert("zpool".into(), "absent".into());
        r.values
            .insert("status_json".into(), "{\"enabled\": tru".into());
        assert!(
            check_ctl(&r, Series::Sid)
                .unwrap_err()
                .contains("invalid JSON")
        );
    }
}
