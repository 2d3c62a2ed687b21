# hysteresis: the pool-limit hysteresis of the guest's kernel against the model. The
# synthetic workload of `zswapctl simulate` (zswap-workload --synthetic: the same pages in the
# same order) runs in a cgroup with a small max_pool_percent and an accept threshold below
# 100, pushing each evicted page out with MADV_PAGEOUT; it samples the debugfs counters as it
# goes. The host (xtask/src/vm/hysteresis_check.rs) runs the same workload through
# zswap_analyze::simulate with this guest's RAM, parameters and era and compares.
# checks: zswap_enabled swap_active workload_ran limit_hit
WS=3000
RES=1000
ACC=3000
SEED=5
PATTERN=random
EVERY=150
P=1
A=50
CG=/sys/fs/cgroup/hyst

check zswap_enabled [ "$(param enabled)" = Y ]
check swap_active [ "$(awk 'NR > 1' /proc/swaps | wc -l)" -ge 1 ]
# no swap readahead: a fault swaps in exactly the page touched, as in the model
echo 0 > /proc/sys/vm/page-cluster
echo lzo > /sys/module/zswap/parameters/compressor
echo $P > /sys/module/zswap/parameters/max_pool_percent
echo $A > /sys/module/zswap/parameters/accept_threshold_percent
if [ -n "$(param shrinker_enabled)" ]; then
    echo N > /sys/module/zswap/parameters/shrinker_enabled
fi
mkdir $CG
upstream=$(sed -n 's/.* Debian \([0-9][0-9.]*\)[-+ ].*/\1/p' /proc/version)
value upstream_release "${upstream:-$(uname -r)}"
value mem_total_kb "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
value compressor "$(param compressor)"
value zpool "$(param zpool)"
value max_pool_percent "$(param max_pool_percent)"
value accept_threshold_percent "$(param accept_threshold_percent)"
value workload "$WS $RES $ACC $PATTERN $SEED $EVERY"
start=$(date +%s)
in_cgroup hyst zswap-workload --synthetic --working-set-pages $WS --resident-pages $RES \
    --accesses $ACC --pattern $PATTERN --seed $SEED --sample-every $EVERY > /tmp/hyst.out
check workload_ran [ $? -eq 0 ]
value seconds "$(($(date +%s) - start))"
while read -r k v; do value "h.$k" "$v"; done < /tmp/hyst.out
for n in pool_limit_hit written_back_pages reject_reclaim_fail reject_compress_poor \
    reject_compress_fail reject_alloc_fail reject_kmemcache_fail; do
    value "d.$n" "$(debug_get $n)"
done
check limit_hit [ "$(debug_get pool_limit_hit)" -gt 0 ]
