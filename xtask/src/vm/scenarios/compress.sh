# compress: zswap-core's compressors against this kernel's, through zram, for every compressor
# its zram offers (lzo, lzo-rle, lz4, lz4hc, deflate, 842; zstd on 6.1). The comparison is
# `xtask zram-oracle` (xtask/src/zram_oracle.rs); its report lines become notes.
out=$(/bin/xtask zram-oracle --pages 300 --file-pages 300 --files /bin 2>&1)
rc=$?
echo "$out" | while IFS= read -r line; do note "$line"; done
check zram_oracle [ "$rc" -eq 0 ]
