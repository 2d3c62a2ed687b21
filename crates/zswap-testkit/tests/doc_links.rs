//! Every relative link of the repository's markdown files leads somewhere: the file exists,
//! and a `#fragment` into a markdown file names one of its headings (GitHub's anchors).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::disallowed_methods)] // reads the repository's files

use std::path::Path;

use zswap_testkit::docs::{doc_files, fences, repo_dir};

/// GitHub's anchor of a heading: lower case, spaces to `-`, other punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// The anchors of `text`'s headings (outside fenced blocks).
fn anchors(text: &str) -> Vec<String> {
    let fenced: Vec<(usize, usize)> = fences(text)
        .iter()
        .map(|f| (f.line, f.line + f.body.len() + 1))
        .collect();
    text.lines()
        .enumerate()
        .filter(|(i, _)| !fenced.iter().any(|(a, b)| (*a..=*b).contains(&(i + 1))))
        .filter_map(|(_, l)| l.strip_prefix('#'))
        .map(|l| anchor(l.trim_start_matches('#')))
        .collect()
}

/// The targets of `[text](target)` links in `text`, fenced blocks and inline code left out.
fn link_targets(text: &str) -> Vec<String> {
    let fenced: Vec<(usize, usize)> = fences(text)
        .iter()
        .map(|f| (f.line, f.line + f.body.len() + 1))
        .collect();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if fenced.iter().any(|(a, b)| (*a..=*b).contains(&(i + 1))) {
            continue;
        }
        // drop inline code spans
        let plain: String = line
            .split('`')
            .enumerate()
            .filter(|(n, _)| n % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            out.push(after[..end].trim().to_owned());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn relative_links_resolve() {
    let mut broken = Vec::new();
    for rel in doc_files() {
        let text = std::fs::read_to_string(repo_dir().join(&rel)).unwrap();
        let dir = rel.parent().unwrap_or(Path::new(""));
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, fragment) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let path = if file.is_empty() {
                rel.clone()
            } else {
                dir.join(file)
            };
            let full = repo_dir().join(&path);
            if !full.exists() {
                broken.push(format!(
                    "{}: '{target}': no '{}'",
                    rel.display(),
                    path.display()
                ));
                continue;
            }
            if let Some(frag) = fragment
                && full.extension().is_some_and(|e| e == "md")
            {
                let t = std::fs::read_to_string(&full).unwrap();
                if !anchors(&t).iter().any(|a| a == frag) {
                    broken.push(format!(
                        "{}: '{target}': no heading '#{frag}' in '{}'",
                        rel.display(),
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_follow_github() {
    assert_eq!(
        anchor(" Administration: `get`, `set`, `apply`, `persist`, `check`"),
        "administration-get-set-apply-persist-check"
    );
    assert_eq!(
        anchor(" Replaying a recorded trace: `--trace FILE`"),
        "replaying-a-recorded-trace---trace-file"
    );
    assert_eq!(
        link_targets("see [a](docs/zram.md#x) and `[b](c)` and [d](../e)"),
        ["docs/zram.md#x", "../e"]
    );
}
