//! `--web.config.file`: TLS and basic authentication in the format of the Prometheus
//! exporter-toolkit, with its meaning, so one file serves node_exporter and zswap-exporter
//! alike. crates/zswap-exporter/README.md (`--web.config.file`) lists the keys and the
//! node_exporter versions the parity test compares with.
//!
//! Like exporter-toolkit, the file is read once at start (refused there if invalid, and
//! TLS on or off is decided there), then again for every TLS connection (so certificates,
//! keys and CAs rotate without a restart) and for every request (headers and users).
#![allow(clippy::disallowed_methods)] // configuration files, not kernel files

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use serde::Deserialize;

/// The file, key for key as exporter-toolkit's `Config`; unknown keys are refused as its
/// strict YAML decoding refuses them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebConfigFile {
    tls_server_config: Option<TlsServerConfig>,
    http_server_config: Option<HttpServerConfig>,
    basic_auth_users: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsServerConfig {
    cert: Option<String>,
    key: Option<String>,
    client_ca: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    client_auth_type: Option<String>,
    client_ca_file: Option<String>,
    cipher_suites: Option<Vec<String>>,
    curve_preferences: Option<Vec<String>>,
    min_version: Option<String>,
    max_version: Option<String>,
    // accepted and, as in Go since 1.18, without effect
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "go_bool")]
    prefer_server_cipher_suites: Option<bool>,
    client_allowed_sans: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpServerConfig {
    #[serde(default, deserialize_with = "go_bool")]
    http2: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
}

/// A boolean as Go's yaml.v2 reads one into exporter-toolkit's fields: a plain scalar of
/// YAML 1.1 (`true`, `yes`, `on`, `y` and their negations), never a quoted string; empty is
/// unset.
fn go_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct GoBool;
    impl serde::de::Visitor<'_> for GoBool {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean (true/false, yes/no, on/off), unquoted")
        }
        fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Self::Value, E> {
            Ok(Some(b))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    // a quoted scalar reaches the visitor as a string, which it refuses as yaml.v2 does
    d.deserialize_any(GoBool)
}

/// The headers exporter-toolkit lets a web config set, with the values it allows (none
/// listed: any value).
const SETTABLE_HEADERS: [(&str, &[&str]); 5] = [
    ("Strict-Transport-Security", &[]),
    ("X-Content-Type-Options", &["nosniff"]),
    ("X-Frame-Options", &["deny", "sameorigin"]),
    ("X-XSS-Protection", &[]),
    ("Content-Security-Policy", &[]),
];

