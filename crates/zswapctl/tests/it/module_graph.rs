//! No module-level import circle in zswapctl, zswap-analyze or zswap-core: a module
//! may use its own submodules and anything outside its ancestors, but nothing it uses may use
//! it back, directly or through others. A module depends on what its `crate::`/`super::` paths
//! name (the deepest module of the path) and on the submodules it declares; a path into one of
//! its own ancestors (`super::*` in a test module, a parent's shared helper) is not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`cmd::analyze`; "" for the crate root) of a file below `src`.
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") || !parts.is_empty() && stem != "mod" {
        parts.push(stem.to_owned());
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The paths (`a::b::c`) a line names after `crate::` or `super::`, brace groups expanded one
/// level (`crate::{a::X, b}` names `a::X` and `b`); `super::` paths are made absolute.
fn named_paths(line: &str, module: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (prefix, base) in [("crate::", String::new()), ("super::", parent(module))] {
        let mut rest = line;
        while let Some(i) = rest.find(prefix) {
            let preceded = rest[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            rest = &rest[i + prefix.len()..];
            if preceded {
                continue;
            }
            let join = |p: &str| {
                if base.is_empty() {
                    p.to_owned()
                } else {
                    format!("{base}::{p}")
                }
            };
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                out.extend(
                    group[..end]
                        .split(',')
                        .map(|item| item.trim().trim_start_matches('{'))
                        .filter(|item| !item.is_empty())
                        .map(|item| join(&path_prefix(item))),
                );
            } else {
                out.push(join(&path_prefix(rest)));
            }
        }
    }
    out
}

/// The leading `a::b::c` of `text`.
fn path_prefix(text: &str) -> String {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    text[..end].trim_end_matches(':').to_owned()
}

fn parent(module: &str) -> String {
    module
        .rsplit_once("::")
        .map_or(String::new(), |(p, _)| p.to_owned())
}

fn is_ancestor(a: &str, of: &str) -> bool {
    a.is_empty() || of.starts_with(&format!("{a}::"))
}

/// Module → the modules it depends on, for the crate whose sources are in `src`.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(f.strip_prefix(src).unwrap()))
        .collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let m = module_of(f.strip_prefix(src).unwrap());
        let deps = g.entry(m.clone()).or_default();
        for child in modules.iter().filter(|c| parent(c) == m && **c != m) {
            deps.insert(child.clone());
        }
        let text = std::fs::read_to_string(f).unwrap();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for path in named_paths(line, &m) {
                // the deepest module the path names
                let mut target = path.as_str();
                while !modules.contains(target) && !target.is_empty() {
                    target = target.rsplit_once("::").map_or("", |(p, _)| p);
                }
                if target != m && !is_ancestor(target, &m) {
                    deps.insert(target.to_owned());
                }
            }
        }
    }
    g
}

/// One circle of `g`, if there is any, as the modules along it.
fn circle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut c = stack[i..].to_vec();
            c.push(m.to_owned());
            return Some(c);
        }
        if !done.insert(m.to_owned()) {
            return None;
        }
        stack.push(m.to_owned());
        for d in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, g, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|m| visit(m, g, &mut Vec::new(), &mut done))
}

fn crate_src(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

#[test]
fn regress_14_no_module_imports_itself_back() {
    for name in ["zswapctl", "zswap-analyze", "zswap-core"] {
        let g = graph(&crate_src(name));
        assert!(g.len() > 5, "{name}: too few modules found: {g:?}");
        if let Some(c) = circle(&g) {
            panic!(
                "{name}: modules import each other in a circle: {}",
                c.join(" -> ")
            );
        }
    }
}

#[test]
fn a_circle_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("cmd")).unwrap();
    std::fs::write(src.join("main.rs"), "mod cli;\nmod cmd;\n").unwrap();
    std::fs::write(src.join("cli.rs"), "use crate::cmd::run::parse;\n").unwrap();
    std::fs::write(src.join("cmd/mod.rs"), "pub(crate) mod run;\n").unwrap();
    std::fs::write(
        src.join("cmd/run.rs"),
        "use crate::{cli::Args, exit};\nuse super::*; // the parent is not a dependency\n",
    )
    .unwrap();
    let c = circle(&graph(src)).unwrap();
    assert_eq!(c, ["cli", "cmd::run", "cli"]);
    // without the back reference, no circle
    std::fs::write(src.join("cmd/run.rs"), "use super::*;\n").unwrap();
    assert_eq!(circle(&graph(src)), None);
}
