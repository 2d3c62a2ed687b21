# workload: known pages pushed through zswap from a memory-limited cgroup v2 group, then read
# back; the kernel's counters must account for them.
# checks: zswap_enabled swap_active cgroup_has_zswap_files workload_filled zswpout_moved
# checks: stored_pages_positive pool_size_positive cg_zswap_current_positive
# checks: cg_zswpout_equals_vmstat_delta pool_smaller_than_stored_pages
# checks: cg_zswapped_at_most_stored workload_verified workload_all_pages_verified zswpin_moved
# checks: cg_zswpin_equals_vmstat_delta
PAGES=${WORKLOAD_PAGES:-12000}
LIMIT=${WORKLOAD_LIMIT:-24M}

check zswap_enabled [ "$(param enabled)" = Y ]
check swap_active [ "$(awk 'NR > 1' /proc/swaps | wc -l)" -ge 1 ]

mkdir /sys/fs/cgroup/workload
echo "$LIMIT" > /sys/fs/cgroup/workload/memory.max
CG=/sys/fs/cgroup/workload
check cgroup_has_zswap_files [ -f $CG/memory.zswap.current ]

out0=$(vmstat_get zswpout)
in0=$(vmstat_get zswpin)

in_cgroup workload zswap-workload --pages "$PAGES" --hold-file /tmp/wl.go > /tmp/wl.out 2>&1 &
pid=$!
wait_for $pid [ -e /tmp/wl.go.filled ]
check workload_filled [ -e /tmp/wl.go.filled ]

# Counters while the pages are out.
out1=$(vmstat_get zswpout)
stored=$(debug_get stored_pages)
pool=$(debug_get pool_total_size)
cg_current=$(cat $CG/memory.zswap.current)
cg_zswapped=$(stat_get $CG/memory.stat zswapped)
cg_zswpout=$(stat_get $CG/memory.stat zswpout)
value zswpout_delta $((out1 - out0))
value stored_pages "$stored"
value pool_total_size "$pool"
value cg_zswap_current "$cg_current"
value cg_zswapped "$cg_zswapped"
value cg_zswpout "$cg_zswpout"

check zswpout_moved [ $((out1 - out0)) -gt 0 ]
check stored_pages_positive [ "$stored" -gt 0 ]
check pool_size_positive [ "$pool" -gt 0 ]
check cg_zswap_current_positive [ "$cg_current" -gt 0 ]
check cg_zswpout_equals_vmstat_delta [ "$cg_zswpout" -eq $((out1 - out0)) ]
# Every stored page is at most a page of pool; compressible content makes it much smaller.
check pool_smaller_than_stored_pages [ "$pool" -lt $((stored * 4096)) ]
check cg_zswapped_at_most_stored [ $((cg_zswapped / 4096)) -le "$stored" ]

# A hook for scenarios that source this one (capture.sh): the pages are out right now.
if type workload_held > /dev/null 2>&1; then workload_held; fi

touch /tmp/wl.go
wait $pid
rc=$?
cat /tmp/wl.out
check workload_verified [ $rc -eq 0 ]
check workload_all_pages_verified grep -q "^verified=$PAGES mismatches=0$" /tmp/wl.out

in1=$(vmstat_get zswpin)
value zswpin_delta $((in1 - in0))
check zswpin_moved [ $((in1 - in0)) -gt 0 ]
check cg_zswpin_equals_vmstat_delta [ "$(stat_get $CG/memory.stat zswpin)" -eq $((in1 - in0)) ]
