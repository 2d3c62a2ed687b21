# probe: the eBPF probe (crates/zswap-probe) attached during the workload scenario's traffic
# must count exactly what the kernel counts: successful stores = zswpout delta, successful
# loads = zswpin delta, the workload cgroup's stores = its memory.stat zswpout, and non-empty
# latency histograms. A second probe records a trace (zswap_core::trace format) at the
# same time through the kprobe/kretprobe fallback; its totals must match too. Both traces
# name the swap slot of every store, load and invalidate, and `zswapctl simulate --trace`
# replays the fentry one through the reference model under the recorded settings, where it
# must repeat the kernel's outcome of every store and load.
# checks: zswap_enabled btf_present probe_attached recorder_attached zswapctl_trace_attached
# checks: self_cost_attached workload_filled workload_verified probe_exited_cleanly
# checks: recorder_exited_cleanly self_cost_exited_cleanly self_cost_reports_store_programs
# checks: zswapctl_trace_exited_cleanly zswapctl_trace_readable trace_readable zswpout_moved
# checks: zswpin_moved probe_stores_equal_zswpout probe_loads_equal_zswpin
# checks: probe_cgroup_stores_equal_memory_stat store_latency_histogram_nonempty
# checks: load_latency_histogram_nonempty size_histogram_nonempty no_unmatched_exits
# checks: trace_stores_equal_zswpout trace_loads_equal_zswpin trace_bytes_equal_probe
# checks: zswapctl_trace_stores_equal_zswpout zswapctl_trace_loads_equal_zswpin
# checks: ctl_store_records_present ctl_every_store_has_a_slot ctl_load_records_present
# checks: ctl_every_load_has_a_slot ctl_invalidate_records_present
# checks: ctl_every_invalidate_has_a_slot ctl_header_has_compressor
# checks: trace_store_records_present trace_every_store_has_a_slot trace_load_records_present
# checks: trace_every_load_has_a_slot trace_invalidate_records_present
# checks: trace_every_invalidate_has_a_slot trace_header_has_compressor
# checks: replay_succeeded replay_saw_every_store replay_repeats_every_store
# checks: replay_no_store_disagreement replay_repeats_every_load replay_no_load_disagreement
PAGES=${WORKLOAD_PAGES:-12000}
LIMIT=${WORKLOAD_LIMIT:-24M}

check zswap_enabled [ "$(param enabled)" = Y ]
check btf_present [ -f /sys/kernel/btf/vmlinux ]

mkdir /sys/fs/cgroup/workload
echo "$LIMIT" > /sys/fs/cgroup/workload/memory.max
CG=/sys/fs/cgroup/workload
# A cgroup v2 id is the inode number of its directory.
cgid=$(stat -c %i $CG)
value workload_cgroup_id "$cgid"

zswapctl trace --summary --kv --until-file /tmp/probe.stop > /tmp/probe.out 2> /tmp/probe.err &
probe=$!
wait_for $probe [ -e /tmp/probe.stop.ready ]
while read -r line; do note "$line"; done < /tmp/probe.err
check --log /tmp/probe.err probe_attached [ -e /tmp/probe.stop.ready ]

zswapctl trace --kprobes --record /tmp/trace.jsonl --until-file /tmp/rec.stop > /tmp/rec.err 2>&1 &
rec=$!
wait_for $rec [ -e /tmp/rec.stop.ready ]
check --log /tmp/rec.err recorder_attached [ -e /tmp/rec.stop.ready ]

# zswapctl trace --record, stopped by SIGTERM; its file exists once the probe is attached.
zswapctl trace --record /tmp/ctl.trace > /tmp/ctl.out 2>&1 &
ctl=$!
wait_for $ctl [ -e /tmp/ctl.trace ]
check --log /tmp/ctl.out zswapctl_trace_attached [ -e /tmp/ctl.trace ]

# zswapctl trace --summary --self-cost: the probe's own programs timed by the kernel.
# It says on stderr once it is attached: wait for that, as attaching a program to a function
# while it runs may let a call pass unseen.
zswapctl trace --summary --self-cost > /tmp/cost.out 2> /tmp/cost.err &
cost=$!
wait_for $cost grep -q "probe attached" /tmp/cost.err
check --log /tmp/cost.err self_cost_attached grep -q "probe attached" /tmp/cost.err

out0=$(vmstat_get zswpout)
in0=$(vmstat_get zswpin)

in_cgroup workload zswap-workload --pages "$PAGES" --hold-file /tmp/wl.go > /tmp/wl.out 2>&1 &
pid=$!
wait_for $pid [ -e /tmp/wl.go.filled ]
check workload_filled [ -e /tmp/wl.go.filled ]
touch /tmp/wl.go
wait $pid
check workload_verified [ $? -eq 0 ]

out1=$(vmstat_get zswpout)
in1=$(vmstat_get zswpin)
cg_zswpout=$(stat_get $CG/memory.stat zswpout)
touch /tmp/probe.stop /tmp/rec.stop
wait $probe
check probe_exited_cleanly [ $? -eq 0 ]
wait $rec
check recorder_exited_cleanly [ $? -eq 0 ]
kill -TERM $ctl
wait $ctl
ctl_rc=$?
kill -TERM $cost
wait $cost
check self_cost_exited_cleanly [ $? -eq 0 ]
while read -r line; do note "self-cost: $line"; done < /tmp/cost.out
check self_cost_reports_store_programs grep -Eq '^  (kp_)?store_(enter|exit) +[1-9][0-9]* runs +[0-9]+ ns/run' /tmp/cost.out
check zswapctl_trace_exited_cleanly [ $ctl_rc -eq 0 ]
while read -r line; do note "zswapctl: $line"; done < /tmp/ctl.out
zswapctl trace --totals /tmp/ctl.trace > /tmp/ctl.kv
check zswapctl_trace_readable [ $? -eq 0 ]
while read -r line; do note "recorder: $line"; done < /tmp/rec.err
head -n 3 /tmp/trace.jsonl | while read -r line; do note "trace: $line"; done
zswapctl trace --totals /tmp/trace.jsonl > /tmp/trace.kv
check trace_readable [ $? -eq 0 ]
while read -r line; do note "probe: $line"; done < /tmp/probe.out

