//! Kernel modules for the initramfs: read each module's `.modinfo` (the `depends=` and
//! `softdep=` keys `depmod` turns into `modules.dep`), and order the closure of the modules a
//! scenario asks for so that dependencies are loaded first.
//!
//! Debian's kernel packages ship no `modules.dep` (the package's postinst runs `depmod`), so
//! the dependency graph is rebuilt here from the modules themselves. Modules may be `.ko`,
//! `.ko.xz` or `.ko.zst`; they are decompressed on the host, because busybox `insmod` loads
//! only plain ELF objects.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// One module file found under `lib/modules/VER/kernel`.
#[derive(Debug, Clone)]
pub(crate) struct ModuleFile {
    pub(crate) path: PathBuf,
}

/// Module name of a file: the stem before `.ko`, with `-` read as `_` (as the kernel does).
pub(crate) fn module_name(file_name: &str) -> Option<String> {
    let stem = file_name.split_once(".ko")?;
    if !(stem.1.is_empty() || stem.1 == ".xz" || stem.1 == ".zst" || stem.1 == ".gz") {
        return None;
    }
    Some(stem.0.replace('-', "_"))
}

/// Every module file under `dir`, by module name.
pub(crate) fn index(dir: &Path) -> Result<BTreeMap<String, ModuleFile>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).with_context(|| format!("reading '{}'", d.display()))?;
        for entry in rd {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if let Some(name) = entry.file_name().to_str().and_then(module_name) {
                out.insert(name, ModuleFile { path });
            }
        }
    }
    Ok(out)
}

