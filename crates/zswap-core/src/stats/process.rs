//! The reading process's own resource use (`/proc/self/stat`, `/proc/self/limits`,
//! `/proc/self/fd` and `btime` in `/proc/stat`), in the units Prometheus client libraries
//! export as `process_*`: CPU seconds, bytes, descriptors, and the start as Unix seconds.

use std::io::Cursor;
use std::path::Path;

use procfs_core::FromRead;
use procfs_core::process::{LimitValue, Limits, Stat};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::sysroot::SysRoot;

/// One process's figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProcessSample {
    /// User plus system CPU time (`utime` + `stime`).
    pub cpu_seconds: f64,
    /// Resident set size (`rss` pages × page size).
    pub resident_memory_bytes: u64,
    /// Virtual memory size (`vsize`).
    pub virtual_memory_bytes: u64,
    /// Open file descriptors (entries of `fd/`).
    pub open_fds: u64,
    /// The soft limit on open files; `None` when unlimited.
    pub max_fds: Option<u64>,
    /// Start time since the Unix epoch: `btime` + `starttime` / clock ticks.
    pub start_time_seconds: f64,
}

/// The kernel constants the conversion needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessUnits {
    /// `sysconf(_SC_CLK_TCK)`: the unit of `utime`, `stime` and `starttime`.
    pub ticks_per_second: u64,
    /// `sysconf(_SC_PAGESIZE)`: the unit of `rss`.
    pub page_size: u64,
}

impl ProcessUnits {
    /// The running kernel's.
    pub fn running_kernel() -> Self {
        // SAFETY: sysconf has no preconditions; it returns -1 for an unknown name.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        ProcessUnits {
            // 100 is USER_HZ on every Linux architecture; the call does not fail there
            ticks_per_second: u64::try_from(ticks).ok().filter(|t| *t > 0).unwrap_or(100),
            page_size: crate::page::running_kernel_page_size(),
        }
    }
}

/// Parses a process's `stat` and `limits` texts and `/proc/stat`'s `btime`, given its count
/// of open descriptors.
pub fn parse_process(
    stat: &str,
    limits: &str,
    proc_stat: &str,
    open_fds: u64,
    units: ProcessUnits,
) -> Result<ProcessSample> {
    let paths = [
        Path::new("self/stat"),
        Path::new("self/limits"),
        Path::new("stat"),
    ];
    parse_at(paths, [stat, limits, proc_stat], open_fds, units)
}

/// [`parse_process`], naming `paths` (stat, limits, /proc/stat) in its errors.
fn parse_at(
    paths: [&Path; 3],
    [stat, limits, proc_stat]: [&str; 3],
    open_fds: u64,
    units: ProcessUnits,
) -> Result<ProcessSample> {
    let st = Stat::from_read(Cursor::new(stat))
        .map_err(|_| Error::parse(paths[0], stat, "one line of process fields (proc(5))"))?;
    let lim = Limits::from_read(Cursor::new(limits))
        .map_err(|_| Error::parse(paths[1], limits, "'Limit Soft Hard Units' rows"))?;
    let btime = proc_stat
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse::<u64>().ok())
        .ok_or_else(|| Error::parse(paths[2], proc_stat, "a 'btime <seconds>' line"))?;
    let ticks = units.ticks_per_second as f64;
    Ok(ProcessSample {
        cpu_seconds: (st.utime + st.stime) as f64 / ticks,
        resident_memory_bytes: st.rss.saturating_mul(units.page_size),
        virtual_memory_bytes: st.vsize,
        open_fds,
        max_fds: match lim.max_open_files.soft_limit {
            LimitValue::Value(v) => Some(v),
            LimitValue::Unlimited => None,
        },
        start_time_seconds: btime as f64 + st.starttime as f64 / ticks,
    })
}

