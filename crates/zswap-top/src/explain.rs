//! Why figures are missing, in sentences for the screen: a blank or a zero would mislead
//! (htop shows "unavailable" for the same reason).

use serde::Serialize;
use zswap_core::ZswapSample;

/// One explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Note {
    /// What it is about: `zswap`, `debugfs`, `swap`, `cgroups` or a problem's source.
    pub(crate) what: &'static str,
    /// The sentence.
    pub(crate) text: String,
}

fn note(what: &'static str, text: impl Into<String>) -> Note {
    Note {
        what,
        text: text.into(),
    }
}

/// Everything about `s` that a reader of the screen should know, most important first.
/// (Why the cgroup table is empty is said in the table itself.)
pub(crate) fn notes(s: &ZswapSample) -> Vec<Note> {
    let mut out = Vec::new();
    if let Some(reason) = s.no_zswap_reason() {
        out.push(note("zswap", reason));
    }
    if let Some(reason) = s.disabled_reason() {
        out.push(note("zswap", reason));
    }
    if let Some(reason) = s.debugfs_missing_reason() {
        out.push(note("debugfs", reason));
    }
    if let Some(reason) = s.no_swap_reason() {
        out.push(note("swap", reason));
    }
    for p in &s.problems {
        out.push(note(p.source, p.reason()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_core::stats::debugfs::{DebugfsReading, DebugfsStatus};
    use zswap_core::stats::vmstat::parse_vmstat;
    use zswap_core::{ParamName, ParamValue, Problem, ZswapParams};

    fn disabled(zswpout: u64) -> ZswapSample {
        let mut p = ZswapParams::default();
        p.insert(ParamName::Enabled, ParamValue::Bool(false));
        ZswapSample {
            params: Some(p),
            vmstat: parse_vmstat(&format!("zswpout {zswpout}\n")),
            ..Default::default()
        }
    }

    #[test]
    fn kernel_without_zswap_is_explained() {
        let n = notes(&ZswapSample::default());
        assert_eq!(n[0].what, "zswap");
        assert!(n[0].text.contains("CONFIG_ZSWAP"), "{n:?}");
    }

    #[test]
    fn never_enabled_differs_from_disabled_later() {
        assert!(notes(&disabled(0))[0].text.contains("never stored"));
        assert!(notes(&disabled(5))[0].text.contains("bypass"));
    }

    #[test]
    fn debugfs_status_is_explained() {
        let s = ZswapSample {
            debugfs: Some(DebugfsReading {
                status: DebugfsStatus::NotMounted,
                stats: None,
            }),
            ..disabled(0)
        };
        let n = notes(&s);
        assert!(
            n.iter()
                .any(|n| n.what == "debugfs" && n.text.contains("mount -t debugfs"))
        );
    }

    #[test]
    fn permission_problems_say_run_as_root() {
        let s = ZswapSample {
            problems: vec![Problem {
                source: "params",
                message: "cannot read '/sys/x'".into(),
                permission: true,
            }],
            ..Default::default()
        };
        let n = notes(&s);
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(n[0].text.ends_with("run as root"));
    }
}