/// The plain ELF bytes of a module file, decompressing `.xz`/`.zst`/`.gz` with the host tool.
pub(crate) fn load_plain(path: &Path) -> Result<Vec<u8>> {
    let name = path.to_string_lossy();
    let tool: Option<&[&str]> = if name.ends_with(".xz") {
        Some(&["xz", "-dc"])
    } else if name.ends_with(".zst") {
        Some(&["zstd", "-dcq"])
    } else if name.ends_with(".gz") {
        Some(&["gzip", "-dc"])
    } else {
        None
    };
    match tool {
        None => {
            #[allow(clippy::disallowed_methods)] // a module file, not a kernel attribute
            let bytes = std::fs::read(path).with_context(|| format!("reading '{name}'"))?;
            Ok(bytes)
        }
        Some(argv) => {
            let out = Command::new(argv[0])
                .args(&argv[1..])
                .arg(path)
                .output()
                .with_context(|| format!("running '{}' (install it)", argv[0]))?;
            if !out.status.success() {
                bail!(
                    "'{} {name}' failed: {}",
                    argv.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Ok(out.stdout)
        }
    }
}

/// The `key=value` strings of an ELF64 object's `.modinfo` section.
pub(crate) fn modinfo(elf: &[u8]) -> Result<Vec<(String, String)>> {
    let section = elf_section(elf, ".modinfo")?;
    Ok(section
        .split(|b| *b == 0)
        .filter_map(|s| std::str::from_utf8(s).ok())
        .filter_map(|s| s.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

/// Names of the modules `info` must have loaded first: `depends=` and `softdep=pre:` entries.
pub(crate) fn dependencies(info: &[(String, String)]) -> Vec<String> {
    let mut deps = Vec::new();
    for (k, v) in info {
        match k.as_str() {
            "depends" => deps.extend(v.split(',').filter(|s| !s.is_empty()).map(str::to_string)),
            "softdep" => {
                // "pre: a b post: c": only the pre part must be present before loading.
                let mut pre = false;
                for word in v.split_whitespace() {
                    match word {
                        "pre:" => pre = true,
                        "post:" => pre = false,
                        w if pre => deps.push(w.replace('-', "_")),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    deps
}

/// Orders the closure of `wanted` under `deps` so that each module follows its dependencies.
/// Names absent from `deps` (built in, or not in this kernel) are left out and returned
/// separately; so are dependency cycles' back edges, which the kernel would refuse anyway.
pub(crate) fn load_order(
    wanted: &[&str],
    deps: &BTreeMap<String, Vec<String>>,
) -> (Vec<String>, Vec<String>) {
    fn visit(
        name: &str,
        deps: &BTreeMap<String, Vec<String>>,
        seen: &mut BTreeSet<String>,
        order: &mut Vec<String>,
        missing: &mut Vec<String>,
    ) {
        if !seen.insert(name.to_string()) {
            return;
        }
        let Some(ds) = deps.get(name) else {
            missing.push(name.to_string());
            return;
        };
        for d in ds {
            visit(d, deps, seen, order, missing);
        }
        order.push(name.to_string());
    }
    let (mut order, mut missing, mut seen) = (Vec::new(), Vec::new(), BTreeSet::new());
    for w in wanted {
        visit(
            &w.replace('-', "_"),
            deps,
            &mut seen,
            &mut order,
            &mut missing,
        );
    }
    (order, missing)
}

/// The bytes of section `wanted` of a little-endian ELF64 object, read with `object`.
fn elf_section<'a>(elf: &'a [u8], wanted: &str) -> Result<&'a [u8]> {
    use object::read::elf::{FileHeader, SectionHeader};
    let header = object::elf::FileHeader64::<object::LittleEndian>::parse(elf)
        .context("not a little-endian ELF64 object")?;
    let endian = header
        .endian()
        .context("not a little-endian ELF64 object")?;
    let sections = header
        .sections(endian, elf)
        .context("truncated ELF section table")?;
    let (_, section) = sections
        .section_by_name(endian, wanted.as_bytes())
        .with_context(|| format!("no '{wanted}' section"))?;
    section
        .data(endian, elf)
        .with_context(|| format!("truncated '{wanted}' section"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        edges
            .iter()
            .map(|(n, ds)| (n.to_string(), ds.iter().map(|d| d.to_string()).collect()))
            .collect()
    }

    #[test]
    fn module_name_strips_compression_and_dashes() {
        assert_eq!(module_name("virtio_blk.ko").as_deref(), Some("virtio_blk"));
        assert_eq!(
            module_name("lz4hc_compress.ko.xz").as_deref(),
            Some("lz4hc_compress")
        );
        assert_eq!(
            module_name("842-compress.ko.zst").as_deref(),
            Some("842_compress")
        );
        assert_eq!(module_name("modules.order"), None);
        assert_eq!(module_name("x.kobj"), None);
    }

    #[test]
    fn dependencies_read_depends_and_softdep_pre() {
        let info = vec![
            ("license".to_string(), "GPL".to_string()),
            ("depends".to_string(), "zstd_compress,xxhash".to_string()),
            ("softdep".to_string(), "pre: crc32c post: foo".to_string()),
        ];
        assert_eq!(dependencies(&info), ["zstd_compress", "xxhash", "crc32c"]);
    }

    #[test]
    fn empty_depends_gives_no_dependencies() {
        let info = vec![("depends".to_string(), String::new())];
        assert!(dependencies(&info).is_empty());
    }

    #[test]
    fn load_order_puts_dependencies_first_once() {
        let g = graph(&[
            ("zstd", &["zstd_compress"]),
            ("zstd_compress", &["xxhash"]),
            ("xxhash", &[]),
            ("lz4", &["lz4_compress"]),
            ("lz4_compress", &[]),
        ]);
        let (order, missing) = load_order(&["zstd", "lz4", "zstd_compress"], &g);
        assert_eq!(
            order,
            ["xxhash", "zstd_compress", "zstd", "lz4_compress", "lz4"]
        );
        assert!(missing.is_empty());
    }

    #[test]
    fn load_order_reports_builtin_or_absent_names() {
        let g = graph(&[("zram", &["zsmalloc"])]);
        let (order, missing) = load_order(&["zram", "virtio-blk"], &g);
        assert_eq!(order, ["zram"]);
        assert_eq!(missing, ["zsmalloc", "virtio_blk"]);
    }

    #[test]
    fn load_order_survives_a_cycle() {
        let g = graph(&[("a", &["b"]), ("b", &["a"])]);
        let (order, _) = load_order(&["a"], &g);
        assert_eq!(order, ["b", "a"]);
    }

    /// A minimal ELF64 with a section-name table and one `.modinfo` section.
    fn tiny_elf(modinfo: &[u8]) -> Vec<u8> {
        let shstrtab = b"\0.shstrtab\0.modinfo\0";
        let mut elf = vec![0u8; 64];
        elf[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
        let strtab_off = elf.len();
        elf.extend_from_slice(shstrtab);
        let modinfo_off = elf.len();
        elf.extend_from_slice(modinfo);
        let shoff = elf.len();
        elf[0x28..0x30].copy_from_slice(&(shoff as u64).to_le_bytes());
        elf[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        elf[0x3c..0x3e].copy_from_slice(&3u16.to_le_bytes());
        elf[0x3e..0x40].copy_from_slice(&1u16.to_le_bytes());
        let mut sh = |name: u32, off: usize, size: usize| {
            let mut h = [0u8; 64];
            h[..4].copy_from_slice(&name.to_le_bytes());
            h[0x18..0x20].copy_from_slice(&(off as u64).to_le_bytes());
            h[0x20..0x28].copy_from_slice(&(size as u64).to_le_bytes());
            elf.extend_from_slice(&h);
        };
        sh(0, 0, 0);
        sh(1, strtab_off, shstrtab.len());
        sh(11, modinfo_off, modinfo.len());
        elf
    }

    #[test]
    fn modinfo_reads_key_values_from_the_section() {
        let elf = tiny_elf(b"license=GPL\0depends=lz4_compress\0\0name=lz4\0");
        let info = modinfo(&elf).unwrap();
        assert_eq!(dependencies(&info), ["lz4_compress"]);
        assert!(info.contains(&("name".to_string(), "lz4".to_string())));
    }

    #[test]
    fn modinfo_rejects_non_elf() {
        assert!(modinfo(b"hello").is_err());
    }
}
