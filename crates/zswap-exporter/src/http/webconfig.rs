//! `--web.config.file`: TLS and basic authentication in the format of the Prometheus
//! exporter-toolkit (`tls_server_config`, `http_server_config`, `basic_auth_users` with
//! bcrypt hashes), so one file serves node_exporter and zswap-exporter alike.
//!
//! Supported: `cert_file`, `key_file`, `client_auth_type` (`NoClientCert`,
//! `RequireAnyClientCert` is refused, `VerifyClientCertIfGiven`,
//! `RequireAndVerifyClientCert`), `client_ca_file`, `min_version`/`max_version` (`TLS12`,
//! `TLS13`), `http_server_config.headers`. Keys rustls cannot honour are refused with a
//! message rather than silently ignored.
#![allow(clippy::disallowed_methods)] // configuration files, not kernel files

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use serde::Deserialize;

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
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    client_auth_type: Option<String>,
    client_ca_file: Option<PathBuf>,
    min_version: Option<String>,
    max_version: Option<String>,
    cipher_suites: Option<Vec<String>>,
    curve_preferences: Option<Vec<String>>,
    prefer_server_cipher_suites: Option<bool>,
    client_allowed_sans: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpServerConfig {
    http2: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
}

/// The web configuration in force.
#[derive(Debug, Default)]
pub(crate) struct WebConfig {
    /// TLS, when configured.
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    /// Basic authentication, when users are configured.
    pub(crate) auth: Option<BasicAuth>,
    /// Headers added to every response.
    pub(crate) headers: Vec<(String, String)>,
}

/// Loads and checks a web configuration file.
pub(crate) fn load(path: &Path) -> Result<WebConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read web config '{}'", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base).with_context(|| format!("invalid web config '{}'", path.display()))
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

/// Parses a web configuration; relative file names are taken from `base`.
pub(crate) fn parse(text: &str, base: &Path) -> Result<WebConfig> {
    let file: WebConfigFile = if text.trim().is_empty() {
        WebConfigFile::default()
    } else {
        serde_saphyr::from_str(text).map_err(|e| anyhow::anyhow!(yaml_error(&e)))?
    };
    let mut cfg = WebConfig::default();
    if let Some(tls) = file.tls_server_config {
        cfg.tls = Some(Arc::new(tls_config(&tls, base)?));
    }
    if let Some(http) = file.http_server_config {
        for (k, v) in http.headers.unwrap_or_default() {
            let lower = k.to_ascii_lowercase();
            if [
                "authorization",
                "www-authenticate",
                "content-type",
                "content-length",
            ]
            .contains(&lower.as_str())
            {
                bail!("header '{k}' cannot be set in http_server_config.headers");
            }
            if !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                || v.bytes().any(|b| b < 0x20 && b != b'\t')
            {
                bail!("header '{k}' has an invalid name or value");
            }
            cfg.headers.push((k, v));
        }
        // http2 is accepted for compatibility; the server speaks HTTP/1.1 only, which every
        // Prometheus version scrapes.
        let _ = http.http2;
    }
    if let Some(users) = file.basic_auth_users {
        for (user, hash) in &users {
            if !hash.starts_with("$2") {
                bail!("the password of user '{user}' must be a bcrypt hash (starting '$2')");
            }
        }
        if !users.is_empty() {
            cfg.auth = Some(BasicAuth::new(users));
        }
    }
    Ok(cfg)
}

