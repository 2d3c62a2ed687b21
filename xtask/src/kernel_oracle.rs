//! `cargo xtask oracle`: zswap-core's compressors and zsmalloc class table against the
//! kernel's own C, byte for byte. For each Debian kernel series it takes the
//! `linux-source-*` package (through the private apt configuration of `vm::apt`), cuts out
//! `lib/lzo`, `lib/lz4`, `lib/842`, their headers and `mm/zsmalloc.c`, compiles them with gcc
//! behind our shim (`xtask/oracle/kshim.h`; every kernel header they include is an empty
//! stub) and runs them through our driver (`xtask/oracle/harness.c`, `zsclass.c`).
//!
//! Cache layout under `DIR` (default `~/.cache/zswap-tools/linux-source`); no kernel source
//! is ever written into the repository:
//!
//! ```text
//! debs/                       the downloaded package, removed once cut
//! PACKAGE_VERSION/src/        the cut files, laid out as in the kernel tree
//! PACKAGE_VERSION/complete    marker: the cut finished
//! PACKAGE_VERSION/build/      shim, stubs and the compiled harness
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use zswap_core::compress::{Algorithm, PageCompressor};
use zswap_core::page::PAGE_SIZE;
use zswap_core::sim::ClassTable;
use zswap_core::{KernelEra, StableFacts};
use zswap_workload::pages::{PageKind, Rng, mixed_corpus, page};

use crate::mirror::DebianMirror;
use crate::vm::Series;
use crate::vm::apt::{PrivateApt, version_key};

const KSHIM: &str = include_str!("../oracle/kshim.h");
const HARNESS: &str = include_str!("../oracle/harness.c");
const ZSCLASS: &str = include_str!("../oracle/zsclass.c");

/// The kernel tree paths the oracle compiles or reads; nothing else is kept.
const CUT: [&str; 9] = [
    "lib/lzo/*",
    "lib/lz4/*",
    "lib/842/*",
    "include/linux/lzo.h",
    "include/linux/lz4.h",
    "include/linux/sw842.h",
    "mm/zsmalloc.c",
    "mm/Kconfig",
    "Makefile",
];

/// The kernel's C files compiled into the harness.
const SOURCES: [&str; 5] = [
    "lib/lzo/lzo1x_compress.c",
    "lib/lzo/lzo1x_compress_safe.c",
    "lib/lz4/lz4_compress.c",
    "lib/lz4/lz4hc_compress.c",
    "lib/842/842_compress.c",
];

/// Kernel headers those files include that the shim replaces (each an empty file; the
/// definitions come from the force-included kshim.h).
const STUBS: [&str; 10] = [
    "asm/unaligned.h",
    "linux/unaligned.h",
    "linux/bitops.h",
    "linux/crc32.h",
    "linux/debugfs.h",
    "linux/hashtable.h",
    "linux/kernel.h",
    "linux/module.h",
    "linux/string.h",
    "linux/types.h",
];

/// What to compare.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct OracleArgs {
    /// Kernel series whose `linux-source` to use: 6.1, 6.12, 7; all when omitted.
    #[arg(long = "kernel", value_name = "SERIES")]
    kernels: Vec<Series>,
    /// Generated pages of every kind (seeded), besides the near-capacity, edge and binary ones.
    #[arg(long, default_value_t = 1500)]
    pages: usize,
    /// Seed of the generated pages.
    #[arg(long, default_value_t = 0x0c0de)]
    seed: u64,
    /// Cache for the source packages and builds
    /// [default: $XDG_CACHE_HOME/zswap-tools/linux-source or ~/.cache/zswap-tools/linux-source].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

/// One way of running a compressor: the model's configuration and the harness mode that
/// runs the kernel's C the same way.
struct Mode {
    name: &'static str,
    algorithm: Algorithm,
    /// lzo without the output bound (6.1 before 6.1.141, 6.12 before 6.12.31).
    unbounded: bool,
}

const MODES: [Mode; 7] = [
    mode("lzo", Algorithm::Lzo, false),
    mode("lzo-rle", Algorithm::LzoRle, false),
    mode("lzo-unbounded", Algorithm::Lzo, true),
    mode("lzo-rle-unbounded", Algorithm::LzoRle, true),
    mode("lz4", Algorithm::Lz4, false),
    mode("lz4hc", Algorithm::Lz4hc, false),
    mode("842", Algorithm::Sw842, false),
];

