//! cgroup v2 memory controller files for zswap (`mm/memcontrol.c`,
//! `Documentation/admin-guide/cgroup-v2.rst`): `memory.zswap.current` (compressed bytes
//! charged), `memory.zswap.max`, `memory.zswap.writeback` (6.8+) and the zswap keys of
//! `memory.stat`. cgroup v1's memory controller keeps no zswap accounting.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use crate::error::{Error, Result};
use crate::stats::mounts::read_mounts;
use crate::stats::parse_key_values;
use crate::sysroot::SysRoot;

pub mod kubepods;

/// The zswap keys of `memory.stat`: name, unit.
pub const STAT_KEYS: [(&str, &str); 6] = [
    ("zswap", "bytes"),
    ("zswapped", "bytes"),
    ("zswpin", "pages"),
    ("zswpout", "pages"),
    ("zswpwb", "pages"),
    ("zswap_incomp", "bytes"),
];

/// A cgroup limit: a number of bytes, or none (`max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// No limit.
    Max,
    /// A limit in bytes.
    Bytes(u64),
}

impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Limit::Max => s.serialize_str("max"),
            Limit::Bytes(n) => s.serialize_u64(*n),
        }
    }
}

/// Parses a limit file (`max` or a number of bytes).
pub fn parse_limit(text: &str) -> Option<Limit> {
    match text.trim() {
        "max" => Some(Limit::Max),
        t => t.parse().ok().map(Limit::Bytes),
    }
}

/// The cgroup v2 hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cgroup2Mount {
    /// Where it is, inside this root.
    pub path: PathBuf,
    /// True if and only if the memory controller is available in it.
    pub memory_controller: bool,
}

/// One cgroup's zswap figures. Files this kernel lacks are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CgroupZswap {
    /// Path relative to the hierarchy's root, starting with `/`.
    pub path: String,
    /// `memory.zswap.current`: compressed bytes charged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zswap_current_bytes: Option<u64>,
    /// `memory.zswap.max`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zswap_max: Option<Limit>,
    /// `memory.zswap.writeback` (6.8+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zswap_writeback: Option<bool>,
    /// The zswap keys of `memory.stat` this kernel has.
    pub stat: BTreeMap<String, u64>,
}

/// Finds the cgroup v2 hierarchy: from `/proc/mounts` when the tree has it, else at
/// `sys/fs/cgroup` or `sys/fs/cgroup/unified`.
pub fn find_cgroup2(root: &SysRoot) -> Result<Option<Cgroup2Mount>> {
    let path = match read_mounts(root)? {
        Some(mounts) => mounts
            .iter()
            .find(|m| m.fs_type == "cgroup2")
            .map(|m| root.map_abs(&m.mount_point)),
        None => ["fs/cgroup", "fs/cgroup/unified"]
            .into_iter()
            .map(|p| root.sys(p))
            .find(|p| root.exists(&p.join("cgroup.controllers"))),
    };
    let Some(path) = path else { return Ok(None) };
    let controllers = root
        .read_opt(&path.join("cgroup.controllers"))?
        .unwrap_or_default();
    let memory_controller = controllers.split_whitespace().any(|c| c == "memory");
    Ok(Some(Cgroup2Mount {
        path,
        memory_controller,
    }))
}

/// Reads one cgroup directory. `rel` is its path relative to the hierarchy root.
pub fn read_cgroup(root: &SysRoot, dir: &Path, rel: &str) -> Result<CgroupZswap> {
    let stat = dir.join("memory.stat");
    let text = root.read_opt(&stat)?;
    read_cgroup_with_stat(root, dir, rel, &stat, text.as_deref())
}

/// [`read_cgroup`] with `memory.stat` (at `stat`) already read: the walk reads it first, as
/// its presence says whether the cgroup has the memory controller. The files are checked in
/// the same order as before that change (the `memory.zswap.*` files, then `memory.stat`),
/// so the first malformed file named in an error is the same.
fn read_cgroup_with_stat(
    root: &SysRoot,
    dir: &Path,
    rel: &str,
    stat: &Path,
    stat_text: Option<&str>,
) -> Result<CgroupZswap> {
    let mut cg = CgroupZswap {
        path: rel.to_owned(),
        ..Default::default()
    };
    let cur = dir.join("memory.zswap.current");
    if let Some(t) = root.read_opt(&cur)? {
        cg.zswap_current_bytes = Some(
            t.trim()
                .parse()
                .map_err(|_| Error::parse(&cur, &t, "a number of bytes"))?,
        );
    }
    let max = dir.join("memory.zswap.max");
    if let Some(t) = root.read_opt(&max)? {
        cg.zswap_max =
            Some(parse_limit(&t).ok_or_else(|| Error::parse(&max, &t, "'max' or bytes"))?);
    }
    let wb = dir.join("memory.zswap.writeback");
    if let Some(t) = root.read_opt(&wb)? {
        cg.zswap_writeback = Some(match t.trim() {
            "1" => true,
            "0" => false,
            _ => return Err(Error::parse(&wb, &t, "'0' or '1'")),
        });
    }
    if let Some(t) = stat_text {
        let (pairs, bad) = parse_key_values(t);
        if bad.is_some() {
            return Err(Error::parse(
                stat,
                bad.unwrap_or_default(),
                "'key value' lines",
            ));
        }
        cg.stat = pairs
            .into_iter()
            .filter(|(k, _)| STAT_KEYS.iter().any(|(n, _)| n == k))
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
    }
    Ok(cg)
}

