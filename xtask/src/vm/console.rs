//! Reading a guest's serial console: the scenario scripts print `VMTEST:` lines (see
//! `scenarios/common.sh`) among the kernel's messages, and the host decides PASS or FAIL from
//! them.
//!
//! Protocol, one per line (the marker may follow kernel noise on the same line):
//! `VMTEST:BOOTED RELEASE`, `VMTEST:CHECK ok NAME`, `VMTEST:CHECK fail NAME DETAIL`,
//! `VMTEST:SAID NAME TEXT` (a line of stderr of the tool behind failed check NAME),
//! `VMTEST:VALUE KEY VALUE`, `VMTEST:NOTE TEXT`, `VMTEST:EXIT CODE`.
//!
//! A scenario declares the checks it must run (`# checks:` lines, `scenario.rs`): a run that
//! finished without one of them, or ran one it did not declare, fails with its name, so a check
//! skipped by a broken branch or a script that stopped early cannot pass unseen.

use std::collections::BTreeMap;

const MARK: &str = "VMTEST:";

/// A check a scenario declares: one of these names must report (`a|b` in the script, for a
/// check whose name says which of two kernel facts it found).
pub(crate) type Expected = Vec<String>;

/// What a guest reported.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) booted: Option<String>,
    pub(crate) passed: Vec<String>,
    pub(crate) failed: Vec<(String, String)>,
    /// What the tool behind each failed check wrote to stderr (its last lines).
    pub(crate) said: BTreeMap<String, Vec<String>>,
    pub(crate) values: BTreeMap<String, String>,
    pub(crate) notes: Vec<String>,
    pub(crate) exit: Option<i32>,
    /// The first line of a kernel panic, if the console shows one.
    pub(crate) panic: Option<String>,
}

impl Report {
    /// Parses a whole console transcript.
    pub(crate) fn parse(console: &str) -> Report {
        let mut r = Report::default();
        for line in console.lines() {
            r.line(line);
        }
        r
    }

    /// The value the guest reported as `key`.
    pub(crate) fn text(&self, key: &str) -> Result<&str, String> {
        self.values
            .get(key)
            .map(String::as_str)
            .ok_or(format!("the guest reported no '{key}'"))
    }

    /// The value the guest reported as `key`, which must be a non-negative integer.
    pub(crate) fn num(&self, key: &str) -> Result<u64, String> {
        let t = self.text(key)?;
        t.parse()
            .map_err(|_| format!("'{key}' is '{t}', not a number"))
    }

    /// Takes in one console line.
    pub(crate) fn line(&mut self, line: &str) {
        let line = line.trim_end_matches(['\r', '\n']);
        if r_is_panic(line) && self.panic.is_none() {
            self.panic = Some(line.trim().to_string());
        }
        let Some(pos) = line.find(MARK) else { return };
        let rest = &line[pos + MARK.len()..];
        let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        match kind {
            "BOOTED" => self.booted = Some(rest.trim().to_string()),
            "CHECK" => {
                let (status, rest) = rest.split_once(' ').unwrap_or((rest, ""));
                let (name, detail) = rest.split_once(' ').unwrap_or((rest, ""));
                match status {
                    "ok" => self.passed.push(name.to_string()),
                    _ => self
                        .failed
                        .push((name.to_string(), detail.trim().to_string())),
                }
            }
            "SAID" => {
                let (name, text) = rest.split_once(' ').unwrap_or((rest, ""));
                self.said
                    .entry(name.to_string())
                    .or_default()
                    .push(text.trim().to_string());
            }
            "VALUE" => {
                let (k, v) = rest.split_once(' ').unwrap_or((rest, ""));
                self.values.insert(k.to_string(), v.trim().to_string());
            }
            "NOTE" => self.notes.push(rest.to_string()),
            "EXIT" => self.exit = rest.trim().parse().ok(),
            _ => {}
        }
    }

