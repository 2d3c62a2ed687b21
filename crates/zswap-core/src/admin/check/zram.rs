//! Findings about zram next to zswap (`docs/zram.md`): zswap in front of a zram swap device,
//! zram swap used after a disk, writeback without a backing device, and a memory limit
//! below what the device already holds.

use super::{Finding, Severity, finding};
use crate::sample::ZswapSample;
use crate::stats::cgroup::Limit;
use crate::zram::ZramDevice;

/// Diagnoses the zram devices of a system whose zswap state and swap areas are in `s`.
pub fn check_zram(s: &ZswapSample, devices: &[ZramDevice]) -> Vec<Finding> {
    let mut out = Vec::new();
    let zswap_on = s.params.as_ref().and_then(|p| p.enabled()).unwrap_or(false);
    let zram_swap: Vec<&ZramDevice> = devices.iter().filter(|d| d.swap.is_some()).collect();
    if zswap_on && !zram_swap.is_empty() {
        let names: Vec<&str> = zram_swap.iter().map(|d| d.device.as_str()).collect();
        out.push(finding(
            Severity::Warning,
            "zswap-over-zram",
            format!(
                "zswap is enabled while zram is active swap ('{}'): pages are compressed \
                 twice, and what zswap writes back lands in RAM again",
                names.join("', '")
            ),
            "use one of the two: disable zswap ('zswapctl set enabled false') and keep zram, \
             or swapoff the zram device and give zswap a disk swap"
                .into(),
        ));
    }
    let disks: Vec<_> = s
        .swaps
        .iter()
        .flatten()
        .filter(|sw| !devices.iter().any(|d| is_device(&sw.filename, &d.device)))
        .collect();
    for d in &zram_swap {
        let Some(zs) = d.swap else { continue };
        if let Some(disk) = disks.iter().find(|sw| sw.priority > zs.priority) {
            out.push(finding(
                Severity::Warning,
                "zram-swap-priority",
                format!(
                    "zram swap '{}' has priority {}, below '{}' at {}: the disk is filled \
                     first and zram only after it",
                    d.device, zs.priority, disk.filename, disk.priority
                ),
                format!(
                    "give zram the highest priority: swapoff /dev/{0}; swapon -p 100 /dev/{0} \
                     (zram-generator sets swap-priority=100)",
                    d.device
                ),
            ));
        }
    }
    for d in devices {
        if d.writeback_limit_enable == Some(true) && d.writeback_built && d.backing_dev.is_none() {
            out.push(finding(
                Severity::Warning,
                "zram-writeback-no-device",
                format!(
                    "'{}' has a writeback limit enabled but no backing device: nothing can be \
                     written back",
                    d.device
                ),
                format!(
                    "set a backing device before disksize (writeback-device= in \
                     zram-generator.conf, or /sys/block/{}/backing_dev after a reset), or \
                     disable writeback_limit_enable",
                    d.device
                ),
            ));
        }
        if let Some(m) = d.mm_stat
            && let Limit::Bytes(limit) = m.mem_limit
            && limit < m.mem_used_total_bytes
        {
            out.push(finding(
                Severity::Warning,
                "zram-mem-limit-below-used",
                format!(
                    "'{}' uses {} bytes but its mem_limit is {limit} bytes: every new write \
                     fails until pages are freed",
                    d.device, m.mem_used_total_bytes
                ),
                format!(
                    "raise the limit above what is stored (echo {} > \
                     /sys/block/{}/mem_limit, or zram-resident-limit= in zram-generator.conf)",
                    m.mem_used_total_bytes.saturating_mul(2),
                    d.device
                ),
            ));
        }
    }
    out
}

