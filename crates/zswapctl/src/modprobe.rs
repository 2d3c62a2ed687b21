//! Whether the kernel could load a compressor module, asked the way the kernel itself
//! would (`request_module("crypto-<name>")` runs modprobe). `main` picks the resolver: the
//! live system asks `modprobe -n` (dry run, loads nothing); a captured tree answers from
//! its own `lib/modules/<release>/modules.alias`.

use std::process::{Command, Stdio};

use zswap_core::admin::{ModuleResolver, ModulesAliasResolver, NoModules};
use zswap_core::{SysRoot, read_release};

/// Asks `modprobe -n -q` whether an alias resolves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModprobeDryRun;

impl ModuleResolver for ModprobeDryRun {
    fn resolve(&self, alias: &str) -> Option<String> {
        let ok = Command::new("modprobe")
            .args(["-n", "-q", "--", alias])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| alias.to_owned())
    }
}

/// The module resolver for `root`: modprobe on the live system, the tree's `modules.alias` otherwise.
pub(crate) fn for_root(root: &SysRoot) -> Box<dyn ModuleResolver> {
    if root.is_host() {
        return Box::new(ModprobeDryRun);
    }
    let release = read_release(root).ok().flatten();
    match ModulesAliasResolver::read(root, release.as_ref()) {
        Ok(p) => Box::new(p),
        Err(_) => Box::new(NoModules),
    }
}
