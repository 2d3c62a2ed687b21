//! `zswapctl top` in a real terminal: tmux runs it on this host, and the test reads the
//! screen. It shows the live compressor and pool figures, refreshes, opens help on `?`,
//! redraws after a resize, and `q`, Ctrl-C or SIGTERM leave with status 0 and the terminal
//! as it was (main screen, cursor shown, canonical mode and echo back on). One test turns
//! zswap on with a swap file and a memory-squeezed workload and watches the store rate and
//! the pool move, then puts the host back.

use std::path::Path;
use std::time::Duration;

use tempfile::TempDir;
use zswap_core::{CollectOptions, SysRoot, ZswapModel, collect_sample};
use zswap_testkit::host::{HostLock, is_root, require};
use zswap_testkit::tmux::{Tmux, sh_path, wait_for_file};

use crate::util::read_trim;

const PARAMS: &str = "/sys/module/zswap/parameters";
const WAIT: Duration = Duration::from_secs(15);

/// `zswapctl top` running in tmux; after it exits the shell records its status and the
/// terminal mode, then idles so the pane can still be inspected.
struct TopInTmux {
    tmux: Tmux,
    dir: TempDir,
}

impl TopInTmux {
    fn start(extra: &str, width: u16, height: u16) -> TopInTmux {
        Self::start_with_env("", extra, width, height)
    }

    /// `env_assign` is put before the command, e.g. `NO_COLOR=1`.
    fn start_with_env(env_assign: &str, extra: &str, width: u16, height: u16) -> TopInTmux {
        let dir = tempfile::tempdir().unwrap();
        let bin = assert_cmd::cargo::cargo_bin("zswapctl");
        let cmd = format!(
            "env -u ZSWAP_ROOT -u NO_COLOR {env_assign} {} top -r 250ms {extra}; echo $? > {}; stty -a > {}; exec sleep 300",
            sh_path(&bin),
            sh_path(&dir.path().join("status")),
            sh_path(&dir.path().join("stty")),
        );
        TopInTmux {
            tmux: Tmux::start(&cmd, width, height),
            dir,
        }
    }

    fn first_frame(&self) -> String {
        self.tmux
            .wait_for("the first reading on screen", WAIT, |s| {
                sample_number(s).is_some_and(|n| n >= 1)
            })
    }

    /// Waits for the exit and checks the status and that the terminal was restored.
    fn assert_exited_cleanly(&self) {
        let status = wait_for_file(&self.dir.path().join("status"), WAIT);
        assert_eq!(status.trim(), "0", "exit status");
        let stty = wait_for_file(&self.dir.path().join("stty"), WAIT);
        assert!(stty.contains(" icanon"), "canonical mode restored: {stty}");
        assert!(
            stty.split_whitespace().any(|w| w == "echo"),
            "echo restored: {stty}"
        );
        assert_eq!(
            self.tmux.format("#{alternate_on}"),
            "0",
            "left the alternate screen"
        );
        assert_eq!(self.tmux.format("#{cursor_flag}"), "1", "cursor shown");
    }
}

