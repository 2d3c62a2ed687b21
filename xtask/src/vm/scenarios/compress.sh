# compress: zswap-core's compressors against this kernel's, through zram, for every compressor
# its zram offers (lzo, lzo-rle, lz4, lz4hc, deflate, 842; zstd on 6.1). The comparison is
# `xtask zram-oracle` (xtask/src/zram_oracle.rs); its report lines become notes.
# What each series' zram offers and the oracle compares (Debian's configs): a compressor of
# the list that is missing, for instance because its module did not load, fails the run.
# checks: zram_oracle
case "$VMTEST_SERIES" in
6.1) require=lzo,lzo-rle,lz4,lz4hc,zstd ;;
*) require=lz4,lz4hc,deflate ;;
esac
out=$(/bin/xtask zram-oracle --pages 300 --file-pages 300 --files /bin --require $require 2>&1)
rc=$?
echo "$out" | while IFS= read -r line; do note "$line"; done
check zram_oracle [ "$rc" -eq 0 ]
