//! The scenarios a guest can run. A scenario is a shell script (run by the guest's init after
//! `scenarios/common.sh`), the static binaries and kernel modules it needs, extra kernel
//! arguments, and optionally a host-side check of the values it reported.
//!
//! To add one: write `scenarios/NAME.sh` using `check`/`value`/`note`, declare every check it
//! must run in `# checks:` lines, and add an entry to [`SCENARIOS`]. `listed: true` puts it in
//! the default matrix.
//!
//! Declarations, anywhere in the script, one or more lines each:
//! `# checks: NAME NAME ...` for every kernel, `# checks 6.1,6.12: NAME ...` for the named
//! series only (`6.1`, `6.12`, `7`), and `a|b` for a check that reports under one of two names
//! (`x` or `x_absent`, depending on the kernel). A script sourcing another
//! (`. /scenario/NAME.sh`) inherits its declarations. `console::Report::failure` fails a run
//! that lacks a declared check or ran an undeclared one.

use super::Series;
use super::console::{Expected, Report};

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
    /// Kernel arguments added after `console=ttyS0 panic=-1 quiet no_timer_check`.
    pub(crate) cmdline: &'static [&'static str],
    pub(crate) memory_mb: u32,
    pub(crate) host_check: Option<HostCheck>,
    /// Size of a second raw disk (`/dev/vdb`) the guest may write a tar archive to.
    pub(crate) out_disk_mb: Option<u64>,
    /// In the default matrix of `cargo xtask vmtest`.
    pub(crate) listed: bool,
    /// QEMU arguments added after the fixed ones (which select TCG; a test in `qemu.rs`
    /// keeps every scenario off KVM).
    pub(crate) qemu_args: &'static [&'static str],
    /// The script loads the eBPF probe (`zswapctl trace`): without the eBPF toolchain its
    /// binaries lack it, and the scenario fails before booting with the reason.
    pub(crate) loads_probe: bool,
}

/// Loaded by every guest: the swap disk's driver.
pub(crate) const BASE_MODULES: &[&str] = &["virtio_pci", "virtio_blk"];

/// zpool backends and compressors that Debian builds as modules on some of the kernels.
const ZSWAP_MODULES: &[&str] = &[
    "zsmalloc", "zbud", "z3fold", "lz4", "lz4hc", "zstd", "deflate", "842", "lzo_rle",
];

/// zram and every compressor it may use (through the crypto API in 6.1, its own backends
/// over the kernel libraries later).
const COMPRESS_MODULES: &[&str] = &[
    "zram", "zsmalloc", "lz4", "lz4hc", "zstd", "deflate", "842", "lzo_rle",
];

/// The capture guest: zswap's modules and zram, so `after-workload` holds a set-up zram
/// device.
const CAPTURE_MODULES: &[&str] = &[
    "zsmalloc", "zbud", "z3fold", "lz4", "lz4hc", "zstd", "deflate", "842", "lzo_rle", "zram",
];

const WORKLOAD: GuestBin = GuestBin {
    package: "zswap-workload",
    bin: "zswap-workload",
};
const ZSWAPCTL: GuestBin = GuestBin {
    package: "zswapctl",
    bin: "zswapctl",
};
const EXPORTER: GuestBin = GuestBin {
    package: "zswap-exporter",
    bin: "zswap-exporter",
};
const XTASK: GuestBin = GuestBin {
    package: "xtask",
    bin: "xtask",
};

/// QEMU instruction counting: guest time advances by 1 ns per executed guest instruction
/// (`shift=0`), jumps to the next timer deadline while the guest is idle instead of following
/// the host's clock (`sleep=off`), and is not slowed to match the host (`align=off`). Guest
/// clocks then measure instructions executed, whatever the host's load.
const ICOUNT: &[&str] = &["-icount", "shift=0,sleep=off,align=off"];

/// The helper functions every scenario script can use.
pub(crate) const COMMON_SH: &str = include_str!("scenarios/common.sh");
/// The guest's `/init`.
pub(crate) const INIT_SH: &str = include_str!("scenarios/init.sh");

/// The fields most scenarios share: a zswap-enabled guest with the zswap modules, 512 MiB,
/// in the default matrix. Entries override what differs with `..ZSWAP_GUEST`.
const ZSWAP_GUEST: Scenario = Scenario {
    name: "",
    script: "",
    binaries: &[],
    modules: ZSWAP_MODULES,
    cmdline: &["zswap.enabled=1"],
    memory_mb: 512,
    host_check: None,
    out_disk_mb: None,
    listed: true,
    qemu_args: &[],
    loads_probe: false,
};

