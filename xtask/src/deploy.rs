//! `cargo xtask deploytest`: ansible-lint on `deploy/`, then a real converge of the roles
//! against this machine (local connection, real sysfs), a second converge that must change
//! nothing, and a verification of what the roles left behind. Everything the roles touch
//! (zswap parameters, files under /etc and /usr/local/bin, the exporter's user, the swap
//! file and its fstab line) is put back afterwards, also when a step fails.
#![allow(clippy::disallowed_methods)] // a test driver: reads and writes the host directly

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use zswap_testkit::host::HostLock;

const PARAMS: &str = "/sys/module/zswap/parameters";
const SWAPFILE: &str = "/var/tmp/zswap-deploytest.swap";
const LISTEN: &str = "127.0.0.1:19119";
const TOUCHED: [&str; 8] = [
    "/usr/local/bin/zswapctl",
    "/usr/local/bin/zswap-exporter",
    "/etc/zswap",
    "/etc/systemd/system/zswap-exporter.service",
    "/etc/systemd/system/zswap-apply.service",
    "/etc/systemd/system/sysinit.target.wants/zswap-apply.service",
    "/etc/default/grub.d/zswap.cfg",
    "/etc/zswap-exporter",
];

/// Options of the command.
pub(crate) struct DeployOptions {
    /// The workspace.
    pub(crate) workspace: PathBuf,
    /// Where the Python virtual environment with Ansible lives.
    pub(crate) venv: PathBuf,
    /// The cargo to build with.
    pub(crate) cargo: String,
    /// Where that build puts its output (`$CARGO_TARGET_DIR` or the workspace's `target`).
    pub(crate) target_dir: PathBuf,
}

/// One result line.
struct StepResult {
    name: &'static str,
    result: Result<()>,
}

/// Runs every step and prints `PASS deploy <step>` / `FAIL deploy <step> <reason>`.
/// Returns true if and only if every step passed.
pub(crate) fn run(o: &DeployOptions) -> Result<bool> {
    ensure_ansible(&o.venv)?;
    let mut outcomes = vec![StepResult {
        name: "lint",
        result: lint(o),
    }];
    build_binaries(o)?;
    let _lock = HostLock::acquire();
    HostSnapshot::recover_interrupted()?;
    {
        let restore = RestoreGuard(HostSnapshot::take()?);
        restore_on_signals(restore.0.clone())?;
        let first = converge(o, &good_settings(), "converge");
        let converged = first.is_ok();
        outcomes.push(StepResult {
            name: "converge",
            result: first.map(|_| ()),
        });
        let idem = if converged {
            converge(o, &good_settings(), "idempotence").and_then(|changed| match changed {
                0 => Ok(()),
                n => bail!("the second converge changed {n} task(s)"),
            })
        } else {
            Err(anyhow::anyhow!("skipped: converge failed"))
        };
        outcomes.push(StepResult {
            name: "idempotence",
            result: idem,
        });
        let verify = if converged {
            verify(o)
        } else {
            Err(anyhow::anyhow!("skipped: converge failed"))
        };
        outcomes.push(StepResult {
            name: "verify",
            result: verify,
        });
    }
    let mut all = true;
    for out in &outcomes {
        match &out.result {
            Ok(()) => println!("PASS deploy {}", out.name),
            Err(e) => {
                all = false;
                println!(
                    "FAIL deploy {} {}",
                    out.name,
                    format!("{e:#}").replace('\n', " | ")
                );
            }
        }
    }
    Ok(all)
}

fn bin(venv: &Path, name: &str) -> PathBuf {
    venv.join("bin").join(name)
}

fn ensure_ansible(venv: &Path) -> Result<()> {
    if bin(venv, "ansible-playbook").exists() && bin(venv, "ansible-lint").exists() {
        return Ok(());
    }
    eprintln!(
        "deploytest: installing ansible-core and ansible-lint from PyPI into {}",
        venv.display()
    );
    run_ok(Command::new("python3").arg("-m").arg("venv").arg(venv))?;
    run_ok(Command::new(bin(venv, "pip")).args([
        "install",
        "--quiet",
        "ansible-core>=2.19,<2.20",
        "ansible-lint>=26,<27",
    ]))
}

