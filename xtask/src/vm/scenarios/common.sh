# Helpers for scenario scripts; the host reads the VMTEST: lines (xtask/src/vm/console.rs).

# check NAME CMD...: runs CMD (usually a `[ ... ]` test) and reports ok or fail with the
# expanded command, so a failure shows the values it compared.
check() {
    _name=$1
    shift
    if "$@"; then
        echo "VMTEST:CHECK ok $_name"
    else
        echo "VMTEST:CHECK fail $_name $*"
    fi
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
