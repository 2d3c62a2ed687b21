//! Concurrency, hostile clients and memory: 400 scrapes at 16 concurrent all succeed; slow,
//! garbage and oversized requests neither kill the exporter nor hold up other scrapes; peak
//! RSS (VmHWM) stays under 30 MiB.
#![allow(clippy::disallowed_methods)] // reads /proc/PID/status of the child

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::{self, Exporter, http_get};

fn start() -> (zswap_testkit::FixtureRoot, Exporter) {
    let f = common::tree_6_18();
    let root = f.path().display().to_string();
    let e = Exporter::start(&["--path.rootfs", &root, "--web.read-header-timeout", "2s"]);
    (f, e)
}

/// VmHWM of a process, in KiB.
pub(crate) fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap())
        .unwrap()
}

fn scrape_ok(e: &Exporter) -> bool {
    let r = http_get(e.addr, "/metrics", &[]);
    r.status == 200
        && r.body
            .contains("zswap_exporter_collector_success{collector=\"debugfs\"} 1")
}

#[test]
fn four_hundred_scrapes_at_sixteen_concurrent() {
    let (_f, e) = start();
    let e = Arc::new(e);
    let ok = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (e, ok) = (e.clone(), ok.clone());
            std::thread::spawn(move || {
                for _ in 0..25 {
                    if scrape_ok(&e) {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(ok.load(Ordering::Relaxed), 400);
    let hwm = vm_hwm_kib(e.pid());
    eprintln!("exporter peak RSS after 400 scrapes: {hwm} KiB");
    assert!(hwm < 30 * 1024, "peak RSS {hwm} KiB is not under 30 MiB");
}

#[test]
fn hostile_clients_do_not_block_scrapes() {
    let (_f, e) = start();
    // 40 slowloris clients: a request head that never completes
    let mut slow: Vec<TcpStream> = (0..40)
        .map(|_| {
            let mut s = TcpStream::connect(e.addr).unwrap();
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            s
        })
        .collect();
    // clients that connect and never send anything
    let _silent: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(e.addr).unwrap())
        .collect();
    // garbage and oversized heads get an error answer, not a crash
    for garbage in [
        b"\x00\x01\x02garbage\r\n\r\n".to_vec(),
        b"GET /metrics HTTP/9.9\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        [
            b"GET /metrics HTTP/1.1\r\nX: ".as_slice(),
            &vec![b'a'; 200_000],
            b"\r\n\r\n",
        ]
        .concat(),
        [
            b"GET /".as_slice(),
            &vec![b'a'; 100_000],
            b" HTTP/1.1\r\n\r\n",
        ]
        .concat(),
    ] {
        let mut s = TcpStream::connect(e.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.write_all(&garbage);
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        let head = String::from_utf8_lossy(&buf);
        assert!(
            head.is_empty() || head.starts_with("HTTP/1.1 4"),
            "garbage got {head:?}"
        );
    }
    // meanwhile every real scrape is served promptly
    for _ in 0..20 {
        let t = Instant::now();
        assert!(scrape_ok(&e));
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "scrape took {:?}",
            t.elapsed()
        );
    }
    // the slow clients are cut off once the header timeout (2 s) passes
    std::thread::sleep(Duration::from_millis(2500));
    for s in &mut slow {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 512];
        // Ok(0) (closed) or a 408; a read timeout means the server still holds it open
        let n = s
            .read(&mut buf)
            .unwrap_or_else(|e| panic!("slow client not cut off after the header timeout: {e}"));
        let head = String::from_utf8_lossy(&buf[..n]);
        assert!(
            n == 0 || head.starts_with("HTTP/1.1 408"),
            "slow client got {head:?}"
        );
    }
    assert!(scrape_ok(&e));
}

#[test]
fn a_client_that_never_reads_does_not_block_others() {
    let (_f, e) = start();
    // pipeline many requests and never read the answers
    let mut hog = TcpStream::connect(e.addr).unwrap();
    let req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(500);
    hog.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    let _ = hog.write_all(&req);
    for _ in 0..10 {
        let t = Instant::now();
        assert!(scrape_ok(&e));
        assert!(t.elapsed() < Duration::from_secs(1));
    }
}

#[test]
fn too_many_concurrent_scrapes_get_503_not_a_hang() {
    let f = common::tree_6_18();
    let root = f.path().display().to_string();
    // a limit of 1 and 16 clients: some must be refused, none may hang or fail otherwise
    let e = Arc::new(Exporter::start(&[
        "--path.rootfs",
        &root,
        "--web.max-requests",
        "1",
    ]));
    let codes: Vec<u16> = (0..16)
        .map(|_| {
            let e = e.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|_| http_get(e.addr, "/metrics", &[]).status)
                    .collect::<Vec<_>>()
            })
        })
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(codes.iter().all(|c| *c == 200 || *c == 503), "{codes:?}");
    assert!(codes.contains(&200));
}