const fn mode(name: &'static str, algorithm: Algorithm, unbounded: bool) -> Mode {
    Mode {
        name,
        algorithm,
        unbounded,
    }
}

/// One unpacked and built `linux-source` package.
struct Source {
    /// The upstream version, e.g. `6.12.117`.
    version: String,
    harness: PathBuf,
    era: KernelEra,
    facts: StableFacts,
}

/// How to run `zswapctl` from this workspace (`cargo run`), for the `analyze` comparison.
pub(crate) struct Zswapctl {
    pub(crate) cargo: String,
    pub(crate) workspace: PathBuf,
}

/// Runs every comparison and prints one line each; true if and only if all passed.
pub(crate) fn run(
    args: &OracleArgs,
    default_cache: PathBuf,
    apt_dir: &Path,
    mirror: &DebianMirror,
    zswapctl: &Zswapctl,
) -> Result<bool> {
    let cache = args.cache_dir.clone().unwrap_or(default_cache);
    let series = if args.kernels.is_empty() {
        Series::ALL.to_vec()
    } else {
        args.kernels.clone()
    };
    let pages = corpus(args.seed, args.pages)?;
    let input = cache.join("pages.bin");
    std::fs::create_dir_all(&cache).with_context(|| format!("creating '{}'", cache.display()))?;
    write_pages(&input, &pages)?;
    let mut ok = true;
    for s in series {
        let src = prepare(&cache, apt_dir, mirror, s)?;
        for m in &MODES {
            let verdict = compare_mode(&src, m, &input, &pages)?;
            ok &= verdict.is_none();
            println!("{}", line(m.name, &src.version, pages.len(), verdict));
        }
        let verdict = compare_classes(&src)?;
        ok &= verdict.is_none();
        println!("{}", line("zsmalloc-classes", &src.version, 4096, verdict));
        if src.era >= KernelEra::V6_18 {
            for m in MODES
                .iter()
                .filter(|m| !m.unbounded && m.algorithm != Algorithm::Sw842)
            {
                let verdict = compare_analyze(&src, m, &input, &pages, zswapctl)?;
                ok &= verdict.is_none();
                let what = format!("analyze-{}", m.name);
                println!("{}", line(&what, &src.version, pages.len(), verdict));
            }
        }
    }
    Ok(ok)
}