fn is_device(filename: &str, device: &str) -> bool {
    std::path::Path::new(filename).file_name() == Some(device.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::swaps::SwapDevice;
    use crate::zram::{MmStat, ZramSwap};
    use crate::{SysRoot, collect_sample};
    use zswap_testkit::FixtureRoot;

    fn sample(enabled: &str, swaps: &[(&str, i32)]) -> ZswapSample {
        let f = FixtureRoot::new();
        f.params_6_18().param("enabled", enabled);
        let mut s = collect_sample(&SysRoot::at(f.path()), &Default::default());
        s.swaps = Some(
            swaps
                .iter()
                .map(|(n, p)| SwapDevice {
                    filename: (*n).to_owned(),
                    kind: "partition".into(),
                    size_bytes: 1 << 30,
                    used_bytes: 0,
                    priority: *p,
                })
                .collect(),
        );
        s
    }

    fn device(name: &str, prio: Option<i32>) -> ZramDevice {
        ZramDevice {
            device: name.into(),
            initialized: Some(true),
            disksize_bytes: Some(1 << 30),
            comp_algorithm: None,
            recomp_algorithms: None,
            mm_stat: None,
            io_stat: None,
            bd_stat: None,
            writeback_built: false,
            backing_dev: None,
            writeback_limit_enable: None,
            writeback_limit_bytes: None,
            swap: prio.map(|priority| ZramSwap {
                priority,
                used_bytes: 0,
                size_bytes: 1 << 30,
            }),
            absent: Vec::new(),
            page_size: 4096,
        }
    }

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|x| x.code).collect()
    }

    #[test]
    fn zswap_enabled_over_zram_swap_is_named() {
        let s = sample("Y", &[("/dev/zram0", 100)]);
        let f = check_zram(&s, &[device("zram0", Some(100))]);
        assert_eq!(codes(&f), ["zswap-over-zram"]);
        assert!(f[0].message.contains("'zram0'"));
    }

    #[test]
    fn zswap_disabled_over_zram_is_fine() {
        let s = sample("N", &[("/dev/zram0", 100)]);
        assert!(check_zram(&s, &[device("zram0", Some(100))]).is_empty());
    }

    #[test]
    fn zram_not_swap_is_fine_with_zswap() {
        let s = sample("Y", &[]);
        assert!(check_zram(&s, &[device("zram0", None)]).is_empty());
    }

    #[test]
    fn zram_below_a_disk_is_named() {
        let s = sample("N", &[("/dev/zram0", -3), ("/dev/vdb", -2)]);
        let f = check_zram(&s, &[device("zram0", Some(-3))]);
        assert_eq!(codes(&f), ["zram-swap-priority"]);
        assert!(
            f[0].message.contains("'/dev/vdb' at -2"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn zram_above_a_disk_is_fine() {
        let s = sample("N", &[("/dev/zram0", 100), ("/dev/vdb", -2)]);
        assert!(check_zram(&s, &[device("zram0", Some(100))]).is_empty());
    }

    #[test]
    fn writeback_limit_without_backing_device_is_named() {
        let s = sample("N", &[]);
        let mut d = device("zram0", None);
        d.writeback_built = true;
        d.writeback_limit_enable = Some(true);
        assert_eq!(
            codes(&check_zram(&s, &[d.clone()])),
            ["zram-writeback-no-device"]
        );
        d.backing_dev = Some("/dev/vdb".into());
        assert!(check_zram(&s, &[d]).is_empty());
    }

    #[test]
    fn mem_limit_below_used_is_named() {
        let s = sample("N", &[]);
        let mut d = device("zram0", None);
        let mm = MmStat {
            orig_data_size_bytes: 1 << 20,
            compr_data_size_bytes: 1 << 18,
            mem_used_total_bytes: 1 << 18,
            mem_limit: Limit::Bytes(1 << 17),
            mem_used_max_bytes: 1 << 18,
            same_pages: 0,
            pages_compacted: 0,
            huge_pages: None,
            huge_pages_since: None,
        };
        d.mm_stat = Some(mm);
        assert_eq!(
            codes(&check_zram(&s, &[d.clone()])),
            ["zram-mem-limit-below-used"]
        );
        d.mm_stat = Some(MmStat {
            mem_limit: Limit::Max,
            ..mm
        });
        assert!(check_zram(&s, &[d]).is_empty());
    }
}
