//! The HTTP server end to end: negotiation, routes, fresh reads, debugfs appearing later,
//! the textfile mode, TLS and basic auth (exporter-toolkit web config).
#![allow(clippy::disallowed_methods)] // test support writes fixture and config files

use std::process::Command;

use crate::common::{self, Exporter, sample};

fn root_args(f: &zswap_testkit::FixtureRoot) -> Vec<String> {
    vec!["--path.rootfs".into(), f.path().display().to_string()]
}

fn start_on(f: &zswap_testkit::FixtureRoot, extra: &[&str]) -> Exporter {
    let mut args = root_args(f);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    Exporter::start(&refs)
}

#[test]
fn openmetrics_when_asked_text_otherwise() {
    let f = common::tree_6_18();
    let e = start_on(&f, &[]);
    let om = e.get(
        "/metrics",
        &[(
            "Accept",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        )],
    );
    assert_eq!(om.status, 200);
    assert!(
        om.header("content-type")
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert!(om.body.ends_with("# EOF\n"));
    assert!(om.body.contains("# UNIT zswap_pool_size_bytes bytes"));
    let text = e.get("/metrics", &[]);
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert!(!text.body.contains("# EOF"));
    assert_eq!(
        sample(&text.body, "zswap_pool_size_bytes"),
        Some(1_638_400.0)
    );
}

#[test]
fn landing_page_404_and_405() {
    let f = common::tree_6_18();
    let e = start_on(&f, &["--web.telemetry-path", "/zswap"]);
    let landing = e.get("/", &[]);
    assert_eq!(landing.status, 200);
    assert!(landing.body.contains("href=\"/zswap\""), "{}", landing.body);
    assert_eq!(e.get("/metrics", &[]).status, 404);
    assert_eq!(e.get("/zswap", &[]).status, 200);
    let r = common::parse_response(&raw_request(
        &e,
        b"POST /zswap HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ));
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
}

pub(crate) fn raw_request(e: &Exporter, bytes: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(e.addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn every_scrape_reads_the_files_again() {
    let f = common::tree_6_18();
    let e = start_on(&f, &[]);
    assert_eq!(sample(&e.scrape(), "zswap_stored_pages"), Some(1200.0));
    f.debugfs("stored_pages", 1300);
    f.param("compressor", "lzo");
    let t = e.scrape();
    assert_eq!(sample(&t, "zswap_stored_pages"), Some(1300.0));
    assert_eq!(sample(&t, "zswap_info{compressor=\"lzo\"}"), Some(1.0));
}

#[test]
fn debugfs_appearing_after_first_enable_is_picked_up() {
    let f = common::tree_6_12_never_enabled();
    let e = start_on(&f, &[]);
    let before = e.scrape();
    assert_eq!(
        sample(
            &before,
            "zswap_exporter_collector_success{collector=\"debugfs\"}"
        ),
        Some(1.0)
    );
    assert_eq!(sample(&before, "zswap_stored_pages"), None);
    // what the kernel does on the first write of Y to enabled (6.12+)
    f.param("enabled", "Y");
    f.debugfs("stored_pages", 5)
        .debugfs("pool_total_size", 8192);
    let after = e.scrape();
    assert_eq!(sample(&after, "zswap_stored_pages"), Some(5.0));
    assert_eq!(sample(&after, "zswap_pool_size_bytes"), Some(8192.0));
}

#[test]
fn unreadable_debugfs_is_reported_not_fatal() {
    let f = common::tree_6_18();
    // debugfs listed in mounts but the zswap directory is a file: reading fails
    std::fs::remove_dir_all(f.path().join("sys/kernel/debug/zswap")).unwrap();
    std::fs::write(f.path().join("sys/kernel/debug/zswap"), "not a directory").unwrap();
    let e = start_on(&f, &[]);
    let t = e.scrape();
    assert_eq!(
        sample(
            &t,
            "zswap_exporter_collector_success{collector=\"debugfs\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &t,
            "zswap_exporter_collector_success{collector=\"meminfo\"}"
        ),
        Some(1.0)
    );
    assert!(sample(&t, "zswap_meminfo_zswap_bytes").is_some());
}

#[test]
fn disabled_collector_is_neither_run_nor_reported() {
    let f = common::tree_6_18();
    let e = start_on(&f, &["--no-collector.debugfs", "--no-collector.cgroup"]);
    let t = e.scrape();
    assert!(!t.contains("collector=\"debugfs\""));
    assert!(!t.contains("zswap_pool_size_bytes"));
    assert!(!t.contains("zswap_cgroup_"));
    assert!(t.contains("zswap_meminfo_zswap_bytes"));
}

#[test]
fn cgroup_filter_and_cap() {
    let f = common::tree_6_18();
    let t = common::once(f.path(), &["--collector.cgroup.filter", "/work"]);
    assert!(t.contains("cgroup=\"/workload\""));
    assert!(!t.contains("cgroup=\"/capped\""));
    assert!(!t.contains("cgroup=\"/\""));
    let t = common::once(f.path(), &["--collector.cgroup.max-count", "2"]);
    assert_eq!(sample(&t, "zswap_exporter_cgroups_truncated"), Some(1.0));
    assert_eq!(t.matches("zswap_cgroup_stored_bytes{").count(), 2);
}

#[test]
fn regress_22_cgroup_filter_without_leading_slash_matches() {
    let f = common::tree_6_18();
    let t = common::once(f.path(), &["--collector.cgroup.filter", "work"]);
    assert!(t.contains("cgroup=\"/workload\""), "{t}");
    assert!(!t.contains("cgroup=\"/capped\""));
}

#[test]
fn regress_22_once_logs_a_probe_failure_once() {
    let f = common::tree_6_18();
    let out = Command::new(common::BIN)
        .args(["--once", "--collector.ebpf", "--path.rootfs"])
        .arg(f.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // one line names the collector, whatever the reason says (without the toolchain it names
    // scripts/install-ebpf-toolchain.sh)
    let lines = err.lines().filter(|l| l.contains("collector ebpf")).count();
    assert_eq!(lines, 1, "{err}");
}

#[test]
fn textfile_is_written_atomically() {
    let f = common::tree_6_18();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("zswap.prom");
    std::fs::write(&target, "old\n").unwrap();
    let st = Command::new(common::BIN)
        .args(["--once", "--textfile.output"])
        .arg(&target)
        .arg("--path.rootfs")
        .arg(f.path())
        .status()
        .unwrap();
    assert!(st.success());
    let text = std::fs::read_to_string(&target).unwrap();
    assert_eq!(sample(&text, "zswap_stored_pages"), Some(1200.0));
    // nothing left behind but the target
    let names: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("zswap.prom")]);
}

#[test]
fn textfile_into_missing_directory_fails_with_advice() {
    let f = common::tree_6_18();
    let out = Command::new(common::BIN)
        .args([
            "--once",
            "--textfile.output",
            "/nonexistent-dir/zswap.prom",
            "--path.rootfs",
        ])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("'/nonexistent-dir' exists and is writable"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(common::BIN)
        .arg("--collector.nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// TLS and basic auth from a web config file, checked with curl as the client.
#[test]
fn tls_and_basic_auth() {
    if !zswap_testkit::host::require(
        "openssl and curl",
        common::have("openssl") && common::have("curl"),
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let st = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        .arg("-keyout")
        .arg(d.join("key.pem"))
        .arg("-out")
        .arg(d.join("cert.pem"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let hash = bcrypt::hash("s3cr3t", 6).unwrap();
    std::fs::write(
        d.join("web.yml"),
        format!(
            "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n\
             http_server_config:\n  headers:\n    X-Frame-Options: deny\n\
             basic_auth_users:\n  prometheus: '{hash}'\n"
        ),
    )
    .unwrap();
    let f = common::tree_6_18();
    let cfg = d.join("web.yml").display().to_string();
    let e = start_on(&f, &["--web.config.file", &cfg]);
    let url = format!("https://127.0.0.1:{}/metrics", e.addr.port());
    let cacert = d.join("cert.pem").display().to_string();
    let curl = |extra: &[&str]| {
        let out = Command::new("curl")
            .args(["-s", "-i", "--cacert", &cacert])
            .args(extra)
            .arg(&url)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let no_auth = curl(&[]);
    assert!(no_auth.starts_with("HTTP/1.1 401"), "{no_auth}");
    assert!(
        no_auth
            .to_ascii_lowercase()
            .contains("www-authenticate: basic")
    );
    let wrong = curl(&["-u", "prometheus:nope"]);
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    let ok = curl(&["-u", "prometheus:s3cr3t"]);
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(
        ok.to_ascii_lowercase().contains("x-frame-options: deny"),
        "{ok}"
    );
    assert!(ok.contains("zswap_pool_size_bytes 1638400"));
    // plain HTTP on the TLS port gets no metrics
    let plain = Command::new("curl")
        .args([
            "-s",
            "-m",
            "5",
            &format!("http://127.0.0.1:{}/metrics", e.addr.port()),
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("zswap_"));
}

#[test]
fn invalid_web_config_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("web.yml");
    std::fs::write(&p, "basic_auth_users:\n  alice: plaintext\n").unwrap();
    let out = Command::new(common::BIN)
        .args(["--web.listen-address", "127.0.0.1:0", "--web.config.file"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bcrypt"));
}

#[test]
fn regress_22_sigterm_is_a_clean_shutdown_with_exit_0() {
    let f = zswap_testkit::FixtureRoot::era("6.18.2");
    let mut e = start_on(&f, &[]);
    let _ = e.scrape();
    let st = Command::new("kill")
        .args(["-TERM", &e.pid().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = e.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// `zswap_page_size_bytes` is the running kernel's page size, as `getconf PAGESIZE` reports it,
/// and `zswap_zsmalloc_bytes` counts `nr_zspages` in it.
#[test]
fn page_size_is_the_kernels() {
    let out = common::succeed(Command::new("getconf").arg("PAGESIZE"));
    let kernel: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let f = common::tree_6_18();
    f.proc("vmstat", "nr_zspages 3\nzswpout 1\n");
    let t = common::once(f.path(), &[]);
    assert_eq!(sample(&t, "zswap_page_size_bytes"), Some(kernel), "{t}");
    assert_eq!(
        sample(&t, "zswap_zsmalloc_bytes"),
        Some(3.0 * kernel),
        "{t}"
    );
}

/// `--web.systemd-socket` serves on the socket systemd passes: `systemd-socket-activate`
/// (systemd's own tool for it) binds the port and execs the exporter with `LISTEN_FDS=1`.
/// Without the tool the test is skipped, and fails under CI=true.
#[test]
fn systemd_socket_activation_serves_on_the_passed_socket() {
    if !common::have("systemd-socket-activate") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but systemd-socket-activate is missing: apt-get install systemd"
        );
        eprintln!("skipped: systemd-socket-activate is not on PATH (package systemd)");
        return;
    }
    let f = common::tree_6_18();
    let port = common::free_port();
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    /// Kills the activated exporter even when an assertion fails first.
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let child = Command::new("systemd-socket-activate")
        .arg("-l")
        .arg(addr.to_string())
        .arg(common::BIN)
        .arg("--web.systemd-socket")
        .args(root_args(&f))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Kill(child);
    // the port is bound before the exporter runs; the first connection execs it
    let text = common::wait_for(
        "the activated exporter",
        std::time::Duration::from_secs(10),
        || {
            std::net::TcpStream::connect(addr).ok()?;
            let r = common::http_get(addr, "/metrics", &[]);
            (r.status == 200).then_some(r.body)
        },
    );
    let _ = child.0.kill();
    let _ = child.0.wait();
    assert!(sample(&text, "zswap_stored_pages").is_some(), "{text}");
    let mut log = String::new();
    if let Some(mut e) = child.0.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut log).unwrap();
    }
    assert!(
        log.contains(&format!("msg=\"Listening on\" address={addr}")),
        "{log}"
    );
}

/// Without systemd's sockets the flag is an error that says what to do, not a silent bind.
#[test]
fn systemd_socket_without_systemd_is_an_error() {
    let mut child = Command::new(common::BIN)
        .args(["--web.systemd-socket"])
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_PID")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // an exporter that ignored the flag would serve forever: give it a deadline
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("zswap-exporter --web.systemd-socket without a socket still runs after 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(1));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("systemd passed no socket"), "{err}");
    assert!(err.contains("zswap-exporter.socket"), "{err}");
}
