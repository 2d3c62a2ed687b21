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
help=$(zswapctl --help 2>&1)
if echo "$help" | grep -qE '^ +status'; then
    # The kernel's own view, for the host to compare with the JSON (scenario.rs check_ctl).
    for f in $P/*; do value "param.${f##*/}" "$(cat "$f")"; done
    zswapctl status --json > /tmp/status.json 2> /tmp/status.err
    rc=$?
    check zswapctl_status_json_exit [ $rc -eq 0 ]
    value status_json "$(tr -d '\n' < /tmp/status.json)"
    check zswapctl_status_names_compressor grep -q '"lzo"' /tmp/status.json
else
    note "zswapctl has no 'status' command yet; only --version was checked"
fi
for cmd in get set apply; do
    echo "$help" | grep -qE "^ +$cmd" || note "zswapctl has no '$cmd' command yet"
done