fn run_ok(cmd: &mut Command) -> Result<()> {
    let st = cmd
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !st.success() {
        bail!("{cmd:?} failed with {st}");
    }
    Ok(())
}

fn ansible_env(cmd: &mut Command, o: &DeployOptions) {
    let deploy = o.workspace.join("deploy");
    cmd.current_dir(&deploy)
        .env("ANSIBLE_CONFIG", deploy.join("ansible.cfg"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_FORCE_COLOR", "0")
        .env(
            "PATH",
            format!(
                "{}:/usr/sbin:/usr/bin:/sbin:/bin",
                o.venv.join("bin").display()
            ),
        );
}

fn lint(o: &DeployOptions) -> Result<()> {
    let mut cmd = Command::new(bin(&o.venv, "ansible-lint"));
    cmd.args(["--profile", "production", "--offline", "--nocolor", "."]);
    ansible_env(&mut cmd, o);
    let out = cmd.output().context("cannot run ansible-lint")?;
    if !out.status.success() {
        bail!(
            "ansible-lint: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn build_binaries(o: &DeployOptions) -> Result<()> {
    run_ok(Command::new(&o.cargo).current_dir(&o.workspace).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "zswapctl",
        "-p",
        "zswap-exporter",
    ]))
}

/// The settings the test converges to: different from a fresh host's, so that applying them
/// really changes the kernel.
fn good_settings() -> serde_json::Value {
    serde_json::json!({
        "enabled": true,
        "compressor": "deflate",
        "max_pool_percent": 25,
        "accept_threshold_percent": 80,
    })
}

/// The playbook's `-e` variables: the settings and where the binaries under test are. Built
/// with serde_json, so a path with a quote or backslash stays valid JSON.
fn extra_vars(release: &Path, settings: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "zswap_settings": settings,
        "zswap_zswapctl_src": release.join("zswapctl").display().to_string(),
        "zswap_exporter_src": release.join("zswap-exporter").display().to_string(),
        "zswap_swapfile_path": SWAPFILE,
        "zswap_swapfile_size_mib": 128,
        "zswap_exporter_listen_address": LISTEN,
    })
}

/// Runs the converge playbook; returns how many tasks changed.
fn converge(o: &DeployOptions, settings: &serde_json::Value, label: &str) -> Result<u64> {
    let extra = extra_vars(&o.target_dir.join("release"), settings).to_string();
    let mut cmd = Command::new(bin(&o.venv, "ansible-playbook"));
    cmd.args([
        "-i",
        "localhost,",
        "-c",
        "local",
        "tests/converge.yml",
        "-e",
        &extra,
    ]);
    ansible_env(&mut cmd, o);
    let out = cmd.output().context("cannot run ansible-playbook")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("{label}: ansible-playbook failed: {}", tail(&stdout, 25));
    }
    recap_changed(&stdout)
        .with_context(|| format!("{label}: no PLAY RECAP in {}", tail(&stdout, 10)))
}

/// The `changed=` count of the play recap.
fn recap_changed(stdout: &str) -> Option<u64> {
    let line = stdout
        .lines()
        .skip_while(|l| !l.starts_with("PLAY RECAP"))
        .nth(1)?;
    let field = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("changed="))?;
    field.parse().ok()
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

fn read_trim(p: impl AsRef<Path>) -> Result<String> {
    let p = p.as_ref();
    Ok(fs::read_to_string(p)
        .with_context(|| format!("cannot read '{}'", p.display()))?
        .trim()
        .to_owned())
}