/// The TLS 1.2 cipher suites exporter-toolkit names (Go's secure list), with the ones
/// rustls implements; Go's CBC suites are accepted but rustls has none of them.
const TLS12_SUITES: [(&str, Option<rustls::CipherSuite>); 10] = {
    use rustls::CipherSuite as C;
    [
        ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", None),
        ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", None),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", None),
        ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", None),
        (
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            Some(C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
        ),
        (
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            Some(C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
        ),
        (
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            Some(C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
        ),
        (
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            Some(C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
        ),
        (
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            Some(C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
        ),
        (
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            Some(C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256),
        ),
    ]
};

/// TLS 1.3 suite names: accepted, and like Go's they restrict nothing (every TLS 1.3 suite
/// stays on).
const TLS13_SUITES: [&str; 3] = [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

/// What one read of the file says about requests: headers to add and users to check.
#[derive(Debug, Default)]
pub(crate) struct RequestConfig {
    /// Headers added to every response.
    pub(crate) headers: Vec<(String, String)>,
    /// Basic-auth users and their bcrypt hashes; empty means no authentication.
    users: BTreeMap<String, String>,
}

/// The web configuration: the file it comes from (none: plain HTTP, no authentication)
/// and whether TLS was on at start.
#[derive(Debug, Default)]
pub(crate) struct WebConfig {
    path: Option<PathBuf>,
    tls: bool,
    /// The last TLS configuration built, with the bytes it was built from.
    tls_cache: Mutex<Option<(Vec<u8>, Arc<rustls::ServerConfig>)>>,
    auth: BasicAuth,
}

/// Loads and checks a web configuration file: everything exporter-toolkit checks at start.
pub(crate) fn load(path: &Path) -> Result<WebConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read web config '{}'", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let tls =
        check(&text, base).with_context(|| format!("invalid web config '{}'", path.display()))?;
    Ok(WebConfig {
        path: Some(path.to_path_buf()),
        tls,
        ..WebConfig::default()
    })
}

/// The start-time checks of `text`; true if TLS is configured.
fn check(text: &str, base: &Path) -> Result<bool> {
    let file = parse(text)?;
    for (user, hash) in file.basic_auth_users.iter().flatten() {
        check_bcrypt(hash).with_context(|| {
            format!("the password of user '{user}' must be a bcrypt hash (htpasswd -nBC 10 '' | tr -d ':')")
        })?;
    }
    match tls_server_config(&file, base)? {
        Tls::Off => Ok(false),
        Tls::On(Ok(_)) => Ok(true),
        Tls::On(Err(why)) => {
            log::warn!("web config: no TLS handshake can succeed: {why}");
            Ok(true)
        }
    }
}

impl WebConfig {
    /// True if the exporter serves TLS (decided at start, as exporter-toolkit does).
    pub(crate) fn tls_enabled(&self) -> bool {
        self.tls
    }

    /// True if a file is configured (then every request re-reads it).
    pub(crate) fn configured(&self) -> bool {
        self.path.is_some()
    }

    fn read(&self) -> Result<(String, &Path)> {
        let path = self.path.as_deref().context("no web config file")?;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read web config '{}'", path.display()))?;
        Ok((text, path.parent().unwrap_or(Path::new("."))))
    }

    /// The TLS configuration for a new connection, from the files as they are now.
    pub(crate) fn tls_for_connection(&self) -> Result<Arc<rustls::ServerConfig>> {
        let (text, base) = self.read()?;
        let file = parse(&text)?;
        let t = file.tls_server_config.unwrap_or_default();
        let inputs = TlsInputs::read(&t, base)?;
        let mut key = text.into_bytes();
        key.extend_from_slice(&inputs.fingerprint());
        if let Ok(cache) = self.tls_cache.lock()
            && let Some((k, cfg)) = cache.as_ref()
            && *k == key
        {
            return Ok(cfg.clone());
        }
        let http2 = file
            .http_server_config
            .as_ref()
            .and_then(|h| h.http2)
            .unwrap_or(true);
        let cfg = match build_tls(&t, http2, &inputs)? {
            Ok(cfg) => Arc::new(cfg),
            Err(why) => bail!(why),
        };
        if let Ok(mut cache) = self.tls_cache.lock() {
            *cache = Some((key, cfg.clone()));
        }
        Ok(cfg)
    }

    /// Headers and users for one request, from the file as it is now.
    pub(crate) fn for_request(&self) -> Result<RequestConfig> {
        let (text, _) = self.read()?;
        let file = parse(&text)?;
        Ok(RequestConfig {
            headers: file
                .http_server_config
                .and_then(|h| h.headers)
                .unwrap_or_default()
                .into_iter()
                .collect(),
            users: file.basic_auth_users.unwrap_or_default(),
        })
    }

    /// True if `authorization` (the header's value) passes `cfg`'s basic auth. May take
    /// tens of milliseconds (bcrypt) on a cache miss.
    pub(crate) fn authorized(&self, cfg: &RequestConfig, authorization: Option<&[u8]>) -> bool {
        cfg.users.is_empty() || self.auth.check(&cfg.users, authorization)
    }
}

/// The YAML parser's error as one line ("line N: what"), without its source snippet and
/// its `<input>` file name: the caller names the file, and the exporter logs one line.
fn yaml_error(e: &serde_saphyr::Error) -> String {
    let what = serde_saphyr::MessageFormatter::format_message(
        &serde_saphyr::UserMessageFormatter,
        e.without_snippet(),
    );
    let what = what
        .lines()
        .next()
        .unwrap_or("not valid YAML")
        .trim_end_matches('.');
    match e.location().map(|l| l.line()).filter(|l| *l > 0) {
        Some(line) => format!("line {line}: {what}"),
        None => what.to_owned(),
    }
}

/// Decodes the file and checks its headers (exporter-toolkit's `getConfig`).
fn parse(text: &str) -> Result<WebConfigFile> {
    let file: WebConfigFile = if text.trim().is_empty() {
        WebConfigFile::default()
    } else {
        serde_saphyr::from_str(text).map_err(|e| anyhow::anyhow!(yaml_error(&e)))?
    };
    let headers = file
        .http_server_config
        .as_ref()
        .and_then(|h| h.headers.as_ref());
    for (k, v) in headers.into_iter().flatten() {
        let Some((_, allowed)) = SETTABLE_HEADERS.iter().find(|(name, _)| name == k) else {
            let names: Vec<&str> = SETTABLE_HEADERS.iter().map(|(n, _)| *n).collect();
            bail!(
                "HTTP header '{k}' can not be configured: http_server_config.headers takes {}",
                names.join(", ")
            );
        };
        if !allowed.is_empty() && !allowed.contains(&v.as_str()) {
            bail!(
                "invalid value '{v}' for header {k}: use one of {}",
                allowed.join(", ")
            );
        }
        if v.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            bail!("header {k} has a control character in its value: remove it");
        }
    }
    Ok(file)
}

/// The checks of Go's `bcrypt.Cost`: `$2[minor]$NN$` + salt and hash (59 bytes or more),
/// cost 4 to 31.
fn check_bcrypt(hash: &str) -> Result<()> {
    let b = hash.as_bytes();
    if b.len() < 59 {
        bail!("too short to be a bcrypt hash");
    }
    if b[0] != b'$' || b[1] > b'2' {
        bail!("not a bcrypt hash: it must start with '$2'");
    }
    let rest = if b[2] == b'$' { &b[3..] } else { &b[4..] };
    let cost: u32 = std::str::from_utf8(&rest[..2])
        .ok()
        .and_then(|c| c.parse().ok())
        .context("the bcrypt cost is not a number")?;
    if !(4..=31).contains(&cost) {
        bail!("bcrypt cost {cost} is outside 4 to 31");
    }
    Ok(())
}

/// TLS off (no TLS key set), or on: with a configuration, or with the reason no handshake
/// can succeed (as Go, which starts with such a configuration and fails every handshake).
enum Tls {
    Off,
    On(std::result::Result<Box<rustls::ServerConfig>, String>),
}

/// exporter-toolkit's `ConfigToTLSConfig` for the file as read now.
fn tls_server_config(file: &WebConfigFile, base: &Path) -> Result<Tls> {
    let Some(t) = &file.tls_server_config else {
        return Ok(Tls::Off);
    };
    let set = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.is_empty());
    if ![
        &t.cert_file,
        &t.cert,
        &t.key_file,
        &t.key,
        &t.client_ca_file,
        &t.client_ca,
        &t.client_auth_type,
    ]
    .into_iter()
    .any(set)
    {
        return Ok(Tls::Off);
    }
    let inputs = TlsInputs::read(t, base)?;
    let http2 = file
        .http_server_config
        .as_ref()
        .and_then(|h| h.http2)
        .unwrap_or(true);
    Ok(Tls::On(build_tls(t, http2, &inputs)?.map(Box::new)))
}

/// The bytes a TLS configuration is built from: the PEM of the certificate, the key and the
/// client CAs, read from their files or taken inline (a file wins when both are given, as
/// in exporter-toolkit).
struct TlsInputs {
    cert: Vec<u8>,
    key: Vec<u8>,
    ca: Option<Vec<u8>>,
}

impl TlsInputs {
    fn read(t: &TlsServerConfig, base: &Path) -> Result<TlsInputs> {
        let nonempty = |o: &Option<String>| o.clone().filter(|s| !s.is_empty());
        let from = |file: &Option<String>,
                    inline: &Option<String>,
                    what: &str|
         -> Result<Option<Vec<u8>>> {
            match (nonempty(file), nonempty(inline)) {
                (Some(f), _) => {
                    let p = base.join(f);
                    std::fs::read(&p)
                        .map(Some)
                        .with_context(|| format!("cannot read {what}_file '{}'", p.display()))
                }
                (None, Some(text)) => Ok(Some(text.into_bytes())),
                (None, None) => Ok(None),
            }
        };
        let cert = from(&t.cert_file, &t.cert, "cert")?
            .context("tls_server_config needs one of cert or cert_file")?;
        let key = from(&t.key_file, &t.key, "key")?
            .context("tls_server_config needs one of key or key_file")?;
        let ca = from(&t.client_ca_file, &t.client_ca, "client_ca")?;
        Ok(TlsInputs { cert, key, ca })
    }

    fn fingerprint(&self) -> Vec<u8> {
        let mut v = Vec::new();
        for part in [
            &self.cert,
            &self.key,
            self.ca.as_ref().unwrap_or(&Vec::new()),
        ] {
            v.extend_from_slice(&(part.len() as u64).to_le_bytes());
            v.extend_from_slice(part);
        }
        v
    }
}

/// Builds the rustls configuration. The outer error refuses the file; the inner one is a
/// configuration Go accepts but with which no handshake succeeds.
fn build_tls(
    t: &TlsServerConfig,
    http2: bool,
    inputs: &TlsInputs,
) -> Result<std::result::Result<rustls::ServerConfig, String>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&inputs.cert)
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("failed to load the certificate: {e}"))?;
    if certs.is_empty() {
        bail!("failed to load the certificate: no PEM CERTIFICATE block in cert or cert_file");
    }
    let key = PrivateKeyDer::from_pem_slice(&inputs.key)
        .map_err(|e| anyhow::anyhow!("failed to load the private key: {e}"))?;
    let min = t
        .min_version
        .as_deref()
        .map(tls_version)
        .transpose()?
        .unwrap_or(12);
    let max = t
        .max_version
        .as_deref()
        .map(tls_version)
        .transpose()?
        .unwrap_or(13);
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(names) = &t.cipher_suites {
        let mut keep = Vec::new();
        for name in names {
            if TLS13_SUITES.contains(&name.as_str()) {
                continue;
            }
            let Some((_, suite)) = TLS12_SUITES.iter().find(|(n, _)| n == name) else {
                bail!("unknown cipher: {name}");
            };
            keep.extend(*suite);
        }
        let h2_suites = [
            rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ];
        // Go's HTTP/2 server refuses a TLS 1.2 suite list without one of these, and
        // exporter-toolkit enables HTTP/2 unless http2 is false.
        if http2 && min < 13 && !names.is_empty() && !keep.iter().any(|s| h2_suites.contains(s)) {
            bail!(
                "cipher_suites is missing an HTTP/2-required AES_128_GCM_SHA256 cipher (need at \
                 least one of TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or \
                 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), or set http_server_config.http2 to false"
            );
        }
        if !names.is_empty() {
            provider
                .cipher_suites
                .retain(|s| s.version() == &rustls::version::TLS13 || keep.contains(&s.suite()));
        }
    }
    if let Some(names) = &t.curve_preferences {
        use rustls::NamedGroup as G;
        let mut groups = Vec::new();
        for name in names {
            let group = match name.as_str() {
                "CurveP256" => Some(G::secp256r1),
                "CurveP384" => Some(G::secp384r1),
                "X25519" => Some(G::X25519),
                "CurveP521" => None,
                _ => bail!("unknown curve: {name}"),
            };
            let found = group.and_then(|g| provider.kx_groups.iter().find(|k| k.name() == g));
            groups.extend(found.copied());
        }
        if groups.is_empty() && !names.is_empty() {
            bail!(
                "curve_preferences names no curve rustls implements (it has no CurveP521): \
                 add X25519, CurveP256 or CurveP384"
            );
        }
        if !groups.is_empty() {
            provider.kx_groups = groups;
        }
    }
    let provider = Arc::new(provider);
    let verifier = client_verifier(t, inputs, &provider)?;
    let mut versions = Vec::new();
    if min <= 12 && 12 <= max {
        versions.push(&rustls::version::TLS12);
    }
    if min <= 13 && 13 <= max {
        versions.push(&rustls::version::TLS13);
    }
    if versions.is_empty() {
        return Ok(Err(
            "no TLS version between min_version and max_version that rustls \
                       implements (TLS12, TLS13)"
                .to_owned(),
        ));
    }
    let builder = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .context("TLS versions")?;
    let builder = match verifier {
        Some(v) => builder.with_client_cert_verifier(v),
        None => builder.with_no_client_auth(),
    };
    let mut cfg = builder
        .with_single_cert(certs, key)
        .map_err(|e| anyhow::anyhow!("failed to load X509KeyPair: {e}"))?;
    // HTTP/1.1 only: the server has no HTTP/2 (http2 is accepted and has no effect).
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Ok(cfg))
}