/// `zswapctl analyze --kernel 6.18` on the oracle's pages against figures computed from the
/// kernel's C alone: the harness's compressed length of every page and its zsmalloc class
/// table, counted by the 6.18 rules (`crates/zswap-analyze/src/stats.rs`): a zero page goes
/// to the zeromap, a page that does not compress below a page is stored raw (4096 bytes),
/// and each class holds `ceil(objects / objs_per_zspage)` zspages. Nothing of zswap-core's
/// compressors or class table is used here, so a fault in either shows.
fn compare_analyze(
    src: &Source,
    m: &Mode,
    input: &Path,
    pages: &[[u8; PAGE_SIZE]],
    zswapctl: &Zswapctl,
) -> Result<Option<String>> {
    let out = Command::new(&src.harness)
        .arg(m.name)
        .stdin(Stdio::from(std::fs::File::open(input)?))
        .output()
        .with_context(|| format!("running '{}'", src.harness.display()))?;
    let records = parse_records(&out.stdout)?;
    if !out.status.success() || records.len() != pages.len() {
        bail!("'{} {}' failed", src.harness.display(), m.name);
    }
    let KernelClasses {
        classes, lookup, ..
    } = kernel_class_table(src)?;
    let mut objects = vec![0u64; classes.len()];
    let (mut stored, mut bytes) = (0u64, 0u64);
    for (p, r) in pages.iter().zip(&records) {
        if p.iter().all(|&b| b == 0) {
            continue;
        }
        let len = match r {
            Ok(b) if !b.is_empty() && b.len() < PAGE_SIZE => b.len(),
            _ => PAGE_SIZE,
        };
        stored += 1;
        bytes += len as u64;
        let class = lookup
            .get(len - 1)
            .copied()
            .with_context(|| format!("the harness has no class for {len} bytes"))?;
        let slot = classes
            .iter()
            .position(|c| c.0 == class)
            .with_context(|| format!("the harness's lookup names class {class}, not listed"))?;
        objects[slot] += 1;
    }
    let pool: u64 = classes
        .iter()
        .zip(&objects)
        .map(|(c, &n)| n.div_ceil(u64::from(c.3)) * u64::from(c.2) * PAGE_SIZE as u64)
        .sum();
    let run = Command::new(&zswapctl.cargo)
        .current_dir(&zswapctl.workspace)
        .args([
            "run", "--quiet", "-p", "zswapctl", "--", "--json", "analyze",
        ])
        .args([
            "--kernel",
            "6.18",
            "--input-format",
            "raw",
            "--compressor",
            m.name,
        ])
        .arg(input)
        .output()
        .context("running 'cargo run -p zswapctl -- analyze'")?;
    if !run.status.success() {
        bail!(
            "'zswapctl analyze' failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let v: serde_json::Value =
        serde_json::from_slice(&run.stdout).context("'zswapctl analyze --json' printed no JSON")?;
    let c = &v["compressors"][0];
    if c["compressor"] != m.name {
        bail!(
            "'zswapctl analyze' reported '{}', not '{}'",
            c["compressor"],
            m.name
        );
    }
    let got = |k: &str| c[k].as_u64().unwrap_or(u64::MAX);
    let stored_pages = got("pages") - got("zero_pages");
    let mut diffs = Vec::new();
    for (name, kernel, cli) in [
        ("stored pages", stored, stored_pages),
        ("compressed_bytes", bytes, got("compressed_bytes")),
        ("pool_bytes", pool, got("pool_bytes")),
    ] {
        if kernel != cli {
            diffs.push(format!("{name}: kernel C {kernel}, analyze {cli}"));
        }
    }
    Ok((!diffs.is_empty()).then(|| diffs.join("; ")))
}

/// A class of the kernel's table: index, size, pages per zspage, objects per zspage.
type KernelClass = (usize, u32, u32, u32);

/// What the harness's `classes` command prints: the kernel's zsmalloc classes, its huge
/// class size, and for every length 1..=4096 the class index it uses.
struct KernelClasses {
    classes: Vec<KernelClass>,
    huge: Option<u32>,
    lookup: Vec<usize>,
}

/// Runs the harness's `classes` command and reads its lines.
fn kernel_class_table(src: &Source) -> Result<KernelClasses> {
    let out = Command::new(&src.harness)
        .arg("classes")
        .output()
        .with_context(|| format!("running '{}'", src.harness.display()))?;
    if !out.status.success() {
        bail!("'{} classes' failed", src.harness.display());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut t = KernelClasses {
        classes: Vec::new(),
        huge: None,
        lookup: Vec::new(),
    };
    for l in text.lines() {
        let w: Vec<u32> = l
            .split_whitespace()
            .skip(1)
            .filter_map(|x| x.parse().ok())
            .collect();
        match (l.split_whitespace().next(), &w[..]) {
            (Some("class"), [i, s, p, o]) => t.classes.push((*i as usize, *s, *p, *o)),
            (Some("lookup"), [len, i]) => {
                if *len as usize != t.lookup.len() + 1 {
                    bail!("harness lookup lines out of order at '{l}'");
                }
                t.lookup.push(*i as usize);
            }
            (Some("huge"), [h]) => t.huge = Some(*h),
            _ => bail!("unreadable harness line '{l}'"),
        }
    }
    Ok(t)
}

fn line(what: &str, version: &str, n: usize, verdict: Option<String>) -> String {
    match verdict {
        None => format!("PASS {what} {version} {n}"),
        Some(why) => format!("FAIL {what} {version} {n} {why}"),
    }
}

/// The compared pages: generated ones of every kind, random pages with a short compressible
/// stretch (compressed sizes around the 4096-byte capacity, where the failure rules decide),
/// edge cases and pages of this very executable (machine code and data).
fn corpus(seed: u64, n: usize) -> Result<Vec<[u8; PAGE_SIZE]>> {
    let mut pages = mixed_corpus(seed, n);
    let mut rng = Rng::new(seed ^ 0x5a5a);
    for i in 0..500u64 {
        let mut p = page(PageKind::Random, seed.wrapping_add(i));
        let k = rng.below(200);
        let at = rng.below(PAGE_SIZE - k);
        if i % 2 == 0 {
            p[at..at + k].fill(0);
        } else {
            p[at..at + k].copy_from_slice(&page(PageKind::Text, i)[at..at + k]);
        }
        pages.push(p);
    }
    pages.extend(edge_pages());
    let exe = std::env::current_exe().context("locating the xtask executable")?;
    #[allow(clippy::disallowed_methods)] // our own executable, not a kernel file
    let bytes = std::fs::read(&exe).with_context(|| format!("reading '{}'", exe.display()))?;
    let whole = bytes.len() / PAGE_SIZE;
    let step = (whole / 500).max(1);
    pages.extend(
        bytes
            .chunks_exact(PAGE_SIZE)
            .step_by(step)
            .take(500)
            .filter_map(|c| <[u8; PAGE_SIZE]>::try_from(c).ok()),
    );
    Ok(pages)
}

/// Pages at the edges of the formats: all zero, one value, a lone byte at either end, short
/// periods, halves of zero and noise, and a page whose lz4 output is one literal run.
fn edge_pages() -> Vec<[u8; PAGE_SIZE]> {
    let mut out = vec![[0u8; PAGE_SIZE], [0xffu8; PAGE_SIZE]];
    for at in [0, 1, 7, 8, PAGE_SIZE - 9, PAGE_SIZE - 8, PAGE_SIZE - 1] {
        let mut p = [0u8; PAGE_SIZE];
        p[at] = 1;
        out.push(p);
    }
    for period in [2usize, 3, 4, 5, 7, 8, 9, 16, 17, 255, 256, 257, 1000] {
        let mut p = [0u8; PAGE_SIZE];
        for (i, b) in p.iter_mut().enumerate() {
            *b = (i % period) as u8;
        }
        out.push(p);
    }
    let noise = page(PageKind::Random, 1);
    for split in [12, 64, 2048, 4084, 4090] {
        let mut p = [0u8; PAGE_SIZE];
        p[split..].copy_from_slice(&noise[split..]);
        out.push(p);
        let mut q = noise;
        q[split..].fill(0);
        out.push(q);
    }
    out
}

fn write_pages(path: &Path, pages: &[[u8; PAGE_SIZE]]) -> Result<()> {
    let mut f =
        std::fs::File::create(path).with_context(|| format!("creating '{}'", path.display()))?;
    for p in pages {
        f.write_all(p)
            .with_context(|| format!("writing '{}'", path.display()))?;
    }
    Ok(())
}

/// The `linux-source` package of a series (`linux-source-6.1`; for sid the newest 7.x).
fn package_of(series: Series, apt: &PrivateApt) -> Result<String> {
    let fixed = match series {
        Series::Bookworm => Some("linux-source-6.1"),
        Series::Trixie => Some("linux-source-6.12"),
        Series::Sid => None,
    };
    if let Some(p) = fixed {
        return Ok(p.to_string());
    }
    let mut names = apt.pkgnames("linux-source-7.")?;
    if names.is_empty() {
        apt.update()?;
        names = apt.pkgnames("linux-source-7.")?;
    }
    names
        .into_iter()
        .max_by_key(|n| version_key(n))
        .context("no 'linux-source-7.*' package in the sid lists")
}

/// An unpacked, built source of `series`: the cached one if a cut finished before, else
/// downloaded, cut and built now.
fn prepare(cache: &Path, apt_dir: &Path, mirror: &DebianMirror, series: Series) -> Result<Source> {
    let prefix = match series {
        Series::Bookworm => "linux-source-6.1_",
        Series::Trixie => "linux-source-6.12_",
        Series::Sid => "linux-source-7.",
    };
    let dir = match cached(cache, prefix)? {
        Some(d) => d,
        None => {
            let apt = PrivateApt::new(apt_dir, mirror)?;
            let package = package_of(series, &apt)?;
            let debs = cache.join("debs");
            if find_deb(&debs, &package).is_err() {
                eprintln!("oracle: downloading {package}");
                if apt.download(std::slice::from_ref(&package), &debs).is_err() {
                    apt.update()?;
                    apt.download(std::slice::from_ref(&package), &debs)?;
                }
            }
            let deb = find_deb(&debs, &package)?;
            let dir = cut(cache, &deb, &package)?;
            std::fs::remove_file(&deb).with_context(|| format!("removing '{}'", deb.display()))?;
            dir
        }
    };
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // linux-source-6.12_6.12.117-1 -> 6.12.117
    let version = name
        .split_once('_')
        .map(|(_, v)| v.split(['-', '+']).next().unwrap_or(v).to_string())
        .unwrap_or_default();
    let key = version_key(&version);
    let (major, minor, patch) = match key[..] {
        [a, b, c, ..] => (a as u32, b as u32, c as u32),
        [a, b] => (a as u32, b as u32, 0),
        _ => bail!("cannot read a kernel version from '{}'", dir.display()),
    };
    let era = KernelEra::for_release(major, minor)
        .with_context(|| format!("linux-source {version} is none of the modelled eras"))?;
    let harness = build(&dir)?;
    Ok(Source {
        version,
        harness,
        era,
        facts: StableFacts::for_release(major, minor, patch),
    })
}

/// The newest finished cut whose name starts with `prefix`.
fn cached(cache: &Path, prefix: &str) -> Result<Option<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(cache) else {
        return Ok(None);
    };
    let mut best: Option<(Vec<u64>, PathBuf)> = None;
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) && e.path().join("complete").exists() {
            let key = version_key(&name);
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, e.path()));
            }
        }
    }
    Ok(best.map(|(_, p)| p))
}

