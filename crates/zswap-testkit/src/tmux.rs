//! Drives a program in a real terminal: a private tmux server (its own socket in a
//! temporary directory, no user config) with one detached session, whose screen is read
//! with `capture-pane`. Used by the `zswapctl top` tests; the server is killed and its
//! socket removed on drop.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// One tmux server with one session running a shell command.
#[derive(Debug)]
pub struct Tmux {
    socket: PathBuf,
    _dir: TempDir,
}

/// Quotes `s` for `sh`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Quotes a path for `sh`.
pub fn sh_path(p: &Path) -> String {
    sh_quote(&p.to_string_lossy())
}

impl Tmux {
    /// True if and only if a `tmux` binary runs here.
    pub fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Starts `sh -c shell_cmd` in a `width` × `height` terminal.
    pub fn start(shell_cmd: &str, width: u16, height: u16) -> Tmux {
        let dir = tempfile::tempdir().expect("create a directory for the tmux socket");
        let t = Tmux {
            socket: dir.path().join("tmux.sock"),
            _dir: dir,
        };
        let (w, h) = (width.to_string(), height.to_string());
        t.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &w,
            "-y",
            &h,
            shell_cmd,
        ]);
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The visible screen, one line per row (tmux drops trailing spaces).
    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// The visible screen with its colours and attributes as escape sequences.
    pub fn capture_with_escapes(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-e", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends keys in tmux's `send-keys` notation (`q`, `Escape`, `C-c`).
    pub fn send_keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Resizes the terminal.
    pub fn resize(&self, width: u16, height: u16) {
        let (w, h) = (width.to_string(), height.to_string());
        self.run(&["resize-window", "-t", "t", "-x", &w, "-y", &h]);
    }

    /// A tmux format about the pane, e.g. `#{alternate_on}` or `#{pane_pid}`.
    pub fn format(&self, fmt: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "t", fmt]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Captures the screen until `pred` holds, and returns that screen; panics after
    /// `timeout` with `what` and the last screen.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{screen}");
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// Waits until `path` exists and is non-empty, then returns its content; panics after
/// `timeout`.
pub fn wait_for_file(path: &Path, timeout: Duration) -> String {
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path)
            && !s.is_empty()
        {
            return s;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {}", path.display());
        }
        thread::sleep(Duration::from_millis(100));
    }
}
