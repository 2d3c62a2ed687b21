# ctl: zswapctl against a real kernel, and the era facts it has to cope with, read straight
# from the kernel's files so a zswapctl bug cannot hide a kernel difference.
# checks: compressor_switches_to_lz4 compressor_switches_to_lz4hc compressor_switches_to_zstd
# checks: compressor_switches_to_deflate lz4_available zstd_available compressor_back_to_lzo
# checks: unknown_compressor_refused zswapctl_version zswapctl_status_json_exit
# checks: zswapctl_status_names_compressor zswapctl_get_compressor zswapctl_set_compressor_zstd
# checks: zswapctl_set_unknown_compressor_is_usage_error
# checks: zswapctl_set_unknown_compressor_changes_nothing zswapctl_set_enabled_n
# checks: zswapctl_set_enabled_y zswapctl_apply_compressor zswapctl_apply_max_pool_percent
# checks: zswapctl_apply_bad_file_fails zswapctl_apply_bad_file_changes_nothing
# checks: zswapctl_apply_restores zswapctl_refuses_deflate_iaa zswapctl_deflate_iaa_named
# checks: zswapctl_deflate_iaa_lists_available zswapctl_refuses_percent_250
# checks: zswapctl_refuses_enabled_maybe zswapctl_refusals_change_nothing
# checks: zswapctl_dry_run_changes_nothing zswapctl_bad_value_file_changes_nothing
# checks: zswapctl_good_file_sets_everything zswapctl_compressor_in_use_verified
# checks: zswapctl_check_runs
# checks 6.1: has_same_filled_param zpool_is_zbud zpool_switches_to_zsmalloc
# checks 6.1: zpool_switches_back_to_zbud zswapctl_set_zpool_zsmalloc
# checks 6.1: zswapctl_set_zpool_back_to_zbud zswapctl_apply_6_1_params zswapctl_apply_6_1_back
# checks 6.1: zswapctl_refuses_shrinker_on_6_1
# checks 6.12: zpool_is_zsmalloc has_shrinker_enabled no_same_filled_param
# checks 6.12: zswapctl_set_zpool_zbud zswapctl_set_zpool_back_to_zsmalloc
# checks 6.12: zswapctl_refuses_same_filled_on_6_12 zswapctl_set_shrinker
# checks 7: no_zpool_param has_shrinker_enabled zswapctl_set_zpool_refused_without_zpool
# checks 7: zswapctl_set_zpool_creates_nothing zswapctl_zpool_explained
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

# --- refusals, era parameters, dry run, all-or-nothing apply, check -----------------------
# Each outcome is read back from the kernel's files, not from zswapctl's output.
before=$(cat $P/compressor $P/max_pool_percent)
zswapctl set compressor deflate-iaa > /dev/null 2> /tmp/iaa.err
rc=$?
check zswapctl_refuses_deflate_iaa [ $rc -eq 2 ]
check zswapctl_deflate_iaa_named grep -q "'deflate-iaa'" /tmp/iaa.err
check zswapctl_deflate_iaa_lists_available grep -q 'available: .*lzo' /tmp/iaa.err
zswapctl set max_pool_percent 250 > /dev/null 2>&1
rc=$?
check zswapctl_refuses_percent_250 [ $rc -eq 2 ]
zswapctl set enabled maybe > /dev/null 2>&1
rc=$?
check zswapctl_refuses_enabled_maybe [ $rc -eq 2 ]
check zswapctl_refusals_change_nothing [ "$(cat $P/compressor $P/max_pool_percent)" = "$before" ]
case "$VMTEST_SERIES" in
6.1)
    printf 'zpool: zsmalloc\nsame_filled_pages_enabled: false\n' > /tmp/era.yaml
    zswapctl apply -f /tmp/era.yaml > /dev/null 2>&1
    rc=$?
    check zswapctl_apply_6_1_params [ $rc -eq 0 -a "$(param zpool)" = zsmalloc \
        -a "$(param same_filled_pages_enabled)" = N ]
    printf 'zpool: zbud\nsame_filled_pages_enabled: true\n' > /tmp/era.yaml
    zswapctl apply -f /tmp/era.yaml > /dev/null 2>&1
    check zswapctl_apply_6_1_back [ "$(param zpool)/$(param same_filled_pages_enabled)" = zbud/Y ]
    zswapctl set shrinker_enabled y > /dev/null 2>&1
    rc=$?
    check zswapctl_refuses_shrinker_on_6_1 [ $rc -eq 2 ]
    ;;
6.12)
    zswapctl set same_filled_pages_enabled n > /dev/null 2>&1
    rc=$?
    check zswapctl_refuses_same_filled_on_6_12 [ $rc -eq 2 ]
    zswapctl set shrinker_enabled y > /dev/null 2>&1
    rc=$?
    check zswapctl_set_shrinker [ $rc -eq 0 -a "$(param shrinker_enabled)" = Y ]
    zswapctl set shrinker_enabled n > /dev/null 2>&1
    ;;
*)
    zswapctl set zpool zsmalloc > /dev/null 2> /tmp/zpool.err
    check zswapctl_zpool_explained grep -q 'since Linux 6.18 zswap always uses zsmalloc' /tmp/zpool.err
    ;;
esac
good=lzo-rle
grep -q '^name *: zstd$' /proc/crypto && good=zstd
printf 'enabled: true\ncompressor: %s\nmax_pool_percent: 25\naccept_threshold_percent: 80\n' \
    "$good" > /tmp/good.yaml
zswapctl set enabled n > /dev/null
all=$(cat $P/*)
zswapctl apply --dry-run -f /tmp/good.yaml > /dev/null 2>&1
rc=$?
check zswapctl_dry_run_changes_nothing [ $rc -eq 0 -a "$(cat $P/*)" = "$all" ]
printf 'enabled: true\ncompressor: %s\nmax_pool_percent: 250\n' "$good" > /tmp/bad.yaml
zswapctl apply -f /tmp/bad.yaml > /dev/null 2>&1
rc=$?
check zswapctl_bad_value_file_changes_nothing [ $rc -eq 2 -a "$(cat $P/*)" = "$all" ]
zswapctl apply -f /tmp/good.yaml > /tmp/apply.out 2>&1
rc=$?
check zswapctl_good_file_sets_everything [ $rc -eq 0 -a "$(param compressor)" = "$good" \
    -a "$(param max_pool_percent)" = 25 -a "$(param accept_threshold_percent)" = 80 \
    -a "$(param enabled)" = Y ]
check zswapctl_compressor_in_use_verified grep -q "uses compressor '$good'" /tmp/apply.out
zswapctl check --json --state /tmp/check.json > /tmp/check.out 2> /tmp/check.err
rc=$?
check zswapctl_check_runs [ $rc -eq 0 -o $rc -eq 4 ]
# the host reads the findings (scenario.rs check_check_json): a first look, and exit 4 if and
# only if one of them is a warning or an error
value check_rc "$rc"
value check_json "$(tr -d '\n' < /tmp/check.out)"
printf 'compressor: lzo\nmax_pool_percent: 20\naccept_threshold_percent: 90\n' > /tmp/restore.yaml
zswapctl apply -f /tmp/restore.yaml > /dev/null