/// The sample counter in the header (`zswapctl top #12 …`).
fn sample_number(screen: &str) -> Option<u64> {
    let rest = screen.split("zswapctl top #").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

fn host_ready() -> bool {
    require("tmux", Tmux::available())
        && require("zswap in this kernel", Path::new(PARAMS).is_dir())
}

#[test]
fn top_shows_live_figures_refreshes_helps_resizes_and_quits() {
    if !host_ready() {
        return;
    }
    let _lock = HostLock::acquire();
    let top = TopInTmux::start("", 100, 30);
    let screen = top.first_frame();
    assert_eq!(top.tmux.format("#{alternate_on}"), "1", "alternate screen");
    assert_eq!(top.tmux.format("#{cursor_flag}"), "0", "cursor hidden");

    // the live compressor and pool figures
    let compressor = read_trim(&Path::new(PARAMS).join("compressor"));
    assert!(
        screen.contains(&format!("compressor {compressor}")),
        "compressor '{compressor}':\n{screen}"
    );
    let live = collect_sample(&SysRoot::host(), &CollectOptions::default());
    let m = ZswapModel::new(&live, None);
    let limit = zswap_top::human_bytes(m.pool_limit_bytes.unwrap());
    let pool = zswap_top::human_bytes(m.pool_bytes.unwrap());
    assert!(
        screen.contains(&format!("] {pool} of {limit}")),
        "pool '{pool}' of '{limit}':\n{screen}"
    );

    // the latency panel shows histograms or says why the probe is not loaded
    assert!(
        ["probe not loaded:", "store ok", "nothing timed yet"]
            .iter()
            .any(|t| screen.contains(t)),
        "latency panel:\n{screen}"
    );

    // it refreshes: the sample counter moves
    let n0 = sample_number(&screen).unwrap();
    let later = top.tmux.wait_for("a later sample", WAIT, |s| {
        sample_number(s).is_some_and(|n| n >= n0 + 2)
    });
    assert!(later.contains(&format!("compressor {compressor}")));

    // ? opens help, Esc closes it
    top.tmux.send_keys(&["?"]);
    top.tmux.wait_for("the help popup", WAIT, |s| {
        s.contains("help — ? or Esc to close")
    });
    top.tmux.send_keys(&["Escape"]);
    top.tmux.wait_for("help to close", WAIT, |s| {
        !s.contains("help — ? or Esc to close")
    });

    // a resize redraws at the new size, down to 80x24
    for (w, h) in [(132u16, 40u16), (80, 24)] {
        top.tmux.resize(w, h);
        let s = top
            .tmux
            .wait_for(&format!("a redraw at {w}x{h}"), WAIT, |s| {
                let lines: Vec<&str> = s.lines().collect();
                lines.len() == usize::from(h)
                    && lines[4].chars().count() == usize::from(w)
                    && lines[4].ends_with('┐')
                    && lines[usize::from(h) - 1].contains("q quit")
            });
        assert!(s.contains(&format!("compressor {compressor}")), "{s}");
    }

    top.tmux.send_keys(&["q"]);
    top.assert_exited_cleanly();
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    if !host_ready() {
        return;
    }
    let top = TopInTmux::start("--no-cgroups", 80, 24);
    top.first_frame();
    top.tmux.send_keys(&["C-c"]);
    top.assert_exited_cleanly();
}

#[test]
fn sigterm_quits_and_restores_the_terminal() {
    if !host_ready() {
        return;
    }
    let top = TopInTmux::start("", 80, 24);
    top.first_frame();
    let shell: u32 = top.tmux.format("#{pane_pid}").parse().unwrap();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    let pid = children
        .split_whitespace()
        .next()
        .expect("zswapctl is the shell's child");
    let ok = std::process::Command::new("kill")
        .args(["-TERM", pid])
        .status()
        .unwrap();
    assert!(ok.success());
    top.assert_exited_cleanly();
}

#[test]
fn demo_mode_on_a_fixture_tree() {
    if !require("tmux", Tmux::available()) {
        return;
    }
    let tree = zswap_testkit::fixtures_dir().join("linux-6.18-after-workload");
    let top = TopInTmux::start(&format!("--root {}", sh_path(&tree)), 80, 24);
    let screen = top.first_frame();
    assert!(screen.contains("compressor deflate"), "{screen}");
    assert!(screen.contains("47.7 MiB of 4.7 GiB"), "{screen}");
    top.tmux.send_keys(&["q"]);
    top.assert_exited_cleanly();
}

/// True if and only if the screen sets a foreground or background colour: SGR 30-38, 40-48,
/// 90-97, 100-107 (39 and 49 only reset to the terminal's defaults).
fn has_colour(escaped: &str) -> bool {
    escaped.split("\x1b[").skip(1).any(|seq| {
        let params = seq.split('m').next().unwrap_or("");
        params.split(';').any(|p| {
            p.parse::<u32>()
                .is_ok_and(|n| matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107))
        })
    })
}

