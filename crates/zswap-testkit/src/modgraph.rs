//! Module import circles of a crate: which of its modules refer to which (`use crate::…`,
//! `use super::…` and `crate::…` paths in code), and the groups of modules that reach each
//! other. A crate whose imports run one way has none; a test asserting that
//! [`import_cycles`] is empty keeps it so.
//!
//! The scan is textual and deliberately small: comments are dropped, and a file's
//! `#[cfg(test)]` module (at its end, by convention) and `tests.rs` files are left out,
//! since tests may import their parent freely. The crate root is left out too: it declares
//! every module and re-exports from them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Module path (`""` for the crate root, `collector::ebpf`) → the modules it refers to.
pub type ModuleGraph = BTreeMap<String, BTreeSet<String>>;

/// The module graph of the crate whose sources are in `src` (the directory holding
/// `lib.rs` or `main.rs`).
pub fn module_graph(src: &Path) -> ModuleGraph {
    let mut files = Vec::new();
    walk(src, src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = ModuleGraph::new();
    for (module, text) in &files {
        let deps = graph.entry(module.clone()).or_default();
        for path in referenced_paths(module, &code_outside_tests(text)) {
            // the longest prefix that is a module of this crate (the rest names an item)
            let segs: Vec<&str> = path.split("::").collect();
            let target = (0..=segs.len())
                .rev()
                .map(|n| segs[..n].join("::"))
                .find(|m| modules.contains(m));
            if let Some(t) = target
                && &t != module
                && !t.is_empty()
            {
                deps.insert(t);
            }
        }
    }
    graph
}

/// The groups of two or more modules of `src` that import each other, directly or round
/// a circle (each group sorted; empty when imports run one way).
pub fn import_cycles(src: &Path) -> Vec<Vec<String>> {
    cycles(&module_graph(src))
}

/// `graph` without the imports of a module from its own ancestors (`use super::X` in a
/// child), for crates that let children use their parent's types and want only the circles
/// between separate branches (the exporter keeps the strict form: [`import_cycles`]).
pub fn without_ancestor_imports(graph: &ModuleGraph) -> ModuleGraph {
    graph
        .iter()
        .map(|(m, deps)| {
            let kept = deps
                .iter()
                .filter(|d| !m.starts_with(&format!("{d}::")))
                .cloned()
                .collect();
            (m.clone(), kept)
        })
        .collect()
}

/// The strongly connected components of `graph` with more than one module.
pub fn cycles(graph: &ModuleGraph) -> Vec<Vec<String>> {
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(m) = todo.pop() {
            for d in graph.get(&m).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    todo.push(d.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for (m, r) in &reaches {
        if !r.contains(*m) || out.iter().any(|g| g.contains(m)) {
            continue;
        }
        let group: Vec<String> = r
            .iter()
            .filter(|o| reaches.get(o).is_some_and(|back| back.contains(*m)))
            .cloned()
            .collect();
        if group.len() > 1 {
            out.push(group);
        }
    }
    out
}

/// (module path, source text) of every `.rs` file under `dir`.
fn walk(src: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read a source directory")
        .map(|e| e.expect("read a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(src, &p, out);
            continue;
        }
        let Some(rel) = p.strip_prefix(src).ok().and_then(Path::to_str) else {
            continue;
        };
        let Some(rel) = rel.strip_suffix(".rs") else {
            continue;
        };
        let mut segs: Vec<&str> = rel.split('/').collect();
        if segs.last() == Some(&"tests") || segs.first() == Some(&"bin") {
            continue;
        }
        if matches!(segs.as_slice(), ["lib"] | ["main"]) || segs.last() == Some(&"mod") {
            segs.pop();
        }
        let text = fs::read_to_string(&p).expect("read a source file");
        out.push((segs.join("::"), text));
    }
}

/// `text` without comments, up to its `#[cfg(test)] mod … {` (tests import their parent).
fn code_outside_tests(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|n| n.trim().starts_with("mod ") && n.trim().ends_with('{'))
        {
            break;
        }
        let code = t.split("//").next().unwrap_or_default();
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The crate-relative paths `code` (of `module`) refers to: `crate::a::b`, `super::c`
/// (resolved against `module`), `child::d` for a `mod child;` it declares, with `use`
/// groups (`crate::{a, b::c}`) expanded.
fn referenced_paths(module: &str, code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let children: Vec<String> = code
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l
                .strip_prefix("pub(crate) ")
                .or(l.strip_prefix("pub "))
                .unwrap_or(l);
            l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_owned)
        })
        .collect();
    let mut starts = vec!["crate::".to_owned(), "super::".to_owned()];
    starts.extend(children.iter().map(|c| format!("{c}::")));
    for start in &starts {
        let start = start.as_str();
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            // a path's start: not `my_crate::`, nor `std::fmt::` for a child named `fmt`
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || b"_:".contains(&bytes[at - 1])) {
                continue;
            }
            let mut base: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
            match start {
                "crate::" => base.clear(),
                "super::" => {
                    base.pop();
                }
                child => base.push(child.trim_end_matches("::")),
            }
            let mut rest = &code[from..];
            let mut prefix: Vec<String> = base.into_iter().map(str::to_owned).collect();
            // further `super::` steps
            while let Some(r) = rest.strip_prefix("super::") {
                prefix.pop();
                rest = r;
            }
            expand(&prefix, rest, &mut out);
        }
    }
    out
}

