# ctl: zswapctl against a real kernel, and the era facts it has to cope with, read straight
# from the kernel's files so a zswapctl bug cannot hide a kernel difference.
P=/sys/module/zswap/parameters

# --- era facts -------------------------------------------------------------------------
if [ -f $P/zpool ]; then value zpool "$(param zpool)"; else value zpool absent; fi
case "$VMTEST_SERIES" in
6.1)
    check has_same_filled_param [ -f $P/same_filled_pages_enabled ]
    check zpool_is_zbud [ "$(param zpool)" = zbud ]
    # zsmalloc is a module on 6.1: loaded at boot, so the pool can switch to it.
    echo zsmalloc > $P/zpool
    check zpool_switches_to_zsmalloc [ "$(param zpool)" = zsmalloc ]
    echo zbud > $P/zpool
    check zpool_switches_back_to_zbud [ "$(param zpool)" = zbud ]
    ;;
6.12)
    check zpool_is_zsmalloc [ "$(param zpool)" = zsmalloc ]
    check has_shrinker_enabled [ -f $P/shrinker_enabled ]
    check no_same_filled_param [ ! -e $P/same_filled_pages_enabled ]
    ;;
*)
    check no_zpool_param [ ! -e $P/zpool ]
    check has_shrinker_enabled [ -f $P/shrinker_enabled ]
    ;;
esac

# --- compressors that are modules load and switch ---------------------------------------
for c in lz4 lz4hc zstd deflate 842; do
    if grep -q "^name *: $c\$" /proc/crypto; then
        echo "$c" > $P/compressor
        check "compressor_switches_to_$c" [ "$(param compressor)" = "$c" ]
        value "crypto_$c" yes
    else
        value "crypto_$c" no
    fi
done
check lz4_available grep -q '^name *: lz4$' /proc/crypto
check zstd_available grep -q '^name *: zstd$' /proc/crypto
echo lzo > $P/compressor
check compressor_back_to_lzo [ "$(param compressor)" = lzo ]
# A compressor the kernel does not have is refused and leaves the parameter alone.
echo no-such-compressor > $P/compressor 2> /dev/null
check unknown_compressor_refused [ "$(param compressor)" = lzo ]

# --- zswapctl ----------------------------------------------------------------------------
check zswapctl_version zswapctl --version
# The kernel's own view, for the host to compare with the JSON (scenario.rs check_ctl).
for f in $P/*; do value "param.${f##*/}" "$(cat "$f")"; done
zswapctl status --json > /tmp/status.json 2> /tmp/status.err
check zswapctl_status_json_exit [ $? -eq 0 ]
value status_json "$(tr -d '\n' < /tmp/status.json)"
check zswapctl_status_names_compressor grep -q '"lzo"' /tmp/status.json

# get / set / apply against the real kernel: each result is read back from the kernel file.
check zswapctl_get_compressor [ "$(zswapctl get compressor)" = "$(param compressor)" ]
zswapctl set compressor zstd > /dev/null
check zswapctl_set_compressor_zstd [ "$(param compressor)" = zstd ]
zswapctl set compressor no-such-compressor > /dev/null 2>&1
rc=$?
check zswapctl_set_unknown_compressor_is_usage_error [ $rc -eq 2 ]
check zswapctl_set_unknown_compressor_changes_nothing [ "$(param compressor)" = zstd ]
zswapctl set enabled n > /dev/null
check zswapctl_set_enabled_n [ "$(param enabled)" = N ]
zswapctl set enabled y > /dev/null
check zswapctl_set_enabled_y [ "$(param enabled)" = Y ]

printf 'compressor: lz4\nmax_pool_percent: 25\n' > /tmp/apply.yaml
zswapctl apply -f /tmp/apply.yaml > /dev/null
check zswapctl_apply_compressor [ "$(param compressor)" = lz4 ]
check zswapctl_apply_max_pool_percent [ "$(param max_pool_percent)" = 25 ]
# All or nothing: the bad second key means the first is not written either.
printf 'max_pool_percent: 30\ncompressor: no-such-compressor\n' > /tmp/bad.yaml
zswapctl apply -f /tmp/bad.yaml > /dev/null 2>&1
check zswapctl_apply_bad_file_fails [ $? -ne 0 ]
check zswapctl_apply_bad_file_changes_nothing [ "$(param max_pool_percent)" = 25 ]

case "$VMTEST_SERIES" in
6.1)
    zswapctl set zpool zsmalloc > /dev/null
    check zswapctl_set_zpool_zsmalloc [ "$(param zpool)" = zsmalloc ]
    zswapctl set zpool zbud > /dev/null
    check zswapctl_set_zpool_back_to_zbud [ "$(param zpool)" = zbud ]
    ;;
6.12)
    zswapctl set zpool zbud > /dev/null
    check zswapctl_set_zpool_zbud [ "$(param zpool)" = zbud ]
    zswapctl set zpool zsmalloc > /dev/null
    check zswapctl_set_zpool_back_to_zsmalloc [ "$(param zpool)" = zsmalloc ]
    ;;
*)
    zswapctl set zpool zsmalloc > /dev/null 2>&1
    check zswapctl_set_zpool_refused_without_zpool [ $? -ne 0 ]
    check zswapctl_set_zpool_creates_nothing [ ! -e $P/zpool ]
    ;;
esac
printf 'compressor: lzo\nmax_pool_percent: 20\n' > /tmp/restore.yaml
zswapctl apply -f /tmp/restore.yaml > /dev/null
check zswapctl_apply_restores [ "$(param compressor)/$(param max_pool_percent)" = lzo/20 ]
