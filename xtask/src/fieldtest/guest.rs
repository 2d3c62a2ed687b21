//! Booting a fieldtest image under QEMU (TCG, never KVM: see `vm/qemu.rs`) until its scenario
//! reports a result, answering the guest's scrape requests on the way.
//!
//! The host and the guest talk through a 9p share: the guest's `fieldtest.service` runs
//! `<scenario>.sh` from it and leaves `result` there when the scenario is over. A scenario that
//! reboots leaves `stage` instead; QEMU runs with `-no-reboot`, so the reboot ends QEMU and the
//! same disk is booted again. A guest file `want-scrape-N` asks the host to scrape the exporter
//! through the user-mode port forward; the host writes `scrape-N.txt` and `scraped-N`.
//!
//! Boots load the image's kernel and initrd directly (`-kernel`), until the guest leaves
//! `boot-firmware` in the share: from then on QEMU starts with no kernel of ours, and the
//! firmware (SeaBIOS) boots the disk through the GRUB that the guest installed on it, with the
//! command line from the guest's own `grub.cfg`.
#![allow(clippy::disallowed_methods)] // the share is a plain directory of ours

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::image::Image;

/// The exporter's port in the guest (deploy/systemd/zswap-exporter.service).
const GUEST_PORT: u16 = 10119;

/// At most this many boots per run (persist-reboot needs three on 7.x).
const MAX_BOOTS: u32 = 4;

/// One run's guest.
#[derive(Debug)]
pub(crate) struct Run<'a> {
    pub(crate) image: &'a Image,
    pub(crate) disk: PathBuf,
    pub(crate) share: PathBuf,
    pub(crate) console_log: PathBuf,
    pub(crate) memory_mb: u32,
    pub(crate) boot_timeout: Duration,
}

/// A free loopback port for the forward.
fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("binding a loopback port")?;
    Ok(l.local_addr()?.port())
}

fn qemu(run: &Run<'_>, port: u16, console: fs::File) -> Result<std::process::Child> {
    let mut cmd = Command::new("nice");
    cmd.args(["-n", "10", "qemu-system-x86_64"])
        .args(["-machine", "q35", "-cpu", "max", "-smp", "1", "-m"])
        .arg(run.memory_mb.to_string())
        .args(["-no-reboot", "-display", "none", "-monitor", "none"]);
    if !run.share.join("boot-firmware").exists() {
        cmd.arg("-kernel")
            .arg(&run.image.vmlinuz)
            .arg("-initrd")
            .arg(&run.image.initrd)
            // no_timer_check as in vmtest's guests (xtask/src/vm/mod.rs): TCG on a busy host
            .args([
                "-append",
                "root=/dev/vda1 rw console=ttyS0 fieldtest=1 panic=-1 no_timer_check",
            ]);
    }
    cmd.arg("-drive")
        .arg(format!("file={},if=virtio,format=raw", run.disk.display()))
        .arg("-virtfs")
        .arg(format!(
            "local,path={},mount_tag=ft,security_model=none",
            run.share.display()
        ))
        .args(["-netdev"])
        .arg(format!(
            "user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:{GUEST_PORT}"
        ))
        .args(["-device", "virtio-net-pci,netdev=n0", "-serial", "stdio"])
        .stdin(Stdio::null())
        .stdout(console.try_clone()?)
        .stderr(console)
        .spawn()
        .context("starting 'qemu-system-x86_64'")
}

/// Boots until the share holds `result`; returns the number of boots.
pub(crate) fn boot_until_result(run: &Run<'_>) -> Result<u32> {
    let result = run.share.join("result");
    for boot in 1..=MAX_BOOTS {
        let port = free_port()?;
        let console = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&run.console_log)
            .with_context(|| format!("opening '{}'", run.console_log.display()))?;
        let mut child = qemu(run, port, console)?;
        let started = Instant::now();
        let mut next_scrape = 1;
        loop {
            if let Some(st) = child.try_wait()? {
                if !st.success() {
                    bail!("qemu exited with {st} in boot {boot}");
                }
                break;
            }
            if started.elapsed() > run.boot_timeout {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "boot {boot} did not finish within {} s",
                    run.boot_timeout.as_secs()
                );
            }
            if run
                .share
                .join(format!("want-scrape-{next_scrape}"))
                .exists()
            {
                let body = scrape(port).unwrap_or_else(|e| format!("# scrape failed: {e:#}\n"));
                fs::write(run.share.join(format!("scrape-{next_scrape}.txt")), body)?;
                fs::write(run.share.join(format!("scraped-{next_scrape}")), "")?;
                next_scrape += 1;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        if result.exists() {
            return Ok(boot);
        }
        if !run.share.join("stage").exists() {
            bail!("the guest powered off without a result after boot {boot}");
        }
    }
    bail!("no result after {MAX_BOOTS} boots")
}

/// GETs `/metrics` through the forward, retrying for a minute (the exporter may be
/// restarting).
fn scrape(port: u16) -> Result<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match get(addr) {
            Ok(body) => return Ok(body),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_secs(2)),
        }
    }
}

fn get(addr: SocketAddr) -> Result<String> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: fieldtest\r\n\r\n")?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("an HTTP answer without a header end")?;
    if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
        bail!(
            "the exporter answered '{}'",
            head.lines().next().unwrap_or("")
        );
    }
    Ok(body.to_owned())
}

/// Removes the run's working disk (the console log and the share stay for reading).
pub(crate) fn clean(run: &Run<'_>) {
    let _ = fs::remove_file(&run.disk);
}
