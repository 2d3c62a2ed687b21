//! What the running kernel offers an administrator: which zswap parameters exist
//! (`/sys/module/zswap/parameters`), which compressors are registered (`/proc/crypto`) and
//! which could be loaded on demand. When zswap is given a compressor it does not have, the
//! crypto API asks for the module alias `crypto-<name>` (`request_module`), which modprobe
//! resolves through `modules.alias`; [`ModuleResolver`] answers that question without loading
//! anything. See `Documentation/admin-guide/mm/zswap.rst`.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Result;
use crate::kernel::{KernelRelease, read_release};
use crate::params::{ParamName, ZswapParams, read_params};
use crate::stats::crypto::{CompressorInfo, algorithm_names, is_available, read_crypto};
use crate::sysroot::SysRoot;

/// Answers whether the kernel could load a module for an alias such as `crypto-zstd`.
///
/// `main` picks the implementation: on the live system one that asks `modprobe -n`, for a
/// captured tree [`ModulesAliasResolver`] over the tree's `modules.alias`.
pub trait ModuleResolver {
    /// The module that would be loaded for `alias`, if any.
    fn resolve(&self, alias: &str) -> Option<String>;
}

/// A kernel whose modules cannot be loaded (none installed): nothing resolves.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoModules;

impl ModuleResolver for NoModules {
    fn resolve(&self, _alias: &str) -> Option<String> {
        None
    }
}

/// Resolves aliases with the rules of `modules.alias` (`alias PATTERN MODULE` lines, where
/// the pattern may contain `*` and `?`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModulesAliasResolver {
    aliases: Vec<(String, String)>,
}

impl ModulesAliasResolver {
    /// Parses the text of a `modules.alias` file. Comments and other lines are skipped.
    pub fn parse(text: &str) -> Self {
        let aliases = text
            .lines()
            .filter_map(|l| {
                let mut it = l.split_whitespace();
                match (it.next(), it.next(), it.next()) {
                    (Some("alias"), Some(pat), Some(module)) => {
                        Some((pat.to_owned(), module.to_owned()))
                    }
                    _ => None,
                }
            })
            .collect();
        ModulesAliasResolver { aliases }
    }

    /// Where modprobe looks: `<root>/lib/modules/<release>/modules.alias`.
    pub fn path(root: &SysRoot, release: &KernelRelease) -> PathBuf {
        root.map_abs(&PathBuf::from(format!(
            "/lib/modules/{}/modules.alias",
            release.text
        )))
    }

    /// Reads the tree's `modules.alias`; a tree without one has no loadable modules.
    pub fn read(root: &SysRoot, release: Option<&KernelRelease>) -> Result<Self> {
        let Some(release) = release else {
            return Ok(Self::default());
        };
        Ok(root
            .read_opt(&Self::path(root, release))?
            .map(|t| Self::parse(&t))
            .unwrap_or_default())
    }
}

impl ModuleResolver for ModulesAliasResolver {
    fn resolve(&self, alias: &str) -> Option<String> {
        self.aliases
            .iter()
            .find(|(pat, _)| glob_match(pat.as_bytes(), alias.as_bytes()))
            .map(|(_, m)| m.clone())
    }
}

/// `*` matches any run of bytes, `?` one byte (the subset of fnmatch modules.alias uses).
fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    match pat.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob_match(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && glob_match(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && glob_match(rest, &s[1..]),
    }
}

/// Whether a compressor name can be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "module")]
pub enum CompressorState {
    /// Registered in `/proc/crypto` (by algorithm or driver name).
    Loaded,
    /// Not registered, but the kernel would load this module for it.
    Loadable(String),
    /// Neither.
    Unavailable,
}

/// What this kernel offers: its zswap parameters (present ones only, with current values),
/// its release and its registered compressors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KernelCaps {
    /// The release, if the tree says.
    pub release: Option<KernelRelease>,
    /// The parameters this kernel has, with their values now.
    pub params: ZswapParams,
    /// The compression algorithms in `/proc/crypto`.
    pub compressors: Vec<CompressorInfo>,
}

impl KernelCaps {
    /// Reads the parameters, release and `/proc/crypto`. `Ok(None)` if the kernel has no
    /// zswap at all.
    pub fn discover(root: &SysRoot) -> Result<Option<KernelCaps>> {
        let Some(params) = read_params(root)? else {
            return Ok(None);
        };
        Ok(Some(KernelCaps {
            release: read_release(root)?,
            params,
            compressors: read_crypto(root)?,
        }))
    }

    /// True if and only if this kernel has parameter `name`.
    pub fn has(&self, name: ParamName) -> bool {
        self.params.has(name)
    }

    /// True if and only if this kernel is 6.18 or later, where `zpool` is gone and zswap
    /// always uses zsmalloc. Without a release, the absence of the file decides.
    pub fn zpool_removed(&self) -> bool {
        match &self.release {
            Some(r) => r.at_least(6, 18),
            None => !self.has(ParamName::Zpool),
        }
    }