/// Reads the calling process's figures from `<proc>/self` (so `root` must be the procfs of
/// the caller's PID namespace, as the host root is).
pub fn read_self_process(root: &SysRoot, units: ProcessUnits) -> Result<ProcessSample> {
    let paths = [
        root.proc("self/stat"),
        root.proc("self/limits"),
        root.proc("stat"),
    ];
    let texts = [
        root.read(&paths[0])?,
        root.read(&paths[1])?,
        root.read(&paths[2])?,
    ];
    // the listing's own descriptor is counted, as client_golang's process collector does
    let fd_dir = root.proc("self/fd");
    let open_fds = root
        .list_dir(&fd_dir)?
        .ok_or_else(|| Error::parse(&fd_dir, "", "a directory of open descriptors"))?
        .len() as u64;
    parse_at(
        [&paths[0], &paths[1], &paths[2]],
        [&texts[0], &texts[1], &texts[2]],
        open_fds,
        units,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // a real /proc/self/stat line: the command name holds a space and a parenthesis, which
    // is why the fields are counted from the last ')'
    const STAT: &str = "4242 (zswap) exp) S 1 4242 4242 0 -1 4194560 900 0 0 0 \
        250 50 0 0 20 0 3 0 123456 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 \
        17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
    const LIMITS: &str = "Limit                     Soft Limit           Hard Limit           Units     \n\
        Max cpu time              unlimited            unlimited            seconds   \n\
        Max file size             unlimited            unlimited            bytes     \n\
        Max data size             unlimited            unlimited            bytes     \n\
        Max stack size            8388608              unlimited            bytes     \n\
        Max core file size        0                    unlimited            bytes     \n\
        Max resident set          unlimited            unlimited            bytes     \n\
        Max processes             62442                62442                processes \n\
        Max open files            1024                 524288               files     \n\
        Max locked memory         8388608              8388608              bytes     \n\
        Max address space         unlimited            unlimited            bytes     \n\
        Max file locks            unlimited            unlimited            locks     \n\
        Max pending signals       62442                62442                signals   \n\
        Max msgqueue size         819200               819200               bytes     \n\
        Max nice priority         0                    0                    \n\
        Max realtime priority     0                    0                    \n\
        Max realtime timeout      unlimited            unlimited            us        \n";
    const PROC_STAT: &str = "cpu  1 2 3 4 5 6 7 8 9 10\nbtime 1700000000\nprocesses 99\n";
    const UNITS: ProcessUnits = ProcessUnits {
        ticks_per_second: 100,
        page_size: 4096,
    };

    #[test]
    fn converts_ticks_pages_and_boot_time() {
        let p = parse_process(STAT, LIMITS, PROC_STAT, 7, UNITS).unwrap();
        assert_eq!(
            p,
            ProcessSample {
                cpu_seconds: 3.0,
                resident_memory_bytes: 2560 * 4096,
                virtual_memory_bytes: 104_857_600,
                open_fds: 7,
                max_fds: Some(1024),
                start_time_seconds: p.start_time_seconds,
            }
        );
        assert!(
            (p.start_time_seconds - 1_700_001_234.56).abs() < 1e-6,
            "{p:?}"
        );
    }

    #[test]
    fn unlimited_files_have_no_maximum() {
        let limits = LIMITS.replace(
            "Max open files            1024                 524288 ",
            "Max open files            unlimited            unlimited",
        );
        let p = parse_process(STAT, &limits, PROC_STAT, 7, UNITS).unwrap();
        assert_eq!(p.max_fds, None);
    }

    #[test]
    fn bad_text_names_the_file() {
        let e = parse_process(STAT, LIMITS, "cpu 1 2 3\n", 7, UNITS).unwrap_err();
        assert!(e.to_string().contains("btime"), "{e}");
        let e = parse_process("garbage", LIMITS, PROC_STAT, 7, UNITS).unwrap_err();
        assert!(e.to_string().contains("'self/stat'"), "{e}");
    }

    #[test]
    fn reads_this_process() {
        let p = read_self_process(&SysRoot::host(), ProcessUnits::running_kernel()).unwrap();
        assert!(p.open_fds >= 3, "{p:?}");
        assert!(p.resident_memory_bytes > 0 && p.virtual_memory_bytes > p.resident_memory_bytes);
    }
}