fn tls_config(t: &TlsServerConfig, base: &Path) -> Result<rustls::ServerConfig> {
    if t.cipher_suites.is_some()
        || t.curve_preferences.is_some()
        || t.prefer_server_cipher_suites.is_some()
        || t.client_allowed_sans.is_some()
    {
        bail!(
            "cipher_suites, curve_preferences, prefer_server_cipher_suites and \
             client_allowed_sans are not supported: remove them (rustls picks safe defaults)"
        );
    }
    let (Some(cert), Some(key)) = (&t.cert_file, &t.key_file) else {
        bail!("tls_server_config needs both cert_file and key_file");
    };
    let cert = base.join(cert);
    let key = base.join(key);
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| anyhow::anyhow!("cannot read certificates from '{}': {e}", cert.display()))?;
    if certs.is_empty() {
        bail!("no certificate in '{}'", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(&key)
        .map_err(|e| anyhow::anyhow!("cannot read private key from '{}': {e}", key.display()))?;
    let versions = tls_versions(t.min_version.as_deref(), t.max_version.as_deref())?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .context("TLS versions")?;
    let auth = t.client_auth_type.as_deref().unwrap_or("NoClientCert");
    let builder = match auth {
        "NoClientCert" => builder.with_no_client_auth(),
        "VerifyClientCertIfGiven" | "RequireAndVerifyClientCert" => {
            let Some(ca) = &t.client_ca_file else {
                bail!("client_auth_type '{auth}' needs client_ca_file");
            };
            let ca = base.join(ca);
            let mut roots = rustls::RootCertStore::empty();
            let cas = CertificateDer::pem_file_iter(&ca)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| anyhow::anyhow!("cannot read CA '{}': {e}", ca.display()))?;
            for c in cas {
                roots.add(c).context("client CA certificate")?;
            }
            let mut v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            if auth == "VerifyClientCertIfGiven" {
                v = v.allow_unauthenticated();
            }
            builder.with_client_cert_verifier(v.build().context("client verifier")?)
        }
        other => bail!(
            "client_auth_type '{other}' is not supported: use NoClientCert, \
             VerifyClientCertIfGiven or RequireAndVerifyClientCert"
        ),
    };
    let mut cfg = builder
        .with_single_cert(certs, key)
        .context("certificate and key do not match")?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

fn tls_versions(
    min: Option<&str>,
    max: Option<&str>,
) -> Result<Vec<&'static rustls::SupportedProtocolVersion>> {
    let rank = |v: &str| match v {
        "TLS12" => Ok(12),
        "TLS13" => Ok(13),
        "TLS10" | "TLS11" => bail!("TLS version '{v}' is not supported: use TLS12 or TLS13"),
        _ => bail!("unknown TLS version '{v}': use TLS12 or TLS13"),
    };
    let lo = min.map(rank).transpose()?.unwrap_or(12);
    let hi = max.map(rank).transpose()?.unwrap_or(13);
    let mut out = Vec::new();
    if lo <= 12 && 12 <= hi {
        out.push(&rustls::version::TLS12);
    }
    if lo <= 13 && 13 <= hi {
        out.push(&rustls::version::TLS13);
    }
    if out.is_empty() {
        bail!("min_version is above max_version");
    }
    Ok(out)
}

/// Basic authentication against bcrypt hashes. bcrypt is slow on purpose (tens of
/// milliseconds), so verdicts are cached per (user, password) as the exporter-toolkit does;
/// an unknown user is still checked against a hash so that timing does not tell users apart.
#[derive(Debug)]
pub(crate) struct BasicAuth {
    users: BTreeMap<String, String>,
    /// A hash of a password nobody knows, at the first user's cost, checked for unknown users.
    dummy_hash: String,
    cache: Mutex<HashMap<(String, String), bool>>,
}

const CACHE_MAX: usize = 256;