fn verify(o: &DeployOptions) -> Result<()> {
    for (name, want) in [
        ("enabled", "Y"),
        ("compressor", "deflate"),
        ("max_pool_percent", "25"),
        ("accept_threshold_percent", "80"),
    ] {
        let got = read_trim(Path::new(PARAMS).join(name))?;
        if got != want {
            bail!("parameter {name} is '{got}', the role should have set '{want}'");
        }
    }
    // The boot-time file holds exactly the live settings: applying it would change nothing.
    let out = Command::new("/usr/local/bin/zswapctl")
        .args([
            "--json",
            "apply",
            "--dry-run",
            "-f",
            "/etc/zswap/zswap.yaml",
        ])
        .output()
        .context("cannot run the installed zswapctl")?;
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "zswapctl apply --dry-run: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let changes = plan["plan"]["changes"]
        .as_array()
        .map_or(usize::MAX, Vec::len);
    if !out.status.success() || changes != 0 {
        bail!("/etc/zswap/zswap.yaml does not hold the live settings: {plan}");
    }
    for unit in [
        "/etc/systemd/system/zswap-apply.service",
        "/etc/systemd/system/sysinit.target.wants/zswap-apply.service",
        "/etc/systemd/system/zswap-exporter.service",
    ] {
        let out = Command::new("systemd-analyze")
            .args(["verify", unit])
            .output()
            .context("systemd-analyze")?;
        let err = String::from_utf8_lossy(&out.stderr);
        let relevant: Vec<&str> = err.lines().filter(|l| l.contains("zswap")).collect();
        if !out.status.success() || !relevant.is_empty() {
            bail!("systemd-analyze verify {unit}: {}", err.trim());
        }
    }
    if !Command::new("getent")
        .args(["passwd", "zswap-exporter"])
        .stdout(Stdio::null())
        .status()?
        .success()
    {
        bail!("user zswap-exporter was not created");
    }
    if !fs::read_to_string("/proc/swaps")?.contains(SWAPFILE) {
        bail!("the swap file {SWAPFILE} is not active");
    }
    // A wrong setting for this kernel is refused, naming why, and changes nothing: on a
    // kernel without zpool (6.18+) a zpool setting, refused naming the kernel; on one with
    // zpool an out-of-range percentage, refused naming the value.
    let before = read_trim(Path::new(PARAMS).join("max_pool_percent"))?;
    let (wrong, named) = if Path::new(PARAMS).join("zpool").exists() {
        (
            serde_json::json!({"max_pool_percent": 101}),
            "'101'".to_string(),
        )
    } else {
        (
            serde_json::json!({"zpool": "zsmalloc", "max_pool_percent": 30}),
            format!("Linux {}", read_trim("/proc/sys/kernel/osrelease")?),
        )
    };
    match converge(o, &wrong, "refusal") {
        Ok(_) => bail!("the wrong setting {wrong} was not refused"),
        Err(e) if !format!("{e:#}").contains(&named) => {
            bail!("the refusal of {wrong} does not name {named}: {e:#}")
        }
        Err(_) => {}
    }
    if read_trim(Path::new(PARAMS).join("max_pool_percent"))? != before {
        bail!("a refused converge changed max_pool_percent");
    }
    exporter_answers()
}