/// Go's version numbers: TLS10 → 10 … TLS13 → 13 (rustls implements 12 and 13).
fn tls_version(v: &str) -> Result<u8> {
    match v {
        "TLS10" => Ok(10),
        "TLS11" => Ok(11),
        "TLS12" => Ok(12),
        "TLS13" => Ok(13),
        _ => bail!("unknown TLS version: {v} (use TLS10, TLS11, TLS12 or TLS13)"),
    }
}

/// How client certificates are asked for and checked: Go's `tls.ClientAuthType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientAuthType {
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

fn client_verifier(
    t: &TlsServerConfig,
    inputs: &TlsInputs,
    provider: &Arc<CryptoProvider>,
) -> Result<Option<Arc<dyn ClientCertVerifier>>> {
    use ClientAuthType as A;
    let mode = match t.client_auth_type.as_deref().unwrap_or("") {
        "" | "NoClientCert" => A::NoClientCert,
        "RequestClientCert" => A::RequestClientCert,
        // RequireClientCert: exporter-toolkit's older name, still accepted
        "RequireAnyClientCert" | "RequireClientCert" => A::RequireAnyClientCert,
        "VerifyClientCertIfGiven" => A::VerifyClientCertIfGiven,
        "RequireAndVerifyClientCert" => A::RequireAndVerifyClientCert,
        other => bail!(
            "Invalid ClientAuth: {other} (use NoClientCert, RequestClientCert, \
             RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)"
        ),
    };
    if inputs.ca.is_some() && mode == A::NoClientCert {
        bail!(
            "Client CA's have been configured without a Client Auth Policy: set \
             client_auth_type or remove client_ca_file/client_ca"
        );
    }
    if mode == A::NoClientCert {
        return Ok(None);
    }
    // Go reads CAs leniently (what is not a certificate is skipped), and without any it
    // verifies against the system's roots.
    let mut roots = rustls::RootCertStore::empty();
    let pem = match &inputs.ca {
        Some(pem) => pem.as_slice(),
        None => system_roots(),
    };
    for der in CertificateDer::pem_slice_iter(pem).flatten() {
        let _ = roots.add(der);
    }
    let verifying = matches!(
        mode,
        A::VerifyClientCertIfGiven | A::RequireAndVerifyClientCert
    );
    let webpki = if verifying && !roots.is_empty() {
        Some(
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .allow_unauthenticated()
                .build()
                .context("client CA certificates")?,
        )
    } else {
        None
    };
    Ok(Some(Arc::new(ClientCerts {
        mode,
        webpki,
        allowed_sans: t.client_allowed_sans.clone(),
        provider: provider.clone(),
    })))
}

