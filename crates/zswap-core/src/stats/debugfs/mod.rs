//! debugfs `zswap/` (`mm/zswap.c` `zswap_debugfs_init`): one decimal number per file.
//! Needs debugfs mounted (root only by default) and, since 6.12, zswap enabled once.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::stats::mounts::read_mounts;
use crate::sysroot::SysRoot;

/// The zswap directory, relative to debugfs.
pub const ZSWAP_DIR: &str = "zswap";

/// Whether a debugfs file counts events or holds a current level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterKind {
    /// Only grows (until reboot).
    Counter,
    /// Goes up and down.
    Gauge,
}

/// A debugfs zswap file known in some era, with its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterDef {
    /// File name.
    pub name: &'static str,
    /// Counter or gauge.
    pub kind: CounterKind,
    /// Unit: `pages`, `bytes` or `events`.
    pub unit: &'static str,
    /// One line of what it means.
    pub help: &'static str,
}

const fn def(
    name: &'static str,
    kind: CounterKind,
    unit: &'static str,
    help: &'static str,
) -> CounterDef {
    CounterDef {
        name,
        kind,
        unit,
        help,
    }
}

/// Every debugfs zswap file of 6.1, 6.12, 6.18 and 7.x.
pub const COUNTERS: [CounterDef; 13] = [
    def(
        "pool_limit_hit",
        CounterKind::Counter,
        "events",
        "stores that found the pool at its limit",
    ),
    def(
        "reject_reclaim_fail",
        CounterKind::Counter,
        "events",
        "writeback attempts that failed",
    ),
    def(
        "reject_alloc_fail",
        CounterKind::Counter,
        "events",
        "stores rejected: allocator error",
    ),
    def(
        "reject_kmemcache_fail",
        CounterKind::Counter,
        "events",
        "stores rejected: entry allocation failed",
    ),
    def(
        "reject_compress_poor",
        CounterKind::Counter,
        "events",
        "stores rejected: compressed too poorly (ENOSPC)",
    ),
    def(
        "reject_compress_fail",
        CounterKind::Counter,
        "events",
        "stores rejected: compressor error (6.6+)",
    ),
    def(
        "decompress_fail",
        CounterKind::Counter,
        "events",
        "loads or writebacks whose decompression failed (≈6.16+)",
    ),
    def(
        "written_back_pages",
        CounterKind::Counter,
        "pages",
        "pages written back to the swap device",
    ),
    def(
        "duplicate_entry",
        CounterKind::Counter,
        "events",
        "stores that found an entry at the same offset (≤ ≈6.8)",
    ),
    def(
        "pool_total_size",
        CounterKind::Gauge,
        "bytes",
        "allocator memory of all pools",
    ),
    def(
        "stored_pages",
        CounterKind::Gauge,
        "pages",
        "entries stored",
    ),
    def(
        "same_filled_pages",
        CounterKind::Gauge,
        "pages",
        "entries stored as one repeated word (≤ ≈6.11)",
    ),
    def(
        "stored_incompressible_pages",
        CounterKind::Gauge,
        "pages",
        "entries stored uncompressed (6.18+)",
    ),
];

/// Why the debugfs counters can or cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DebugfsStatus {
    /// The counters were read.
    Available,
    /// debugfs is not mounted: `mount -t debugfs none /sys/kernel/debug`.
    NotMounted,
    /// debugfs is mounted but has no `zswap/`: zswap has never been enabled (6.12+ create
    /// it on first enable) or failed to initialise.
    NoZswapDir,
    /// Reading debugfs needs root (it is mode 0700).
    PermissionDenied,
}

impl DebugfsStatus {
    /// A sentence for people: why the counters are missing and how to get them.
    pub fn explain(self) -> &'static str {
        match self {
            DebugfsStatus::Available => "debugfs counters available",
            DebugfsStatus::NotMounted => {
                "debugfs is not mounted: run 'mount -t debugfs none /sys/kernel/debug' as root"
            }
            DebugfsStatus::NoZswapDir => {
                "debugfs has no zswap directory: zswap has never been enabled on this boot \
                 (kernels from 6.12 create it on first enable)"
            }
            DebugfsStatus::PermissionDenied => {
                "debugfs is readable only by root: run as root for the detailed counters"
            }
        }
    }
}

/// The debugfs counters present on this kernel. A file this kernel lacks is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DebugfsStats {
    /// Known files by name (see [`COUNTERS`]).
    pub values: BTreeMap<String, u64>,
    /// 6.1's `frontswap/` counters (loads, succ_stores, failed_stores, invalidates).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub frontswap: BTreeMap<String, u64>,
}

impl DebugfsStats {
    /// The value of a file, if this kernel has it.
    pub fn get(&self, name: &str) -> Option<u64> {
        self.values.get(name).copied()
    }
}

/// What reading debugfs gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebugfsReading {
    /// Whether the counters could be read, and if not why.
    pub status: DebugfsStatus,
    /// The counters, when available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<DebugfsStats>,
}

/// Parses one debugfs file's content.
pub fn parse_counter(text: &str) -> Option<u64> {
    text.trim_end_matches('\n').parse().ok()
}

/// Reads debugfs `zswap/` (and 6.1's `frontswap/`).
pub fn read_debugfs(root: &SysRoot) -> Result<DebugfsReading> {
    let dir = root.debug(ZSWAP_DIR);
    let names = match root.list_dir_typed(&dir) {
        Ok(Some(names)) => names,
        Ok(None) => {
            let status = if debugfs_mounted(root)? {
                DebugfsStatus::NoZswapDir
            } else {
                DebugfsStatus::NotMounted
            };
            return Ok(DebugfsReading {
                status,
                stats: None,
            });
        }
        Err(e) if e.is_permission() => {
            return Ok(DebugfsReading {
                status: DebugfsStatus::PermissionDenied,
                stats: None,
            });
        }
        Err(e) => return Err(e),
    };
    let mut stats = DebugfsStats {
        values: read_numbers(root, &dir, &names)?,
        ..Default::default()
    };
    let fs_dir = root.debug("frontswap");
    if let Some(fs_names) = root.list_dir_typed(&fs_dir)? {
        stats.frontswap = read_numbers(root, &fs_dir, &fs_names)?;
    }
    Ok(DebugfsReading {
        status: DebugfsStatus::Available,
        stats: Some(stats),
    })
}

fn read_numbers(
    root: &SysRoot,
    dir: &std::path::Path,
    names: &[(String, bool)],
) -> Result<BTreeMap<String, u64>> {
    let mut values = BTreeMap::new();
    for (name, is_dir) in names {
        if *is_dir {
            continue;
        }
        let path = dir.join(name);
        let text = root.read(&path)?;
        let n =
            parse_counter(&text).ok_or_else(|| Error::parse(&path, &text, "a decimal number"))?;
        values.insert(name.clone(), n);
    }
    Ok(values)
}

/// True if and only if debugfs is mounted where this root expects it. Uses `/proc/mounts`
/// when the tree has one; otherwise a non-empty debugfs directory counts as mounted.
pub fn debugfs_mounted(root: &SysRoot) -> Result<bool> {
    let dir = root.debugfs_dir();
    if let Some(mounts) = read_mounts(root)? {
        let found = mounts
            .iter()
            .any(|m| m.fs_type == "debugfs" && root.map_abs(&m.mount_point) == dir);
        if found || root.is_host() {
            return Ok(found);
        }
    }
    match root.list_dir(dir) {
        Ok(Some(names)) => Ok(!names.is_empty()),
        Ok(None) => Ok(false),
        Err(e) if e.is_permission() => Ok(true),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests;