/// A guest with no binaries or modules beyond [`BASE_MODULES`], outside the default matrix.
const BARE: Scenario = Scenario {
    name: "",
    script: "",
    binaries: &[],
    modules: &[],
    cmdline: &[],
    memory_mb: 256,
    host_check: None,
    out_disk_mb: None,
    listed: false,
    qemu_args: &[],
    loads_probe: false,
};

/// Every scenario.
pub(crate) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "workload",
        script: include_str!("scenarios/workload.sh"),
        binaries: &[WORKLOAD],
        ..ZSWAP_GUEST
    },
    Scenario {
        name: "ctl",
        script: include_str!("scenarios/ctl.sh"),
        binaries: &[ZSWAPCTL],
        host_check: Some(check_ctl),
        ..ZSWAP_GUEST
    },
    Scenario {
        name: "model",
        script: include_str!("scenarios/model.sh"),
        binaries: &[WORKLOAD],
        host_check: Some(super::model_check::check_model),
        ..ZSWAP_GUEST
    },
    Scenario {
        name: "probe",
        script: include_str!("scenarios/probe.sh"),
        binaries: &[WORKLOAD, ZSWAPCTL],
        loads_probe: true,
        ..ZSWAP_GUEST
    },
    // zswap-exporter scraped over loopback while the workload's pages are in zswap: every
    // metric matches its kernel file and exists exactly when the file does; the workload
    // cgroup's metrics match its memory.stat.
    Scenario {
        name: "exporter",
        script: include_str!("scenarios/exporter.sh"),
        binaries: &[WORKLOAD, EXPORTER],
        ..ZSWAP_GUEST
    },
    // zswap-core's compressed lengths against the guest kernel's, through zram.
    Scenario {
        name: "compress",
        script: include_str!("scenarios/compress.sh"),
        binaries: &[XTASK],
        modules: COMPRESS_MODULES,
        cmdline: &[],
        ..ZSWAP_GUEST
    },
    // zswapctl status/check and zswap-exporter against the kernel's zram.
    Scenario {
        name: "zram",
        script: include_str!("scenarios/zram.sh"),
        binaries: &[ZSWAPCTL, EXPORTER],
        modules: COMPRESS_MODULES,
        ..ZSWAP_GUEST
    },
    // The pool-limit hysteresis of the kernel against `zswapctl simulate`'s model for the
    // same synthetic workload (max_pool_percent 1, accept_threshold_percent 50).
    Scenario {
        name: "hysteresis",
        script: include_str!("scenarios/hysteresis.sh"),
        binaries: &[WORKLOAD],
        memory_mb: 256,
        host_check: Some(super::hysteresis_check::check_hysteresis),
        ..ZSWAP_GUEST
    },
    // Overhead of the probe: the workload timed without and with it, under instruction
    // counting so that guest time measures guest work rather than the host's load; the host
    // prints the table and requires the goal (under 2 %, at most 400 instructions per event
    // in the probe's programs).
    Scenario {
        name: "probe-overhead",
        script: include_str!("scenarios/probe-overhead.sh"),
        binaries: &[WORKLOAD, ZSWAPCTL],
        loads_probe: true,
        host_check: Some(super::overhead_check::check_overhead),
        // Outside the default matrix: 7.2 measures 401 instructions per event, above the
        // goal (docs/performance.md).
        listed: false,
        qemu_args: ICOUNT,
        ..ZSWAP_GUEST
    },
    // The predictive replay: a trace recorded at max_pool_percent 20 replayed through the
    // model at 1, beside the kernel's own run at 1; the host checks the bounds of
    // replay_predict_check.rs.
    Scenario {
        name: "replay-predict",
        script: include_str!("scenarios/replay-predict.sh"),
        binaries: &[WORKLOAD, ZSWAPCTL],
        loads_probe: true,
        host_check: Some(super::replay_predict_check::check_replay_predict),
        ..ZSWAP_GUEST
    },
    // Used by `cargo xtask capture-fixtures --guest`: captures before enabling zswap and after
    // the workload, and writes both trees as a tar archive to /dev/vdb.
    Scenario {
        name: "capture",
        script: include_str!("scenarios/capture.sh"),
        binaries: &[WORKLOAD, XTASK],
        modules: CAPTURE_MODULES,
        cmdline: &[],
        out_disk_mb: Some(64),
        listed: false,
        ..ZSWAP_GUEST
    },
    // Harness self-tests, expected to FAIL fast with the console tail: a kernel panic
    // (sysrq crash) and a guest that never finishes (killed after --timeout).
    Scenario {
        name: "selftest-panic",
        script: "# checks: about_to_panic\ncheck about_to_panic true\n\
                 echo c > /proc/sysrq-trigger\nsleep 600\n",
        ..BARE
    },
    Scenario {
        name: "selftest-hang",
        script: "# checks: about_to_hang\ncheck about_to_hang true\nsleep 100000\n",
        ..BARE
    },
];

