//! One reading of everything the kernel says about zswap, taken together. A source that
//! cannot be read is recorded as a problem (with its reason) and the rest is still read:
//! tools show what they can and say what they cannot.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::error::Error;
use crate::kernel::{KernelRelease, read_release};
use crate::params::{ZswapParams, read_params};
use crate::stats::cgroup::{
    Cgroup2Mount, CgroupFilter, CgroupsReading, find_cgroup2, read_cgroups,
};
use crate::stats::crypto::{CompressorInfo, read_crypto};
use crate::stats::debugfs::{DebugfsReading, DebugfsStatus, read_debugfs};
use crate::stats::meminfo::{MeminfoSample, read_meminfo};
use crate::stats::swaps::{SwapDevice, read_swaps};
use crate::stats::vmstat::{VmstatSample, read_vmstat};
use crate::sysroot::SysRoot;

/// A source that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Which source: `params`, `debugfs`, `meminfo`, `vmstat`, `swaps`, `crypto`, `cgroup`,
    /// `release`.
    pub source: &'static str,
    /// What went wrong, naming the file.
    pub message: String,
    /// True if and only if it is a permission refusal (run as root).
    pub permission: bool,
}

/// Raw counters and settings at one moment. Absent on this kernel means `None`, never 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ZswapSample {
    /// When it was taken, in milliseconds since the Unix epoch.
    pub taken_at_ms: u64,
    /// Kernel release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<KernelRelease>,
    /// Parameters; `None` when the kernel has no zswap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<ZswapParams>,
    /// debugfs counters, or why they are missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debugfs: Option<DebugfsReading>,
    /// `/proc/meminfo` figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meminfo: Option<MeminfoSample>,
    /// `/proc/vmstat` counters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vmstat: Option<VmstatSample>,
    /// Active swap areas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swaps: Option<Vec<SwapDevice>>,
    /// Compression algorithms in `/proc/crypto`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compressors: Option<Vec<CompressorInfo>>,
    /// The cgroup v2 hierarchy, if mounted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cgroup2: Option<Cgroup2Mount>,
    /// Per-cgroup zswap figures (only when asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cgroups: Option<CgroupsReading>,
    /// Sources that could not be read.
    pub problems: Vec<Problem>,
    /// Bytes per page of the sampled kernel ([`SysRoot::page_size`]); `None` (a sample built
    /// by hand) means [`crate::page::PAGE_SIZE`]. Not part of the JSON output.
    #[serde(skip)]
    pub page_size: Option<u64>,
}

/// Why figures are missing, in sentences for people: the one source of the explanations that
/// `zswapctl status` (its "Not shown" section) and `top` (its notes) lay out their own way.
impl ZswapSample {
    /// Bytes per page of the sampled kernel, to turn its page counts into bytes.
    pub fn page_bytes(&self) -> u64 {
        self.page_size.unwrap_or(crate::page::PAGE_SIZE as u64)
    }

    /// Why there are no zswap figures at all: the kernel has no zswap. `None` when the
    /// parameters were read, or could not be read for a reason [`Problem::reason`] gives.
    pub fn no_zswap_reason(&self) -> Option<&'static str> {
        let unreadable = self.problems.iter().any(|p| p.source == "params");
        (self.params.is_none() && !unreadable).then_some(
            "this kernel has no zswap (no /sys/module/zswap/parameters): it was built without \
             CONFIG_ZSWAP",
        )
    }

    /// Why the debugfs counters are missing and how to get them, if they are.
    pub fn debugfs_missing_reason(&self) -> Option<&'static str> {
        self.debugfs
            .as_ref()
            .filter(|d| d.status != DebugfsStatus::Available)
            .map(|d| d.status.explain())
    }

    /// Why zswap stores nothing new although the kernel has it: it is disabled (saying
    /// whether it ever stored a page on this boot, and how to turn it on).
    pub fn disabled_reason(&self) -> Option<&'static str> {
        let p = self.params.as_ref()?;
        if p.enabled() != Some(false) {
            return None;
        }
        let stored = self.vmstat.as_ref().and_then(|v| v.get("zswpout"));
        Some(if stored == Some(0) {
            "zswap is disabled and has never stored a page on this boot: turn it on \
             with 'zswapctl set enabled true'"
        } else {
            "zswap is disabled: new swap-outs bypass it; pages already in the pool stay \
             until loaded or invalidated"
        })
    }

    /// Why the pool stays empty: no swap device is active.
    pub fn no_swap_reason(&self) -> Option<&'static str> {
        self.swaps.as_ref().filter(|s| s.is_empty()).map(
            |_| "no swap device is active: zswap only holds pages on their way to swap (swapon)",
        )
    }
}

impl Problem {
    /// Why the source is missing: the error, and the fix when it is a permission refusal.
    pub fn reason(&self) -> String {
        if self.permission {
            format!("{}: run as root", self.message)
        } else {
            self.message.clone()
        }
    }
}

/// What [`collect_sample`] reads besides the system-wide figures.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    /// Read per-cgroup figures with this filter; `None` skips the cgroup walk.
    pub cgroups: Option<CgroupFilter>,
}

/// Reads every source once.
pub fn collect_sample(root: &SysRoot, opts: &CollectOptions) -> ZswapSample {
    let mut s = ZswapSample {
        taken_at_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0),
        page_size: Some(root.page_size()),
        ..Default::default()
    };
    let problems = &mut s.problems;
    s.release = note(problems, "release", read_release(root)).flatten();
    s.params = note(problems, "params", read_params(root)).flatten();
    s.debugfs = note(problems, "debugfs", read_debugfs(root));
    s.meminfo = note(problems, "meminfo", read_meminfo(root));
    s.vmstat = note(problems, "vmstat", read_vmstat(root));
    s.swaps = note(problems, "swaps", read_swaps(root));
    s.compressors = note(problems, "crypto", read_crypto(root));
    s.cgroup2 = note(problems, "cgroup", find_cgroup2(root)).flatten();
    if let (Some(filter), Some(mount)) = (&opts.cgroups, &s.cgroup2)
        && mount.memory_controller
    {
        s.cgroups = note(problems, "cgroup", read_cgroups(root, mount, filter));
    }
    s
}

fn note<T>(problems: &mut Vec<Problem>, source: &'static str, r: Result<T, Error>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(Problem {
                source,
                permission: e.is_permission(),
                message: e.to_string(),
            });
            None
        }
    }
}
