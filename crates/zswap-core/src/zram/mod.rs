//! zram devices as the kernel shows them: `/sys/block/zramN/*` (`drivers/block/zram/zram_drv.c`)
//! and, for which of them are active swap, `/proc/swaps`. See
//! `Documentation/admin-guide/blockdev/zram.rst` and, for what each kernel prints,
//! `docs/zram.md`.
//!
//! zram shares zsmalloc and the compressors with zswap; zswap-tools observes it and leaves
//! its administration to `zramctl` and zram-generator. A figure a kernel (or its build
//! options) does not have, a device that is not set up, or a device removed between two
//! reads gives an absent figure with the reason, never an error for the whole reading.

mod parse;
#[cfg(test)]
mod tests;

use std::path::Path;

use serde::Serialize;

pub use parse::{
    BdStat, CompAlgorithms, IoStat, MmStat, RecompAlgorithm, ZRAM_UNIT_BYTES, parse_backing_dev,
    parse_bd_stat, parse_comp_algorithm, parse_flag, parse_io_stat, parse_mm_stat,
    parse_recomp_algorithm, parse_u64,
};

use crate::error::{Error, Result};
use crate::stats::swaps::{SwapDevice, read_swaps};
use crate::sysroot::SysRoot;

/// Where the kernel lists block devices (relative to sysfs).
pub const BLOCK_DIR: &str = "block";
/// The directory that exists when zram is loaded (`hot_add`, `hot_remove`).
pub const CONTROL_DIR: &str = "class/zram-control";

/// A figure that could not be given, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Absent {
    /// The attribute (`mm_stat`, `bd_stat`, `swap`, ...).
    pub what: &'static str,
    /// Why it is absent.
    pub reason: String,
}

/// A zram device that is active swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ZramSwap {
    /// Swap priority (higher is used first).
    pub priority: i32,
    /// Swap space in use, in bytes.
    pub used_bytes: u64,
    /// Size of the swap area, in bytes.
    pub size_bytes: u64,
}

/// One zram device at one moment. Every figure is `None` when it is absent, and
/// [`absent`](Self::absent) says why; in JSON an absent figure is left out, never `null`
/// (`crates/zswapctl/schema/status.schema.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZramDevice {
    /// The device name, `zramN`.
    pub device: String,
    /// `initstate`: true if and only if the device is set up (a disk size was written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initialized: Option<bool>,
    /// `disksize`: the most uncompressed data the device can hold, in bytes; 0 when not set
    /// up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disksize_bytes: Option<u64>,
    /// `comp_algorithm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comp_algorithm: Option<CompAlgorithms>,
    /// `recomp_algorithm` (`CONFIG_ZRAM_MULTI_COMP`, 6.2+): configured secondary algorithms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recomp_algorithms: Option<Vec<RecompAlgorithm>>,
    /// `mm_stat`, only for a device that is set up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mm_stat: Option<MmStat>,
    /// `io_stat`, only for a device that is set up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub io_stat: Option<IoStat>,
    /// `bd_stat` (`CONFIG_ZRAM_WRITEBACK`), only for a device that is set up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bd_stat: Option<BdStat>,
    /// True if and only if the kernel has writeback (`backing_dev` exists).
    pub writeback_built: bool,
    /// `backing_dev`: the writeback target; `None` when none is set or writeback is not
    /// built (see [`writeback_built`](Self::writeback_built)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backing_dev: Option<String>,
    /// `writeback_limit_enable` (5.5+ with writeback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writeback_limit_enable: Option<bool>,
    /// `writeback_limit`, in bytes (the kernel counts 4 KiB units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writeback_limit_bytes: Option<u64>,
    /// Set when the device is active swap (`/proc/swaps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap: Option<ZramSwap>,
    /// The figures left out, and why.
    pub absent: Vec<Absent>,
    /// Bytes per page of the kernel ([`SysRoot::page_size`]): `mm_stat` counts same-filled
    /// pages, not bytes. Not part of the JSON output.
    #[serde(skip)]
    pub page_size: u64,
}