#[test]
fn no_color_turns_colours_off() {
    if !require("tmux", Tmux::available()) {
        return;
    }
    let tree = zswap_testkit::fixtures_dir().join("linux-6.18-after-workload");
    let root = format!("--root {}", sh_path(&tree));
    let coloured = TopInTmux::start(&root, 100, 30);
    coloured.first_frame();
    let escaped = coloured.tmux.capture_with_escapes();
    assert!(has_colour(&escaped), "colours by default:\n{escaped}");
    coloured.tmux.send_keys(&["q"]);
    coloured.assert_exited_cleanly();

    let plain = TopInTmux::start_with_env("NO_COLOR=1", &root, 100, 30);
    plain.first_frame();
    let escaped = plain.tmux.capture_with_escapes();
    assert!(
        !has_colour(&escaped),
        "no colour under NO_COLOR:\n{escaped}"
    );
    let text = plain.tmux.capture();
    assert!(text.contains("compressor deflate"), "{text}");
    plain.tmux.send_keys(&["q"]);
    plain.assert_exited_cleanly();
}

#[test]
fn rate_below_the_floor_is_a_usage_error() {
    let out = crate::util::zswapctl(None, &["top", "-r", "100ms"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refresh rate '100ms' is too short: use at least 250ms"),
        "{err}"
    );
}

#[test]
fn top_without_a_terminal_says_what_to_use_instead() {
    let tree = zswap_testkit::fixtures_dir().join("linux-6.18-fresh");
    let out = crate::util::zswapctl(Some(&tree), &["top"]);
    // a usage problem, nothing failed at run time
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs a terminal on stdout: use 'zswapctl status'"),
        "{err}"
    );
    assert!(err.contains("'zswapctl --json top'"), "{err}");
}

