//! The command examples of the repository's markdown files as tests (docs/doc-tests.md).
//!
//! A fenced block is either run or marked as not runnable:
//!
//! - ```` ```console ```` blocks are run by trycmd: `$ cmd` lines, then the expected output
//!   (stdout and stderr together; `...` on a line of its own and `[..]` within a line elide,
//!   `? N` after the command gives a non-zero exit status). Each markdown file runs in a
//!   directory of its own ([`DocSandbox`]) holding copies of every tree of `tests/fixtures`
//!   and the files of `tests/doc-examples`, with `ZSWAP_ROOT` set to a copy of
//!   `linux-6.18-fresh` standing in for the host, so a command that writes changes only copies.
//! - Shell blocks (`sh`, `bash`, `shell`, `zsh`) cannot be run (installing, a server, BPF)
//!   and say so in their info string: ```` ```sh not-run: installs packages ````.
//! - Any other block holds no command: no `$ ` prompt and no line starting with a program of
//!   this project.
//!
//! [`untested_examples`] checks that, so an example that is neither run nor marked fails.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::{copy_tree, fixtures_dir};

/// Programs a ```` ```console ```` command may start with (trycmd silently skips a program it
/// does not know, so anything else would look tested while it is not).
pub const DOC_PROGRAMS: &[&str] = &["zswapctl", "sudo zswapctl", "zswap-exporter"];

/// The tree standing in for the host (`ZSWAP_ROOT`) in every markdown file's examples.
pub const DOC_HOST_TREE: &str = "linux-6.18-fresh";

/// The repository's top directory.
pub fn repo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every markdown file of the repository (relative paths, sorted), fixtures and build output
/// left out.
pub fn doc_files() -> Vec<PathBuf> {
    fn walk(top: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
        for e in fs::read_dir(top.join(rel)).expect("read a repository directory") {
            let e = e.expect("read a directory entry");
            let name = e.file_name();
            let name = name.to_string_lossy();
            let r = rel.join(&*name);
            let ty = e.file_type().expect("file type");
            if ty.is_dir() {
                let skip =
                    name.starts_with('.') || name == "target" || r == Path::new("tests/fixtures");
                if !skip {
                    walk(top, &r, out);
                }
            } else if ty.is_file() && name.ends_with(".md") {
                out.push(r);
            }
        }
    }
    let mut v = Vec::new();
    walk(&repo_dir(), Path::new(""), &mut v);
    v.sort();
    v
}

/// One fenced block of a markdown file.
#[derive(Debug, Clone)]
pub struct Fence {
    /// Line number of the opening fence (1-based).
    pub line: usize,
    /// Leading spaces of the opening fence.
    pub indent: usize,
    /// The info string (after the backticks, trimmed).
    pub info: String,
    /// The lines between the fences.
    pub body: Vec<String>,
}

impl Fence {
    /// The language: the info string's first word (before a space or a comma).
    pub fn lang(&self) -> &str {
        self.info
            .split([' ', ','])
            .next()
            .unwrap_or_default()
            .trim()
    }
}

/// The fenced blocks of `text` (backtick fences, indented ones included).
pub fn fences(text: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut open: Option<(Fence, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        match open.take() {
            None if ticks >= 3 => {
                let fence = Fence {
                    line: i + 1,
                    indent: line.len() - trimmed.len(),
                    info: trimmed[ticks..].trim().to_owned(),
                    body: Vec::new(),
                };
                open = Some((fence, "`".repeat(ticks)));
            }
            None => {}
            Some((fence, marker))
                if trimmed.starts_with(&marker) && trimmed[ticks..].trim().is_empty() =>
            {
                out.push(fence);
            }
            Some((mut fence, marker)) => {
                fence.body.push(line.to_owned());
                open = Some((fence, marker));
            }
        }
    }
    if let Some((fence, _)) = open {
        out.push(fence);
    }
    out
}

/// Whether `line` starts with a program of this project or a build tool (a command written
/// without a prompt).
fn looks_like_command(line: &str) -> bool {
    if line.starts_with(char::is_whitespace) {
        return false; // a screen or a table, not a command line
    }
    let first = line.split_whitespace().next().unwrap_or_default();
    matches!(
        first,
        "zswapctl" | "zswap-exporter" | "zswap-probe" | "sudo" | "cargo" | "ansible-playbook"
    ) || first.starts_with("./target/")
        || first.starts_with("scripts/")
}

/// The body line (1-based) of the first command output in a console block that runs into the
/// next command or the closing fence without an empty line.
fn missing_blank_line(body: &[String]) -> Option<usize> {
    let is_cmd = |l: &str| l.starts_with("$ ") || l.starts_with("> ") || l.starts_with("? ");
    let mut prev: Option<&str> = None;
    for (i, l) in body
        .iter()
        .map(String::as_str)
        .chain(std::iter::once("$ "))
        .enumerate()
    {
        if l.starts_with("$ ") && prev.is_some_and(|p| !p.is_empty() && !is_cmd(p)) {
            return Some(i);
        }
        prev = Some(l);
    }
    None
}

