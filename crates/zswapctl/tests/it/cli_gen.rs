//! Completions and the man page come from the clap definition and cover every command.

use crate::util::{texts, zswapctl};

const COMMANDS: [&str; 6] = ["get", "set", "apply", "persist", "check", "status"];

#[test]
fn completions_cover_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, out, err) = texts(&zswapctl(None, &["completions", shell]));
        assert_eq!(code, 0, "{shell}: {err}");
        for c in COMMANDS {
            assert!(out.contains(c), "{shell}: no '{c}'");
        }
    }
    let (_, out, _) = texts(&zswapctl(None, &["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("zswapctl.bash");
    std::fs::write(&p, out).unwrap();
    let ok = std::process::Command::new("bash")
        .arg("-n")
        .arg(&p)
        .status()
        .unwrap();
    assert!(ok.success(), "bash completion script does not parse");
}

#[test]
fn man_page_is_roff_with_every_command() {
    let (code, out, err) = texts(&zswapctl(None, &["man"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(".TH zswapctl 1"), "{out}");
    for c in COMMANDS {
        assert!(out.contains(c), "no '{c}'");
    }
    assert!(out.contains("Exit status"), "exit codes are documented");
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let (code, _, _) = texts(&zswapctl(None, &["completions", "tcsh"]));
    assert_eq!(code, 2);
}