impl BasicAuth {
    fn new(users: BTreeMap<String, String>) -> BasicAuth {
        // "$2b$10$..." → 10
        let cost = users
            .values()
            .next()
            .and_then(|h| h.get(4..6))
            .and_then(|c| c.parse().ok())
            .unwrap_or(bcrypt::DEFAULT_COST);
        let nonce = format!("{:?}", std::time::SystemTime::now());
        BasicAuth {
            users,
            dummy_hash: bcrypt::hash(nonce, cost).unwrap_or_default(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// True if and only if `authorization` (the header's value) names a configured user
    /// with the right password. May take tens of milliseconds (bcrypt) on a cache miss.
    pub(crate) fn check(&self, authorization: Option<&[u8]>) -> bool {
        let Some((user, pass)) = authorization.and_then(parse_basic) else {
            return false;
        };
        let key = (user, pass);
        if let Ok(cache) = self.cache.lock()
            && let Some(v) = cache.get(&key)
        {
            return *v;
        }
        let (user, pass) = &key;
        let ok = match self.users.get(user) {
            Some(hash) => bcrypt::verify(pass, hash).unwrap_or(false),
            None => {
                let _ = bcrypt::verify(pass, &self.dummy_hash);
                false
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(key, ok);
        }
        ok
    }
}

/// `Basic <base64(user:password)>` → (user, password).
fn parse_basic(value: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(value).ok()?.trim();
    let (scheme, rest) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64_decode(rest.trim())?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (u, p) = decoded.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

/// Standard base64 with padding (RFC 4648 §4), as HTTP basic auth uses.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) || bytes.len() > 4096 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let last = i + 1 == bytes.len() / 4;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..4 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_decode(enc).unwrap(), plain.as_bytes(), "{enc}");
        }
        assert!(base64_decode("Zm9").is_none());
        assert!(base64_decode("Zg==Zg==").is_none());
        assert!(base64_decode("Z!==").is_none());
    }

    #[test]
    fn basic_header_parses() {
        assert_eq!(
            parse_basic(b"Basic YWxpY2U6czNjcjN0"),
            Some(("alice".into(), "s3cr3t".into()))
        );
        assert_eq!(parse_basic(b"Bearer abc"), None);
    }

    #[test]
    fn bcrypt_users_are_checked_and_cached() {
        let hash = bcrypt::hash("s3cr3t", 4).unwrap();
        let auth = BasicAuth::new(BTreeMap::from([("alice".to_owned(), hash)]));
        assert!(auth.check(Some(b"Basic YWxpY2U6czNjcjN0")));
        assert!(auth.check(Some(b"Basic YWxpY2U6czNjcjN0")));
        // alice:wrong
        assert!(!auth.check(Some(b"Basic YWxpY2U6d3Jvbmc=")));
        // bob:s3cr3t
        assert!(!auth.check(Some(b"Basic Ym9iOnMzY3IzdA==")));
        assert!(!auth.check(None));
    }

    #[test]
    fn dummy_hash_has_the_users_cost() {
        let hash = bcrypt::hash("s3cr3t", 5).unwrap();
        let auth = BasicAuth::new(BTreeMap::from([("alice".to_owned(), hash)]));
        assert!(
            auth.dummy_hash.starts_with("$2b$05$"),
            "{}",
            auth.dummy_hash
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = parse("tls_server_config:\n  certfile: x\n", Path::new("/")).unwrap_err();
        assert!(format!("{err:#}").contains("certfile"), "{err:#}");
    }

    #[test]
    fn regress_22_yaml_errors_are_one_line_without_parser_internals() {
        let text = "basic_auth_users:\n  alice: x\nbasic_auth_users:\n  bob: y\n";
        let msg = format!("{:#}", parse(text, Path::new("/")).unwrap_err());
        assert!(msg.starts_with("line 3: "), "{msg}");
        assert!(msg.contains("basic_auth_users"), "{msg}");
        assert!(
            !msg.contains('\n') && !msg.contains("<input>") && !msg.contains("Options"),
            "{msg}"
        );
    }

    #[test]
    fn plain_passwords_are_refused() {
        let err = parse("basic_auth_users:\n  alice: hunter2\n", Path::new("/")).unwrap_err();
        assert!(err.to_string().contains("bcrypt"), "{err}");
    }

    #[test]
    fn empty_file_is_no_tls_no_auth() {
        let c = parse("", Path::new("/")).unwrap();
        assert!(c.tls.is_none() && c.auth.is_none());
    }

    #[test]
    fn old_tls_versions_are_refused() {
        assert!(tls_versions(Some("TLS10"), None).is_err());
        assert_eq!(tls_versions(Some("TLS13"), None).unwrap().len(), 1);
        assert!(tls_versions(Some("TLS13"), Some("TLS12")).is_err());
    }
}
