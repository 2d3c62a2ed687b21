//! Web-config parity with Debian's node_exporter: every file of a table (valid and
//! invalid) is given to zswap-exporter and to node_exporter; both must accept or refuse it
//! alike and, when they accept it, answer the same requests alike (plain HTTP to the port,
//! TLS without, with a foreign and with the right client certificate, TLS 1.2 and 1.3,
//! cipher choice, wrong and right basic auth, and the configured response headers).
//!
//! The peer is trixie's node_exporter (exporter-toolkit 0.14, unpacked into the cache by
//! scripts/setup-test-deps.sh); rows that use only keys exporter-toolkit 0.8 knows are also
//! compared with bookworm's node_exporter 1.5.0 (/usr/bin/prometheus-node-exporter).
//! crates/zswap-exporter/README.md (`--web.config.file`) lists the keys and the versions.

#![allow(clippy::print_stderr)] // each row's answers are printed for the reader of a failing run

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

/// Where scripts/setup-test-deps.sh unpacks trixie's node_exporter.
fn trixie_node_exporter() -> PathBuf {
    if let Some(p) = std::env::var_os("ZSWAP_TRIXIE_NODE_EXPORTER") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
        });
    cache.join("zswap-tools/node-exporter-trixie/usr/bin/prometheus-node-exporter")
}

const BOOKWORM_NODE_EXPORTER: &str = "/usr/bin/prometheus-node-exporter";

/// One server under comparison.
struct Peer {
    name: String,
    program: PathBuf,
    /// Compared on every row, or only on rows of exporter-toolkit 0.8 keys.
    every_row: bool,
    zswap: bool,
}

/// A running server, killed on drop.
struct Running {
    child: Child,
    port: u16,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `peer` with `config`; Ok(server) once it listens and stays up, Err(exit status
/// and log tail) if it exits.
fn start(peer: &Peer, config: &Path, rootfs: &Path) -> Result<Running, String> {
    let port = common::free_port();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = Command::new(&peer.program);
    if peer.zswap {
        cmd.arg("--path.rootfs").arg(rootfs);
    } else {
        cmd.arg("--collector.disable-defaults");
    }
    let child = cmd
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!("--web.config.file={}", config.display()))
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut run = Running { child, port };
    let exited = |run: &mut Running| -> Option<String> {
        let status = run.child.try_wait().unwrap()?;
        let mut text = String::new();
        let _ = log.reopen().unwrap().read_to_string(&mut text);
        let tail: Vec<&str> = text.lines().rev().take(2).collect();
        Some(format!("{status}: {}", tail.join(" / ")))
    };
    let t0 = Instant::now();
    loop {
        if let Some(why) = exited(&mut run) {
            return Err(why);
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{} never listened",
            peer.name
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // node_exporter listens before it checks the file: give a refusal time to show
    std::thread::sleep(Duration::from_millis(400));
    match exited(&mut run) {
        Some(why) => Err(why),
        None => Ok(run),
    }
}

/// The test's certificates, made with openssl: a self-signed server certificate (and a
/// second one for rotation), a client CA with two client certificates (SANs
/// client.example and intruder.example), and a self-signed foreign client certificate.
fn make_certs(d: &Path) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    for (name, cn, san) in [
        (
            "server",
            "localhost",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ),
        (
            "server2",
            "localhost",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ),
        ("ca", "zswap test CA", "basicConstraints=critical,CA:TRUE"),
        ("foreign", "client", "subjectAltName=DNS:client.example"),
    ] {
        let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
        let subj = format!("/CN={cn}");
        let mut args = vec!["req", "-x509"];
        args.extend(ec);
        args.extend([
            "-days", "2", "-subj", &subj, "-addext", san, "-keyout", &key, "-out", &pem,
        ]);
        openssl(&args);
    }
    for (name, san) in [
        ("client", "client.example"),
        ("intruder", "intruder.example"),
    ] {
        let (key, csr, pem, ext) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
            format!("{name}.ext"),
        );
        std::fs::write(
            d.join(&ext),
            format!("subjectAltName=DNS:{san}\nextendedKeyUsage=clientAuth\n"),
        )
        .unwrap();
        let mut args = vec!["req"];
        args.extend(ec);
        args.extend(["-subj", "/CN=client", "-keyout", &key, "-out", &csr]);
        openssl(&args);
        openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &ext,
            "-out",
            &pem,
        ]);
    }
}