/// Starts the exporter as the unit would (its ExecStart, as its user, with its ambient
/// capability) and scrapes it. systemd is not PID 1 here, so the unit itself cannot run.
fn exporter_answers() -> Result<()> {
    // systemd mounts debugfs at boot (sys-kernel-debug.mount); this host does not
    if !debugfs_mounted() {
        run_ok(Command::new("mount").args(["-t", "debugfs", "none", "/sys/kernel/debug"]))?;
    }
    let unit = fs::read_to_string("/etc/systemd/system/zswap-exporter.service")?;
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .context("no ExecStart in the exporter unit")?;
    // systemd replaces a lone `$NAME` word by the words of that variable from the unit's
    // EnvironmentFile, and drops it when the variable is unset or empty.
    let env = fs::read_to_string("/etc/default/zswap-exporter").unwrap_or_default();
    let expanded: Vec<String> = exec
        .split_whitespace()
        .flat_map(|w| match w.strip_prefix('$') {
            Some(name) => env
                .lines()
                .find_map(|l| l.trim().strip_prefix(name)?.strip_prefix('='))
                .map(|v| {
                    v.trim_matches('"')
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            None => vec![w.to_owned()],
        })
        .collect();
    let mut words = expanded.iter();
    let program = words.next().context("empty ExecStart")?;
    let mut child = Command::new("setpriv")
        .args([
            "--reuid=zswap-exporter",
            "--regid=zswap-exporter",
            "--init-groups",
            "--inh-caps=+dac_read_search",
            "--ambient-caps=+dac_read_search",
            "--",
            program,
        ])
        .args(words)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start the exporter")?;
    let result = (|| {
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(100));
            let out = Command::new("curl")
                .args(["-sf", &format!("http://{LISTEN}/metrics")])
                .output()?;
            if out.status.success() {
                let body = String::from_utf8_lossy(&out.stdout);
                if !body.contains("zswap_exporter_collector_success{collector=\"debugfs\"} 1") {
                    bail!("the exporter answers but cannot read debugfs with the unit's rights");
                }
                if !body
                    .lines()
                    .any(|l| l.starts_with("zswap_info{") && l.contains("compressor=\"deflate\""))
                {
                    bail!("the exporter's zswap_info does not show the configured compressor");
                }
                return Ok(());
            }
        }
        bail!("the exporter did not answer on {LISTEN}")
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// Where a run records what to put back, so that a run that was killed (even with
/// SIGKILL) is undone by the next one before it starts.
const JOURNAL: &str = "/var/tmp/zswap-tools-deploytest.restore.json";

/// Everything the roles may change, recorded before the run; [`RestoreGuard`] puts it back
/// on drop and [`restore_on_signals`] on SIGINT/SIGTERM/SIGHUP.
#[derive(Clone)]
struct HostSnapshot {
    params: Vec<(String, String)>,
    fstab: String,
    user_existed: bool,
    existed: Vec<String>,
    debugfs_mounted: bool,
}

fn debugfs_mounted() -> bool {
    fs::read_to_string("/proc/mounts")
        .is_ok_and(|m| m.lines().any(|l| l.contains(" /sys/kernel/debug debugfs ")))
}

impl HostSnapshot {
    fn take() -> Result<HostSnapshot> {
        let mut params = Vec::new();
        for e in fs::read_dir(PARAMS).context("this kernel has no zswap")? {
            let e = e?;
            params.push((
                e.file_name().to_string_lossy().into_owned(),
                read_trim(e.path())?,
            ));
        }
        let existed: Vec<String> = TOUCHED
            .into_iter()
            .filter(|p| fs::symlink_metadata(p).is_ok())
            .map(str::to_owned)
            .collect();
        if !existed.is_empty() {
            bail!(
                "refusing to run: these would be overwritten and cannot be restored: {existed:?}"
            );
        }
        let user_existed = Command::new("getent")
            .args(["passwd", "zswap-exporter"])
            .stdout(Stdio::null())
            .status()?
            .success();
        let snap = HostSnapshot {
            params,
            fstab: fs::read_to_string("/etc/fstab").unwrap_or_default(),
            user_existed,
            existed,
            debugfs_mounted: debugfs_mounted(),
        };
        fs::write(JOURNAL, snap.to_json().to_string())
            .with_context(|| format!("cannot write the restore journal '{JOURNAL}'"))?;
        Ok(snap)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "params": self.params,
            "fstab": self.fstab,
            "user_existed": self.user_existed,
            "existed": self.existed,
            "debugfs_mounted": self.debugfs_mounted,
        })
    }

    fn from_json(v: &serde_json::Value) -> Option<HostSnapshot> {
        let params = v["params"]
            .as_array()?
            .iter()
            .map(|p| Some((p[0].as_str()?.to_owned(), p[1].as_str()?.to_owned())))
            .collect::<Option<Vec<_>>>()?;
        let existed = v["existed"]
            .as_array()?
            .iter()
            .map(|p| p.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()?;
        Some(HostSnapshot {
            params,
            fstab: v["fstab"].as_str()?.to_owned(),
            user_existed: v["user_existed"].as_bool()?,
            existed,
            debugfs_mounted: v["debugfs_mounted"].as_bool()?,
        })
    }

    /// Undoes a run that was killed before it could clean up.
    fn recover_interrupted() -> Result<()> {
        let Ok(text) = fs::read_to_string(JOURNAL) else {
            return Ok(());
        };
        let snap = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .as_ref()
            .and_then(HostSnapshot::from_json)
            .with_context(|| {
                format!("the restore journal '{JOURNAL}' is damaged: restore by hand")
            })?;
        eprintln!("deploytest: undoing an interrupted run (journal '{JOURNAL}')");
        snap.restore();
        Ok(())
    }

    /// Puts the host back and removes the journal.
    fn restore(&self) {
        let _ = Command::new("swapoff")
            .arg(SWAPFILE)
            .stderr(Stdio::null())
            .status();
        let _ = fs::remove_file(SWAPFILE);
        let _ = fs::write("/etc/fstab", &self.fstab);
        for p in TOUCHED
            .iter()
            .filter(|p| !self.existed.iter().any(|e| e == *p))
        {
            let path = Path::new(p);
            let is_dir = fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
            let _ = if is_dir {
                fs::remove_dir_all(path)
            } else {
                fs::remove_file(path)
            };
        }
        if !self.user_existed {
            let _ = Command::new("userdel")
                .arg("zswap-exporter")
                .stderr(Stdio::null())
                .status();
            let _ = Command::new("groupdel")
                .arg("zswap-exporter")
                .stderr(Stdio::null())
                .status();
        }
        // enabled to N first, so nothing is stored while the others change back
        let _ = fs::write(Path::new(PARAMS).join("enabled"), "N");
        for (name, value) in &self.params {
            let _ = fs::write(Path::new(PARAMS).join(name), value);
        }
        if !self.debugfs_mounted && debugfs_mounted() {
            let _ = Command::new("umount").arg("/sys/kernel/debug").status();
        }
        let _ = fs::remove_file(JOURNAL);
    }
}

/// Restores the host from its snapshot when dropped. The snapshot itself restores nothing
/// on drop, so it can be cloned, serialised and tested freely.
struct RestoreGuard(HostSnapshot);

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        self.0.restore();
    }
}

