# zram: zswapctl and zswap-exporter against the guest kernel's zram (docs/zram.md).
# zram0 becomes swap next to /dev/vda (busybox swapon has no -p: the kernel picks the priority); a second device holds a known file.
# status --json and the exporter must show that device's mem_used_total exactly as mm_stat
# does, and check must name zswap-over-zram while zswap is enabled and only then.
# checks: zram_loaded zram0_is_swap zram_holds_pages status_json_exit
# checks: status_mem_used_equals_mm_stat status_names_device exporter_exit
# checks: exporter_mem_used_equals_mm_stat exporter_zram0_swap_priority mm_stat_unchanged
# checks: check_zswap_over_zram_exit_4 check_names_zswap_over_zram
# checks: check_disabled_does_not_name_it status_after_reset_exit
# checks: status_after_reset_says_not_set_up
P=/sys/module/zswap/parameters
check zram_loaded [ -d /sys/class/zram-control ]
[ -d /sys/block/zram0 ] || cat /sys/class/zram-control/hot_add > /dev/null
echo lzo > /sys/block/zram0/comp_algorithm
echo $((64 << 20)) > /sys/block/zram0/disksize
mkswap /dev/zram0 > /dev/null
swapon /dev/zram0
check zram0_is_swap grep -q '^/dev/zram0 ' /proc/swaps

id=$(cat /sys/class/zram-control/hot_add)
dev=zram$id
echo lzo > /sys/block/$dev/comp_algorithm
echo $((16 << 20)) > /sys/block/$dev/disksize
dd if=/bin/zswapctl of=/dev/$dev bs=4096 count=2048 conv=fsync 2> /dev/null
sync
mm=$(cat /sys/block/$dev/mm_stat)
used=$(echo $mm | awk '{ print $3 }')
value mm_stat "$mm"
check zram_holds_pages [ "$used" -gt 0 ]

zswapctl status --json > /tmp/status.json 2> /tmp/status.err
check status_json_exit [ $? -eq 0 ]
check status_mem_used_equals_mm_stat grep -q "\"mem_used_total_bytes\": $used," /tmp/status.json
check status_names_device grep -q "\"device\": \"$dev\"" /tmp/status.json
zswap-exporter --once > /tmp/metrics.txt 2> /tmp/exporter.err
check exporter_exit [ $? -eq 0 ]
check exporter_mem_used_equals_mm_stat grep -q "^zram_memory_used_bytes{device=\"$dev\"} $used\$" /tmp/metrics.txt
prio=$(awk '$1 == "/dev/zram0" { print $5 }' /proc/swaps)
value zram0_priority "$prio"
check exporter_zram0_swap_priority grep -Eq "^zram_swap_priority\{device=\"zram0\"\} $prio(\.0)?\$" /tmp/metrics.txt
check mm_stat_unchanged [ "$(cat /sys/block/$dev/mm_stat)" = "$mm" ]

echo Y > $P/enabled
zswapctl check > /tmp/check.txt 2>&1
rc=$?
check check_zswap_over_zram_exit_4 [ $rc -eq 4 ]
check check_names_zswap_over_zram grep -q '\[zswap-over-zram\]' /tmp/check.txt
echo N > $P/enabled
zswapctl check > /tmp/check.txt 2>&1
check check_disabled_does_not_name_it sh -c '! grep -q zswap-over-zram /tmp/check.txt'

swapoff /dev/zram0
echo 1 > /sys/block/$dev/reset
zswapctl status --json > /tmp/status.json 2>&1
check status_after_reset_exit [ $? -eq 0 ]
check status_after_reset_says_not_set_up grep -q "disksize 0" /tmp/status.json