impl Scenario {
    /// The checks this scenario must run on `series`, from its `# checks` lines and those of
    /// the scripts it sources.
    pub(crate) fn declared_checks(&self, series: Series) -> Vec<Expected> {
        let mut out = declared_in(self.script, series);
        for line in self.script.lines() {
            let sourced = line
                .trim()
                .strip_prefix(". /scenario/")
                .and_then(|l| l.strip_suffix(".sh"));
            if let Some(other) = sourced.and_then(find) {
                out.extend(other.declared_checks(series));
            }
        }
        out
    }
}

/// The `# checks[ SERIES,...]: NAME ...` declarations of `script` that apply to `series`.
fn declared_in(script: &str, series: Series) -> Vec<Expected> {
    let mut out = Vec::new();
    let this = series.to_string();
    for line in script.lines() {
        let Some((eras, names)) = line
            .strip_prefix("# checks")
            .and_then(|rest| rest.split_once(':'))
        else {
            continue;
        };
        let eras = eras.trim();
        if !eras.is_empty() && !eras.split(',').any(|e| e.trim() == this) {
            continue;
        }
        out.extend(
            names
                .split_whitespace()
                .map(|n| n.split('|').map(String::from).collect()),
        );
    }
    out
}

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

/// `ctl`: the era facts the guest read from the kernel must match the series, and what
/// `zswapctl status --json` printed must be JSON whose release and parameters are the
/// kernel's own (the guest reports each parameter file as `param.NAME`).
fn check_ctl(r: &Report, series: Series) -> Result<(), String> {
    let json = r
        .values
        .get("status_json")
        .ok_or("the guest reported no 'zswapctl status --json' output")?;
    let v: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| format!("'zswapctl status --json' printed invalid JSON: {e}"))?;
    check_status_json(&v, r)?;
    check_check_json(r)?;
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

/// `zswapctl check --json` on a fresh state file: its findings include `first-look` (no
/// earlier counters), and it exited 4 if and only if a finding is a warning or an error.
fn check_check_json(r: &Report) -> Result<(), String> {
    let text = r.text("check_json")?;
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("'zswapctl check --json' printed invalid JSON: {e}"))?;
    let findings = v["findings"]
        .as_array()
        .ok_or("check --json has no 'findings' array")?;
    if !findings.iter().any(|f| f["code"] == "first-look") {
        return Err(format!(
            "check --json on a fresh state file has no 'first-look' finding: {text}"
        ));
    }
    let serious = findings
        .iter()
        .any(|f| f["severity"] == "warning" || f["severity"] == "error");
    let rc = r.num("check_rc")?;
    if rc != if serious { 4 } else { 0 } {
        return Err(format!(
            "check exited {rc} with {} warning or error findings: {text}",
            if serious { "some" } else { "no" }
        ));
    }
    Ok(())
}