    /// The reason the run failed, or `None` if the guest finished with every check in
    /// `expected` reported and passing, and no other.
    pub(crate) fn failure(&self, expected: &[Expected]) -> Option<String> {
        if let Some(p) = &self.panic {
            return Some(format!("kernel panic: {p}"));
        }
        if self.booted.is_none() {
            return Some("guest never reached init".into());
        }
        if let Some((name, detail)) = self.failed.first() {
            let more = if self.failed.len() > 1 {
                format!(" (+{} more failed checks)", self.failed.len() - 1)
            } else {
                String::new()
            };
            // the tool's own words say why, where the check only shows what it compared
            let said = match self.said.get(name) {
                Some(lines) if !lines.is_empty() => format!(": it said '{}'", lines.join(" | ")),
                _ => String::new(),
            };
            return Some(format!("check '{name}' failed: {detail}{said}{more}"));
        }
        match self.exit {
            None => Some("scenario did not finish".into()),
            Some(0) if self.passed.is_empty() => Some("scenario ran no checks".into()),
            Some(0) => self.undeclared(expected),
            Some(code) => Some(format!("scenario script exited with {code}")),
        }
    }

    /// The declared checks that did not report, and the reported ones nobody declared.
    fn undeclared(&self, expected: &[Expected]) -> Option<String> {
        let ran = |n: &String| self.passed.contains(n) || self.failed.iter().any(|(f, _)| f == n);
        let missing: Vec<String> = expected
            .iter()
            .filter(|alts| !alts.iter().any(ran))
            .map(|alts| format!("'{}'", alts.join("|")))
            .collect();
        if !missing.is_empty() {
            return Some(format!(
                "declared checks did not run: {}",
                missing.join(", ")
            ));
        }
        let extra: Vec<String> = self
            .passed
            .iter()
            .filter(|n| !expected.iter().any(|alts| alts.contains(n)))
            .map(|n| format!("'{n}'"))
            .collect();
        if !extra.is_empty() {
            return Some(format!(
                "checks ran that the scenario does not declare in its '# checks:' lines: {}",
                extra.join(", ")
            ));
        }
        None
    }
}

fn r_is_panic(line: &str) -> bool {
    line.contains("Kernel panic - not syncing")
}