fn find_deb(debs: &Path, package: &str) -> Result<PathBuf> {
    let want = format!("{package}_");
    std::fs::read_dir(debs)
        .with_context(|| format!("reading '{}'", debs.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&want))
        })
        .with_context(|| format!("'{package}' was not downloaded into '{}'", debs.display()))
}

/// Extracts the [`CUT`] paths of the source tarball inside `deb` into
/// `CACHE/PACKAGE_VERSION/src`.
fn cut(cache: &Path, deb: &Path, package: &str) -> Result<PathBuf> {
    let stem = deb
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = stem.strip_suffix("_all").unwrap_or(&stem);
    let dir = cache.join(name);
    let src = dir.join("src");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&src)?;
    eprintln!("oracle: cutting {} from {}", CUT.join(" "), deb.display());
    let top = package; // the tarball's top directory and file name
    let patterns: Vec<String> = CUT.iter().map(|p| format!("{top}/{p}")).collect();
    let st = Command::new("bash")
        .arg("-c")
        .arg(
            r#"set -o pipefail; dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/src/$2.tar.xz" \
               | xz -dc | tar -x -C "$3" --strip-components=1 --wildcards "${@:4}""#,
        )
        .arg("cut")
        .arg(deb)
        .arg(top)
        .arg(&src)
        .args(&patterns)
        .status()
        .context("running dpkg-deb, tar and xz (install dpkg, tar and xz-utils)")?;
    if !st.success() {
        bail!("cutting the sources out of '{}' failed", deb.display());
    }
    #[allow(clippy::disallowed_methods)] // marker file in our cache
    std::fs::write(dir.join("complete"), name)?;
    Ok(dir)
}

