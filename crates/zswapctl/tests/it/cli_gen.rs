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

/// Every subcommand, as `zswapctl --help` lists them.
fn subcommands() -> Vec<String> {
    let (_, out, _) = texts(&zswapctl(None, &["--help"]));
    let list = out.split("Commands:").nth(1).unwrap();
    let list = list.split("\n\n").next().unwrap();
    list.lines()
        .filter_map(|l| {
            let l = l.strip_prefix("  ")?;
            (!l.starts_with(' ')).then(|| l.split_whitespace().next().unwrap().to_owned())
        })
        .filter(|c| c != "help")
        .collect()
}

#[test]
fn regress_22_man_out_dir_writes_a_page_per_subcommand_with_its_options() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = texts(&zswapctl(
        None,
        &["man", "--out-dir", dir.path().to_str().unwrap()],
    ));
    assert_eq!(code, 0, "{err}");
    let top = std::fs::read_to_string(dir.path().join("zswapctl.1")).unwrap();
    let subs = subcommands();
    assert!(subs.len() >= 12, "{subs:?}");
    for sub in &subs {
        assert!(
            top.contains(&format!("zswapctl\\-{}", sub.replace('-', "\\-"))),
            "{sub}"
        );
        let page = std::fs::read_to_string(dir.path().join(format!("zswapctl-{sub}.1")))
            .unwrap_or_else(|e| panic!("zswapctl-{sub}.1: {e}"));
        assert!(page.contains(".TH zswapctl-"), "{sub}");
        // every long option of the subcommand is documented on its page
        let (_, help, _) = texts(&zswapctl(None, &[sub, "--help"]));
        for word in help.split_whitespace() {
            let opt = word.trim_end_matches(',').split('=').next().unwrap();
            let opt = opt.split('<').next().unwrap();
            if opt.starts_with("--") && opt.len() > 2 && opt != "--help" {
                assert!(
                    page.contains(&opt.replace('-', "\\-")),
                    "zswapctl-{sub}.1 lacks '{opt}'"
                );
            }
        }
    }
    let (_, man, _) = texts(&zswapctl(None, &["man"]));
    assert!(
        man.contains("\\-\\-out\\-dir"),
        "zswapctl(1) says how to get the other pages"
    );
}

#[test]
fn regress_22_root_help_names_zswap_root() {
    let (_, out, _) = texts(&zswapctl(None, &["--help"]));
    assert!(out.contains("ZSWAP_ROOT"), "{out}");
}
