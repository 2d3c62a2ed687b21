//! Where Debian's archive is: the URI this machine's own apt sources use for Debian's main
//! archive (not `-security`), so the kernel matrix, the oracle and the fieldtest images work
//! behind a local mirror or proxy just as `apt-get` on this machine does. The machine's
//! sources are only read. `--debian-mirror URI` (or `ZSWAP_DEBIAN_MIRROR`) overrides them.
//!
//! Both of apt's formats are read (`sources.list(5)`): deb822 `*.sources` stanzas (`Types`,
//! `URIs`, `Suites`, `Components`, `Enabled: no`, `#` comments) and one-line `*.list` entries
//! (`deb [options] URI suite components`). The first binary (`deb`) source, in apt's own order
//! (`sources.list`, then `sources.list.d/` by name), whose suite is a Debian release and
//! whose components include `main` wins. Suites other than the machine's own (say trixie on
//! a bookworm host) are then fetched from the same URI.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// The environment variable that overrides the machine's sources (also `--debian-mirror`).
pub(crate) const MIRROR_ENV: &str = "ZSWAP_DEBIAN_MIRROR";

/// Debian's release codenames and suite names; a source for any of them (or its `-updates`,
/// `-backports`, `-proposed-updates`) serves the main archive.
const DEBIAN_SUITES: &[&str] = &[
    "jessie",
    "stretch",
    "buster",
    "bullseye",
    "bookworm",
    "trixie",
    "forky",
    "duke",
    "sid",
    "oldoldstable",
    "oldstable",
    "stable",
    "testing",
    "unstable",
    "experimental",
];

/// One binary or source entry of apt's sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    pub(crate) types: Vec<String>,
    pub(crate) uris: Vec<String>,
    pub(crate) suites: Vec<String>,
    pub(crate) components: Vec<String>,
}