/// Writes the shim, the stubs and the cut of `mm/zsmalloc.c`, then compiles the harness
/// (once per source; a harness newer than this xtask's shim text is reused).
fn build(dir: &Path) -> Result<PathBuf> {
    let src = dir.join("src");
    let b = dir.join("build");
    let harness = b.join("harness");
    let stamp = b.join("shim-stamp");
    let want_stamp = format!("{:x}", fnv(&[KSHIM, HARNESS, ZSCLASS].concat()));
    #[allow(clippy::disallowed_methods)] // our cache file
    let have_stamp = std::fs::read_to_string(&stamp).unwrap_or_default();
    if harness.exists() && have_stamp == want_stamp {
        return Ok(harness);
    }
    for s in STUBS {
        let p = b.join("stub").join(s);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        #[allow(clippy::disallowed_methods)] // generated build input in our cache
        std::fs::write(&p, "")?;
    }
    #[allow(clippy::disallowed_methods)] // source files read from our cache
    let zsmalloc = std::fs::read_to_string(src.join("mm/zsmalloc.c"))?;
    #[allow(clippy::disallowed_methods)]
    let kconfig = std::fs::read_to_string(src.join("mm/Kconfig"))?;
    let zs_cut = zsmalloc_cut(&zsmalloc, &kconfig)?;
    for (name, text) in [
        ("kshim.h", KSHIM),
        ("harness.c", HARNESS),
        ("zsclass.c", ZSCLASS),
        ("zsmalloc_cut.h", zs_cut.as_str()),
    ] {
        #[allow(clippy::disallowed_methods)] // generated build input in our cache
        std::fs::write(b.join(name), text)?;
    }
    let out = Command::new("gcc")
        // -w: the kernel's files warn about much under a userspace compiler; a missing
        // definition must still stop the build rather than link to nothing.
        .args([
            "-O2",
            "-w",
            "-Werror=implicit-function-declaration",
            "-std=gnu11",
        ])
        .arg("-include")
        .arg(b.join("kshim.h"))
        .arg("-I")
        .arg(b.join("stub"))
        .arg("-I")
        .arg(&b)
        .arg("-I")
        .arg(src.join("include"))
        .arg("-o")
        .arg(&harness)
        .arg(b.join("harness.c"))
        .arg(b.join("zsclass.c"))
        .args(SOURCES.iter().map(|s| src.join(s)))
        .output()
        .context("running 'gcc' (install gcc: scripts/setup-test-deps.sh)")?;
    if !out.status.success() {
        bail!(
            "compiling the kernel's compressors from '{}' failed: {}",
            src.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    #[allow(clippy::disallowed_methods)] // our cache file
    std::fs::write(&stamp, want_stamp)?;
    Ok(harness)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The parts of `mm/zsmalloc.c` the class table is computed from: its `ZS_*`, `CLASS_BITS`
/// and object-bit `#define`s, and the functions `get_size_class_index`, `can_merge` and the
/// chain size rule (`get_pages_per_zspage` before 6.3, `calculate_zspage_chain_size` since),
/// with `CONFIG_ZSMALLOC_CHAIN_SIZE` taken as mm/Kconfig's default.
pub(crate) fn zsmalloc_cut(zsmalloc: &str, kconfig: &str) -> Result<String> {
    const DEFINES: [&str; 12] = [
        "ZS_ALIGN",
        "ZS_MAX_ZSPAGE_ORDER",
        "ZS_MAX_PAGES_PER_ZSPAGE",
        "ZS_HANDLE_SIZE",
        "_PFN_BITS",
        "OBJ_TAG_BITS",
        "OBJ_INDEX_BITS",
        "CLASS_BITS",
        "ZS_MIN_ALLOC_SIZE",
        "ZS_MAX_ALLOC_SIZE",
        "ZS_SIZE_CLASS_DELTA",
        "ZS_SIZE_CLASSES",
    ];
    let mut out = String::new();
    if let Some(chain) = kconfig_default(kconfig, "ZSMALLOC_CHAIN_SIZE") {
        out.push_str(&format!("#define CONFIG_ZSMALLOC_CHAIN_SIZE {chain}\n"));
    }
    let lines: Vec<&str> = zsmalloc.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let name = l
            .strip_prefix("#define")
            .and_then(|r| r.split_whitespace().next());
        if name.is_some_and(|n| DEFINES.contains(&n)) {
            let mut j = i;
            out.push_str(lines[j]);
            out.push('\n');
            while lines[j].trim_end().ends_with('\\') && j + 1 < lines.len() {
                j += 1;
                out.push_str(lines[j]);
                out.push('\n');
            }
            i = j;
        }
        i += 1;
    }
    for f in ["get_size_class_index", "can_merge"] {
        out.push_str(&function(zsmalloc, f)?);
    }
    let chain = if zsmalloc.contains("calculate_zspage_chain_size(int") {
        "calculate_zspage_chain_size"
    } else {
        "get_pages_per_zspage"
    };
    out.push_str(&function(zsmalloc, chain)?);
    out.push_str(&format!("#define ORACLE_CHAIN_SIZE {chain}\n"));
    Ok(out)
}

/// `default N` of `config NAME` in a Kconfig file.
fn kconfig_default(kconfig: &str, name: &str) -> Option<String> {
    let head = format!("config {name}");
    let mut lines = kconfig.lines().skip_while(|l| l.trim() != head).skip(1);
    lines
        .by_ref()
        .take_while(|l| !l.starts_with("config "))
        .find_map(|l| l.trim().strip_prefix("default ").map(str::to_string))
}

/// The text of C function `name` in `text`: from the line of its definition
/// (`static ... name(`) to its closing brace.
fn function(text: &str, name: &str) -> Result<String> {
    let sig = format!(" {name}(");
    let start = text
        .lines()
        .scan(0usize, |off, l| {
            let at = *off;
            *off += l.len() + 1;
            Some((at, l))
        })
        .find(|(_, l)| l.starts_with("static") && l.contains(&sig))
        .map(|(at, _)| at)
        .with_context(|| format!("no definition of '{name}' in mm/zsmalloc.c"))?;
    let body = text[start..]
        .find('{')
        .with_context(|| format!("'{name}' has no body"))?;
    let mut depth = 0usize;
    for (k, c) in text[start + body..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let end = start + body + k + 1;
                    return Ok(format!("{}\n", &text[start..end]));
                }
            }
            _ => {}
        }
    }
    bail!("'{name}' in mm/zsmalloc.c has no closing brace")
}