/// Blocks SIGINT, SIGTERM and SIGHUP in every thread and waits for them in one thread that
/// puts the host back and exits, so that an interrupted run (Ctrl-C, `timeout`, CI's end)
/// does not leave the host configured. Call before starting any other thread.
fn restore_on_signals(snap: HostSnapshot) -> Result<()> {
    // SAFETY: plain libc signal-set manipulation on a local sigset_t.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, sig);
        }
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            bail!("pthread_sigmask failed");
        }
        set
    };
    std::thread::spawn(move || {
        let mut sig = 0;
        // SAFETY: waits on the set blocked above.
        if unsafe { libc::sigwait(&set, &mut sig) } == 0 {
            eprintln!("deploytest: signal {sig}: restoring the host before exiting");
            snap.restore();
            std::process::exit(128 + sig);
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_vars_are_json_whatever_the_path() {
        let text = extra_vars(Path::new("/t/a \"b\\c/release"), &good_settings()).to_string();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["zswap_zswapctl_src"], "/t/a \"b\\c/release/zswapctl");
        assert_eq!(v["zswap_settings"]["compressor"], "deflate");
        assert_eq!(v["zswap_swapfile_size_mib"], 128);
        assert_eq!(v["zswap_exporter_listen_address"], LISTEN);
    }

    #[test]
    fn journal_round_trips() {
        let snap = HostSnapshot {
            params: vec![
                ("enabled".into(), "N".into()),
                ("compressor".into(), "lzo".into()),
            ],
            fstab: "# fstab\n".into(),
            user_existed: false,
            existed: vec!["/etc/zswap".into()],
            debugfs_mounted: true,
        };
        let back = HostSnapshot::from_json(&snap.to_json()).unwrap();
        assert_eq!(back.params, snap.params);
        assert_eq!(back.fstab, snap.fstab);
        assert_eq!(back.existed, snap.existed);
        assert!(!back.user_existed);
        assert!(back.debugfs_mounted);
        assert!(HostSnapshot::from_json(&serde_json::json!({"params": 3})).is_none());
    }

    #[test]
    fn recap_counts_changes() {
        let out = "TASK [x]\nok\n\nPLAY RECAP *****\nlocalhost : ok=12 changed=3 unreachable=0 failed=0\n";
        assert_eq!(recap_changed(out), Some(3));
        assert_eq!(recap_changed("no recap"), None);
    }
}
