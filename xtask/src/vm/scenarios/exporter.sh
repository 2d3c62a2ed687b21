# exporter: zswap-exporter scraped inside the guest while a workload's pages sit in zswap.
# Every metric must match the kernel file it comes from, be present exactly when that file
# exists on this kernel, and the workload cgroup's metrics must match its memory.stat.
# checks: exporter_landing_page workload_filled exporter_scraped zswap_pool_size_bytes
# checks: zswap_stored_pages zswap_pool_limit_hit_total zswap_written_back_pages_total
# checks: zswap_rejects_total{reason="compress_poor"} zswap_rejects_total{reason="alloc_fail"}
# checks: zswap_rejects_total{reason="kmemcache_fail"} zswap_rejects_total{reason="reclaim_fail"}
# checks: stored_pages_positive enabled_metric zswap_exclusive_loads_enabled_absent
# checks: max_pool_ratio accept_threshold_ratio info_metric zswap_vmstat_zswpin_total
# checks: zswap_vmstat_zswpout_total meminfo_zswap cg_compressed cg_current_matches cg_stored
# checks: cg_pages_stored cg_pages_loaded cg_max_is_inf cg_pages_stored_positive
# checks: collector_ebpf_ok ebpf_stored_pages_equal_zswpout_delta ebpf_store_latency_counted
# checks: ebpf_cgroup_pages_equal_memory_stat_zswpout ebpf_cgroup_stored_bytes_counted
# checks: collector_sysfs_ok collector_debugfs_ok collector_meminfo_ok collector_vmstat_ok
# checks: collector_cgroup_ok workload_verified
# checks 6.1: zswap_same_filled_pages zswap_stored_incompressible_pages_absent
# checks 6.1: zswap_decompress_failures_total_absent zswap_duplicate_entries_total
# checks 6.1: zswap_rejects_total{reason="compress_fail"}_absent zswap_shrinker_enabled_absent
# checks 6.1: zswap_same_filled_pages_enabled zswap_non_same_filled_pages_enabled
# checks 6.1: zswap_vmstat_zswpwb_total_absent zswap_swapout_zero_pages_total_absent
# checks 6.1: zswap_swapin_zero_pages_total_absent cg_writeback_absent cg_incomp_absent
# checks 6.12,7: zswap_same_filled_pages_absent zswap_duplicate_entries_total_absent
# checks 6.12,7: zswap_rejects_total{reason="compress_fail"} zswap_shrinker_enabled
# checks 6.12,7: zswap_same_filled_pages_enabled_absent zswap_non_same_filled_pages_enabled_absent
# checks 6.12,7: zswap_vmstat_zswpwb_total zswap_swapout_zero_pages_total
# checks 6.12,7: zswap_swapin_zero_pages_total cg_writeback
# checks 6.12: zswap_stored_incompressible_pages_absent zswap_decompress_failures_total_absent
# checks 6.12: cg_incomp_absent
# checks 7: zswap_stored_incompressible_pages zswap_decompress_failures_total cg_incomp
PAGES=${WORKLOAD_PAGES:-8000}
LIMIT=${WORKLOAD_LIMIT:-24M}
P=/sys/module/zswap/parameters
CG=/sys/fs/cgroup/workload
M=/tmp/metrics.prom

mkdir $CG
echo "$LIMIT" > $CG/memory.max

# The exporter, with the eBPF probe attached before the workload so that it sees every store.
ip link set lo up 2> /dev/null || ifconfig lo 127.0.0.1 up
out0=$(vmstat_get zswpout)
zswap-exporter --web.listen-address 127.0.0.1:10119 --collector.ebpf 2> /tmp/exporter.log &
epid=$!
wait_for $epid wget -q -O /tmp/landing.html http://127.0.0.1:10119/ 2> /dev/null
check --log /tmp/exporter.log exporter_landing_page [ -s /tmp/landing.html ]

in_cgroup workload zswap-workload --pages "$PAGES" --hold-file /tmp/wl.go > /tmp/wl.out 2>&1 &
pid=$!
wait_for $pid [ -e /tmp/wl.go.filled ]
check workload_filled [ -e /tmp/wl.go.filled ]