/// A request of the comparison, as curl arguments after the URL's scheme is chosen.
struct Probe {
    name: &'static str,
    /// Over TLS (on TLS rows) or plain HTTP always.
    tls: bool,
    args: &'static [&'static str],
}

const CLIENT: [&str; 4] = ["--cert", "client.pem", "--key", "client.key"];

const PROBES: &[Probe] = &[
    Probe {
        name: "plain HTTP",
        tls: false,
        args: &[],
    },
    Probe {
        name: "no client cert",
        tls: true,
        args: &[],
    },
    Probe {
        name: "foreign client cert",
        tls: true,
        args: &["--cert", "foreign.pem", "--key", "foreign.key"],
    },
    Probe {
        name: "intruder client cert",
        tls: true,
        args: &["--cert", "intruder.pem", "--key", "intruder.key"],
    },
    Probe {
        name: "client cert",
        tls: true,
        args: &CLIENT,
    },
    Probe {
        name: "TLS 1.2",
        tls: true,
        args: &[
            "--cert",
            "client.pem",
            "--key",
            "client.key",
            "--tls-max",
            "1.2",
        ],
    },
    Probe {
        name: "TLS 1.2 AES-256",
        tls: true,
        args: &[
            "--cert",
            "client.pem",
            "--key",
            "client.key",
            "--tls-max",
            "1.2",
            "--ciphers",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
        ],
    },
    Probe {
        name: "TLS 1.3",
        tls: true,
        args: &["--cert", "client.pem", "--key", "client.key", "--tlsv1.3"],
    },
    Probe {
        name: "wrong password",
        tls: true,
        args: &[
            "--cert",
            "client.pem",
            "--key",
            "client.key",
            "-u",
            "prometheus:nope",
        ],
    },
    Probe {
        name: "unknown user",
        tls: true,
        args: &[
            "--cert",
            "client.pem",
            "--key",
            "client.key",
            "-u",
            "mallory:s3cr3t",
        ],
    },
    Probe {
        name: "right password",
        tls: true,
        args: &[
            "--cert",
            "client.pem",
            "--key",
            "client.key",
            "-u",
            "prometheus:s3cr3t",
        ],
    },
];

/// The response headers a web config can set, and the auth challenge.
const COMPARED_HEADERS: [&str; 6] = [
    "www-authenticate",
    "strict-transport-security",
    "x-content-type-options",
    "x-frame-options",
    "x-xss-protection",
    "content-security-policy",
];