impl ZramDevice {
    /// Compressed size over stored size; `None` when nothing compressed is stored.
    pub fn compression_ratio(&self) -> Option<f64> {
        let m = self.mm_stat?;
        // same-filled pages count in orig_data_size but take no memory: leave them out
        let same = m.same_pages.checked_mul(self.page_size)?;
        let orig = m.orig_data_size_bytes.checked_sub(same)?;
        (m.compr_data_size_bytes > 0).then(|| orig as f64 / m.compr_data_size_bytes as f64)
    }
}

/// Every zram device, or why there is none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ZramReading {
    /// The devices, by number.
    pub devices: Vec<ZramDevice>,
    /// Why `devices` is empty, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub none_reason: Option<String>,
}

/// True if and only if `name` is `zram` followed by a device number.
fn is_zram_name(name: &str) -> bool {
    name.strip_prefix("zram")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn device_number(name: &str) -> u64 {
    name.trim_start_matches("zram").parse().unwrap_or(u64::MAX)
}

/// Reads every zram device under `<sys>/block` and matches them with `<proc>/swaps`.
/// Fails only when `<sys>/block` itself cannot be listed.
pub fn read_zram(root: &SysRoot) -> Result<ZramReading> {
    let block = root.sys(BLOCK_DIR);
    let mut names: Vec<String> = root
        .list_dir(&block)?
        .unwrap_or_default()
        .into_iter()
        .filter(|n| is_zram_name(n))
        .collect();
    names.sort_by_key(|n| device_number(n));
    if names.is_empty() {
        let reason = if root.exists(&root.sys(CONTROL_DIR)) {
            "zram is loaded but has no device (add one with zramctl or \
             /sys/class/zram-control/hot_add)"
        } else {
            "this kernel has no zram: the module is not loaded (modprobe zram) or the kernel \
             was built without CONFIG_ZRAM"
        };
        return Ok(ZramReading {
            devices: Vec::new(),
            none_reason: Some(reason.to_owned()),
        });
    }
    let swaps = read_swaps(root);
    let devices = names
        .iter()
        .map(|n| read_device(root, n, swaps.as_ref().map(Vec::as_slice)))
        .collect();
    Ok(ZramReading {
        devices,
        none_reason: None,
    })
}

/// Reads the attributes of one device directory, recording what is absent and why.
struct DeviceDir<'a> {
    root: &'a SysRoot,
    name: &'a str,
    dir: std::path::PathBuf,
    absent: Vec<Absent>,
}

impl DeviceDir<'_> {
    fn absent(&mut self, what: &'static str, reason: String) {
        self.absent.push(Absent { what, reason });
    }

    /// Reads and parses `attr`. A missing file is absent with `missing` as the reason (or
    /// silently when `missing` is `None`, for attributes only some builds have), unless the
    /// whole device went away meanwhile.
    fn get<T>(
        &mut self,
        attr: &'static str,
        missing: Option<&str>,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let path = self.dir.join(attr);
        match self.root.read_opt(&path) {
            Ok(Some(text)) => {
                let v = parse(&text);
                if v.is_none() {
                    let e = Error::parse(path, &text, expected);
                    self.absent(attr, e.to_string());
                }
                v
            }
            Ok(None) if !self.root.exists(&self.dir) => {
                let reason = format!("'{}' was removed while it was being read", self.name);
                self.absent(attr, reason);
                None
            }
            Ok(None) => {
                if let Some(m) = missing {
                    self.absent(attr, m.to_owned());
                }
                None
            }
            Err(e) => {
                self.absent(attr, e.to_string());
                None
            }
        }
    }
}