/// Appends the paths of one path expression (`a::b::{c, d::e}` …) after `prefix`.
fn expand(prefix: &[String], text: &str, out: &mut Vec<String>) {
    let mut path: Vec<String> = prefix.to_vec();
    let mut rest = text;
    loop {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if word.is_empty() {
            if let Some(group) = rest.strip_prefix('{') {
                for part in split_group(group) {
                    expand(&path, part.trim(), out);
                }
                return;
            }
            break;
        }
        path.push(word.clone());
        rest = &rest[word.len()..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    out.push(path.join("::"));
}

/// The top-level comma-separated parts of a `{…}` group (`text` starts after the `{`).
fn split_group(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                parts.push(&text[start..i]);
                return parts;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let p = d.path().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        d
    }

    #[test]
    fn one_way_imports_have_no_cycle() {
        let d = tree(&[
            ("main.rs", "mod a;\nmod b;\nuse crate::a::run;\n"),
            (
                "a/mod.rs",
                "mod c;\nuse crate::b::{Model, x::Y};\nuse c::f;\n",
            ),
            ("a/c.rs", "use crate::b::Model;\n"),
            ("b.rs", "pub struct Model;\n"),
        ]);
        let g = module_graph(d.path());
        assert_eq!(g["a"], BTreeSet::from(["a::c".to_owned(), "b".to_owned()]));
        assert_eq!(g["a::c"], BTreeSet::from(["b".to_owned()]));
        assert!(import_cycles(d.path()).is_empty());
    }

    #[test]
    fn a_child_importing_its_parent_that_imports_it_is_a_cycle() {
        let d = tree(&[
            ("main.rs", "mod a;\n"),
            (
                "a/mod.rs",
                "mod c;\npub struct S;\nfn g() { crate::a::c::f(); }\n",
            ),
            ("a/c.rs", "use super::S;\npub fn f() {}\n"),
        ]);
        assert_eq!(
            import_cycles(d.path()),
            vec![vec!["a".to_owned(), "a::c".to_owned()]]
        );
    }

    #[test]
    fn a_parent_calling_its_child_by_name_is_an_import() {
        let d = tree(&[
            ("main.rs", "mod a;\n"),
            ("a/mod.rs", "mod c;\npub struct S;\nfn g() { c::f(); }\n"),
            (
                "a/c.rs",
                "pub fn f() {}\nfn h() -> crate::a::S { todo!() }\n",
            ),
        ]);
        assert_eq!(
            module_graph(d.path())["a"],
            BTreeSet::from(["a::c".to_owned()])
        );
        assert_eq!(
            import_cycles(d.path()),
            vec![vec!["a".to_owned(), "a::c".to_owned()]]
        );
    }

    #[test]
    fn ancestor_imports_can_be_left_out() {
        let d = tree(&[
            ("main.rs", "mod a;\nmod b;\n"),
            ("a/mod.rs", "mod c;\npub struct S;\nfn g() { c::f(); }\n"),
            ("a/c.rs", "use super::S;\npub fn f() {}\nuse crate::b::T;\n"),
            ("b.rs", "pub struct T;\nuse crate::a::S;\n"),
        ]);
        let g = without_ancestor_imports(&module_graph(d.path()));
        assert_eq!(g["a::c"], BTreeSet::from(["b".to_owned()]));
        // a -> a::c -> b -> a is still a circle
        assert_eq!(
            cycles(&g),
            vec![vec!["a".to_owned(), "a::c".to_owned(), "b".to_owned()]]
        );
    }

    #[test]
    fn grouped_imports_and_long_circles_are_found() {
        let d = tree(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::{b::X, c};\n"),
            (
                "b.rs",
                "// use crate::a;\npub struct X;\nuse crate::c::Y;\n",
            ),
            ("c.rs", "pub struct Y;\nfn f() { let _ = crate::a::Z; }\n"),
        ]);
        assert_eq!(
            import_cycles(d.path()),
            vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]
        );
    }

    #[test]
    fn test_modules_may_import_anything() {
        let d = tree(&[
            ("main.rs", "mod a;\nmod b;\n"),
            ("a.rs", "use crate::b::f;\npub struct X;\n"),
            (
                "b.rs",
                "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::a::X;\n}\n",
            ),
            ("b/tests.rs", "use crate::a::X;\n"),
        ]);
        assert!(import_cycles(d.path()).is_empty());
    }
}