/// What to read of the hierarchy.
#[derive(Debug, Clone)]
pub struct CgroupFilter {
    /// Only cgroups whose path starts with this (e.g. `/system.slice`).
    pub prefix: Option<String>,
    /// At most this many cgroups (a bound on cost and on metric cardinality).
    pub max_cgroups: usize,
}

impl Default for CgroupFilter {
    fn default() -> Self {
        CgroupFilter {
            prefix: None,
            max_cgroups: 1000,
        }
    }
}

/// The zswap figures of the cgroups in the hierarchy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CgroupsReading {
    /// The cgroups read, breadth first (the root first).
    pub cgroups: Vec<CgroupZswap>,
    /// True if and only if more cgroups matched than `max_cgroups`.
    pub truncated: bool,
}

/// Walks the cgroup v2 hierarchy breadth first and reads every cgroup with a memory
/// controller. Cgroups that vanish while being read are skipped.
pub fn read_cgroups(
    root: &SysRoot,
    mount: &Cgroup2Mount,
    filter: &CgroupFilter,
) -> Result<CgroupsReading> {
    let mut out = CgroupsReading::default();
    let mut queue = VecDeque::from([(mount.path.clone(), "/".to_owned())]);
    while let Some((dir, rel)) = queue.pop_front() {
        let wanted = filter
            .prefix
            .as_deref()
            .is_none_or(|p| rel.starts_with(p) || p.starts_with(&rel));
        let matches = filter.prefix.as_deref().is_none_or(|p| rel.starts_with(p));
        if !wanted {
            continue;
        }
        if matches {
            // read rather than stat first: a cgroup with the memory controller is one with
            // memory.stat, and its content is needed anyway (one path walk, not two)
            let stat = dir.join("memory.stat");
            if let Some(text) = root.read_opt(&stat)? {
                if out.cgroups.len() >= filter.max_cgroups {
                    out.truncated = true;
                    break;
                }
                match read_cgroup_with_stat(root, &dir, &rel, &stat, Some(&text)) {
                    Ok(cg) => out.cgroups.push(cg),
                    Err(Error::Read { source, .. })
                        if source.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        queue.extend(subdirs(root, &dir, &rel));
    }
    Ok(out)
}

/// The child cgroups of `dir` (path relative to the hierarchy root: `rel`), in name order;
/// none if it vanished or cannot be listed.
fn subdirs(root: &SysRoot, dir: &Path, rel: &str) -> Vec<(PathBuf, String)> {
    // the listing's file types: no stat of each of the cgroup's ~50 interface files
    let Some(names) = root.list_dir_typed(dir).ok().flatten() else {
        return Vec::new();
    };
    names
        .into_iter()
        .filter(|(_, is_dir)| *is_dir)
        .map(|(name, _)| {
            let child_rel = if rel == "/" {
                format!("/{name}")
            } else {
                format!("{rel}/{name}")
            };
            (dir.join(&name), child_rel)
        })
        .collect()
}

/// Finds the cgroups whose id is in `ids` and returns their paths relative to the
/// hierarchy root (as in [`CgroupZswap::path`]). A cgroup's id (`cgroup_id()`,
/// `bpf_get_current_cgroup_id`) is the inode number of its directory on 64-bit kernels.
/// Walks breadth first and stops once every id is found; ids of cgroups that do not exist
/// are absent from the result, and cgroups that vanish while being walked are skipped.
pub fn find_cgroup_paths(
    root: &SysRoot,
    mount: &Cgroup2Mount,
    ids: &BTreeSet<u64>,
) -> Result<BTreeMap<u64, String>> {
    let mut out = BTreeMap::new();
    let mut queue = VecDeque::from([(mount.path.clone(), "/".to_owned())]);
    while out.len() < ids.len() {
        let Some((dir, rel)) = queue.pop_front() else {
            break;
        };
        match root.inode(&dir)? {
            Some(id) if ids.contains(&id) => {
                out.insert(id, rel.clone());
            }
            Some(_) => {}
            None => continue,
        }
        queue.extend(subdirs(root, &dir, &rel));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