# kv KEY: the probe's value of KEY; a key it did not print is "missing", which no numeric
# comparison accepts, so a renamed or dropped key fails its check instead of reading as 0
kv() { awk -F= -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "missing" }' /tmp/probe.out; }
value zswpout_delta $((out1 - out0))
value zswpin_delta $((in1 - in0))
value cg_zswpout "$cg_zswpout"
value probe_store_ok_pages "$(kv store_ok_pages)"
value probe_load_ok "$(kv load_ok)"
value probe_cg_store_ok_pages "$(kv "cgroup.$cgid.store_ok_pages")"
value probe_size_objects "$(kv size_objects)"

check zswpout_moved [ $((out1 - out0)) -gt 0 ]
check zswpin_moved [ $((in1 - in0)) -gt 0 ]
check probe_stores_equal_zswpout [ "$(kv store_ok_pages)" -eq $((out1 - out0)) ]
check probe_loads_equal_zswpin [ "$(kv load_ok)" -eq $((in1 - in0)) ]
check probe_cgroup_stores_equal_memory_stat [ "$(kv "cgroup.$cgid.store_ok_pages")" -eq "$cg_zswpout" ]
check store_latency_histogram_nonempty [ "$(kv store_latency.ok)" -gt 0 ]
check load_latency_histogram_nonempty [ "$(kv load_latency.ok)" -gt 0 ]
check size_histogram_nonempty [ "$(kv size_objects)" -gt 0 ]
check no_unmatched_exits [ "$(kv unmatched_exit)" -eq 0 ]

tkv() { awk -F= -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "missing" }' /tmp/trace.kv; }
value trace_records "$(tkv records)"
check trace_stores_equal_zswpout [ "$(tkv store_ok_pages)" -eq $((out1 - out0)) ]
check trace_loads_equal_zswpin [ "$(tkv load_ok)" -eq $((in1 - in0)) ]
check trace_bytes_equal_probe [ "$(tkv stored_bytes)" -eq "$(kv "cgroup.$cgid.stored_bytes")" ]
ckv() { awk -F= -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "missing" }' /tmp/ctl.kv; }
check zswapctl_trace_stores_equal_zswpout [ "$(ckv store_ok_pages)" -eq $((out1 - out0)) ]
check zswapctl_trace_loads_equal_zswpin [ "$(ckv load_ok)" -eq $((in1 - in0)) ]

# Swap slots: every store, load and invalidate of both traces (fentry and kprobe) names one.
for t in ctl trace; do
    f=/tmp/$t.kv
    for op in store load invalidate; do
        n=$(awk -F= -v k="${op}_records" '$1 == k { print $2 }' $f)
        s=$(awk -F= -v k="${op}_with_slot" '$1 == k { print $2 }' $f)
        value "${t}_${op}_records" "$n"
        check "${t}_${op}_records_present" [ "${n:-missing}" -gt 0 ]
        check "${t}_every_${op}_has_a_slot" [ "${s:-missing}" -eq "${n:-missing}" ]
    done
    check "${t}_header_has_compressor" [ "$(awk -F= '$1 == "compressor" { print $2 }' $f)" = "$(param compressor)" ]
done

# The trace recorded in this guest replays through zswapctl simulate.
zswapctl --json simulate --trace /tmp/ctl.trace > /tmp/replay.json 2> /tmp/replay.err
check replay_succeeded [ $? -eq 0 ]
while read -r line; do note "replay: $line"; done < /tmp/replay.err
zswapctl simulate --trace /tmp/ctl.trace 2>&1 | while read -r line; do note "replay: $line"; done
# pretty JSON: "key": value, one per line; the first run is the recorded settings
jget() { awk -v k="\"$1\":" '$1 == k { gsub(/[,]/, "", $2); print $2; exit }' /tmp/replay.json; }
value replay_kernel_stores_ok "$(jget stores_ok)"
value replay_stores_both_ok "$(jget stores_both_ok)"
value replay_stores_kernel_only "$(jget stores_kernel_only)"
value replay_stores_model_only "$(jget stores_model_only)"
value replay_loads_both_ok "$(jget loads_both_ok)"
value replay_loads_kernel_only "$(jget loads_kernel_only)"
value replay_loads_model_only "$(jget loads_model_only)"
value replay_estimated_sizes "$(jget estimated_sizes)"
check replay_saw_every_store [ "$(jget stores_ok)" -eq "$(ckv store_ok_pages)" ]
check replay_repeats_every_store [ "$(jget stores_both_ok)" -eq "$(jget stores_ok)" ]
check replay_no_store_disagreement [ $(($(jget stores_kernel_only) + $(jget stores_model_only))) -eq 0 ]
check replay_repeats_every_load [ "$(jget loads_both_ok)" -eq "$(ckv load_ok)" ]
check replay_no_load_disagreement [ $(($(jget loads_kernel_only) + $(jget loads_model_only))) -eq 0 ]