/// Reads one device. `swaps` is `/proc/swaps` or why it could not be read.
pub fn read_device(
    root: &SysRoot,
    name: &str,
    swaps: std::result::Result<&[SwapDevice], &Error>,
) -> ZramDevice {
    let mut r = DeviceDir {
        root,
        name,
        dir: root.sys(BLOCK_DIR).join(name),
        absent: Vec::new(),
    };
    let disksize_bytes = r.get(
        "disksize",
        Some("the device has no disksize attribute"),
        "a number of bytes",
        parse_u64,
    );
    let initstate = r.get("initstate", None, "0 or 1", parse_flag);
    let comp_algorithm = r.get(
        "comp_algorithm",
        Some("the device has no comp_algorithm attribute"),
        "algorithm names with the selected one in brackets",
        parse_comp_algorithm,
    );
    let recomp_algorithms = r.get(
        "recomp_algorithm",
        None,
        "'#N: algorithms' lines",
        parse_recomp_algorithm,
    );
    // backing_dev exists exactly when writeback is built; "none" parses to no device
    let backing = r.get("backing_dev", None, "a path or 'none'", |t| {
        Some(parse_backing_dev(t))
    });
    let writeback_built = backing.is_some();
    let writeback_limit_enable = r.get("writeback_limit_enable", None, "0 or 1", parse_flag);
    let writeback_limit_bytes = r.get("writeback_limit", None, "a number of 4 KiB units", |t| {
        parse_u64(t)?.checked_mul(ZRAM_UNIT_BYTES)
    });
    let set_up = match (disksize_bytes, initstate) {
        (Some(0), _) | (_, Some(false)) => Some(false),
        (Some(_), _) => Some(true),
        (None, _) => None,
    };
    let (mut mm_stat, mut io_stat, mut bd_stat) = (None, None, None);
    match set_up {
        Some(true) => {
            mm_stat = r.get(
                "mm_stat",
                Some("the device has no mm_stat attribute (kernels before 4.2 are not supported)"),
                "7 to 9 numbers",
                parse_mm_stat,
            );
            io_stat = r.get(
                "io_stat",
                Some("the device has no io_stat attribute"),
                "4 numbers",
                parse_io_stat,
            );
            let no_wb = "zram writeback is not built into this kernel (CONFIG_ZRAM_WRITEBACK)";
            bd_stat = r.get(
                "bd_stat",
                (!writeback_built).then_some(no_wb),
                "3 numbers",
                parse_bd_stat,
            );
        }
        Some(false) => {
            for what in ["mm_stat", "io_stat"] {
                r.absent(
                    what,
                    format!(
                        "'{name}' is not set up (disksize 0): it stores nothing; set it up \
                         with zramctl or zram-generator"
                    ),
                );
            }
        }
        None => {}
    }
    let mut absent = r.absent;
    let swap = match swaps {
        Ok(list) => swap_of(name, list),
        Err(e) => {
            absent.push(Absent {
                what: "swap",
                reason: e.to_string(),
            });
            None
        }
    };
    ZramDevice {
        device: name.to_owned(),
        initialized: initstate.or(disksize_bytes.map(|s| s > 0)),
        disksize_bytes,
        comp_algorithm,
        recomp_algorithms,
        mm_stat,
        io_stat,
        bd_stat,
        writeback_built,
        backing_dev: backing.flatten(),
        writeback_limit_enable,
        writeback_limit_bytes,
        swap,
        absent,
        page_size: root.page_size(),
    }
}

/// The swap area on device `name`, matched by the last component of `/proc/swaps`' file
/// name (`/dev/zram0`, or `/dev/block/zram0` on Android).
pub fn swap_of(name: &str, swaps: &[SwapDevice]) -> Option<ZramSwap> {
    swaps
        .iter()
        .find(|s| {
            s.kind == "partition" && Path::new(&s.filename).file_name() == Some(name.as_ref())
        })
        .map(|s| ZramSwap {
            priority: s.priority,
            used_bytes: s.used_bytes,
            size_bytes: s.size_bytes,
        })
}