/// The system's CA bundle, where Go looks for it on Linux; empty if there is none.
fn system_roots() -> &'static [u8] {
    static ROOTS: OnceLock<Vec<u8>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let env = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
        let known = [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem",
            "/etc/pki/tls/cacert.pem",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/ssl/cert.pem",
        ];
        env.into_iter()
            .chain(known.iter().map(PathBuf::from))
            .find_map(|p| std::fs::read(p).ok())
            .unwrap_or_default()
    })
}

/// Go's client-certificate handling: request or require, verify against the CAs or not,
/// and exporter-toolkit's `client_allowed_sans` check.
#[derive(Debug)]
struct ClientCerts {
    mode: ClientAuthType,
    /// Chain verification, for the verifying modes when there are CAs.
    webpki: Option<Arc<dyn ClientCertVerifier>>,
    allowed_sans: Option<Vec<String>>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for ClientCerts {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        // exporter-toolkit's SAN check fails a connection that brings no certificate
        matches!(
            self.mode,
            ClientAuthType::RequireAnyClientCert | ClientAuthType::RequireAndVerifyClientCert
        ) || self.allowed_sans.is_some()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.webpki.as_ref().map_or(&[], |v| v.root_hint_subjects())
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> std::result::Result<ClientCertVerified, rustls::Error> {
        match (self.mode, &self.webpki) {
            (ClientAuthType::RequestClientCert | ClientAuthType::RequireAnyClientCert, _) => {}
            (_, Some(v)) => {
                v.verify_client_cert(end_entity, intermediates, now)?;
            }
            (_, None) => {
                return Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnknownIssuer,
                ));
            }
        }
        if let Some(allowed) = &self.allowed_sans {
            let sans = cert_sans(end_entity);
            if !sans.iter().any(|s| allowed.contains(s)) {
                return Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::ApplicationVerificationFailure,
                ));
            }
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A certificate's subject alternative names as exporter-toolkit compares them: DNS names,
/// e-mail addresses, IP addresses (in Go's notation) and URIs.
fn cert_sans(der: &CertificateDer<'_>) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        return Vec::new();
    };
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DNSName(s) | GeneralName::RFC822Name(s) | GeneralName::URI(s) => {
                Some((*s).to_owned())
            }
            GeneralName::IPAddress(b) => ip_text(b),
            _ => None,
        })
        .collect()
}