    /// The allocators `zpool` may name on this kernel: zbud and z3fold were removed in 6.15.
    pub fn zpool_choices(&self) -> &'static [&'static str] {
        match &self.release {
            Some(r) if r.at_least(6, 15) => &["zsmalloc"],
            _ => &["zbud", "z3fold", "zsmalloc"],
        }
    }

    /// The registered compression algorithm names, sorted.
    pub fn compressor_names(&self) -> Vec<String> {
        algorithm_names(&self.compressors)
    }

    /// Whether `name` is registered, loadable (through `crypto-<name>`) or unavailable.
    pub fn compressor_state(&self, name: &str, modules: &dyn ModuleResolver) -> CompressorState {
        if is_available(&self.compressors, name) {
            return CompressorState::Loaded;
        }
        match modules.resolve(&format!("crypto-{name}")) {
            Some(module) => CompressorState::Loadable(module),
            None => CompressorState::Unavailable,
        }
    }

    /// The release as text, or `unknown`.
    pub fn release_text(&self) -> String {
        self.release
            .as_ref()
            .map_or_else(|| "unknown".to_owned(), |r| r.text.clone())
    }
}

/// Advice for a compressor that is not available: hardware drivers need their device.
pub fn compressor_hint(name: &str) -> Option<&'static str> {
    match name {
        "deflate-iaa" => Some(
            "'deflate-iaa' is the Intel In-Memory Analytics Accelerator driver: it needs an IAA \
             device (Xeon Sapphire Rapids or later), the iaa_crypto module and at least one IAA \
             work queue bound to the crypto driver (accel-config)",
        ),
        "qat_deflate" | "qat_zstd" => {
            Some("this is an Intel QuickAssist driver: it needs a QAT device and the qat modules")
        }
        n if n.starts_with("hisi-") => {
            Some("this is a HiSilicon accelerator driver: it needs the matching hardware")
        }
        "842-nx" => Some("'842-nx' needs the POWER NX coprocessor"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_testkit::FixtureRoot;

    const CRYPTO: &str = "name         : lzo\ndriver       : lzo-scomp\nmodule       : kernel\n\
        priority     : 0\ntype         : scomp\n\n\
        name         : deflate\ndriver       : deflate-generic\nmodule       : kernel\n\
        priority     : 0\ntype         : scomp\n";

    fn caps(f: &FixtureRoot) -> KernelCaps {
        KernelCaps::discover(&SysRoot::at(f.path()))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn alias_globs() {
        let p = ModulesAliasResolver::parse(
            "# Aliases extracted from modules themselves.\nalias crypto-zstd zstd\n\
             alias crypto-lz4* lz4\nalias pci:v00008086d* idxd\n",
        );
        assert_eq!(p.resolve("crypto-zstd").as_deref(), Some("zstd"));
        assert_eq!(p.resolve("crypto-lz4hc").as_deref(), Some("lz4"));
        assert_eq!(p.resolve("crypto-zstdx"), None);
        assert_eq!(NoModules.resolve("crypto-zstd"), None);
    }

    #[test]
    fn compressor_states() {
        let f = FixtureRoot::new();
        f.params_6_18().proc("crypto", CRYPTO);
        let c = caps(&f);
        let modules = ModulesAliasResolver::parse("alias crypto-zstd zstd\n");
        assert_eq!(c.compressor_state("lzo", &modules), CompressorState::Loaded);
        assert_eq!(
            c.compressor_state("deflate-generic", &modules),
            CompressorState::Loaded
        );
        assert_eq!(
            c.compressor_state("zstd", &modules),
            CompressorState::Loadable("zstd".into())
        );
        assert_eq!(
            c.compressor_state("deflate-iaa", &modules),
            CompressorState::Unavailable
        );
        assert_eq!(c.compressor_names(), vec!["deflate", "lzo"]);
    }

    #[test]
    fn reads_alias_file_of_the_tree() {
        let f = FixtureRoot::new();
        f.proc("sys/kernel/osrelease", "6.12.57+deb13-amd64\n")
            .file(
                "lib/modules/6.12.57+deb13-amd64/modules.alias",
                "alias crypto-lz4 lz4\n",
            );
        let r = read_release(&SysRoot::at(f.path())).unwrap();
        let p = ModulesAliasResolver::read(&SysRoot::at(f.path()), r.as_ref()).unwrap();
        assert_eq!(p.resolve("crypto-lz4").as_deref(), Some("lz4"));
        let none = ModulesAliasResolver::read(&SysRoot::at(f.path()), None).unwrap();
        assert_eq!(none.resolve("crypto-lz4"), None);
    }

    #[test]
    fn zpool_era_rules() {
        let f = FixtureRoot::new();
        f.params_6_18()
            .proc("crypto", CRYPTO)
            .proc("sys/kernel/osrelease", "6.18.2\n");
        assert!(caps(&f).zpool_removed());
        f.param("zpool", "zbud")
            .proc("sys/kernel/osrelease", "6.1.0-41-amd64\n");
        let c = caps(&f);
        assert!(!c.zpool_removed());
        assert_eq!(c.zpool_choices().len(), 3);
    }

    #[test]
    fn no_zswap_is_none() {
        let f = FixtureRoot::new();
        f.proc("crypto", CRYPTO);
        assert!(
            KernelCaps::discover(&SysRoot::at(f.path()))
                .unwrap()
                .is_none()
        );
    }
}
