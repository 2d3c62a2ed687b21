#!/usr/bin/env bash
# Speed of `zswapctl analyze --compressor lz4` against the kernel's own zram ingest of the same
# 256 MiB of pages with lz4, side by side in one run, plus the raw compressor alone
# on the same pages (the model's overhead over raw compression).
#
#   sudo scripts/bench-analyze.sh [MIB] [ROUNDS]   (defaults 256 and 5; needs root and zram)
#
# The corpus is the first MIB MiB of files under /usr (text, binaries, libraries: mixed pages),
# cached in RAM before timing. zram: a fresh device, comp_algorithm lz4, one `dd oflag=direct`
# writer. ROUNDS rounds run the three side by side (zram, analyze, raw) and the table shows
# each run's median, so one disturbed round does not decide the result. Holds the project's
# host lock while a zram device exists and removes it on exit.
set -euo pipefail
MIB=${1:-256}
ROUNDS=${2:-5}
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

cargo build --release -q -p zswapctl --bin zswapctl && cargo build --release -q -p zswap-analyze --example raw_compress
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

zram_ingest() { # one fresh lz4 zram device, one direct writer; writes wall usr sys mem_used
    # to $WORK/zram (run in this shell, not a subshell, so the EXIT trap sees $DEV)
    exec 9> /run/zswap-tools-host.lock
    flock 9
    DEV=$(cat /sys/class/zram-control/hot_add)
    echo lz4 > "/sys/block/zram$DEV/comp_algorithm"
    echo $((MIB * 1024 * 1024)) > "/sys/block/zram$DEV/disksize"
    cat "$CORPUS" > /dev/null
    local t
    t=$(secs dd if="$CORPUS" of="/dev/zram$DEV" bs=1M oflag=direct)
    local _ compr mem _r
    read -r _ compr mem _r < "/sys/block/zram$DEV/mm_stat"
    echo 1 > "/sys/block/zram$DEV/reset"
    echo "$DEV" > /sys/class/zram-control/hot_remove
    DEV=""
    flock -u 9
    echo "$t $mem" > "$WORK/zram"
}

: > "$WORK/runs"
for round in $(seq "$ROUNDS"); do
    zram_ingest
    read -r zw zu zs zmem < "$WORK/zram"
    cat "$CORPUS" > /dev/null # every timed run starts from the page cache
    read -r aw au as < <(secs "$BIN" analyze --kernel 6.18 --compressor lz4 "$CORPUS")
    cat "$CORPUS" > /dev/null
    read -r rw rc _ < <("$RAW" "$CORPUS" lz4 "$THREADS")
    echo "$round $zw $(awk -v a="$zu" -v b="$zs" 'BEGIN { print a + b }') $aw $(awk -v a="$au" -v b="$as" 'BEGIN { print a + b }') $rw $rc $zmem" >> "$WORK/runs"
    echo "round $round: zram ${zw}s, analyze ${aw}s, raw ${rw}s (wall)" >&2
done
"$BIN" --json analyze --kernel 6.18 --compressor lz4 "$CORPUS" > "$WORK/a.json"
POOL=$(grep -m1 '"pool_bytes"' "$WORK/a.json" | tr -dc 0-9)

median() { # column N of runs
    cut -d' ' -f"$1" "$WORK/runs" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
ZMEM=$(cut -d' ' -f8 "$WORK/runs" | sort -u | tr '\n' ' ')
RATIOS=$(awk '{ printf "%.2f ", $4 / $2 }' "$WORK/runs")
awk -v load="$LOAD" -v pages="$PAGES" -v mib="$MIB" -v th="$THREADS" -v rounds="$ROUNDS" \
    -v zw="$(median 2)" -v zc="$(median 3)" -v aw="$(median 4)" -v ac="$(median 5)" \
    -v rw="$(median 6)" -v rc="$(median 7)" -v zmem="$ZMEM" -v pool="$POOL" -v ratios="$RATIOS" 'BEGIN {
    printf "corpus: %d pages (%d MiB) of files under /usr; %d threads for analyze and raw; median of %d rounds\n", pages, mib, th, rounds
    printf "%-44s %8s %8s %10s\n", "run", "wall s", "CPU s", "MB/s wall"
    printf "%-44s %8.3f %8.3f %10.0f\n", "kernel zram ingest, lz4 (dd oflag=direct)", zw, zc, pages*4096/1e6/zw
    printf "%-44s %8.3f %8.3f %10.0f\n", "zswapctl analyze --compressor lz4", aw, ac, pages*4096/1e6/aw
    printf "%-44s %8.3f %8.3f %10.0f\n", "raw lz4 compression only (no file read)", rw, rc, pages*4096/1e6/rw
    printf "analyze / zram wall-time ratio: %.2f (must be <= 1, goal 0.5); per round: %s\n", aw/zw, ratios
    printf "analyze / zram CPU-time ratio: %.2f\n", ac/zc
    printf "analyze CPU (with file read) %.3f s vs raw compression CPU %.3f s: model overhead at most %+.1f%% (goal < 20%%)\n", ac, rc, 100*(ac/rc-1)
    printf "load average after the run: %s\n", load
    printf "zram mem_used_total %sbytes, analyze pool_bytes %d bytes\n", zmem, pool
}'
