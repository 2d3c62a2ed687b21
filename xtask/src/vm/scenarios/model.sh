# model: the zswap model's predictions against a real kernel. For every compressor (and on
# 6.1 both zpools) known pages are written into a tmpfs file by a process inside a cgroup v2
# group, then memory.reclaim pushes every one of them out through zswap. The counter deltas
# are reported for the host, which replays the same pages through zswap_core::sim
# (xtask/src/vm/model_check.rs, which also requires a run of every compressor on every zpool
# below). 842 is left out: no Debian kernel builds its crypto driver, which zswap needs; the
# kernel-C oracle (`cargo xtask oracle`) covers it.
# checks: zswap_enabled swap_active
# checks 6.1: zpool_set.zbud zpool_set.zsmalloc
# checks 6.1: compressor_set_lzo.zbud compressor_set_lzo-rle.zbud compressor_set_lz4.zbud
# checks 6.1: compressor_set_lz4hc.zbud compressor_set_zstd.zbud compressor_set_deflate.zbud
# checks 6.1: reclaimed_all_lzo.zbud reclaimed_all_lzo-rle.zbud reclaimed_all_lz4.zbud
# checks 6.1: reclaimed_all_lz4hc.zbud reclaimed_all_zstd.zbud reclaimed_all_deflate.zbud
# checks 6.1: pool_empty_before_lzo.zbud pool_empty_before_lzo-rle.zbud
# checks 6.1: pool_empty_before_lz4.zbud pool_empty_before_lz4hc.zbud
# checks 6.1: pool_empty_before_zstd.zbud pool_empty_before_deflate.zbud
# checks 6.1,6.12: compressor_set_lzo.zsmalloc compressor_set_lzo-rle.zsmalloc
# checks 6.1,6.12: compressor_set_lz4.zsmalloc compressor_set_lz4hc.zsmalloc
# checks 6.1,6.12: compressor_set_zstd.zsmalloc compressor_set_deflate.zsmalloc
# checks 6.1,6.12: reclaimed_all_lzo.zsmalloc reclaimed_all_lzo-rle.zsmalloc
# checks 6.1,6.12: reclaimed_all_lz4.zsmalloc reclaimed_all_lz4hc.zsmalloc
# checks 6.1,6.12: reclaimed_all_zstd.zsmalloc reclaimed_all_deflate.zsmalloc
# checks 6.1,6.12: pool_empty_before_lzo.zsmalloc pool_empty_before_lzo-rle.zsmalloc
# checks 6.1,6.12: pool_empty_before_lz4.zsmalloc pool_empty_before_lz4hc.zsmalloc
# checks 6.1,6.12: pool_empty_before_zstd.zsmalloc pool_empty_before_deflate.zsmalloc
# checks 6.12: zpool_set.zsmalloc
# checks 7: compressor_set_lzo.none compressor_set_lzo-rle.none compressor_set_lz4.none
# checks 7: compressor_set_lz4hc.none compressor_set_zstd.none compressor_set_deflate.none
# checks 7: reclaimed_all_lzo.none reclaimed_all_lzo-rle.none reclaimed_all_lz4.none
# checks 7: reclaimed_all_lz4hc.none reclaimed_all_zstd.none reclaimed_all_deflate.none
# checks 7: pool_empty_before_lzo.none pool_empty_before_lzo-rle.none
# checks 7: pool_empty_before_lz4.none pool_empty_before_lz4hc.none
# checks 7: pool_empty_before_zstd.none pool_empty_before_deflate.none
PAGES=${MODEL_PAGES:-1200}
SEED=${MODEL_SEED:-7}
CG=/sys/fs/cgroup/model

check zswap_enabled [ "$(param enabled)" = Y ]
check swap_active [ "$(awk 'NR > 1' /proc/swaps | wc -l)" -ge 1 ]
mkdir $CG
mkdir /tmp/model
mount -t tmpfs -o huge=never,size=64m none /tmp/model
value pages "$PAGES"
value seed "$SEED"
# the upstream release: Debian's /proc/version ends with it ("Debian 6.1.176-1"); its
# uname -r (6.1.0-50-amd64) carries only an ABI number on 6.1
upstream=$(sed -n 's/.* Debian \([0-9][0-9.]*\)[-+ ].*/\1/p' /proc/version)
value upstream_release "${upstream:-$(uname -r)}"
value mem_total_kb "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
value max_pool_percent "$(param max_pool_percent)"
value accept_threshold_percent "$(param accept_threshold_percent)"

if [ -n "$(param zpool)" ]; then zpools="$(param zpool)"; else zpools=none; fi
if [ "$VMTEST_SERIES" = 6.1 ]; then zpools="zbud zsmalloc"; fi

# snap: the counters named in NAMES, space separated
snap() {
    echo "$(debug_get stored_pages) $(debug_get pool_total_size) $(debug_get same_filled_pages)" \
        "$(debug_get stored_incompressible_pages) $(debug_get reject_compress_poor)" \
        "$(debug_get reject_compress_fail) $(debug_get reject_alloc_fail)" \
        "$(debug_get written_back_pages) $(debug_get pool_limit_hit)" \
        "$(vmstat_get zswpout) $(vmstat_get swpout_zero) $(cat $CG/memory.zswap.current)"
}
NAMES="stored_pages pool_total_size same_filled_pages stored_incompressible_pages reject_compress_poor reject_compress_fail reject_alloc_fail written_back_pages pool_limit_hit zswpout swpout_zero zswap_current"

# A zpool or compressor the kernel refuses fails its check; what follows for it then also
# fails or goes missing, so a module that did not load cannot shrink the comparison unseen.
for zp in $zpools; do
    if [ "$zp" != none ]; then
        echo "$zp" > /sys/module/zswap/parameters/zpool
        check "zpool_set.$zp" [ "$(param zpool)" = "$zp" ]
        [ "$(param zpool)" = "$zp" ] || continue
    fi
    for alg in lzo lzo-rle lz4 lz4hc zstd deflate; do
        echo "$alg" > /sys/module/zswap/parameters/compressor
        check "compressor_set_$alg.$zp" [ "$(param compressor)" = "$alg" ]
        [ "$(param compressor)" = "$alg" ] || continue
        if [ "$(debug_get pool_total_size)" != 0 ]; then
            swapoff /dev/vda && swapon /dev/vda
        fi
        before=$(snap)
        in_cgroup model zswap-workload --pages "$PAGES" --seed "$SEED" \
            --write-file /tmp/model/data > /dev/null
        i=0
        while [ "$(stat_get $CG/memory.stat shmem)" -gt 0 ] && [ $i -lt 40 ]; do
            echo 64M > $CG/memory.reclaim 2>/dev/null
            i=$((i + 1))
        done
        after=$(snap)
        check "reclaimed_all_$alg.$zp" [ "$(stat_get $CG/memory.stat shmem)" -eq 0 ]
        check "pool_empty_before_$alg.$zp" [ "$(echo "$before" | cut -d' ' -f2)" -eq 0 ]
        k=1
        for n in $NAMES; do
            b=$(echo "$before" | cut -d' ' -f$k)
            a=$(echo "$after" | cut -d' ' -f$k)
            value "m.$alg.$zp.$n" "$((a - b))"
            k=$((k + 1))
        done
        rm /tmp/model/data
    done
done
umount /tmp/model