/// Why the examples of markdown text `text` (from `name`) are not all run or marked: one line
/// per block that a new reader would take for a tested example although it is not.
pub fn untested_examples(name: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in fences(text) {
        let at = format!("{name}:{}", f.line);
        match f.lang() {
            "" => out.push(format!(
                "{at}: a fence without a language (trycmd would run it as a console block): name \
                 one, e.g. ```text"
            )),
            "console" | "trycmd" => {
                if f.info != f.lang() {
                    out.push(format!(
                        "{at}: '```{}': a console block is always run; mark a block that cannot \
                         run as '```sh not-run: <reason>'",
                        f.info
                    ));
                }
                if f.indent > 0 {
                    out.push(format!(
                        "{at}: an indented console block is not run by trycmd: start its fence \
                         at the beginning of the line"
                    ));
                }
                if let Some(n) = missing_blank_line(&f.body) {
                    out.push(format!(
                        "{at}: the output ending on line {} needs an empty line after it \
                         (trycmd takes the last newline of an output for layout)",
                        f.line + n
                    ));
                }
                for l in f.body.iter().filter_map(|l| l.strip_prefix("$ ")) {
                    let l = l.trim_start();
                    let known = DOC_PROGRAMS.iter().any(|p| {
                        l.strip_prefix(p)
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
                    });
                    if !known {
                        out.push(format!(
                            "{at}: '$ {l}': a console command must start with one of {} \
                             (trycmd skips other programs silently)",
                            DOC_PROGRAMS.join(", ")
                        ));
                    }
                }
            }
            "sh" | "bash" | "shell" | "zsh" => {
                let reason = f
                    .info
                    .split_once("not-run:")
                    .map(|(_, r)| r.trim())
                    .unwrap_or_default();
                if reason.is_empty() {
                    out.push(format!(
                        "{at}: '```{}' holds commands that no test runs: make it a ```console \
                         block with the expected output, or say why it cannot run: '```{} \
                         not-run: <reason>'",
                        f.info,
                        f.lang()
                    ));
                }
            }
            lang => {
                for l in &f.body {
                    if l.trim_start().starts_with("$ ") || looks_like_command(l) {
                        out.push(format!(
                            "{at}: '{l}' in a ```{lang} block is a command no test runs: move it \
                             to a ```console block with its output, or to '```sh not-run: \
                             <reason>'"
                        ));
                        break;
                    }
                }
            }
        }
    }
    out
}

/// Whether `text` has a block trycmd runs.
pub fn has_console_blocks(text: &str) -> bool {
    fences(text)
        .iter()
        .any(|f| matches!(f.lang(), "console" | "trycmd"))
}

/// A directory in which one markdown file's console examples run.
///
/// Holds `<rel>.md` (a copy, so trycmd's messages name the same path and lines) and
/// `<rel>.in/`, trycmd's working directory for it, with copies of `tests/fixtures/*` under
/// `tests/fixtures/`, the files of `tests/doc-examples/`, `pages.bin` (see
/// [`DocSandbox::PAGES`]) and the host stand-in `host/`. `bin/sudo` runs its arguments.
#[derive(Debug)]
pub struct DocSandbox {
    dir: TempDir,
    md: PathBuf,
}

impl DocSandbox {
    /// Pages in `pages.bin`: [`zswap_workload::pages::mixed_corpus`] with seed 22.
    pub const PAGES: usize = 256;

