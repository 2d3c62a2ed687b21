# probe-overhead: the same swap-heavy workload (zswap-workload in a memory-limited cgroup)
# timed without and with the probe attached (histograms only, no event stream), alternating,
# three times each. Reports milliseconds per run and the probe's event count; the host side
# (or a reader of the console) computes the added time. Under TCG the absolute times are
# those of an emulated CPU; the ratio is what carries over.
PAGES=${WORKLOAD_PAGES:-12000}
LIMIT=${WORKLOAD_LIMIT:-24M}

ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

run_once() {
    cg=$1
    mkdir "/sys/fs/cgroup/$cg"
    echo "$LIMIT" > "/sys/fs/cgroup/$cg/memory.max"
    t0=$(ms)
    in_cgroup "$cg" zswap-workload --pages "$PAGES" > /dev/null 2>&1
    rc=$?
    t1=$(ms)
    echo $((t1 - t0))
    return $rc
}

i=1
while [ $i -le 3 ]; do
    t=$(run_once "plain$i")
    check "plain_run_$i" [ $? -eq 0 ]
    value "plain_ms_$i" "$t"

    zswap-probe summary --format kv --until-file /tmp/p$i.stop > /tmp/p$i.out 2> /dev/null &
    probe=$!
    j=0
    while [ ! -e /tmp/p$i.stop.ready ] && [ $j -lt 600 ] && kill -0 $probe 2>/dev/null; do
        sleep 0.2
        j=$((j + 1))
    done
    check "probe_attached_$i" [ -e /tmp/p$i.stop.ready ]
    t=$(run_once "probed$i")
    check "probed_run_$i" [ $? -eq 0 ]
    touch /tmp/p$i.stop
    wait $probe
    value "probed_ms_$i" "$t"
    ev=$(awk -F= '$1 == "store_ok" || $1 == "store_fail" || $1 == "load_ok" || $1 == "load_fail" || $1 == "invalidate" { s += $2 } END { print s + 0 }' /tmp/p$i.out)
    value "probed_events_$i" "$ev"
    i=$((i + 1))
done