/// Runs the harness in `mode` over the page file; returns the first disagreement.
fn compare_mode(
    src: &Source,
    m: &Mode,
    input: &Path,
    pages: &[[u8; PAGE_SIZE]],
) -> Result<Option<String>> {
    let out = Command::new(&src.harness)
        .arg(m.name)
        .stdin(Stdio::from(std::fs::File::open(input)?))
        .output()
        .with_context(|| format!("running '{}'", src.harness.display()))?;
    if !out.status.success() {
        bail!(
            "'{} {}' failed: {}",
            src.harness.display(),
            m.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let facts = if m.unbounded {
        StableFacts::for_release(6, 1, 0)
    } else {
        src.facts
    };
    if !m.unbounded
        && matches!(m.algorithm, Algorithm::Lzo | Algorithm::LzoRle)
        && !facts.lzo_bounded
    {
        return Ok(Some(format!(
            "the model calls lzo of {} unbounded, while its crypto/lzo.c bounds it",
            src.version
        )));
    }
    let mut model = PageCompressor::with_facts(m.algorithm, src.era, facts)?;
    let mut ours = Vec::new();
    let records = parse_records(&out.stdout)?;
    if records.len() != pages.len() {
        bail!(
            "the harness answered {} of {} pages in mode '{}'",
            records.len(),
            pages.len(),
            m.name
        );
    }
    for (i, (p, kernel)) in pages.iter().zip(&records).enumerate() {
        let got = model.compress(p, &mut ours);
        let agree = match (kernel, got) {
            (Ok(bytes), Ok(_)) if bytes.len() <= PAGE_SIZE => *bytes == ours,
            // only unbounded lzo returns more than a page; zswap then refuses it (-ENOSPC)
            (Ok(_), Err(e)) => m.unbounded && e.errno() == -28,
            (Err(errno), Err(e)) => *errno == e.errno(),
            _ => false,
        };
        if !agree {
            let k = match kernel {
                Ok(b) => format!("{} bytes", b.len()),
                Err(e) => format!("error {e}"),
            };
            let o = match got {
                Ok(n) => format!("{n} bytes"),
                Err(e) => format!("error {}", e.errno()),
            };
            return Ok(Some(format!(
                "page {i}: kernel {k}, model {o}{}",
                first_difference(kernel, &ours)
            )));
        }
    }
    Ok(None)
}

fn first_difference(kernel: &Result<Vec<u8>, i32>, ours: &[u8]) -> String {
    let Ok(k) = kernel else {
        return String::new();
    };
    match k.iter().zip(ours).position(|(a, b)| a != b) {
        Some(at) => format!(" (first differing byte at {at})"),
        None => String::new(),
    }
}

/// The harness's records: little-endian i32 (length or negative errno), then the bytes.
fn parse_records(mut b: &[u8]) -> Result<Vec<Result<Vec<u8>, i32>>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let head: [u8; 4] = b
            .get(..4)
            .and_then(|h| h.try_into().ok())
            .context("truncated harness record")?;
        let r = i32::from_le_bytes(head);
        b = &b[4..];
        if r < 0 {
            out.push(Err(r));
            continue;
        }
        let n = r as usize;
        let data = b.get(..n).context("truncated harness record")?;
        out.push(Ok(data.to_vec()));
        b = &b[n..];
    }
    Ok(out)
}

