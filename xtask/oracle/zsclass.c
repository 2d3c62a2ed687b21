/* The zsmalloc class table as zs_create_pool builds it, for `cargo xtask oracle`. The
 * constants and the per-class functions (the chain size rule, get_size_class_index,
 * can_merge) are the kernel's own text, cut out of mm/zsmalloc.c by
 * xtask/src/kernel_oracle.rs into zsmalloc_cut.h; this file only repeats the loop around
 * them (largest class first, huge class, merging) and prints the result:
 *   class INDEX SIZE PAGES_PER_ZSPAGE OBJS_PER_ZSPAGE   for each distinct class
 *   huge HUGE_CLASS_SIZE
 *   lookup LEN INDEX                                    for LEN 1..4096 (handle added) */
struct size_class {
	int size;
	int index;
	int pages_per_zspage;
	int objs_per_zspage;
};

#include "zsmalloc_cut.h"

void oracle_zs_classes(FILE *out);

void oracle_zs_classes(FILE *out)
{
	static struct size_class classes[ZS_SIZE_CLASSES];
	static struct size_class *by_index[ZS_SIZE_CLASSES];
	struct size_class *prev = NULL;
	size_t huge_class_size = 0;

	for (int i = ZS_SIZE_CLASSES - 1; i >= 0; i--) {
		int size = ZS_MIN_ALLOC_SIZE + i * ZS_SIZE_CLASS_DELTA;
		int ppz, opz;

		if (size > ZS_MAX_ALLOC_SIZE)
			size = ZS_MAX_ALLOC_SIZE;
		ppz = ORACLE_CHAIN_SIZE(size);
		opz = ppz * PAGE_SIZE / size;
		if (ppz != 1 && opz != 1 && !huge_class_size)
			huge_class_size = size - (ZS_HANDLE_SIZE - 1);
		if (prev && can_merge(prev, ppz, opz)) {
			by_index[i] = prev;
			continue;
		}
		classes[i] = (struct size_class){ size, i, ppz, opz };
		by_index[i] = prev = &classes[i];
	}
	for (int i = 0; i < ZS_SIZE_CLASSES; i++)
		if (by_index[i] == &classes[i])
			fprintf(out, "class %d %d %d %d\n", i, classes[i].size,
				classes[i].pages_per_zspage, classes[i].objs_per_zspage);
	fprintf(out, "huge %zu\n", huge_class_size);
	for (int len = 1; len <= 4096; len++)
		fprintf(out, "lookup %d %d\n", len,
			by_index[get_size_class_index(len + (int)ZS_HANDLE_SIZE)]->index);
}
