/* Userspace stand-ins for the few kernel definitions that lib/lzo, lib/lz4, lib/842 and the
 * zsmalloc class formula use. Written for `cargo xtask oracle` (xtask/src/kernel_oracle.rs),
 * which force-includes this header into every file it compiles from a Debian linux-source
 * package and stubs each kernel header those files include as an empty file. x86-64 only. */
#ifndef ZSWAP_ORACLE_KSHIM_H
#define ZSWAP_ORACLE_KSHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef uint16_t __be16;
typedef uint32_t __be32;
typedef uint64_t __be64;
typedef unsigned short umode_t;
typedef struct { int counter; } atomic_t;

#define CONFIG_64BIT 1
#define __LITTLE_ENDIAN 1234
#define BITS_PER_LONG 64
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
/* x86-64: arch/x86/include/asm/sparsemem.h (5-level paging maximum). */
#define MAX_POSSIBLE_PHYSMEM_BITS 52
#define MAX_PHYSMEM_BITS 52

#define __AC(x, y) (x##y)
#define _AC(x, y) __AC(x, y)
#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define __init
#define __exit
#define __maybe_unused __attribute__((unused))
#define __force
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define fallthrough __attribute__((fallthrough))
#define BUILD_BUG_ON(c) _Static_assert(!(c), "BUILD_BUG_ON")
#define WARN_ON(c) (!!(c))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define round_up(x, y) ((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)
#define GENMASK_ULL(h, l) (((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (63 - (h))))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define S_IRUGO 0444
#define S_IWUSR 0200

#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_AUTHOR(s)
#define module_init(f)
#define module_exit(f)
#define module_param_named(n, v, t, p)
#define pr_debug(...) do { } while (0)
#define pr_err(...) do { } while (0)
#define pr_info(...) do { } while (0)

static inline bool is_power_of_2(unsigned long n) { return n != 0 && (n & (n - 1)) == 0; }
static inline unsigned long __ffs(unsigned long w) { return (unsigned long)__builtin_ctzl(w); }
static inline unsigned long __fls(unsigned long w) { return 63UL - (unsigned long)__builtin_clzl(w); }

/* Unaligned little- and big-endian access (x86-64 is little-endian). */
#define get_unaligned(p) ({ __typeof__(*(p)) _v; memcpy(&_v, (p), sizeof(_v)); _v; })
#define put_unaligned(v, p) do { __typeof__(*(p)) _v = (v); memcpy((p), &_v, sizeof(_v)); } while (0)
static inline u16 get_unaligned_le16(const void *p) { u16 v; memcpy(&v, p, 2); return v; }
static inline u32 get_unaligned_le32(const void *p) { u32 v; memcpy(&v, p, 4); return v; }
static inline u64 get_unaligned_le64(const void *p) { u64 v; memcpy(&v, p, 8); return v; }
static inline void put_unaligned_le16(u16 v, void *p) { memcpy(p, &v, 2); }
static inline void put_unaligned_le32(u32 v, void *p) { memcpy(p, &v, 4); }
static inline void put_unaligned_le64(u64 v, void *p) { memcpy(p, &v, 8); }
static inline u16 get_unaligned_be16(const void *p) { return __builtin_bswap16(get_unaligned_le16(p)); }
static inline u32 get_unaligned_be32(const void *p) { return __builtin_bswap32(get_unaligned_le32(p)); }
static inline u64 get_unaligned_be64(const void *p) { return __builtin_bswap64(get_unaligned_le64(p)); }
static inline void put_unaligned_be16(u16 v, void *p) { put_unaligned_le16(__builtin_bswap16(v), p); }
static inline void put_unaligned_be32(u32 v, void *p) { put_unaligned_le32(__builtin_bswap32(v), p); }
static inline void put_unaligned_be64(u64 v, void *p) { put_unaligned_le64(__builtin_bswap64(v), p); }
#define cpu_to_be16(x) __builtin_bswap16(x)
#define cpu_to_be32(x) __builtin_bswap32(x)
#define cpu_to_be64(x) __builtin_bswap64(x)
#define be16_to_cpu(x) __builtin_bswap16(x)
#define be32_to_cpu(x) __builtin_bswap32(x)
#define be64_to_cpu(x) __builtin_bswap64(x)

/* 842's template statistics live in debugfs; here they count into nothing. */
struct dentry;
static inline bool debugfs_initialized(void) { return false; }
static inline struct dentry *debugfs_create_dir(const char *n, struct dentry *p) { (void)n; (void)p; return NULL; }
static inline void debugfs_create_atomic_t(const char *n, umode_t m, struct dentry *p, atomic_t *v) { (void)n; (void)m; (void)p; (void)v; }
static inline void debugfs_remove_recursive(struct dentry *d) { (void)d; }
#define atomic_inc(v) ((v)->counter++)

/* The kernel's big-endian CRC-32 (polynomial 0x04c11db7), bit by bit. */
static inline u32 crc32_be(u32 crc, const unsigned char *p, size_t len)
{
	while (len--) {
		crc ^= (u32)*p++ << 24;
		for (int i = 0; i < 8; i++)
			crc = (crc << 1) ^ ((crc & 0x80000000u) ? 0x04c11db7u : 0);
	}
	return crc;
}

/* Hash tables as linux/hashtable.h: an array of singly linked buckets with a pprev link, the
 * bucket chosen by hash_64/hash_32 of the key (include/linux/hash.h's golden ratio). */
struct hlist_node { struct hlist_node *next, **pprev; };
struct hlist_head { struct hlist_node *first; };
#define GOLDEN_RATIO_32 0x61C88647u
#define GOLDEN_RATIO_64 0x61C8864680B583EBull
static inline u32 hash_32(u32 val, unsigned int bits) { return (val * GOLDEN_RATIO_32) >> (32 - bits); }
static inline u32 hash_64(u64 val, unsigned int bits) { return (u32)((val * GOLDEN_RATIO_64) >> (64 - bits)); }
#define HASH_SIZE(name) (ARRAY_SIZE(name))
#define HASH_BITS(name) ((unsigned int)__builtin_ctzl(HASH_SIZE(name)))
#define hash_min(val, bits) (sizeof(val) <= 4 ? hash_32((u32)(val), bits) : hash_64((u64)(val), bits))
#define DECLARE_HASHTABLE(name, bits) struct hlist_head name[1 << (bits)]
#define hash_init(t) memset((t), 0, sizeof(t))
static inline void INIT_HLIST_NODE(struct hlist_node *h) { h->next = NULL; h->pprev = NULL; }
static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}
static inline void hash_del(struct hlist_node *n)
{
	if (n->pprev) {
		*n->pprev = n->next;
		if (n->next)
			n->next->pprev = n->pprev;
	}
	n->next = NULL;
	n->pprev = NULL;
}
#define hash_add(t, node, key) hlist_add_head((node), &(t)[hash_min((key), HASH_BITS(t))])
#define hlist_entry_safe(ptr, type, member) \
	({ __typeof__(ptr) _p = (ptr); _p ? (type *)((char *)_p - offsetof(type, member)) : NULL; })
#define hash_for_each_possible(t, obj, member, key) \
	for (obj = hlist_entry_safe((&(t)[hash_min((key), HASH_BITS(t))])->first, __typeof__(*(obj)), member); \
	     obj; obj = hlist_entry_safe((obj)->member.next, __typeof__(*(obj)), member))

#endif
