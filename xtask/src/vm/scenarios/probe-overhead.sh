# probe-overhead: the same swap-heavy workload (zswap-workload in a memory-limited cgroup)
# run without and with the probe attached (histograms only, no event stream), ROUNDS times
# each, after one unreported warm-up run. Order alternates per round (plain first, then
# probed first) so that a drift over the boot cancels out.
#
# The guest runs under QEMU -icount (see scenario.rs), so guest time advances with executed
# guest instructions and these times measure work, not the host's load. Per run it reports
# the monotonic wall time of the run in ns, the CPU time of the run's cgroup in µs
# (cpu.stat usage_usec: the workload and the reclaim, faults and probe programs that run in
# its context) and of the zswapctl trace process, the cgroup's zswpout/zswpin (to show both
# kinds of run did the same work) and, for probed runs, the probe's operation count. The
# host computes the table (xtask/src/vm/overhead_check.rs).
# checks: zswap_enabled timer_list_present plain_run_0 self_cost_reported
# checks: plain_run_1 probed_run_1 probe_attached_1 probe_exit_1
# checks: plain_run_2 probed_run_2 probe_attached_2 probe_exit_2
# checks: plain_run_3 probed_run_3 probe_attached_3 probe_exit_3
# checks: plain_run_4 probed_run_4 probe_attached_4 probe_exit_4
# checks: plain_run_5 probed_run_5 probe_attached_5 probe_exit_5
# checks: probed_run_self probe_attached_self probe_exit_self
PAGES=${WORKLOAD_PAGES:-12000}
LIMIT=${WORKLOAD_LIMIT:-24M}
# five rounds, as the checks above declare
ROUNDS=5

check zswap_enabled [ "$(param enabled)" = Y ]
check timer_list_present [ -r /proc/timer_list ]

# now_ns: CLOCK_MONOTONIC in ns (ktime_get, the "now at N nsecs" line of /proc/timer_list);
# busybox date has no %N and /proc/uptime counts in 10 ms.
now_ns() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }

# run_once KIND I: one workload run in a fresh cgroup KIND$I; reports KIND_wall_ns_I,
# KIND_cpu_us_I, KIND_zswpout_I and KIND_zswpin_I unless I is 0 (the warm-up).
run_once() {
    cg=/sys/fs/cgroup/$1$2
    mkdir "$cg"
    echo "$LIMIT" > "$cg/memory.max"
    t0=$(now_ns)
    in_cgroup "$1$2" zswap-workload --pages "$PAGES" > "/tmp/$1$2.out" 2>&1
    rc=$?
    t1=$(now_ns)
    check "$1_run_$2" [ $rc -eq 0 ]
    if [ "$2" -gt 0 ]; then
        value "$1_wall_ns_$2" $((t1 - t0))
        value "$1_cpu_us_$2" "$(stat_get "$cg/cpu.stat" usage_usec)"
        value "$1_zswpout_$2" "$(stat_get "$cg/memory.stat" zswpout)"
        value "$1_zswpin_$2" "$(stat_get "$cg/memory.stat" zswpin)"
    fi
    rmdir "$cg"
}

# probed_once I: run_once with the probe attached for the run; reports probed_events_I, the
# stores, loads, invalidations and writebacks the probe saw, and probed_tool_cpu_us_I, the CPU
# time of the zswapctl trace process (in its own cgroup) during the run, loading excluded.
probed_once() {
    stop=/tmp/probe$1.stop
    tool=/sys/fs/cgroup/tool$1
    mkdir "$tool"
    in_cgroup "tool$1" zswapctl trace --summary --kv $PROBE_EXTRA --until-file "$stop" \
        > "/tmp/probe$1.out" 2> "/tmp/probe$1.err" &
    probe=$!
    wait_for $probe [ -e "$stop.ready" ]
    check "probe_attached_$1" [ -e "$stop.ready" ]
    c0=$(stat_get "$tool/cpu.stat" usage_usec)
    run_once probed "$1"
    c1=$(stat_get "$tool/cpu.stat" usage_usec)
    touch "$stop"
    wait $probe
    check "probe_exit_$1" [ $? -eq 0 ]
    value "probed_tool_cpu_us_$1" $((c1 - c0))
    value "probed_events_$1" "$(awk -F= '
        $1 ~ /^(store_ok|store_fail|load_ok|load_fail|invalidate|writeback_ok|writeback_fail)$/ { s += $2 }
        END { print s + 0 }' "/tmp/probe$1.out")"
    rmdir "$tool"
}

# What the instruction counts depend on besides the probe: the clock the probe reads
# (bpf_ktime_get_ns) and the mitigations that add instructions to calls and returns.
note "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
for v in spectre_v2 retbleed spec_rstack_overflow; do
    note "$v: $(cat /sys/devices/system/cpu/vulnerabilities/$v 2>/dev/null || echo absent)"
done
value rounds "$ROUNDS"
value pages "$PAGES"
run_once plain 0
i=1
while [ $i -le "$ROUNDS" ]; do
    if [ $((i % 2)) -eq 1 ]; then
        run_once plain $i
        probed_once $i
    else
        probed_once $i
        run_once plain $i
    fi
    i=$((i + 1))
done

# The probe's own instructions: one more probed run with the kernel's BPF run-time statistics
# (--self-cost), which time each program run with the scheduler's clock; under -icount its ns
# are the instructions the program executed, helpers included (trampolines not). Reported as
# self_prog_NAME_runs and self_prog_NAME_ns; the host divides their sum by probed_events_self.
PROBE_EXTRA=--self-cost probed_once self
grep '^prog\.' /tmp/probeself.out | while read -r l; do note "self-cost: $l"; done
sed -n 's/^prog\.\([a-z_]*\)\.runs=\([0-9]*\)$/\1 \2/p' /tmp/probeself.out |
    while read -r name n; do value "self_prog_${name}_runs" "$n"; done
sed -n 's/^prog\.\([a-z_]*\)\.run_ns=\([0-9]*\)$/\1 \2/p' /tmp/probeself.out |
    while read -r name n; do value "self_prog_${name}_ns" "$n"; done
check self_cost_reported grep -q '^prog\.store_enter\.runs=[1-9]' /tmp/probeself.out
