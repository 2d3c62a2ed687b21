# Helpers for scenario scripts; the host reads the VMTEST: lines (xtask/src/vm/console.rs).

# check [--log FILE] NAME CMD...: runs CMD (usually a `[ ... ]` test) and reports ok or fail
# with the expanded command, so a failure shows the values it compared. On failure, the last
# lines of CMD's own stderr and, with --log, of FILE (the stderr of a tool running in the
# background that the check waits on) follow as SAID lines: the host puts them into the FAIL
# reason, so the tool's own error message reaches the summary.
check() {
    _log=
    if [ "$1" = --log ]; then
        _log=$2
        shift 2
    fi
    _name=$1
    shift
    if "$@" 2> /tmp/.check.err; then
        cat /tmp/.check.err >&2
        echo "VMTEST:CHECK ok $_name"
    else
        cat /tmp/.check.err >&2
        echo "VMTEST:CHECK fail $_name $*"
        said "$_name" /tmp/.check.err
        [ -n "$_log" ] && said "$_name" "$_log"
    fi
    return 0
}

# said NAME FILE: the last non-empty lines of FILE as what the tool of check NAME said.
said() {
    grep -v '^[[:space:]]*$' "$2" 2> /dev/null | tail -n 3 | while IFS= read -r _l; do
        echo "VMTEST:SAID $1 $_l"
    done
}

# value KEY VALUE: reports a value for the host side of the scenario.
value() { echo "VMTEST:VALUE $1 $2"; }

note() { echo "VMTEST:NOTE $*"; }

# vmstat_get KEY: a /proc/vmstat counter, 0 when the kernel has no such counter.
vmstat_get() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' /proc/vmstat; }

# stat_get FILE KEY: a "key value" file's value (memory.stat), empty if absent.
stat_get() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# param NAME: a zswap module parameter, empty if absent.
param() { cat "/sys/module/zswap/parameters/$1" 2>/dev/null; }

ZSWAP_DEBUG=/sys/kernel/debug/zswap
debug_get() { cat "$ZSWAP_DEBUG/$1" 2>/dev/null || echo 0; }

# wait_for PID CMD...: polls CMD every 0.2 s until it succeeds, PID has exited, or 2 minutes
# have passed; the caller then checks what it waited for (a ready file, a filled file).
wait_for() {
    _pid=$1
    shift
    _i=0
    while ! "$@" && [ $_i -lt 600 ] && kill -0 "$_pid" 2>/dev/null; do
        sleep 0.2
        _i=$((_i + 1))
    done
}

# in_cgroup CG CMD...: runs CMD inside cgroup CG (a directory under /sys/fs/cgroup).
in_cgroup() {
    _cg=$1
    shift
    sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "/sys/fs/cgroup/$_cg" "$@"
}