    /// A sandbox for the repository's markdown file `rel`.
    pub fn new(rel: &Path) -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let md = dir.path().join(rel);
        fs::create_dir_all(md.parent().expect("a file has a parent")).expect("create directory");
        fs::copy(repo_dir().join(rel), &md).expect("copy the markdown file");
        let cwd = md.with_extension("in");
        for e in fs::read_dir(fixtures_dir()).expect("read tests/fixtures") {
            let p = e.expect("read a fixture entry").path();
            if p.join("sys").is_dir() {
                let to = cwd
                    .join("tests/fixtures")
                    .join(p.file_name().expect("a tree has a name"));
                copy_tree(&p, &to);
            }
        }
        copy_tree(
            &repo_dir().join("tests/doc-examples"),
            &cwd.join("tests/doc-examples"),
        );
        copy_tree(&fixtures_dir().join(DOC_HOST_TREE), &cwd.join("host"));
        let pages: Vec<u8> = zswap_workload::pages::mixed_corpus(22, Self::PAGES)
            .iter()
            .flatten()
            .copied()
            .collect();
        fs::write(cwd.join("pages.bin"), pages).expect("write pages.bin");
        let bin = dir.path().join("bin");
        fs::create_dir_all(&bin).expect("create bin");
        let sudo = bin.join("sudo");
        fs::write(
            &sudo,
            "#!/bin/sh\n# the examples run as the test's user\nexec \"$@\"\n",
        )
        .expect("write bin/sudo");
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&sudo, fs::Permissions::from_mode(0o755)).expect("chmod bin/sudo");
        DocSandbox { dir, md }
    }

    /// The copy of the markdown file, to give trycmd.
    pub fn md(&self) -> &Path {
        &self.md
    }

    /// The directory the examples run in.
    pub fn cwd(&self) -> PathBuf {
        self.md.with_extension("in")
    }

    /// The host stand-in, for `ZSWAP_ROOT`.
    pub fn host(&self) -> PathBuf {
        self.cwd().join("host")
    }

    /// The `sudo` that runs its arguments.
    pub fn sudo(&self) -> PathBuf {
        self.dir.path().join("bin/sudo")
    }

    /// A `PATH` where `sudo`'s programs are found: `bin_dir` (the built binaries) first.
    pub fn path_env(&self, bin_dir: &Path) -> String {
        format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display())
    }
}

/// Runs the ```` ```console ```` examples of every markdown file of the repository with
/// trycmd, each file in its own [`DocSandbox`]. `own` are the programs of the calling crate
/// (name and built binary); the other [`DOC_PROGRAMS`] are skipped here, as their crate's test
/// runs them. Panics with trycmd's report when an example's output or exit status drifted.
pub fn run_markdown_examples(own: &[(&str, &Path)]) {
    let bin_dir = own
        .first()
        .and_then(|(_, p)| p.parent())
        .expect("at least one program with its directory");
    let mut ran = 0;
    for rel in doc_files() {
        let text = fs::read_to_string(repo_dir().join(&rel)).expect("read a markdown file");
        if !has_console_blocks(&text) {
            continue;
        }
        let sb = DocSandbox::new(&rel);
        let t = trycmd::TestCases::new();
        t.case(sb.md())
            .env("ZSWAP_ROOT", sb.host().display().to_string())
            .env("PATH", sb.path_env(bin_dir))
            .env("COLUMNS", "100")
            .env("LC_ALL", "C");
        for program in DOC_PROGRAMS {
            let name = program.split(' ').next().unwrap_or_default();
            match own.iter().find(|(n, _)| *n == name) {
                Some((_, path)) => t.register_bin(name, *path),
                None => t.register_bin(name, trycmd::schema::Bin::Ignore),
            };
        }
        if own.iter().any(|(n, _)| *n == "zswapctl") {
            t.register_bin("sudo", sb.sudo());
        }
        t.run();
        ran += 1;
    }
    assert!(ran > 0, "no markdown file has a console block");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_blocks_pass() {
        let md = "```console\n$ zswapctl get compressor\nlzo\n\n$ zswapctl get enabled\nN\n\n```\n";
        assert!(untested_examples("x.md", md).is_empty());
    }

    #[test]
    fn output_without_empty_line_is_found() {
        let md = "```console\n$ zswapctl get compressor\nlzo\n$ zswapctl get enabled\n```\n";
        assert_eq!(untested_examples("x.md", md).len(), 1);
    }

    #[test]
    fn unmarked_shell_block_is_found() {
        let md = "```sh\nzswapctl status\n```\n";
        assert_eq!(untested_examples("x.md", md).len(), 1);
    }

    #[test]
    fn marked_shell_block_passes() {
        let md = "```sh not-run: installs packages\ncargo build\n```\n";
        assert!(untested_examples("x.md", md).is_empty());
    }

    #[test]
    fn prompt_in_text_block_is_found() {
        let md = "```text\n$ zswapctl status\nzswap enabled\n```\n";
        assert_eq!(untested_examples("x.md", md).len(), 1);
    }

    #[test]
    fn indented_console_block_is_found() {
        let md = "- item\n\n  ```console\n  $ zswapctl get\n  ```\n";
        let found = untested_examples("x.md", md);
        assert!(found.iter().any(|p| p.contains("indented")), "{found:?}");
    }

    #[test]
    fn unknown_program_in_console_block_is_found() {
        let md = "```console\n$ cat zswap.yaml\n```\n";
        assert_eq!(untested_examples("x.md", md).len(), 1);
    }

    #[test]
    fn bare_fence_is_found() {
        let md = "```\n$ zswapctl get\n```\n";
        assert_eq!(untested_examples("x.md", md).len(), 1);
    }

    #[test]
    fn yaml_and_rust_blocks_pass() {
        let md = "```yaml\nenabled: true\n```\n```rust\nlet x = 1;\n```\n";
        assert!(untested_examples("x.md", md).is_empty());
    }
}
