# replay-predict: does a trace recorded at a generous pool limit predict the kernel at a
# tight one? The same workload runs twice in a
# memory-limited cgroup: first at max_pool_percent 20 under `zswapctl trace --record`, then at
# TIGHT (1 %: 2 % was never reached on 6.12, whose pool holds less). The first trace is
# replayed through the model at TIGHT (`zswapctl simulate --trace --max-pool-percent`), and
# the host (xtask/src/vm/replay_predict_check.rs) puts the model's pool_limit_hit, refused
# stores, written-back pages and peak pool beside the kernel's second run, and checks the
# bounds its module doc derives from the asynchronous shrink worker.
# checks: zswap_enabled swap_active trace_attached generous_run recorder_exited tight_run
# checks: tight_limit_reached replay_ran
PAGES=${WORKLOAD_PAGES:-12000}
LIMIT=${WORKLOAD_LIMIT:-24M}
TIGHT=1
P=/sys/module/zswap/parameters

check zswap_enabled [ "$(param enabled)" = Y ]
check swap_active [ "$(awk 'NR > 1' /proc/swaps | wc -l)" -ge 1 ]
echo lzo > $P/compressor
echo 20 > $P/max_pool_percent
if [ -n "$(param shrinker_enabled)" ]; then echo N > $P/shrinker_enabled; fi
for cg in generous tight; do
    mkdir /sys/fs/cgroup/$cg
    echo "$LIMIT" > /sys/fs/cgroup/$cg/memory.max
done

zswapctl trace --record /tmp/gen.trace > /tmp/rec.out 2>&1 &
rec=$!
wait_for $rec [ -e /tmp/gen.trace ]
check --log /tmp/rec.out trace_attached [ -e /tmp/gen.trace ]
in_cgroup generous zswap-workload --pages "$PAGES" > /tmp/gen.out 2>&1
check generous_run [ $? -eq 0 ]
kill -TERM $rec
wait $rec
check --log /tmp/rec.out recorder_exited [ $? -eq 0 ]

# the tight run: counters as deltas, the pool sampled every 0.1 s for its peak
snap() { echo "$(debug_get pool_limit_hit) $(debug_get written_back_pages) $(vmstat_get pswpout) $(vmstat_get zswpout)"; }
echo $TIGHT > $P/max_pool_percent
before=$(snap)
(peak=0; while [ ! -e /tmp/tight.done ]; do
    p=$(debug_get pool_total_size)
    [ "$p" -gt "$peak" ] && peak=$p && echo $peak > /tmp/peak
    sleep 0.1
done) &
in_cgroup tight zswap-workload --pages "$PAGES" > /tmp/tight.out 2>&1
check tight_run [ $? -eq 0 ]
touch /tmp/tight.done
after=$(snap)
d() { echo $(($(echo "$after" | cut -d' ' -f$1) - $(echo "$before" | cut -d' ' -f$1))); }
value k.pool_limit_hit "$(d 1)"
value k.written_back_pages "$(d 2)"
# pages that went to the swap device without passing through zswap: refused stores
value k.refused $(($(d 3) - $(d 2)))
value k.stored "$(d 4)"
value k.peak_pool_bytes "$(cat /tmp/peak 2>/dev/null || echo 0)"
check tight_limit_reached [ "$(d 1)" -gt 0 ]

zswapctl --json simulate --trace /tmp/gen.trace --max-pool-percent $TIGHT > /tmp/pred.json 2> /tmp/pred.err
check --log /tmp/pred.err replay_ran [ $? -eq 0 ]
jget() { awk -v k="\"$1\":" '$1 == k { gsub(/[,]/, "", $2); print $2; exit }' /tmp/pred.json; }
for k in pool_limit_hit written_back_pages rejects stores peak_pool_bytes max_pool_pages \
    accept_threshold_pages estimated_sizes kept_refused; do
    value "m.$k" "$(jget $k)"
done
echo 20 > $P/max_pool_percent
