# capture: fixture trees for `cargo xtask capture-fixtures --guest`. The guest boots with
# zswap off; "fresh" is captured first, then zswap is enabled and the workload scenario runs
# (its checks count here too); "after-workload" is captured while the workload's pages are in
# zswap (the workload_held hook), so its counters, pool and cgroup files are not empty. Both
# trees go to /dev/vdb as a tar archive the host unpacks.
# checks: captured_fresh fresh_has_zswap_off captured_after after_has_stored_pages tar_written zram_loaded zram_holds_pages after_has_zram
mkdir -p /tmp/cap
xtask capture-fixtures --from / --to /tmp/cap/fresh > /dev/null
check captured_fresh [ -f /tmp/cap/fresh/proc/vmstat ]
check fresh_has_zswap_off [ "$(cat /tmp/cap/fresh/sys/module/zswap/parameters/enabled)" = N ]
# zram for "after-workload": zram0 (the module makes it at load) set up with the kernel's
# default algorithm and holding 2048 pages of a known binary; not swap, so the tree's check
# findings stay zswap's own. "fresh" shows zram0 not set up.
check zram_loaded [ -d /sys/block/zram0 ]
echo $((16 << 20)) > /sys/block/zram0/disksize
dd if=/bin/xtask of=/dev/zram0 bs=4096 count=2048 conv=fsync 2> /dev/null
check zram_holds_pages [ "$(awk '{ print $3 }' /sys/block/zram0/mm_stat)" -gt 0 ]
echo Y > /sys/module/zswap/parameters/enabled
workload_held() {
    xtask capture-fixtures --from / --to /tmp/cap/after-workload > /dev/null
}
. /scenario/workload.sh
check captured_after [ -f /tmp/cap/after-workload/sys/fs/cgroup/workload/memory.zswap.current ]
check after_has_zram [ -f /tmp/cap/after-workload/sys/block/zram0/mm_stat ]
check after_has_stored_pages [ "$(cat /tmp/cap/after-workload/sys/kernel/debug/zswap/stored_pages)" -gt 0 ]
tar -cf /dev/vdb -C /tmp/cap fresh after-workload
check tar_written [ $? -eq 0 ]
sync