# Scrape over HTTP on loopback, as Prometheus would, between two readings of /proc/vmstat
# (its counters only grow: each vmstat metric lies between the two).
cp /proc/vmstat /tmp/vmstat.before
wget -q -O $M http://127.0.0.1:10119/metrics
cp /proc/vmstat /tmp/vmstat.after
check exporter_scraped [ -s $M ]
out1=$(vmstat_get zswpout)
kill $epid
value metric_lines "$(grep -vc '^#' $M)"

# metric NAME: the value of the sample written exactly NAME (labels included), or "absent".
metric() { awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print "absent" }' $M; }

# same_or_absent METRIC FILE: the metric equals the file's number, or both are absent.
same_or_absent() {
    if [ -e "$2" ]; then
        check "$1" [ "$(metric "$1")" = "$(cat "$2")" ]
    else
        check "${1}_absent" [ "$(metric "$1")" = absent ]
    fi
}

D=/sys/kernel/debug/zswap
same_or_absent zswap_pool_size_bytes $D/pool_total_size
same_or_absent zswap_stored_pages $D/stored_pages
same_or_absent zswap_same_filled_pages $D/same_filled_pages
same_or_absent zswap_stored_incompressible_pages $D/stored_incompressible_pages
same_or_absent zswap_pool_limit_hit_total $D/pool_limit_hit
same_or_absent zswap_decompress_failures_total $D/decompress_fail
same_or_absent zswap_written_back_pages_total $D/written_back_pages
same_or_absent zswap_duplicate_entries_total $D/duplicate_entry
for r in compress_poor compress_fail alloc_fail kmemcache_fail reclaim_fail; do
    same_or_absent "zswap_rejects_total{reason=\"$r\"}" $D/reject_$r
done
check stored_pages_positive [ "$(metric zswap_stored_pages)" -gt 0 ]