/// Compares `zswapctl status --json`'s `sample.release.text` and `sample.params` with the
/// kernel's values: the same parameter names, `Y`/`N` as booleans, numbers as numbers.
fn check_status_json(v: &serde_json::Value, r: &Report) -> Result<(), String> {
    let sample = &v["sample"];
    if let Some(booted) = &r.booted {
        let text = sample["release"]["text"].as_str().unwrap_or("");
        if text != booted {
            return Err(format!(
                "status --json release is '{text}', the guest runs '{booted}'"
            ));
        }
    }
    let params = sample["params"]
        .as_object()
        .ok_or("status --json has no 'sample.params' object")?;
    let kernel: Vec<(&str, &str)> = r
        .values
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("param.")?, v.as_str())))
        .collect();
    for (name, raw) in &kernel {
        let got = params
            .get(*name)
            .ok_or(format!("status --json lacks parameter '{name}'"))?;
        let same = match got {
            serde_json::Value::Bool(b) => (*raw == "Y") == *b && (*raw == "Y" || *raw == "N"),
            serde_json::Value::Number(n) => n.to_string() == *raw,
            serde_json::Value::String(s) => s == raw,
            _ => false,
        };
        if !same {
            return Err(format!(
                "status --json says {name}={got}, the kernel says '{raw}'"
            ));
        }
    }
    if let Some(extra) = params.keys().find(|k| !kernel.iter().any(|(n, _)| n == k)) {
        return Err(format!(
            "status --json reports parameter '{extra}' the kernel does not have"
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
            // An entry that forgot `name` or `script` would take the base's empty one.
            assert!(!s.name.is_empty() && !s.script.is_empty(), "{s:?}");
            assert_eq!(find(s.name).unwrap().name, s.name);
        }
        let mut n: Vec<_> = SCENARIOS.iter().map(|s| s.name).collect();
        n.sort_unstable();
        n.dedup();
        assert_eq!(n.len(), SCENARIOS.len());
    }

    #[test]
    fn scenarios_that_run_the_probe_say_so() {
        for s in SCENARIOS {
            let runs_trace = s
                .script
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .any(|l| l.contains("zswapctl trace") && !l.contains("--totals"));
            assert_eq!(runs_trace, s.loads_probe, "{}: loads_probe", s.name);
            if s.loads_probe {
                assert!(s.binaries.contains(&ZSWAPCTL), "{}: no zswapctl", s.name);
            }
        }
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

    /// The names of checks a script runs under a literal name (`check [--log F] NAME ...`).
    fn literal_checks(script: &str) -> Vec<&str> {
        script
            .lines()
            .filter_map(|l| {
                let mut w = l.trim().strip_prefix("check ")?.split_whitespace();
                let mut name = w.next()?;
                if name == "--log" {
                    w.next();
                    name = w.next()?;
                }
                Some(name.trim_matches('"'))
            })
            .filter(|n| !n.contains('$'))
            .collect()
    }

    #[test]
    fn every_literal_check_is_declared_for_some_series() {
        for s in SCENARIOS {
            let declared: Vec<Expected> = Series::ALL
                .iter()
                .flat_map(|&se| s.declared_checks(se))
                .collect();
            assert!(!declared.is_empty(), "{} declares no checks", s.name);
            for name in literal_checks(s.script) {
                assert!(
                    declared.iter().any(|alts| alts.iter().any(|a| a == name)),
                    "{} runs check '{name}' without declaring it",
                    s.name
                );
            }
        }
    }

    #[test]
    fn declarations_name_known_series() {
        for s in SCENARIOS {
            for line in s.script.lines() {
                let Some((eras, _)) = line
                    .strip_prefix("# checks")
                    .and_then(|r| r.split_once(':'))
                else {
                    continue;
                };
                for e in eras.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                    assert!(
                        Series::ALL.iter().any(|s| s.to_string() == e),
                        "{}: unknown series '{e}' in '{line}'",
                        s.name
                    );
                }
            }
        }
    }

    #[test]
    fn declarations_filter_by_series_and_split_alternatives() {
        let script = "# checks: a b|b_absent\n# checks 6.1: old\n# checks 6.12,7: new\n";
        let names = |se| {
            declared_in(script, se)
                .into_iter()
                .map(|alts| alts.join("|"))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Series::Bookworm), ["a", "b|b_absent", "old"]);
        assert_eq!(names(Series::Sid), ["a", "b|b_absent", "new"]);
    }

    #[test]
    fn a_sourcing_script_inherits_declarations() {
        let capture = find("capture").unwrap().declared_checks(Series::Trixie);
        assert!(capture.iter().any(|a| a == &["captured_fresh"]));
        assert!(capture.iter().any(|a| a == &["workload_verified"]));
    }

    #[test]
    fn ctl_check_knows_the_zpool_eras() {
        let mut r = Report::default();
        r.values
            .insert("status_json".into(), r#"{"sample": {"params": {}}}"#.into());
        add_check_json(&mut r);
        r.values.insert("zpool".into(), "zbud".into());
        assert!(check_ctl(&r, Series::Bookworm).is_ok());
        assert!(check_ctl(&r, Series::Trixie).is_err());
        r.values.insert("zpool".into(), "absent".into());
        assert!(check_ctl(&r, Series::Sid).is_ok());
    }

    #[test]
    fn ctl_check_needs_the_status_output() {
        let mut r = Report::default();
        r.values.insert("zpool".into(), "absent".into());
        assert!(
            check_ctl(&r, Series::Sid)
                .unwrap_err()
                .contains("no 'zswapctl status")
        );
    }

    fn report_with_params(params: &[(&str, &str)], json: &str) -> Report {
        let mut r = Report {
            booted: Some("6.1.0-50-amd64".into()),
            ..Report::default()
        };
        r.values.insert("zpool".into(), "zbud".into());
        for (k, v) in params {
            r.values.insert(format!("param.{k}"), v.to_string());
        }
        r.values.insert("status_json".into(), json.into());
        add_check_json(&mut r);
        r
    }

    const CHECK_JSON: &str = r#"{"findings": [{"severity": "info", "code": "first-look"},
        {"severity": "warning", "code": "pool-limit-high"}]}"#;

    fn add_check_json(r: &mut Report) {
        r.values.insert("check_json".into(), CHECK_JSON.into());
        r.values.insert("check_rc".into(), "4".into());
    }

    #[test]
    fn ctl_check_reads_the_check_findings() {
        let mut r = Report::default();
        add_check_json(&mut r);
        assert_eq!(check_check_json(&r), Ok(()));
        r.values.insert("check_rc".into(), "0".into());
        assert!(check_check_json(&r).unwrap_err().contains("exited 0"));
        r.values.insert(
            "check_json".into(),
            r#"{"findings": [{"severity": "info", "code": "first-look"}]}"#.into(),
        );
        assert_eq!(check_check_json(&r), Ok(()));
        r.values.insert(
            "check_json".into(),
            r#"{"findings": [{"severity": "info", "code": "no-swap"}]}"#.into(),
        );
        assert!(check_check_json(&r).unwrap_err().contains("first-look"));
        r.values.insert("check_json".into(), "{}".into());
        assert!(check_check_json(&r).unwrap_err().contains("findings"));
    }

    const JSON_61: &str = r#"{"sample": {"release": {"text": "6.1.0-50-amd64"},
        "params": {"enabled": true, "compressor": "lzo", "zpool": "zbud", "max_pool_percent": 20}}}"#;

    #[test]
    fn ctl_check_accepts_json_matching_the_kernel() {
        let p = [
            ("enabled", "Y"),
            ("compressor", "lzo"),
            ("zpool", "zbud"),
            ("max_pool_percent", "20"),
        ];
        assert_eq!(
            check_ctl(&report_with_params(&p, JSON_61), Series::Bookworm),
            Ok(())
        );
    }

    #[test]
    fn ctl_check_rejects_a_wrong_value() {
        let p = [
            ("enabled", "N"),
            ("compressor", "lzo"),
            ("zpool", "zbud"),
            ("max_pool_percent", "20"),
        ];
        let e = check_ctl(&report_with_params(&p, JSON_61), Series::Bookworm).unwrap_err();
        assert!(e.contains("enabled=true"), "{e}");
    }

    #[test]
    fn ctl_check_rejects_missing_and_extra_params() {
        let p = [("enabled", "Y"), ("compressor", "lzo"), ("zpool", "zbud")];
        let e = check_ctl(&report_with_params(&p, JSON_61), Series::Bookworm).unwrap_err();
        assert!(
            e.contains("'max_pool_percent' the kernel does not have"),
            "{e}"
        );
        let p = [
            ("enabled", "Y"),
            ("compressor", "lzo"),
            ("zpool", "zbud"),
            ("max_pool_percent", "20"),
            ("shrinker_enabled", "N"),
        ];
        let e = check_ctl(&report_with_params(&p, JSON_61), Series::Bookworm).unwrap_err();
        assert!(e.contains("lacks parameter 'shrinker_enabled'"), "{e}");
    }

    #[test]
    fn ctl_check_rejects_another_release() {
        let mut r = report_with_params(&[], JSON_61);
        r.booted = Some("6.12.117+deb13-amd64".into());
        r.values.insert("zpool".into(), "zsmalloc".into());
        assert!(
            check_ctl(&r, Series::Trixie)
                .unwrap_err()
                .contains("release")
        );
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
