//! zswap's statistics, wherever the kernel keeps them: debugfs `zswap/`, `/proc/meminfo`,
//! `/proc/vmstat`, `/proc/swaps`, `/proc/crypto` and cgroup v2 `memory.zswap.*` /
//! `memory.stat`. Parsers take `&str` and are tested without files; readers take a
//! [`SysRoot`](crate::SysRoot).

pub mod cgroup;
pub mod crypto;
pub mod debugfs;
pub mod meminfo;
pub mod mounts;
pub mod process;
pub mod swaps;
pub mod vmstat;

/// Parses `key value` lines (vmstat, memory.stat, debugfs-like) into pairs; lines that are
/// not two fields with a number are skipped and returned as the first bad line, if any.
pub(crate) fn parse_key_values(text: &str) -> (Vec<(&str, u64)>, Option<&str>) {
    let mut out = Vec::new();
    let mut bad = None;
    for line in text.lines() {
        let mut it = line.split_whitespace();
        match (it.next(), it.next(), it.next()) {
            (Some(k), Some(v), None) => match v.parse::<u64>() {
                Ok(n) => out.push((k, n)),
                Err(_) => {
                    bad.get_or_insert(line);
                }
            },
            (None, _, _) => {}
            _ => {
                bad.get_or_insert(line);
            }
        }
    }
    (out, bad)
}