# parameters: present exactly when the kernel has them
flag() { case "$1" in Y) echo 1 ;; N) echo 0 ;; *) echo absent ;; esac; }
check enabled_metric [ "$(metric zswap_enabled)" = "$(flag "$(param enabled)")" ]
for pair in shrinker_enabled:zswap_shrinker_enabled \
    same_filled_pages_enabled:zswap_same_filled_pages_enabled \
    non_same_filled_pages_enabled:zswap_non_same_filled_pages_enabled \
    exclusive_loads:zswap_exclusive_loads_enabled; do
    f=${pair%%:*}
    m=${pair#*:}
    if [ -e $P/$f ]; then
        check "$m" [ "$(metric "$m")" = "$(flag "$(param "$f")")" ]
    else
        check "${m}_absent" [ "$(metric "$m")" = absent ]
    fi
done
ratio() { awk -v p="$1" 'BEGIN { print p / 100 }'; }
check max_pool_ratio [ "$(metric zswap_max_pool_ratio)" = "$(ratio "$(param max_pool_percent)")" ]
check accept_threshold_ratio \
    [ "$(metric zswap_accept_threshold_ratio)" = "$(ratio "$(param accept_threshold_percent)")" ]
if [ -e $P/zpool ]; then
    info="zswap_info{zpool=\"$(param zpool)\",compressor=\"$(param compressor)\"}"
else
    info="zswap_info{compressor=\"$(param compressor)\"}"
fi
check info_metric [ "$(metric "$info")" = 1 ]

# vmstat keys: present exactly when the kernel has them, and then the kernel's count at the
# scrape (between the readings before and after it)
vm() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
for pair in zswpin:zswap_vmstat_zswpin_total zswpout:zswap_vmstat_zswpout_total \
    zswpwb:zswap_vmstat_zswpwb_total swpout_zero:zswap_swapout_zero_pages_total \
    swpin_zero:zswap_swapin_zero_pages_total; do
    k=${pair%%:*}
    m=${pair#*:}
    if grep -q "^$k " /proc/vmstat; then
        check "$m" [ "$(vm "$k" /tmp/vmstat.before)" -le "$(metric "$m")" -a \
            "$(metric "$m")" -le "$(vm "$k" /tmp/vmstat.after)" ]
    else
        check "${m}_absent" [ "$(metric "$m")" = absent ]
    fi
done
check meminfo_zswap [ "$(metric zswap_meminfo_zswap_bytes)" = \
    "$(awk '$1 == "Zswap:" { print $2 * 1024 }' /proc/meminfo)" ]

# the workload cgroup: its metrics are its memory.stat and memory.zswap.* files
L="{cgroup=\"/workload\"}"
check cg_compressed [ "$(metric "zswap_cgroup_compressed_bytes$L")" = "$(stat_get $CG/memory.stat zswap)" ]
check cg_current_matches [ "$(metric "zswap_cgroup_compressed_bytes$L")" = "$(cat $CG/memory.zswap.current)" ]
check cg_stored [ "$(metric "zswap_cgroup_stored_bytes$L")" = "$(stat_get $CG/memory.stat zswapped)" ]
check cg_pages_stored [ "$(metric "zswap_cgroup_pages_stored_total$L")" = "$(stat_get $CG/memory.stat zswpout)" ]
check cg_pages_loaded [ "$(metric "zswap_cgroup_pages_loaded_total$L")" = "$(stat_get $CG/memory.stat zswpin)" ]
check cg_max_is_inf [ "$(metric "zswap_cgroup_max_bytes$L")" = "+Inf" ]
if [ -e $CG/memory.zswap.writeback ]; then
    check cg_writeback [ "$(metric "zswap_cgroup_writeback_enabled$L")" = "$(cat $CG/memory.zswap.writeback)" ]
else
    check cg_writeback_absent [ "$(metric "zswap_cgroup_writeback_enabled$L")" = absent ]
fi
if [ -n "$(stat_get $CG/memory.stat zswap_incomp)" ]; then
    check cg_incomp [ "$(metric "zswap_cgroup_incompressible_bytes$L")" = "$(stat_get $CG/memory.stat zswap_incomp)" ]
else
    check cg_incomp_absent [ "$(metric "zswap_cgroup_incompressible_bytes$L")" = absent ]
fi
check cg_pages_stored_positive [ "$(metric "zswap_cgroup_pages_stored_total$L")" -gt 0 ]

# the eBPF probe, through the exporter: every store the kernel counted, and latencies. An
# exporter built without the probe fails these (`cargo xtask vmtest` does not boot it without
# the eBPF toolchain, xtask/src/vm/prereq.rs), and what it logged says why.
while read -r line; do note "$line"; done < /tmp/exporter.log
check --log /tmp/exporter.log collector_ebpf_ok \
    [ "$(metric "zswap_exporter_collector_success{collector=\"ebpf\"}")" = 1 ]
value ebpf_stored_pages "$(metric zswap_ebpf_stored_pages_total)"
value zswpout_delta $((out1 - out0))
check ebpf_stored_pages_equal_zswpout_delta \
    [ "$(metric zswap_ebpf_stored_pages_total)" = $((out1 - out0)) ]
check ebpf_store_latency_counted \
    [ "$(metric "zswap_ebpf_store_latency_seconds_count{outcome=\"ok\"}")" -gt 0 ]
# the probe's per-cgroup totals, labelled by the path the cgroup collector uses: the
# workload's stored pages are its memory.stat zswpout (same scrape)
value ebpf_cgroup_pages_stored "$(metric "zswap_ebpf_cgroup_pages_stored_total$L")"
value ebpf_cgroups_unresolved "$(metric zswap_ebpf_cgroups_unresolved)"
check ebpf_cgroup_pages_equal_memory_stat_zswpout \
    [ "$(metric "zswap_ebpf_cgroup_pages_stored_total$L")" = \
        "$(metric "zswap_cgroup_pages_stored_total$L")" ]
check ebpf_cgroup_stored_bytes_counted \
    [ "$(metric "zswap_ebpf_cgroup_stored_compressed_bytes_total$L")" -gt 0 ]

for c in sysfs debugfs meminfo vmstat cgroup; do
    check "collector_${c}_ok" [ "$(metric "zswap_exporter_collector_success{collector=\"$c\"}")" = 1 ]
done

touch /tmp/wl.go
wait $pid
check workload_verified grep -q "^verified=$PAGES mismatches=0$" /tmp/wl.out