/// 4 or 16 address bytes as Go's `net.IP.String` writes them (IPv4-mapped IPv6 as IPv4).
fn ip_text(b: &[u8]) -> Option<String> {
    let ip = match b.len() {
        4 => IpAddr::from(<[u8; 4]>::try_from(b).ok()?),
        16 => {
            let v6 = std::net::Ipv6Addr::from(<[u8; 16]>::try_from(b).ok()?);
            v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
        }
        _ => return None,
    };
    Some(ip.to_string())
}

/// Basic authentication against bcrypt hashes. bcrypt is slow on purpose (tens of
/// milliseconds), so verdicts are cached per (user, hash, password) as exporter-toolkit
/// does; an unknown user is still checked against a hash so that timing does not tell users
/// apart.
#[derive(Debug, Default)]
struct BasicAuth {
    cache: Mutex<HashMap<(String, String, String), bool>>,
}

const CACHE_MAX: usize = 256;

/// exporter-toolkit's stand-in hash for unknown users (bcrypt of "fakepassword", cost 10).
const UNKNOWN_USER_HASH: &str = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

impl BasicAuth {
    fn check(&self, users: &BTreeMap<String, String>, authorization: Option<&[u8]>) -> bool {
        let Some((user, pass)) = authorization.and_then(parse_basic) else {
            return false;
        };
        let known = users.get(&user);
        let hash = known.map_or(UNKNOWN_USER_HASH, String::as_str).to_owned();
        let key = (user, hash, pass);
        if let Ok(cache) = self.cache.lock()
            && let Some(v) = cache.get(&key)
        {
            return *v;
        }
        let (_, hash, pass) = &key;
        let ok = bcrypt::verify(pass, hash).unwrap_or(false) && known.is_some();
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(key, ok);
        }
        ok
    }
}