/// The model's class table against the one built from the kernel's own formula.
fn compare_classes(src: &Source) -> Result<Option<String>> {
    let KernelClasses {
        classes: kernel_classes,
        huge: kernel_huge,
        lookup: kernel_lookup,
    } = kernel_class_table(src)?;
    let table = ClassTable::for_era(src.era);
    let ours: Vec<_> = table
        .classes()
        .iter()
        .map(|c| (c.index, c.size, c.pages_per_zspage, c.objs_per_zspage))
        .collect();
    if ours != kernel_classes {
        let at = ours
            .iter()
            .zip(&kernel_classes)
            .position(|(a, b)| a != b)
            .unwrap_or(ours.len().min(kernel_classes.len()));
        return Ok(Some(format!(
            "{} classes in the kernel, {} in the model; first difference at position {at}: \
             kernel {:?}, model {:?}",
            kernel_classes.len(),
            ours.len(),
            kernel_classes.get(at),
            ours.get(at)
        )));
    }
    if kernel_huge != Some(table.huge_class_size()) {
        return Ok(Some(format!(
            "huge class size: kernel {kernel_huge:?}, model {}",
            table.huge_class_size()
        )));
    }
    if kernel_lookup.len() != PAGE_SIZE {
        bail!("the harness gave {} class lookups", kernel_lookup.len());
    }
    for (at, idx) in kernel_lookup.into_iter().enumerate() {
        let len = at as u32 + 1;
        let ours = table.class_for(len).index;
        if ours != idx {
            return Ok(Some(format!(
                "an object of {len} bytes: kernel class {idx}, model class {ours}"
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZS: &str = "\
#define ZS_ALIGN\t\t8
#define ZS_MIN_ALLOC_SIZE \\
\tMAX(32, 1)
#define OTHER 3
static int get_size_class_index(int size)
{
\tif (size) {
\t\treturn 1;
\t}
\treturn 0;
}
static bool can_merge(struct size_class *prev, int a,
\t\t\tint b)
{
\treturn a == b;
}
static int calculate_zspage_chain_size(int class_size)
{
\treturn 1;
}
";

    #[test]
    fn the_cut_keeps_defines_with_continuations_and_whole_functions() {
        let kconfig = "config ZSMALLOC_CHAIN_SIZE\n\tint \"x\"\n\tdefault 8\n\trange 4 16\n";
        let cut = zsmalloc_cut(ZS, kconfig).unwrap();
        assert!(cut.starts_with("#define CONFIG_ZSMALLOC_CHAIN_SIZE 8\n"));
        assert!(cut.contains("#define ZS_MIN_ALLOC_SIZE \\\n\tMAX(32, 1)\n"));
        assert!(!cut.contains("OTHER"));
        assert!(cut.contains("\t\treturn 1;\n\t}\n\treturn 0;\n}\n"));
        assert!(cut.contains("\t\t\tint b)\n{\n\treturn a == b;\n}\n"));
        assert!(cut.ends_with("#define ORACLE_CHAIN_SIZE calculate_zspage_chain_size\n"));
    }

    #[test]
    fn a_missing_function_is_an_error() {
        let err = function("static int f(void)\n{\n}\n", "g").unwrap_err();
        assert_eq!(err.to_string(), "no definition of 'g' in mm/zsmalloc.c");
    }

    #[test]
    fn records_parse_lengths_and_errors() {
        let mut b = Vec::new();
        b.extend(3i32.to_le_bytes());
        b.extend([1, 2, 3]);
        b.extend((-22i32).to_le_bytes());
        assert_eq!(
            parse_records(&b).unwrap(),
            vec![Ok(vec![1, 2, 3]), Err(-22)]
        );
        b.truncate(5);
        assert!(parse_records(&b).is_err());
    }

    #[test]
    fn edge_pages_include_zero_and_incompressible_halves() {
        let e = edge_pages();
        assert!(e.contains(&[0u8; PAGE_SIZE]));
        assert!(e.len() > 30);
    }
}
