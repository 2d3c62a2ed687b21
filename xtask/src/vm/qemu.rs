//! Booting one guest with QEMU under TCG and collecting its serial console.
//!
//! KVM is never used: `/dev/kvm` exists on the build machines but hangs guests. The guest is
//! killed when the timeout expires, shortly after a kernel panic shows on the console (with
//! `panic=-1` and `-no-reboot` QEMU normally exits by itself then), or once the scenario has
//! reported its exit code and the guest does not power off.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::console::Report;

/// How to boot one guest.
#[derive(Debug, Clone)]
pub(crate) struct GuestSpec {
    pub(crate) vmlinuz: PathBuf,
    pub(crate) initrd: PathBuf,
    pub(crate) cmdline: String,
    pub(crate) memory_mb: u32,
    /// Raw disk images, attached as virtio disks in order (`/dev/vda`, `/dev/vdb`, ...).
    pub(crate) disks: Vec<PathBuf>,
    pub(crate) timeout: Duration,
    /// Where the console transcript is written as it arrives.
    pub(crate) console_log: PathBuf,
    /// Further QEMU arguments from the scenario (e.g. `-icount`), after the fixed ones.
    pub(crate) extra_args: &'static [&'static str],
}

/// How a guest run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// QEMU exited by itself (guest powered off, or rebooted after a panic).
    Exited,
    /// Killed after the timeout.
    TimedOut,
    /// Killed after a kernel panic showed on the console.
    Panicked,
    /// Killed because it did not power off after the scenario finished.
    Lingered,
}

/// The console and the ending of one run.
#[derive(Debug, Clone)]
pub(crate) struct GuestRun {
    pub(crate) console: String,
    pub(crate) ending: Ending,
    pub(crate) elapsed: Duration,
}

/// The QEMU command line for `spec`.
pub(crate) fn args(spec: &GuestSpec) -> Vec<String> {
    let mut a: Vec<String> = [
        "-accel",
        "tcg",
        "-cpu",
        "max",
        "-smp",
        "1",
        "-nographic",
        "-no-reboot",
        "-nodefaults",
        "-serial",
        "stdio",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(["-m".into(), format!("{}M", spec.memory_mb)]);
    a.extend(["-kernel".into(), spec.vmlinuz.display().to_string()]);
    a.extend(["-initrd".into(), spec.initrd.display().to_string()]);
    a.extend(["-append".into(), spec.cmdline.clone()]);
    for d in &spec.disks {
        a.extend([
            "-drive".into(),
            format!("file={},format=raw,if=virtio", d.display()),
        ]);
    }
    a.extend(spec.extra_args.iter().map(|s| s.to_string()));
    a
}

/// Boots `spec` and returns when QEMU exits or is killed.
pub(crate) fn run(spec: &GuestSpec) -> Result<GuestRun> {
    let start = Instant::now();
    let mut log = std::fs::File::create(&spec.console_log)
        .with_context(|| format!("creating '{}'", spec.console_log.display()))?;
    let mut child = Command::new("qemu-system-x86_64")
        .args(args(spec))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting 'qemu-system-x86_64' (apt-get install qemu-system-x86)")?;
    let (tx, rx) = mpsc::channel::<String>();
    let streams: Vec<Box<dyn std::io::Read + Send>> = vec![
        Box::new(child.stdout.take().context("qemu stdout")?),
        Box::new(child.stderr.take().context("qemu stderr")?),
    ];
    let readers: Vec<_> = streams
        .into_iter()
        .map(|s| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(s);
                let mut buf = Vec::new();
                while r
                    .read_until(b'\n', &mut buf)
                    .map(|n| n > 0)
                    .unwrap_or(false)
                {
                    if tx.send(String::from_utf8_lossy(&buf).into_owned()).is_err() {
                        break;
                    }
                    buf.clear();
                }
            })
        })
        .collect();
    drop(tx);

    let mut console = String::new();
    let mut report = Report::default();
    let mut kill_at: Option<(Instant, Ending)> = None;
    let deadline = start + spec.timeout;
    let ending = loop {
        let now = Instant::now();
        let limit = kill_at
            .as_ref()
            .map_or(deadline, |(t, _)| (*t).min(deadline));
        if now >= limit {
            let why = kill_at.map_or(Ending::TimedOut, |(_, e)| e);
            let _ = child.kill();
            break why;
        }
        match rx.recv_timeout(limit - now) {
            Ok(line) => {
                let _ = log.write_all(line.as_bytes());
                report.line(&line);
                console.push_str(&line);
                if kill_at.is_none() {
                    if report.panic.is_some() {
                        // Let the panic's backtrace reach the console, then stop.
                        kill_at = Some((Instant::now() + Duration::from_secs(2), Ending::Panicked));
                    } else if report.exit.is_some() {
                        kill_at =
                            Some((Instant::now() + Duration::from_secs(15), Ending::Lingered));
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break Ending::Exited,
        }
    };
    let _ = child.wait();
    for r in readers {
        let _ = r.join();
    }
    while let Ok(line) = rx.try_recv() {
        let _ = log.write_all(line.as_bytes());
        console.push_str(&line);
    }
    Ok(GuestRun {
        console,
        ending,
        elapsed: start.elapsed(),
    })
}

/// Creates a sparse raw disk image of `size` bytes (what `truncate -s` does).
pub(crate) fn raw_disk(path: &Path, size: u64) -> Result<()> {
    let f =
        std::fs::File::create(path).with_context(|| format!("creating '{}'", path.display()))?;
    f.set_len(size)
        .with_context(|| format!("sizing '{}'", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A guest of `memory_mb` with `extra_args`, no disks and an empty command line.
    fn spec(memory_mb: u32, extra_args: &'static [&'static str]) -> GuestSpec {
        GuestSpec {
            vmlinuz: "/k/vmlinuz".into(),
            initrd: "/k/initrd".into(),
            cmdline: String::new(),
            memory_mb,
            disks: vec![],
            timeout: Duration::from_secs(1),
            console_log: "/t/console.log".into(),
            extra_args,
        }
    }

    #[test]
    fn args_use_tcg_and_never_kvm() {
        let spec = GuestSpec {
            cmdline: "console=ttyS0 panic=-1".into(),
            disks: vec!["/t/swap.img".into()],
            ..spec(512, &[])
        };
        let a = args(&spec).join(" ");
        assert!(a.contains("-accel tcg -cpu max"));
        assert!(a.contains("-m 512M"));
        assert!(a.contains("-append console=ttyS0 panic=-1"));
        assert!(a.contains("-drive file=/t/swap.img,format=raw,if=virtio"));
        assert!(!a.contains("kvm"));
    }

    #[test]
    fn every_scenario_stays_on_tcg() {
        for sc in super::super::scenario::SCENARIOS {
            let a = args(&spec(sc.memory_mb, sc.qemu_args));
            assert_eq!(a[..2], ["-accel", "tcg"], "{}", sc.name);
            assert_eq!(
                a.iter().filter(|s| s.as_str() == "-accel").count(),
                1,
                "{} chooses another accelerator",
                sc.name
            );
            assert!(!a.join(" ").contains("kvm"), "{} uses KVM", sc.name);
        }
    }

    #[test]
    fn extra_args_come_last() {
        let a = args(&spec(512, &["-icount", "shift=0"]));
        assert_eq!(a[a.len() - 2..], ["-icount", "shift=0"]);
    }

    #[test]
    fn raw_disk_is_sized_and_sparse() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.img");
        raw_disk(&p, 256 << 20).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 256 << 20);
    }
}
