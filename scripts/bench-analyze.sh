#!/usr/bin/env bash
# Speed of `zswapctl analyze --compressor lz4` against the kernel's own zram ingest of the same
# 256 MiB of pages with lz4, side by side in one run (issue 5), plus the raw compressor alone
# on the same pages (the model's overhead over raw compression).
#
#   sudo scripts/bench-analyze.sh [MIB]        (default 256; needs root and zram)
#
# The corpus is the first MIB MiB of files under /usr (text, binaries, libraries: mixed pages),
# cached in RAM before timing. zram: a fresh device, comp_algorithm lz4, one `dd oflag=direct`
# writer. Holds the project's host lock while the zram device exists and removes it on exit.
set -euo pipefail
MIB=${1:-256}
cd "$(dirname "$0")/.."
THREADS=$(nproc)
WORK=$(mktemp -d /tmp/bench-analyze.XXXXXX)
DEV=""
cleanup() {
    if [ -n "$DEV" ]; then
        echo 1 > "/sys/block/zram$DEV/reset" 2>/dev/null || true
        echo "$DEV" > /sys/class/zram-control/hot_remove 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "bench-analyze: needs root (zram)" >&2; exit 2; }
[ -e /sys/class/zram-control/hot_add ] || { echo "bench-analyze: no zram on this kernel" >&2; exit 2; }

cargo build --release -q -p zswapctl -p zswap-analyze --example raw_compress
BIN=target/release/zswapctl
RAW=target/release/examples/raw_compress

CORPUS=$WORK/corpus.bin
find /usr/share /usr/lib /usr/bin -type f -size +64k 2>/dev/null | sort | head -n 20000 \
    | xargs cat 2>/dev/null | head -c $((MIB * 1024 * 1024)) > "$CORPUS" || true
cat "$CORPUS" > /dev/null
PAGES=$(( $(stat -c %s "$CORPUS") / 4096 ))

secs() { # run "$@", print wall user sys seconds
    local out
    out=$( { TIMEFORMAT='%R %U %S'; time "$@" > /dev/null 2>&1; } 2>&1 )
    echo "$out"
}

exec 9> /run/zswap-tools-host.lock
flock 9
DEV=$(cat /sys/class/zram-control/hot_add)
echo lz4 > "/sys/block/zram$DEV/comp_algorithm"
echo $((MIB * 1024 * 1024)) > "/sys/block/zram$DEV/disksize"
cat "$CORPUS" > /dev/null
read -r Z_WALL Z_USR Z_SYS < <(secs dd if="$CORPUS" of="/dev/zram$DEV" bs=1M oflag=direct)
read -r _ ZCOMPR ZMEM _ < "/sys/block/zram$DEV/mm_stat"
echo 1 > "/sys/block/zram$DEV/reset"
echo "$DEV" > /sys/class/zram-control/hot_remove
DEV=""
flock -u 9

cat "$CORPUS" > /dev/null # every timed run starts from the page cache
read -r A_WALL A_USR A_SYS < <(secs "$BIN" analyze --kernel 6.18 --compressor lz4 --json "$CORPUS")
cat "$CORPUS" > /dev/null
read -r R_WALL R_CPU _ < <("$RAW" "$CORPUS" lz4 "$THREADS")
"$BIN" --json analyze --kernel 6.18 --compressor lz4 "$CORPUS" > "$WORK/a.json"
POOL=$(grep -m1 '"pool_bytes"' "$WORK/a.json" | tr -dc 0-9)

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v load="$LOAD" -v pages="$PAGES" -v mib="$MIB" -v th="$THREADS" \
    -v zw="$Z_WALL" -v zu="$Z_USR" -v zs="$Z_SYS" -v aw="$A_WALL" -v au="$A_USR" -v as="$A_SYS" \
    -v rw="$R_WALL" -v rc="$R_CPU" -v zmem="$ZMEM" -v pool="$POOL" 'BEGIN {
    printf "corpus: %d pages (%d MiB) of files under /usr; %d threads for analyze and raw\n", pages, mib, th
    printf "%-44s %8s %8s %10s\n", "run", "wall s", "CPU s", "MB/s wall"
    printf "%-44s %8.3f %8.3f %10.0f\n", "kernel zram ingest, lz4 (dd oflag=direct)", zw, zu+zs, pages*4096/1e6/zw
    printf "%-44s %8.3f %8.3f %10.0f\n", "zswapctl analyze --compressor lz4", aw, au+as, pages*4096/1e6/aw
    printf "%-44s %8.3f %8.3f %10.0f\n", "raw lz4 compression only (+ file read CPU)", rw, rc, pages*4096/1e6/rw
    printf "analyze / zram wall-time ratio: %.2f (must be <= 1, goal 0.5)\n", aw/zw
    printf "analyze / zram CPU-time ratio: %.2f (wall on %d idle cores would be about %.2f of zram)\n", (au+as)/(zu+zs), th, (au+as)/th/(zu+zs)
    printf "load average during the run: %s\n", load
    printf "analyze CPU %.3f s vs raw compression + read CPU %.3f s: model overhead %+.1f%% (goal < 20%%)\n", au+as, rc, 100*((au+as)/rc-1)
    printf "zram mem_used_total %d bytes, analyze pool_bytes %d bytes\n", zmem, pool
}'