/// The entries of a deb822 `.sources` file; stanzas with `Enabled: no` are left out.
pub(crate) fn parse_deb822(text: &str) -> Vec<Source> {
    let mut out = Vec::new();
    for stanza in split_blank(text) {
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in stanza.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                // a continuation line (e.g. of an inline Signed-By key)
                if let Some((_, v)) = fields.last_mut() {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                continue;
            }
            if let Some((k, v)) = line.split_once(':') {
                fields.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let get = |key: &str| -> Vec<String> {
            fields
                .iter()
                .filter(|(k, _)| k == key)
                .flat_map(|(_, v)| v.split_whitespace().map(str::to_owned))
                .collect()
        };
        let enabled = fields
            .iter()
            .find(|(k, _)| k == "enabled")
            .is_none_or(|(_, v)| !v.eq_ignore_ascii_case("no"));
        let source = Source {
            types: get("types"),
            uris: get("uris"),
            suites: get("suites"),
            components: get("components"),
        };
        if enabled && !source.types.is_empty() && !source.uris.is_empty() {
            out.push(source);
        }
    }
    out
}

/// Splits on lines that hold only whitespace (deb822 separates stanzas with blank lines).
fn split_blank(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The entries of a one-line `sources.list`: `deb [opt=val ...] URI suite [component...]`.
pub(crate) fn parse_one_line(text: &str) -> Vec<Source> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        let Some((kind, rest)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        if kind != "deb" && kind != "deb-src" {
            continue;
        }
        let mut rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('[') {
            let Some((_, after)) = after.split_once(']') else {
                continue;
            };
            rest = after;
        }
        let mut words = rest.split_whitespace().map(str::to_owned);
        let (Some(uri), Some(suite)) = (words.next(), words.next()) else {
            continue;
        };
        out.push(Source {
            types: vec![kind.to_owned()],
            uris: vec![uri],
            suites: vec![suite],
            components: words.collect(),
        });
    }
    out
}

/// The URI of Debian's main archive among `sources`, without a trailing `/`.
pub(crate) fn debian_archive(sources: &[Source]) -> Option<String> {
    let is_main_suite = |suite: &str| {
        let base = suite.split_once('-').map_or(suite, |(b, _)| b);
        !suite.ends_with("-security") && DEBIAN_SUITES.contains(&base)
    };
    sources
        .iter()
        .filter(|s| s.types.iter().any(|t| t == "deb"))
        .filter(|s| s.components.iter().any(|c| c == "main"))
        .filter(|s| s.suites.iter().any(|x| is_main_suite(x)))
        .flat_map(|s| &s.uris)
        .find(|u| !u.starts_with("cdrom:") && !u.trim_end_matches('/').ends_with("-security"))
        .map(|u| u.trim_end_matches('/').to_owned())
}

/// apt's source files under `etc_apt` (normally `/etc/apt`), in the order apt reads them.
fn source_files(etc_apt: &Path) -> Vec<PathBuf> {
    let mut files = vec![etc_apt.join("sources.list")];
    let mut parts: Vec<PathBuf> = std::fs::read_dir(etc_apt.join("sources.list.d"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "list" || x == "sources"))
        .collect();
    parts.sort();
    files.extend(parts);
    files
}

/// The Debian archive the tasks download from: `given` (from `--debian-mirror` or
/// `ZSWAP_DEBIAN_MIRROR`) if set, else the one in apt's sources under `etc_apt`.
#[derive(Debug, Clone)]
pub(crate) struct DebianMirror {
    given: Option<String>,
    etc_apt: PathBuf,
}

impl DebianMirror {
    /// The override (if any) and the machine's own `/etc/apt`.
    pub(crate) fn new(given: Option<String>) -> DebianMirror {
        DebianMirror {
            given: given.filter(|g| !g.trim().is_empty()),
            etc_apt: PathBuf::from("/etc/apt"),
        }
    }

    /// The archive's URI, or an error naming the files read and how to give one.
    pub(crate) fn uri(&self) -> Result<String> {
        if let Some(g) = &self.given {
            return Ok(g.trim().trim_end_matches('/').to_owned());
        }
        let mut read = Vec::new();
        let mut sources = Vec::new();
        for file in source_files(&self.etc_apt) {
            #[allow(clippy::disallowed_methods)] // apt's configuration, not a kernel attribute
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            if file.extension().is_some_and(|x| x == "sources") {
                sources.extend(parse_deb822(&text));
            } else {
                sources.extend(parse_one_line(&text));
            }
            read.push(file.display().to_string());
        }
        match debian_archive(&sources) {
            Some(uri) => Ok(uri),
            None => bail!(
                "no Debian archive (a 'deb' source of a Debian suite with component 'main') in \
                 apt's sources ({}); give one with --debian-mirror URI or {MIRROR_ENV}=URI, \
                 the URI of a Debian mirror or apt proxy (its path ending in /debian)",
                if read.is_empty() {
                    format!(
                        "none readable: {}/sources.list, {}/sources.list.d/*.{{list,sources}}",
                        self.etc_apt.display(),
                        self.etc_apt.display()
                    )
                } else {
                    format!("read {}", read.join(", "))
                }
            ),
        }
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the tests' own fixture files
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/mirror/fixtures")
            .join(name);
        std::fs::read_to_string(&p).unwrap()
    }

    fn mirror_at(etc_apt: &Path) -> DebianMirror {
        DebianMirror {
            given: None,
            etc_apt: etc_apt.to_owned(),
        }
    }

    #[test]
    fn deb822_skips_disabled_security_and_foreign_stanzas() {
        let s = parse_deb822(&fixture("mirror.sources"));
        assert_eq!(s.len(), 4, "{s:?}");
        assert_eq!(
            debian_archive(&s).as_deref(),
            Some("http://mirror.example.lan:3142/debian")
        );
    }

    #[test]
    fn deb822_of_a_stock_bookworm_host() {
        let s = parse_deb822(&fixture("debian.sources"));
        assert_eq!(s[0].suites, ["bookworm", "bookworm-updates"]);
        assert_eq!(
            debian_archive(&s).as_deref(),
            Some("http://archive.example/debian")
        );
    }

    #[test]
    fn one_line_reads_options_and_skips_deb_src() {
        let s = parse_one_line(&fixture("sources.list"));
        assert_eq!(s.len(), 5, "{s:?}");
        assert_eq!(s[1].types, ["deb-src"]);
        assert_eq!(s[2].uris, ["https://proxy.example.lan/debian/"]);
        assert_eq!(
            debian_archive(&s).as_deref(),
            Some("https://proxy.example.lan/debian")
        );
    }

    #[test]
    fn apt_order_sources_list_first_then_parts_by_name() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sources.list.d")).unwrap();
        std::fs::write(
            d.path().join("sources.list.d/b.sources"),
            fixture("debian.sources"),
        )
        .unwrap();
        std::fs::write(
            d.path().join("sources.list.d/a.list"),
            "deb http://a.example/debian trixie main\n",
        )
        .unwrap();
        assert_eq!(
            mirror_at(d.path()).uri().unwrap(),
            "http://a.example/debian"
        );
        std::fs::write(d.path().join("sources.list"), fixture("sources.list")).unwrap();
        assert_eq!(
            mirror_at(d.path()).uri().unwrap(),
            "https://proxy.example.lan/debian"
        );
    }

    #[test]
    fn no_debian_source_names_the_files_and_the_fix() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sources.list.d")).unwrap();
        let ubuntu = d.path().join("sources.list.d/ubuntu.sources");
        std::fs::write(
            &ubuntu,
            "Types: deb\nURIs: http://archive.ubuntu.com/ubuntu\nSuites: noble\nComponents: main\n",
        )
        .unwrap();
        let e = mirror_at(d.path()).uri().unwrap_err().to_string();
        assert!(e.contains(&ubuntu.display().to_string()), "{e}");
        assert!(
            e.contains("--debian-mirror URI or ZSWAP_DEBIAN_MIRROR=URI"),
            "{e}"
        );
        let e = mirror_at(&d.path().join("absent"))
            .uri()
            .unwrap_err()
            .to_string();
        assert!(e.contains("none readable"), "{e}");
    }

    #[test]
    fn an_override_wins() {
        let m = DebianMirror {
            given: Some("http://given.example/debian/".into()),
            etc_apt: PathBuf::from("/nonexistent"),
        };
        assert_eq!(m.uri().unwrap(), "http://given.example/debian");
    }
}
