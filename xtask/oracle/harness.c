/* The driver of `cargo xtask oracle` (xtask/src/kernel_oracle.rs): runs one compressor of the
 * kernel's lib/ code, compiled from a Debian linux-source package, over the pages on stdin and
 * writes one record per page to stdout: a little-endian int32, the compressed length or the
 * negative errno the kernel's crypto/ wrapper returns for the page, then that many bytes.
 * Each call passes the capacity and parameters of the crypto/ wrapper of the same name
 * (crypto/lzo.c, lzo-rle.c, lz4.c, lz4hc.c, 842.c); the -unbounded lzo modes run the
 * compressor without a bound, as 6.1 and 6.12 before their stable backports did, into a
 * worst-case buffer. Mode `classes` prints the zsmalloc class table instead (zsclass.c). */
#include <linux/lz4.h>
#include <linux/lzo.h>
#include <linux/sw842.h>
#include <stdlib.h>

void oracle_zs_classes(FILE *out);

#define PAGE 4096

static int run(const char *mode, const u8 *src, u8 *dst, void *wrk)
{
	size_t len = PAGE;
	unsigned int dlen = PAGE;
	int n;

	if (!strcmp(mode, "lzo"))
		return lzo1x_1_compress_safe(src, PAGE, dst, &len, wrk) ? -EINVAL : (int)len;
	if (!strcmp(mode, "lzo-rle"))
		return lzorle1x_1_compress_safe(src, PAGE, dst, &len, wrk) ? -EINVAL : (int)len;
	if (!strcmp(mode, "lzo-unbounded"))
		return lzo1x_1_compress(src, PAGE, dst, &len, wrk) ? -EINVAL : (int)len;
	if (!strcmp(mode, "lzo-rle-unbounded"))
		return lzorle1x_1_compress(src, PAGE, dst, &len, wrk) ? -EINVAL : (int)len;
	if (!strcmp(mode, "lz4")) {
		n = LZ4_compress_default((const char *)src, (char *)dst, PAGE, PAGE, wrk);
		return n ? n : -EINVAL;
	}
	if (!strcmp(mode, "lz4hc")) {
		n = LZ4_compress_HC((const char *)src, (char *)dst, PAGE, PAGE,
				    LZ4HC_DEFAULT_CLEVEL, wrk);
		return n ? n : -EINVAL;
	}
	if (!strcmp(mode, "842")) {
		n = sw842_compress(src, PAGE, dst, &dlen, wrk);
		return n ? n : (int)dlen;
	}
	fprintf(stderr, "unknown mode '%s'\n", mode);
	exit(2);
}

int main(int argc, char **argv)
{
	static u8 src[PAGE];
	static u8 dst[lzo1x_worst_compress(PAGE)];
	void *wrk;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MODE < pages > records\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "classes")) {
		oracle_zs_classes(stdout);
		return 0;
	}
	/* The largest work memory of the modes; zeroed as the kernel's vmalloc'd contexts are
	 * not, which none of the compressors depend on. */
	wrk = calloc(1, MAX(MAX(LZO1X_1_MEM_COMPRESS, LZ4HC_MEM_COMPRESS),
			    MAX(LZ4_MEM_COMPRESS, SW842_MEM_COMPRESS)));
	if (!wrk)
		return 1;
	while (fread(src, 1, PAGE, stdin) == PAGE) {
		int32_t r = run(argv[1], src, dst, wrk);

		if (fwrite(&r, 4, 1, stdout) != 1 ||
		    (r > 0 && fwrite(dst, 1, (size_t)r, stdout) != (size_t)r))
			return 1;
	}
	return ferror(stdin) || fflush(stdout) ? 1 : 0;
}
