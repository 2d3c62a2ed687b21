//! `/proc/crypto` (`crypto/proc.c`): which compression algorithms this kernel has loaded.
//! zswap's `compressor` takes an algorithm name (`cra_name`) or a driver name.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::sysroot::SysRoot;

/// A compression algorithm registered with the crypto API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompressorInfo {
    /// Algorithm name (`lzo`, `zstd`, `deflate`).
    pub name: String,
    /// Driver name (`lzo-scomp`, `deflate-generic`, `deflate-iaa`).
    pub driver: String,
    /// `kernel` when built in, otherwise the module name.
    pub module: String,
    /// Priority: the highest wins for a plain algorithm name.
    pub priority: i64,
    /// `acomp`, `scomp` or `compression`.
    pub kind: String,
}

const COMPRESSION_TYPES: [&str; 3] = ["acomp", "scomp", "compression"];

/// Parses `/proc/crypto` and returns its compression algorithms, one per driver, sorted by
/// name then descending priority. `None` if a block is malformed.
pub fn parse_crypto(text: &str) -> Option<Vec<CompressorInfo>> {
    let mut out: Vec<CompressorInfo> = Vec::new();
    for block in text.split("\n\n") {
        let get = |key: &str| {
            block.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == key).then(|| v.trim().to_owned())
            })
        };
        let Some(kind) = get("type") else {
            if block.trim().is_empty() {
                continue;
            }
            return None;
        };
        if !COMPRESSION_TYPES.contains(&kind.as_str()) {
            continue;
        }
        let info = CompressorInfo {
            name: get("name")?,
            driver: get("driver")?,
            module: get("module").unwrap_or_else(|| "kernel".to_owned()),
            priority: get("priority")?.parse().ok()?,
            kind,
        };
        if !out.iter().any(|c| c.driver == info.driver) {
            out.push(info);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(b.priority.cmp(&a.priority)));
    Some(out)
}

/// Reads `<proc>/crypto`.
pub fn read_crypto(root: &SysRoot) -> Result<Vec<CompressorInfo>> {
    let path = root.proc("crypto");
    let text = root.read(&path)?;
    parse_crypto(&text).ok_or_else(|| Error::parse(path, &text, "'key : value' blocks"))
}

/// The distinct algorithm names, sorted.
pub fn algorithm_names(list: &[CompressorInfo]) -> Vec<String> {
    let mut names: Vec<String> = list.iter().map(|c| c.name.clone()).collect();
    names.dedup();
    names
}

/// True if and only if `wanted` names a loaded algorithm or driver.
pub fn is_available(list: &[CompressorInfo], wanted: &str) -> bool {
    list.iter().any(|c| c.name == wanted || c.driver == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_testkit::FixtureRoot;

    const TEXT: &str = "name         : lzo\ndriver       : lzo-scomp\nmodule       : kernel\npriority     : 0\nrefcnt       : 1\nselftest     : passed\ninternal     : no\ntype         : scomp\n\n\
name         : sha256\ndriver       : sha256-generic\nmodule       : kernel\npriority     : 100\ntype         : shash\nblocksize    : 64\ndigestsize   : 32\n\n\
name         : deflate\ndriver       : deflate-generic\nmodule       : kernel\npriority     : 0\ntype         : acomp\n\n\
name         : lzo\ndriver       : lzo-generic\nmodule       : kernel\npriority     : 0\ntype         : compression\n";

    #[test]
    fn keeps_compression_types_only() {
        let c = parse_crypto(TEXT).unwrap();
        assert_eq!(algorithm_names(&c), vec!["deflate", "lzo"]);
        assert!(is_available(&c, "deflate-generic"));
        assert!(!is_available(&c, "sha256"));
        assert!(!is_available(&c, "deflate-iaa"));
    }

    #[test]
    fn reads_file() {
        let f = FixtureRoot::new();
        f.proc("crypto", TEXT);
        assert_eq!(read_crypto(&SysRoot::at(f.path())).unwrap().len(), 3);
    }

    #[test]
    fn missing_file_is_error() {
        let f = FixtureRoot::new();
        assert!(read_crypto(&SysRoot::at(f.path())).is_err());
    }

    #[test]
    fn garbage_is_parse_error() {
        let f = FixtureRoot::new();
        f.proc("crypto", "name : lz4\ntype : scomp\npriority : high\n");
        assert!(matches!(
            read_crypto(&SysRoot::at(f.path())),
            Err(Error::Parse { .. })
        ));
    }
}