/// `Basic <base64(user:password)>` → (user, password), as Go's `Request.BasicAuth` reads
/// it: the scheme case-insensitive, standard base64 with padding.
fn parse_basic(value: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(value).ok()?;
    let (scheme, rest) = text.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("basic ") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (u, p) = decoded.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(hash: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("alice".to_owned(), hash.to_owned())])
    }

    #[test]
    fn basic_header_parses() {
        assert_eq!(
            parse_basic(b"Basic YWxpY2U6czNjcjN0"),
            Some(("alice".into(), "s3cr3t".into()))
        );
        assert_eq!(
            parse_basic(b"basic YWxpY2U6czNjcjN0"),
            Some(("alice".into(), "s3cr3t".into()))
        );
        assert_eq!(parse_basic(b"Bearer abc"), None);
        // unpadded and non-alphabet input is not standard base64
        assert_eq!(parse_basic(b"Basic Zm9vOmI"), None);
        assert_eq!(parse_basic(b"Basic Z!=="), None);
    }

    #[test]
    fn bcrypt_users_are_checked_and_cached() {
        let hash = bcrypt::hash("s3cr3t", 4).unwrap();
        let auth = BasicAuth::default();
        let users = users(&hash);
        assert!(auth.check(&users, Some(b"Basic YWxpY2U6czNjcjN0")));
        assert!(auth.check(&users, Some(b"Basic YWxpY2U6czNjcjN0")));
        // alice:wrong
        assert!(!auth.check(&users, Some(b"Basic YWxpY2U6d3Jvbmc=")));
        // bob:s3cr3t
        assert!(!auth.check(&users, Some(b"Basic Ym9iOnMzY3IzdA==")));
        assert!(!auth.check(&users, None));
        // a rotated hash is not answered from the cache
        let other = bcrypt::hash("n3w", 4).unwrap();
        assert!(!auth.check(&self::users(&other), Some(b"Basic YWxpY2U6czNjcjN0")));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = check("tls_server_config:\n  certfile: x\n", Path::new("/")).unwrap_err();
        assert!(format!("{err:#}").contains("certfile"), "{err:#}");
    }

    #[test]
    fn regress_22_yaml_errors_are_one_line_without_parser_internals() {
        let text = "basic_auth_users:\n  alice: x\nbasic_auth_users:\n  bob: y\n";
        let msg = format!("{:#}", check(text, Path::new("/")).unwrap_err());
        assert!(msg.starts_with("line 3: "), "{msg}");
        assert!(msg.contains("basic_auth_users"), "{msg}");
        assert!(
            !msg.contains('\n') && !msg.contains("<input>") && !msg.contains("Options"),
            "{msg}"
        );
    }

    #[test]
    fn plain_passwords_are_refused() {
        let err = check("basic_auth_users:\n  alice: hunter2\n", Path::new("/")).unwrap_err();
        assert!(format!("{err:#}").contains("bcrypt"), "{err:#}");
    }

    #[test]
    fn bcrypt_costs_outside_4_to_31_are_refused() {
        let good = bcrypt::hash("x", 4).unwrap();
        assert!(check_bcrypt(&good).is_ok());
        assert!(check_bcrypt(&good.replacen("$04$", "$03$", 1)).is_err());
        assert!(check_bcrypt(&good.replacen("$04$", "$32$", 1)).is_err());
        assert!(check_bcrypt(&good.replacen("$2b$", "$3b$", 1)).is_err());
    }

    #[test]
    fn empty_file_is_no_tls() {
        assert!(!check("", Path::new("/")).unwrap());
        // TLS keys without a certificate, key or client setting leave TLS off, as in Go
        assert!(!check("tls_server_config:\n  min_version: TLS13\n", Path::new("/")).unwrap());
    }

    #[test]
    fn headers_are_exporter_toolkits_five() {
        assert!(parse("http_server_config:\n  headers:\n    X-Frame-Options: deny\n").is_ok());
        for bad in [
            "    X-Frame-Options: allow\n",
            "    x-frame-options: deny\n",
            "    Server: zswap\n",
        ] {
            let text = format!("http_server_config:\n  headers:\n{bad}");
            assert!(parse(&text).is_err(), "{bad}");
        }
    }

    #[test]
    fn tls_versions_by_go_names() {
        assert_eq!(tls_version("TLS10").unwrap(), 10);
        assert_eq!(tls_version("TLS13").unwrap(), 13);
        assert!(tls_version("TLSv1.3").is_err());
    }

    #[test]
    fn ip_sans_in_go_notation() {
        assert_eq!(ip_text(&[127, 0, 0, 1]).unwrap(), "127.0.0.1");
        let mut mapped = [0u8; 16];
        mapped[10] = 0xff;
        mapped[11] = 0xff;
        mapped[12..].copy_from_slice(&[10, 0, 0, 2]);
        assert_eq!(ip_text(&mapped).unwrap(), "10.0.0.2");
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(ip_text(&v6).unwrap(), "::1");
    }
}