#[test]
fn unprivileged_user_sees_the_dashboard_and_why_counters_are_missing() {
    if !host_ready() || !require("root (to drop to an unprivileged user)", is_root()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("zswapctl");
    let cmd = format!(
        "setpriv --reuid=65534 --regid=65534 --clear-groups -- env -u ZSWAP_ROOT {} top \
         -r 250ms; echo $? > {}; exec sleep 300",
        sh_path(&bin),
        sh_path(&dir.path().join("status")),
    );
    let tmux = Tmux::start(&cmd, 100, 30);
    let screen = tmux.wait_for("the first reading", WAIT, |s| {
        sample_number(s).is_some_and(|n| n >= 1)
    });
    let compressor = read_trim(&Path::new(PARAMS).join("compressor"));
    assert!(
        screen.contains(&format!("compressor {compressor}")),
        "{screen}"
    );
    assert!(
        [
            "readable only by root",
            "debugfs is not mounted",
            "no zswap directory"
        ]
        .iter()
        .any(|t| screen.contains(t)),
        "a debugfs explanation:\n{screen}"
    );
    assert!(screen.contains("probe not loaded:"), "{screen}");
    tmux.send_keys(&["q"]);
    let status = wait_for_file(&dir.path().join("status"), WAIT);
    assert_eq!(status.trim(), "0");
}

/// Host state the live-traffic test changes, put back on drop (also when the test fails):
/// the workload, its memory cgroup, the swap file, debugfs, the zswap parameters.
#[derive(Default)]
struct LiveGuard {
    params: Vec<(String, String)>,
    mounted_debugfs: bool,
    swapfile: Option<std::path::PathBuf>,
    swap_on: bool,
    cgroup: Option<std::path::PathBuf>,
    workload: Option<std::process::Child>,
    _dir: Option<TempDir>,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        if let Some(mut w) = self.workload.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        if let Some(cg) = self.cgroup.take() {
            for _ in 0..50 {
                if std::fs::remove_dir(&cg).is_ok() || !cg.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        if let (true, Some(f)) = (self.swap_on, &self.swapfile) {
            let _ = std::process::Command::new("swapoff").arg(f).status();
        }
        if let Some(f) = self.swapfile.take() {
            let _ = std::fs::remove_file(f);
        }
        // `enabled` last, as zswapctl apply orders writes
        self.params.sort_by_key(|(n, _)| n == "enabled");
        for (name, value) in &self.params {
            let _ = std::fs::write(Path::new(PARAMS).join(name), value);
        }
        if self.mounted_debugfs {
            let _ = std::process::Command::new("umount")
                .arg("/sys/kernel/debug")
                .status();
        }
    }
}

fn sh(cmd: &str, args: &[&str]) {
    let out = std::process::Command::new(cmd).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The store rate in the rates panel's title (`pages/s store 12.3k load …`).
fn store_rate(screen: &str) -> Option<&str> {
    screen
        .split("pages/s store ")
        .nth(1)?
        .split_whitespace()
        .next()
}

#[test]
fn live_swap_traffic_moves_the_rates_and_fills_the_pool() {
    const MEMCG_V1: &str = "/sys/fs/cgroup/memory";
    let usable = host_ready() && is_root() && Path::new(MEMCG_V1).is_dir();
    if !require(
        "root, zswap, tmux and a cgroup-v1 memory controller",
        usable,
    ) {
        return;
    }
    let _lock = HostLock::acquire();
    let mut g = LiveGuard::default();
    for e in std::fs::read_dir(PARAMS).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let value = read_trim(&Path::new(PARAMS).join(&name));
        g.params.push((name, value));
    }
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    if !mounts.contains(" /sys/kernel/debug debugfs ") {
        sh("mount", &["-t", "debugfs", "none", "/sys/kernel/debug"]);
        g.mounted_debugfs = true;
    }
    std::fs::write(Path::new(PARAMS).join("enabled"), "Y").unwrap();
    let dir = tempfile::tempdir_in("/var/tmp").unwrap();
    let swapfile = dir.path().join("swap");
    g._dir = Some(dir);
    let swap = swapfile.to_str().unwrap();
    sh("fallocate", &["-l", "256M", swap]);
    sh("chmod", &["600", swap]);
    sh("mkswap", &[swap]);
    g.swapfile = Some(swapfile.clone());
    sh("swapon", &[swap]);
    g.swap_on = true;
    let cg = Path::new(MEMCG_V1).join(format!("zswap-top-live-{}", std::process::id()));
    std::fs::create_dir(&cg).unwrap();
    g.cgroup = Some(cg.clone());
    std::fs::write(cg.join("memory.limit_in_bytes"), "32M").unwrap();
    std::fs::write(cg.join("memory.swappiness"), "100").unwrap();

    let top = TopInTmux::start("--no-probe", 120, 32);
    top.first_frame();
    // ~60 MiB of decimal text in a shell variable, squeezed into 32 MiB: stores into zswap
    // while the dashboard watches
    let script = format!(
        "echo $$ > {}/cgroup.procs && x=$(seq 1 8000000) && sleep 600",
        cg.display()
    );
    g.workload = Some(
        std::process::Command::new("bash")
            .args(["-c", &script])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let screen = top
        .tmux
        .wait_for("a store rate above zero", Duration::from_secs(60), |s| {
            store_rate(s).is_some_and(|r| r != "0" && r != "-")
        });
    assert!(screen.contains("compressor "), "{screen}");
    assert!(
        !screen.contains("] 0 B of"),
        "the pool holds pages:\n{screen}"
    );
    assert!(
        screen.contains("alloc_fail"),
        "debugfs reject counters:\n{screen}"
    );
    top.tmux.send_keys(&["q"]);
    top.assert_exited_cleanly();
}