/// The last `n` lines of a console transcript, for failure reports, without terminal control
/// sequences (the firmware clears the screen; that should not reach a CI log).
pub(crate) fn tail(console: &str, n: usize) -> String {
    let lines: Vec<&str> = console.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| strip_controls(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `line` without ANSI escape sequences (`ESC [ ... letter`) and other control characters.
fn strip_controls(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                chars.next();
            }
        } else if !c.is_control() || c == '\t' {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
[    0.000000] Linux version 6.12.117+deb13-amd64
VMTEST:BOOTED 6.12.117+deb13-amd64
VMTEST:VALUE zswpout_delta 1234
VMTEST:CHECK ok zswpout_moved
[    4.2] some kernel line VMTEST:CHECK ok interleaved
VMTEST:NOTE zpool absent
VMTEST:EXIT 0
";

    fn declared(names: &[&str]) -> Vec<Expected> {
        names
            .iter()
            .map(|n| n.split('|').map(String::from).collect())
            .collect()
    }

    #[test]
    fn good_run_passes_with_values() {
        let r = Report::parse(GOOD);
        assert_eq!(
            r.failure(&declared(&["zswpout_moved", "interleaved"])),
            None
        );
        assert_eq!(r.booted.as_deref(), Some("6.12.117+deb13-amd64"));
        assert_eq!(r.values["zswpout_delta"], "1234");
        assert_eq!(r.passed, ["zswpout_moved", "interleaved"]);
        assert_eq!(r.notes, ["zpool absent"]);
    }

    #[test]
    fn failed_check_is_the_reason() {
        let r = Report::parse(&GOOD.replace(
            "CHECK ok zswpout_moved",
            "CHECK fail zswpout_moved [ 0 -gt 0 ]",
        ));
        assert_eq!(
            r.failure(&[]).unwrap(),
            "check 'zswpout_moved' failed: [ 0 -gt 0 ]"
        );
    }

    #[test]
    fn failed_check_carries_what_its_tool_said() {
        let r = Report::parse(&GOOD.replace(
            "VMTEST:CHECK ok zswpout_moved",
            "VMTEST:CHECK fail probe_attached [ -e /tmp/probe.stop.ready ]\n\
             VMTEST:SAID probe_attached error: the probe was not built (bpf-linker is not installed)\n\
             VMTEST:SAID probe_attached second line\n\
             VMTEST:CHECK fail other [ 1 = 2 ]",
        ));
        assert_eq!(
            r.failure(&[]).unwrap(),
            "check 'probe_attached' failed: [ -e /tmp/probe.stop.ready ]: it said 'error: the \
             probe was not built (bpf-linker is not installed) | second line' (+1 more failed checks)"
        );
    }

    #[test]
    fn panic_wins_over_everything() {
        let r = Report::parse(
            "VMTEST:BOOTED x\n[ 1.0] Kernel panic - not syncing: Attempted to kill init!\n",
        );
        assert_eq!(
            r.failure(&[]).unwrap(),
            "kernel panic: [ 1.0] Kernel panic - not syncing: Attempted to kill init!"
        );
    }

    #[test]
    fn missing_exit_means_unfinished() {
        let r = Report::parse("VMTEST:BOOTED x\nVMTEST:CHECK ok a\n");
        assert_eq!(r.failure(&[]).unwrap(), "scenario did not finish");
    }

    #[test]
    fn no_boot_marker_means_init_never_ran() {
        assert_eq!(
            Report::parse("[ 0.1] booting\n").failure(&[]).unwrap(),
            "guest never reached init"
        );
    }

    #[test]
    fn nonzero_exit_and_no_checks_fail() {
        assert_eq!(
            Report::parse("VMTEST:BOOTED x\nVMTEST:CHECK ok a\nVMTEST:EXIT 3\n")
                .failure(&[])
                .unwrap(),
            "scenario script exited with 3"
        );
        assert_eq!(
            Report::parse("VMTEST:BOOTED x\nVMTEST:EXIT 0\n")
                .failure(&[])
                .unwrap(),
            "scenario ran no checks"
        );
    }

    #[test]
    fn crlf_is_tolerated() {
        let r = Report::parse("VMTEST:BOOTED x\r\nVMTEST:CHECK ok a\r\nVMTEST:EXIT 0\r\n");
        assert_eq!(r.failure(&declared(&["a"])), None);
    }

    #[test]
    fn a_declared_check_that_did_not_run_fails_with_its_name() {
        let r = Report::parse(GOOD);
        assert_eq!(
            r.failure(&declared(&[
                "zswpout_moved",
                "interleaved",
                "ebpf_stores",
                "x|x_absent"
            ]))
            .unwrap(),
            "declared checks did not run: 'ebpf_stores', 'x|x_absent'"
        );
    }

    #[test]
    fn one_of_two_alternatives_is_enough() {
        let r = Report::parse(&GOOD.replace("ok interleaved", "ok x_absent"));
        assert_eq!(r.failure(&declared(&["zswpout_moved", "x|x_absent"])), None);
    }

    #[test]
    fn a_check_nobody_declared_fails() {
        let r = Report::parse(GOOD);
        assert_eq!(
            r.failure(&declared(&["zswpout_moved"])).unwrap(),
            "checks ran that the scenario does not declare in its '# checks:' lines: \
             'interleaved'"
        );
    }

    #[test]
    fn a_failed_check_is_reported_before_missing_ones() {
        let r = Report::parse(&GOOD.replace("ok zswpout_moved", "fail zswpout_moved [ 0 -gt 0 ]"));
        assert!(
            r.failure(&declared(&["zswpout_moved", "interleaved", "never"]))
                .unwrap()
                .starts_with("check 'zswpout_moved' failed")
        );
    }

    #[test]
    fn tail_strips_terminal_escapes() {
        assert_eq!(
            tail("\x1bc\x1b[?7l\x1b[2JVMTEST:BOOTED x\r\n", 1),
            "VMTEST:BOOTED x"
        );
    }

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
