//! A panic while the dashboard runs restores the terminal before the message is printed.
//! The dashboard runs in tmux as a child copy of this test binary (the ignored test
//! below), with an injected probe that panics once the parent creates a trigger file, so
//! the parent sees the dashboard first however slow the machine is.

use std::path::PathBuf;
use std::time::Duration;

use zswap_core::SysRoot;
use zswap_testkit::host::require;
use zswap_testkit::tmux::{Tmux, sh_path, sh_quote, wait_for_file};
use zswap_top::{OpLatency, ProbeSource, TopArgs, TopOptions};

const WAIT: Duration = Duration::from_secs(15);
const CHILD: &str = "panic::dashboard_whose_probe_panics";

/// The child learns the trigger file's path from this variable.
const TRIGGER_VAR: &str = "ZSWAP_TOP_TEST_PANIC_TRIGGER";

struct PanicsOnTrigger(PathBuf);

impl ProbeSource for PanicsOnTrigger {
    fn read(&mut self) -> Result<Vec<OpLatency>, String> {
        if self.0.exists() {
            panic!("probe panicked on purpose");
        }
        Ok(Vec::new())
    }
}

/// Run only by `panic_restores_the_terminal`, inside tmux.
#[test]
#[ignore = "runs inside tmux, started by panic_restores_the_terminal"]
fn dashboard_whose_probe_panics() {
    let trigger = PathBuf::from(std::env::var_os(TRIGGER_VAR).expect(TRIGGER_VAR));
    let tree = zswap_testkit::fixtures_dir().join("linux-6.18-after-workload");
    let args = TopArgs {
        rate: Duration::from_millis(250),
        history: 60,
        no_cgroups: true,
        no_probe: true,
    };
    let opts = TopOptions::new(args).probe(Ok(Box::new(PanicsOnTrigger(trigger))));
    let err = zswap_top::run(SysRoot::at(tree), opts).unwrap_err();
    panic!("dashboard ended: {err}");
}

#[test]
fn panic_restores_the_terminal() {
    if !require("tmux", Tmux::available()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let me = std::env::current_exe().unwrap();
    let trigger = dir.path().join("trigger");
    let cmd = format!(
        "env RUST_BACKTRACE=0 {TRIGGER_VAR}={} {} --ignored --exact {} --nocapture \
         --test-threads=1; echo $? > {}; stty -a > {}; exec sleep 300",
        sh_path(&trigger),
        sh_path(&me),
        sh_quote(CHILD),
        sh_path(&dir.path().join("status")),
        sh_path(&dir.path().join("stty")),
    );
    let tmux = Tmux::start(&cmd, 100, 50);
    tmux.wait_for("the dashboard", WAIT, |s| s.contains("zswapctl top #1"));
    std::fs::write(&trigger, "now").unwrap();
    let status = wait_for_file(&dir.path().join("status"), WAIT);
    assert_ne!(status.trim(), "0", "the child test fails after the panic");
    let screen = tmux.wait_for("the panic message", WAIT, |s| {
        s.contains("probe panicked on purpose")
    });
    assert!(
        screen.contains("the collector thread panicked"),
        "run reports which thread: {screen}"
    );
    assert!(
        !screen.contains("zswapctl top #"),
        "nothing drawn over the message: {screen}"
    );
    let stty = wait_for_file(&dir.path().join("stty"), WAIT);
    assert!(stty.contains(" icanon"), "{stty}");
    assert_eq!(tmux.format("#{alternate_on}"), "0");
    assert_eq!(tmux.format("#{cursor_flag}"), "1");
}