/// The answer to one probe: "NNN header=value…", or "no answer" when the connection or
/// the handshake failed.
fn ask(dir: &Path, port: u16, tls_row: bool, probe: &Probe) -> String {
    let tls = tls_row && probe.tls;
    let url = format!("{}://127.0.0.1:{port}/", if tls { "https" } else { "http" });
    let mut cmd = Command::new("curl");
    cmd.current_dir(dir).args([
        "-s",
        "-o",
        "/dev/null",
        "-D",
        "-",
        "-m",
        "10",
        "--cacert",
        "server.pem",
    ]);
    if !tls {
        // the plain and auth probes of a plain-HTTP row carry no certificate
        if let Some(i) = probe.args.iter().position(|a| *a == "-u") {
            cmd.args(&probe.args[i..i + 2]);
        }
    } else {
        cmd.args(probe.args);
    }
    let out = cmd.arg(&url).output().unwrap();
    let head = String::from_utf8_lossy(&out.stdout);
    let mut lines = head.lines();
    let Some(status) = lines.next().and_then(|l| l.split(' ').nth(1)) else {
        return "no answer".to_owned();
    };
    let mut answer = status.to_owned();
    let mut headers: Vec<String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .filter(|(k, _)| COMPARED_HEADERS.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    headers.sort();
    for h in headers {
        answer.push(' ');
        answer.push_str(&h);
    }
    answer
}

/// One row: a web config file, and whether exporter-toolkit 0.8 knows all its keys.
struct Row {
    name: &'static str,
    yaml: String,
    old_keys: bool,
    tls: bool,
}

fn rows(d: &Path) -> Vec<Row> {
    let hash = bcrypt::hash("s3cr3t", 4).unwrap();
    let users = format!("basic_auth_users:\n  prometheus: '{hash}'\n");
    let tls = "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n";
    let indent = |file: &str| {
        std::fs::read_to_string(d.join(file))
            .unwrap()
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    let inline = format!(
        "tls_server_config:\n  cert: |\n{}  key: |\n{}",
        indent("server.pem"),
        indent("server.key")
    );
    let with = |extra: &str| format!("{tls}{extra}");
    let row = |name, yaml: String, old_keys, tls| Row {
        name,
        yaml,
        old_keys,
        tls,
    };
    vec![
        // accepted
        row("empty file", String::new(), true, false),
        row("basic auth only", users.clone(), true, false),
        row("TLS from files", tls.to_owned(), true, true),
        row(
            "TLS, auth and the five headers",
            format!(
                "{tls}http_server_config:\n  headers:\n    X-Frame-Options: deny\n    \
                 X-Content-Type-Options: nosniff\n    Strict-Transport-Security: max-age=31536000\n    \
                 X-XSS-Protection: '1; mode=block'\n    Content-Security-Policy: default-src 'self'\n{users}"
            ),
            true,
            true,
        ),
        row(
            "inline cert and key",
            format!("{inline}{users}"),
            false,
            true,
        ),
        row(
            "RequestClientCert",
            with("  client_auth_type: RequestClientCert\n"),
            true,
            true,
        ),
        row(
            "RequireAnyClientCert",
            with("  client_auth_type: RequireAnyClientCert\n"),
            true,
            true,
        ),
        row(
            "RequireClientCert (old name)",
            with("  client_auth_type: RequireClientCert\n"),
            true,
            true,
        ),
        row(
            "VerifyClientCertIfGiven",
            with("  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.pem\n"),
            true,
            true,
        ),
        row(
            "RequireAndVerifyClientCert",
            with("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n"),
            true,
            true,
        ),
        row(
            "RequireAndVerifyClientCert, inline client_ca",
            with(&format!(
                "  client_auth_type: RequireAndVerifyClientCert\n  client_ca: |\n{}",
                indent("ca.pem")
            )),
            false,
            true,
        ),
        row(
            "client_allowed_sans",
            with(
                "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n  \
                 client_allowed_sans: [client.example]\n",
            ),
            false,
            true,
        ),
        row(
            "min_version TLS13",
            with("  min_version: TLS13\n"),
            true,
            true,
        ),
        row(
            "max_version TLS12",
            with("  max_version: TLS12\n"),
            true,
            true,
        ),
        row(
            "min_version TLS10",
            with("  min_version: TLS10\n"),
            true,
            true,
        ),
        row(
            "min above max",
            with("  min_version: TLS13\n  max_version: TLS12\n"),
            true,
            true,
        ),
        row(
            "cipher_suites with AES-128-GCM",
            with(
                "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n",
            ),
            true,
            true,
        ),
        row(
            "cipher_suites AES-256 only, http2 off",
            format!(
                "{}http_server_config:\n  http2: false\n",
                with("  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n")
            ),
            true,
            true,
        ),
        row(
            "curve_preferences",
            with("  curve_preferences: [X25519, CurveP256]\n"),
            true,
            true,
        ),
        row(
            "prefer_server_cipher_suites",
            with("  prefer_server_cipher_suites: false\n"),
            true,
            true,
        ),
        // YAML 1.1 booleans, as Go's yaml.v2 reads them: y/yes/on and n/no/off in three casings
        row(
            "boolean yes",
            with("  prefer_server_cipher_suites: yes\n"),
            true,
            true,
        ),
        row(
            "boolean Off",
            with("  prefer_server_cipher_suites: Off\n"),
            true,
            true,
        ),
        row(
            "boolean Y",
            with("  prefer_server_cipher_suites: Y\n"),
            true,
            true,
        ),
        row(
            "boolean NO, http2 on",
            format!(
                "{}http_server_config:\n  http2: on\n",
                with("  prefer_server_cipher_suites: NO\n")
            ),
            false,
            true,
        ),
        row(
            "boolean quoted 'yes'",
            with("  prefer_server_cipher_suites: 'yes'\n"),
            true,
            true,
        ),
        row(
            "TLS section without certificate keys",
            "tls_server_config:\n  min_version: TLS13\n".into(),
            true,
            false,
        ),
        // refused
        row(
            "unknown top-level key",
            "tls_config:\n  cert_file: server.pem\n".into(),
            true,
            false,
        ),
        row(
            "unknown TLS key",
            with("  certfile: server.pem\n"),
            true,
            false,
        ),
        row(
            "unknown http_server_config key",
            "http_server_config:\n  http3: true\n".into(),
            true,
            false,
        ),
        row(
            "plain-text password",
            "basic_auth_users:\n  prometheus: s3cr3t\n".into(),
            true,
            false,
        ),
        row(
            "bcrypt cost 3",
            format!(
                "basic_auth_users:\n  prometheus: '{}'\n",
                hash.replacen("$04$", "$03$", 1)
            ),
            true,
            false,
        ),
        row(
            "unknown client_auth_type",
            with("  client_auth_type: VerifyAlways\n"),
            true,
            false,
        ),
        row(
            "client CA without client auth",
            with("  client_ca_file: ca.pem\n"),
            true,
            false,
        ),
        row(
            "client_auth_type alone",
            "tls_server_config:\n  client_auth_type: NoClientCert\n".into(),
            true,
            false,
        ),
        row(
            "cert without key",
            "tls_server_config:\n  cert_file: server.pem\n".into(),
            true,
            false,
        ),
        row(
            "missing cert file",
            "tls_server_config:\n  cert_file: nope.pem\n  key_file: server.key\n".into(),
            true,
            false,
        ),
        row(
            "key of another cert",
            "tls_server_config:\n  cert_file: server.pem\n  key_file: server2.key\n".into(),
            true,
            false,
        ),
        row(
            "missing client CA file",
            with("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: nope.pem\n"),
            true,
            false,
        ),
        row(
            "unknown cipher",
            with("  cipher_suites: [TLS_FOO]\n"),
            true,
            false,
        ),
        row(
            "cipher_suites without an HTTP/2 suite",
            with("  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"),
            true,
            false,
        ),
        row(
            "unknown TLS version",
            with("  min_version: TLS14\n"),
            true,
            false,
        ),
        row(
            "unknown curve",
            with("  curve_preferences: [CurveP999]\n"),
            true,
            false,
        ),
        row(
            "header that cannot be set",
            "http_server_config:\n  headers:\n    Server: zswap\n".into(),
            true,
            false,
        ),
        row(
            "X-Frame-Options allow",
            "http_server_config:\n  headers:\n    X-Frame-Options: allow\n".into(),
            true,
            false,
        ),
        row(
            "header name in lower case",
            "http_server_config:\n  headers:\n    x-frame-options: deny\n".into(),
            true,
            false,
        ),
        row("duplicate key", format!("{users}{users}"), true, false),
        row(
            "list where a map belongs",
            "basic_auth_users: [prometheus]\n".into(),
            true,
            false,
        ),
        row("not YAML", "tls_server_config: [\n".into(), true, false),
    ]
}

/// The start verdict and answers of one peer for one row.
fn observe(peer: &Peer, dir: &Path, config: &Path, rootfs: &Path, row: &Row) -> Vec<String> {
    match start(peer, config, rootfs) {
        Err(why) => {
            eprintln!("    {}: refused ({why})", peer.name);
            vec!["refused".to_owned()]
        }
        Ok(run) => {
            let mut seen = vec!["accepted".to_owned()];
            for p in PROBES {
                if !row.tls && p.tls && !p.args.contains(&"-u") {
                    continue; // certificate probes on a plain-HTTP row ask nothing new
                }
                seen.push(format!("{}: {}", p.name, ask(dir, run.port, row.tls, p)));
            }
            seen
        }
    }
}

fn peers() -> Option<Vec<Peer>> {
    let trixie = trixie_node_exporter();
    if !zswap_testkit::host::require(
        "trixie's node_exporter (scripts/setup-test-deps.sh), openssl and curl",
        trixie.exists() && common::have("openssl") && common::have("curl"),
    ) {
        return None;
    }
    let mut peers = vec![
        Peer {
            name: "zswap-exporter".into(),
            program: common::BIN.into(),
            every_row: true,
            zswap: true,
        },
        Peer {
            name: "node_exporter 1.9.0 (trixie)".into(),
            program: trixie,
            every_row: true,
            zswap: false,
        },
    ];
    if Path::new(BOOKWORM_NODE_EXPORTER).exists() {
        peers.push(Peer {
            name: "node_exporter 1.5.0 (bookworm)".into(),
            program: BOOKWORM_NODE_EXPORTER.into(),
            every_row: false,
            zswap: false,
        });
    }
    Some(peers)
}

#[test]
fn web_configs_are_accepted_refused_and_answered_like_node_exporter() {
    let Some(peers) = peers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_certs(d);
    let rootfs = common::tree_6_18();
    let mut disagreements = Vec::new();
    let rows = rows(d);
    for (i, row) in rows.iter().enumerate() {
        let config = d.join(format!("web{i}.yml"));
        std::fs::write(&config, &row.yaml).unwrap();
        eprintln!("row {i}: {}", row.name);
        let ours = observe(&peers[0], d, &config, rootfs.path(), row);
        eprintln!("    {}", ours.join("; "));
        for peer in &peers[1..] {
            if !peer.every_row && !row.old_keys {
                continue;
            }
            let theirs = observe(peer, d, &config, rootfs.path(), row);
            if theirs != ours {
                disagreements.push(format!(
                    "row '{}' ({} against zswap-exporter):\n  theirs: {}\n  ours:   {}",
                    row.name,
                    peer.name,
                    theirs.join("; "),
                    ours.join("; ")
                ));
            }
        }
    }
    assert!(rows.len() >= 40, "the table lost rows");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// A certificate and key replaced on disk are served on the next connection, by both.
#[test]
fn a_replaced_certificate_is_served_on_the_next_connection() {
    let Some(peers) = peers() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_certs(d);
    let rootfs = common::tree_6_18();
    for peer in &peers[..2] {
        std::fs::copy(d.join("server.pem"), d.join("live.pem")).unwrap();
        std::fs::copy(d.join("server.key"), d.join("live.key")).unwrap();
        let config = d.join("rotate.yml");
        std::fs::write(
            &config,
            "tls_server_config:\n  cert_file: live.pem\n  key_file: live.key\n",
        )
        .unwrap();
        let run = start(peer, &config, rootfs.path()).unwrap();
        let trusts = |ca: &str| {
            Command::new("curl")
                .current_dir(d)
                .args(["-s", "-o", "/dev/null", "-m", "10", "--cacert", ca])
                .arg(format!("https://127.0.0.1:{}/", run.port))
                .status()
                .unwrap()
                .success()
        };
        assert!(
            trusts("server.pem") && !trusts("server2.pem"),
            "{}: first certificate",
            peer.name
        );
        // the key first, then the certificate: between the two renames no handshake
        // can succeed, as with any two-file rotation
        std::fs::copy(d.join("server2.key"), d.join("live.key.new")).unwrap();
        std::fs::copy(d.join("server2.pem"), d.join("live.pem.new")).unwrap();
        std::fs::rename(d.join("live.key.new"), d.join("live.key")).unwrap();
        std::fs::rename(d.join("live.pem.new"), d.join("live.pem")).unwrap();
        assert!(
            trusts("server2.pem") && !trusts("server.pem"),
            "{}: the replaced certificate is not served",
            peer.name
        );
    }
}
