# capture: fixture trees for `cargo xtask capture-fixtures --guest`. The guest boots with
# zswap off; "fresh" is captured first, then zswap is enabled and the workload scenario runs
# (its checks count here too), then "after-workload" is captured. Both trees go to /dev/vdb
# as a tar archive the host unpacks.
mkdir -p /tmp/cap
xtask capture-fixtures --from / --to /tmp/cap/fresh > /dev/null
check captured_fresh [ -f /tmp/cap/fresh/proc/vmstat ]
echo Y > /sys/module/zswap/parameters/enabled
. /scenario/workload.sh
xtask capture-fixtures --from / --to /tmp/cap/after-workload > /dev/null
check captured_after [ -f /tmp/cap/after-workload/sys/kernel/debug/zswap/stored_pages ]
tar -cf /dev/vdb -C /tmp/cap fresh after-workload
check tar_written [ $? -eq 0 ]
sync
