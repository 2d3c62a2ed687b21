//! Finding and downloading Debian kernel packages through a private apt configuration: the
//! cache directory holds its own `sources.list`, package lists and archive cache, and every
//! apt call names them with `-o`, so the machine's own apt sources are never changed. The
//! archive's URI is the one those sources use (`crate::mirror`), so a local mirror or proxy
//! serves every series, whatever release the machine itself runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use super::Series;
use crate::mirror::DebianMirror;

/// The suites the kernel series come from, as apt source lines of the archive at `uri`.
fn sources(uri: &str) -> String {
    Series::ALL
        .iter()
        .map(|s| format!("deb {uri} {} main\n", s.suite()))
        .collect()
}

/// How long a resolution (series → newest kernel) is trusted before asking apt again.
pub(crate) const RESOLVE_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The newest kernel of one series: its release string (`uname -r`) and the packages that
/// together hold its vmlinuz and modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub(crate) series: Series,
    pub(crate) release: String,
    pub(crate) packages: Vec<String>,
}

/// apt driven with a configuration that lives entirely under `dir`.
#[derive(Debug)]
pub(crate) struct PrivateApt {
    dir: PathBuf,
}

impl PrivateApt {
    /// Creates the configuration tree under `dir` if needed, its sources on `mirror`.
    pub(crate) fn new(dir: &Path, mirror: &DebianMirror) -> Result<Self> {
        let sources = sources(&mirror.uri()?);
        for sub in ["lists/partial", "cache/archives/partial"] {
            std::fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("creating '{}'", dir.join(sub).display()))?;
        }
        #[allow(clippy::disallowed_methods)] // our own apt config file, not a kernel attribute
        std::fs::write(dir.join("sources.list"), sources)
            .with_context(|| format!("writing '{}'", dir.join("sources.list").display()))?;
        Ok(PrivateApt {
            dir: dir.to_path_buf(),
        })
    }

    fn options(&self) -> Vec<String> {
        let d = |s: &str| self.dir.join(s).display().to_string();
        vec![
            "-o".into(),
            format!("Dir::Etc::SourceList={}", d("sources.list")),
            "-o".into(),
            "Dir::Etc::SourceParts=/dev/null".into(),
            "-o".into(),
            format!("Dir::State::Lists={}", d("lists")),
            "-o".into(),
            format!("Dir::Cache={}", d("cache")),
            // Downloads land in our cache dir, which the _apt user may not be able to write.
            "-o".into(),
            "APT::Sandbox::User=root".into(),
        ]
    }

    /// `apt-get update` of the private lists.
    pub(crate) fn update(&self) -> Result<()> {
        let out = Command::new("apt-get")
            .args(self.options())
            .args(["-q", "update"])
            .output()
            .context("running 'apt-get update' (is apt installed?)")?;
        if !out.status.success() {
            bail!("'apt-get update' failed: {}", tail(&out.stderr));
        }
        Ok(())
    }

    /// Package names starting with `prefix`, from the private lists.
    pub(crate) fn pkgnames(&self, prefix: &str) -> Result<Vec<String>> {
        let out = Command::new("apt-cache")
            .args(self.options())
            .args(["pkgnames", prefix])
            .output()
            .context("running 'apt-cache pkgnames'")?;
        if !out.status.success() {
            bail!(
                "'apt-cache pkgnames {prefix}' failed: {}",
                tail(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect())
    }

    /// Downloads `packages` into `dest` with `apt-get download`.
    pub(crate) fn download(&self, packages: &[String], dest: &Path) -> Result<()> {
        std::fs::create_dir_all(dest).with_context(|| format!("creating '{}'", dest.display()))?;
        let out = Command::new("apt-get")
            .args(self.options())
            .args(["-q", "download"])
            .args(packages)
            .current_dir(dest)
            .output()
            .context("running 'apt-get download'")?;
        if !out.status.success() {
            bail!(
                "'apt-get download {}' failed: {}",
                packages.join(" "),
                tail(&out.stderr)
            );
        }
        Ok(())
    }

    /// The newest kernel of `series` in the private lists.
    pub(crate) fn resolve(&self, series: Series) -> Result<Resolved> {
        let names = self.pkgnames(series.package_prefix())?;
        newest(series, &names).with_context(|| {
            format!(
                "no '{}*' kernel package in the {} lists",
                series.package_prefix(),
                series.suite()
            )
        })
    }
}

/// The newest kernel of `series` among package `names` (pure: apt-cache output in).
pub(crate) fn newest(series: Series, names: &[String]) -> Option<Resolved> {
    let mut best: Option<(Vec<u64>, String)> = None;
    for name in names {
        let Some(version) = series.version_of(name) else {
            continue;
        };
        let key = version_key(&version);
        if best.as_ref().is_none_or(|(k, _)| key > *k) {
            best = Some((key, version));
        }
    }
    let (_, version) = best?;
    Some(Resolved {
        series,
        release: format!("{version}-amd64"),
        packages: series.packages(&version),
    })
}

/// Numeric runs of a version, compared in order: `6.12.117+deb13` → [6, 12, 117, 13].
pub(crate) fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Reads the resolution cache file: a `resolved-at SECONDS` line, then one
/// `SERIES RELEASE PACKAGE...` line per series.
pub(crate) fn parse_resolutions(text: &str) -> (Option<SystemTime>, Vec<Resolved>) {
    let mut at = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("resolved-at"), Some(secs)) => {
                at = secs
                    .parse()
                    .ok()
                    .map(|s| UNIX_EPOCH + Duration::from_secs(s));
            }
            (Some(series), Some(release)) => {
                if let Ok(series) = series.parse::<Series>() {
                    let packages: Vec<String> = words.map(str::to_string).collect();
                    if !packages.is_empty() {
                        out.push(Resolved {
                            series,
                            release: release.to_string(),
                            packages,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    (at, out)
}

/// The inverse of [`parse_resolutions`].
pub(crate) fn format_resolutions(at: SystemTime, rs: &[Resolved]) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut s = format!("resolved-at {secs}\n");
    for r in rs {
        s.push_str(&format!(
            "{} {} {}\n",
            r.series,
            r.release,
            r.packages.join(" ")
        ));
    }
    s
}

fn tail(stderr: &[u8]) -> String {
    let s = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = s.lines().rev().take(3).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_comes_from_the_one_mirror() {
        assert_eq!(
            sources("http://archive.example/debian"),
            "deb http://archive.example/debian bookworm main\n\
             deb http://archive.example/debian trixie main\n\
             deb http://archive.example/debian sid main\n"
        );
    }

    fn names(list: &str) -> Vec<String> {
        list.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn bookworm_picks_highest_abi_and_skips_flavours() {
        let n = names(
            "linux-image-6.1.0-9-amd64-unsigned linux-image-6.1.0-50-amd64-unsigned \
             linux-image-6.1.0-51-rt-amd64-unsigned linux-image-6.1.0-51-cloud-amd64-unsigned \
             linux-image-6.1.0-47-amd64",
        );
        let r = newest(Series::Bookworm, &n).unwrap();
        assert_eq!(r.release, "6.1.0-50-amd64");
        assert_eq!(r.packages, ["linux-image-6.1.0-50-amd64-unsigned"]);
    }

    #[test]
    fn trixie_compares_numerically_not_lexically() {
        let n = names(
            "linux-image-6.12.99+deb13-amd64-unsigned linux-image-6.12.117+deb13-amd64-unsigned \
             linux-image-6.12.117+deb13-rt-amd64-unsigned",
        );
        let r = newest(Series::Trixie, &n).unwrap();
        assert_eq!(r.release, "6.12.117+deb13-amd64");
    }

    #[test]
    fn sid_needs_binary_and_modules_packages() {
        let n = names(
            "linux-binary-7.1.4+deb14-amd64 linux-binary-7.2.13+deb14-amd64 \
             linux-binary-7.2.13+deb14-cloud-amd64 linux-binary-6.17.1+deb14-amd64",
        );
        let r = newest(Series::Sid, &n).unwrap();
        assert_eq!(r.release, "7.2.13+deb14-amd64");
        assert_eq!(
            r.packages,
            [
                "linux-binary-7.2.13+deb14-amd64",
                "linux-modules-7.2.13+deb14-amd64"
            ]
        );
    }

    #[test]
    fn no_matching_package_resolves_to_none() {
        assert!(
            newest(
                Series::Trixie,
                &names("linux-image-6.1.0-50-amd64-unsigned")
            )
            .is_none()
        );
    }

    #[test]
    fn resolutions_round_trip() {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let rs = vec![
            newest(
                Series::Trixie,
                &names("linux-image-6.12.117+deb13-amd64-unsigned"),
            )
            .unwrap(),
            newest(Series::Sid, &names("linux-binary-7.2.13+deb14-amd64")).unwrap(),
        ];
        let (got_at, got) = parse_resolutions(&format_resolutions(at, &rs));
        assert_eq!(got_at, Some(at));
        assert_eq!(got, rs);
    }

    #[test]
    fn garbage_resolution_lines_are_ignored() {
        let (at, rs) = parse_resolutions("resolved-at x\n9.9 foo\nbogus\n");
        assert_eq!(at, None);
        assert!(rs.is_empty());
    }
}
