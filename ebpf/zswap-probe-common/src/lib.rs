//! Types shared by the zswap eBPF probe (`zswap-probe-ebpf`, built for `bpfel-unknown-none`)
//! and its userspace loader (`zswap-probe`).
//!
//! Everything here is `#[repr(C)]` and `Copy`, with explicit padding and `u8`/`u32` flags
//! instead of `bool`, so that both sides agree on every byte. The kernel functions probed are
//! listed in docs/kernel-notes.md §6; see also
//! `Documentation/admin-guide/mm/zswap.rst`.
#![no_std]
#![deny(missing_docs)]

/// The zswap operation an event or histogram describes.
pub mod op {
    /// `zswap_store` (6.6+) or `zswap_frontswap_store` (6.1): one folio or page offered.
    pub const STORE: u8 = 0;
    /// `zswap_load` (6.6+) or `zswap_frontswap_load` (6.1).
    pub const LOAD: u8 = 1;
    /// `zswap_invalidate` (6.6+) or `zswap_frontswap_invalidate_page` (6.1).
    pub const INVALIDATE: u8 = 2;
    /// `zswap_writeback_entry`, where the kernel has it as a symbol.
    pub const WRITEBACK: u8 = 3;
}

/// How an operation ended, decoded from the probed function's return value.
pub mod outcome {
    /// Stored, loaded, or written back.
    pub const OK: u8 = 0;
    /// A store refused for a reason the return value does not tell (`bool` stores, 6.6+).
    pub const REJECTED: u8 = 1;
    /// A load found no entry (`false` up to 6.17, `-ENOENT` from 6.18, `-1` on 6.1).
    pub const NOT_FOUND: u8 = 2;
    /// Decompression failed (`-EIO`, 6.18+ loads; writeback).
    pub const IO_ERROR: u8 = 3;
    /// `-EINVAL`: a large folio load (6.18+), or on 6.1 a THP, a compressor error or no pool.
    pub const INVALID: u8 = 4;
    /// `-ENOMEM`: a limit (pool, memcg) or an allocation (6.1).
    pub const NO_MEMORY: u8 = 5;
    /// `-ENOSPC`: the allocator refused the compressed size (6.1).
    pub const NO_SPACE: u8 = 6;
    /// `-ENODEV`: zswap disabled (6.1).
    pub const DISABLED: u8 = 7;
    /// `-EEXIST` (writeback: the page is already in the swap cache) or any other error.
    pub const OTHER_ERROR: u8 = 8;
    /// Number of outcome codes.
    pub const COUNT: u32 = 9;
}

/// How the probed function reports its result; chosen by the loader from BTF.
pub mod ret_kind {
    /// `bool`: true is success (`zswap_store`, `zswap_load` up to 6.17).
    pub const BOOL: u64 = 0;
    /// `int`: 0 is success, a negative errno otherwise.
    pub const ERRNO: u64 = 1;
}

/// Where the probe finds the swap slot (swap device and offset) of an operation; chosen by
/// the loader from BTF.
pub mod slot_mode {
    /// Not known: events carry [`super::SLOT_NONE`].
    pub const NONE: u64 = 0;
    /// The first two arguments are `(unsigned type, pgoff_t offset)` (6.1
    /// `zswap_frontswap_{store,load,invalidate_page}`, 6.6-6.9 `zswap_invalidate`).
    pub const TYPE_OFFSET_ARGS: u64 = 1;
    /// The first argument is a `struct folio *` whose `swap` member (a `swp_entry_t`) sits
    /// at the loader's `OFF_FOLIO_SWAP` (6.6+ `zswap_store`, `zswap_load`).
    pub const FOLIO_SWAP: u64 = 2;
    /// The first argument is a `swp_entry_t` passed by value (6.10+ `zswap_invalidate`).
    pub const ENTRY_ARG: u64 = 3;
}

/// Value of [`Event::slot`] when the slot is not known.
pub const SLOT_NONE: u64 = u64::MAX;

/// Bits of a swap offset in a swap entry: the kernel's `SWP_TYPE_SHIFT`
/// (`BITS_PER_XA_VALUE - MAX_SWAPFILES_SHIFT` = 63 - 5 on 64-bit kernels). Events encode a
/// slot as the kernel's `swp_entry_t` value does: `type << SWP_TYPE_SHIFT | offset`.
pub const SWP_TYPE_SHIFT: u32 = 58;

/// The swap entry value of swap device `swap_type`, page `offset`.
#[inline(always)]
pub fn swap_entry(swap_type: u64, offset: u64) -> u64 {
    (swap_type << SWP_TYPE_SHIFT) | (offset & ((1 << SWP_TYPE_SHIFT) - 1))
}

/// `(type, offset)` of a swap entry value; `None` for [`SLOT_NONE`].
#[inline(always)]
pub fn swap_slot(entry: u64) -> Option<(u32, u64)> {
    if entry == SLOT_NONE {
        return None;
    }
    Some((
        (entry >> SWP_TYPE_SHIFT) as u32,
        entry & ((1 << SWP_TYPE_SHIFT) - 1),
    ))
}

/// Number of log2 latency buckets per outcome. Bucket `b` counts latencies in
/// `[2^(b-1), 2^b)` nanoseconds; bucket 0 counts 0 ns; the last bucket is open-ended.
pub const LATENCY_BUCKETS: u32 = 64;

/// Entries of a latency histogram map: `outcome * LATENCY_BUCKETS + bucket`.
pub const LATENCY_SLOTS: u32 = outcome::COUNT * LATENCY_BUCKETS;

/// Number of compressed-size buckets: one per zsmalloc size-class index before merging
/// (`ZS_SIZE_CLASSES`, 255). Bucket `i` counts objects of `32 + 16*(i-1) + 1 ..= 32 + 16*i`
/// bytes including zsmalloc's 8-byte handle, as zsmalloc's own class lookup computes it.
pub const SIZE_BUCKETS: u32 = 255;

/// Maximum number of cgroups tracked at once. Stores and loads of further cgroups are
/// counted in [`counter::CGROUP_OVERFLOW`] only.
pub const MAX_CGROUPS: u32 = 4096;
/// Slots a cgroup's first operation tries to claim, from the lowest that may be free, before it
/// is counted in [`counter::CGROUP_OVERFLOW`]: more than one only when CPUs claim at the same
/// time.
pub const CLAIM_TRIES: u32 = 8;

/// Slots of the in-flight arrays (a power of two): a call made by thread `tid` keeps its
/// entry-time state in slot `tid % MAX_INFLIGHT`. Two threads whose ids differ by a multiple
/// of this inside the same function at the same time share a slot; the later one wins and the
/// other's exit is counted in [`counter::UNMATCHED_EXIT`] (its outcome is still counted, its
/// latency and size are not).
pub const MAX_INFLIGHT: u32 = 8192;

/// Indices of the global counter array.
pub mod counter {
    /// Stores that succeeded (calls).
    pub const STORE_OK: u32 = 0;
    /// Stores that failed (calls).
    pub const STORE_FAIL: u32 = 1;
    /// Pages stored by successful stores (a 6.13+ large folio counts each page).
    pub const STORE_OK_PAGES: u32 = 2;
    /// Loads that succeeded.
    pub const LOAD_OK: u32 = 3;
    /// Loads that did not (not found or error).
    pub const LOAD_FAIL: u32 = 4;
    /// Invalidations seen.
    pub const INVALIDATE: u32 = 5;
    /// Writebacks that succeeded.
    pub const WRITEBACK_OK: u32 = 6;
    /// Writebacks that failed.
    pub const WRITEBACK_FAIL: u32 = 7;
    /// Compressed bytes charged to memory cgroups by stores (successful or not).
    pub const CHARGED_BYTES: u32 = 8;
    /// Objects charged with 0 bytes (6.1 same-filled pages).
    pub const SAME_FILLED: u32 = 9;
    /// Events lost because the ring buffer was full.
    pub const EVENTS_DROPPED: u32 = 10;
    /// Operations not attributed to a cgroup because the cgroup map was full.
    pub const CGROUP_OVERFLOW: u32 = 11;
    /// Exits seen without a matching entry (probe attached mid-call, or another thread took
    /// the in-flight slot, see [`MAX_INFLIGHT`]).
    pub const UNMATCHED_EXIT: u32 = 12;
    /// Number of counters.
    pub const COUNT: u32 = 13;
}

/// Per-cgroup totals, keyed by cgroup id (the inode number of the cgroup's directory in the
/// cgroup v2 hierarchy; 1 is the root).
///
/// Attribution: a store is counted for the memory cgroup its compressed object is charged to
/// (`obj_cgroup_charge_zswap`, i.e. the cgroup that owns the page); when the kernel charges no
/// cgroup (memcg disabled, or a failure before the charge), for the cgroup of the task that
/// ran the store. Loads, invalidations and writebacks use the task's cgroup.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CgroupCounters {
    /// Successful stores, in pages.
    pub store_ok_pages: u64,
    /// Failed stores, in calls.
    pub store_fail: u64,
    /// Compressed bytes of successful stores.
    pub stored_bytes: u64,
    /// Successful loads.
    pub load_ok: u64,
    /// Failed loads (not found or error).
    pub load_fail: u64,
}

/// State kept between a function's entry and exit, per thread (see [`MAX_INFLIGHT`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Inflight {
    /// `bpf_ktime_get_ns` at entry.
    pub start_ns: u64,
    /// Cgroup charged during the call, 0 if none yet.
    pub cgroup_id: u64,
    /// Compressed bytes charged during the call.
    pub bytes: u64,
    /// Number of objects charged during the call (pages of a large folio).
    pub pages: u32,
    /// Thread id of the call; the slot is in use while `start_ns` is not 0.
    pub tid: u32,
    /// Swap entry of the (first) page, [`SLOT_NONE`] if unknown.
    pub slot: u64,
}

/// One operation, as sent through the ring buffer when events are enabled.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// `bpf_ktime_get_ns` (CLOCK_MONOTONIC) at exit.
    pub ts_ns: u64,
    /// Cgroup id the operation was attributed to (see [`CgroupCounters`]).
    pub cgroup_id: u64,
    /// Time between entry and exit, nanoseconds (0 for invalidations).
    pub latency_ns: u64,
    /// Compressed bytes charged (stores), 0 when unknown.
    pub bytes: u64,
    /// Raw return value of the probed function, sign-extended.
    pub ret: i64,
    /// Swap entry of the (first) page (see [`swap_slot`]), [`SLOT_NONE`] if unknown.
    pub slot: u64,
    /// Thread group id (process id) of the task.
    pub pid: u32,
    /// Pages of the operation (stores: objects charged, at least 1).
    pub pages: u32,
    /// One of [`op`].
    pub op: u8,
    /// One of [`outcome`].
    pub outcome: u8,
    /// Padding; always 0.
    pub _pad: [u8; 6],
    /// The task's command name, NUL-padded.
    pub comm: [u8; 16],
}

/// Global variables of the eBPF object that the loader sets with `EbpfLoader::set_global`.
/// Offsets come from the running kernel's BTF, so no struct layout is compiled in.
pub mod global {
    /// `offsetof(struct obj_cgroup, memcg)`.
    pub const OFF_OBJCG_MEMCG: &str = "OFF_OBJCG_MEMCG";
    /// `offsetof(struct mem_cgroup, css)`.
    pub const OFF_MEMCG_CSS: &str = "OFF_MEMCG_CSS";
    /// `offsetof(struct cgroup_subsys_state, cgroup)`.
    pub const OFF_CSS_CGROUP: &str = "OFF_CSS_CGROUP";
    /// `offsetof(struct cgroup, kn)`.
    pub const OFF_CGROUP_KN: &str = "OFF_CGROUP_KN";
    /// `offsetof(struct kernfs_node, id)`.
    pub const OFF_KN_ID: &str = "OFF_KN_ID";
    /// 1 if all the offsets above are known, else 0 (then the task's cgroup is used).
    pub const HAVE_MEMCG_OFFSETS: &str = "HAVE_MEMCG_OFFSETS";
    /// [`super::ret_kind`] of the store function.
    pub const STORE_RET_KIND: &str = "STORE_RET_KIND";
    /// [`super::ret_kind`] of the load function.
    pub const LOAD_RET_KIND: &str = "LOAD_RET_KIND";
    /// 1 to send [`super::Event`]s through the ring buffer.
    pub const EMIT_EVENTS: &str = "EMIT_EVENTS";
    /// [`super::slot_mode`] of the store and load functions.
    pub const SLOT_MODE: &str = "SLOT_MODE";
    /// [`super::slot_mode`] of the invalidate function.
    pub const INVALIDATE_SLOT_MODE: &str = "INVALIDATE_SLOT_MODE";
    /// `offsetof(struct folio, swap)`.
    pub const OFF_FOLIO_SWAP: &str = "OFF_FOLIO_SWAP";
}

/// Names of the maps in the eBPF object.
pub mod map {
    /// Per-CPU array of [`super::LATENCY_SLOTS`] `u64` for stores.
    pub const STORE_LATENCY: &str = "STORE_LATENCY";
    /// Per-CPU array of [`super::LATENCY_SLOTS`] `u64` for loads.
    pub const LOAD_LATENCY: &str = "LOAD_LATENCY";
    /// Per-CPU array of [`super::SIZE_BUCKETS`] `u64`.
    pub const SIZE_HIST: &str = "SIZE_HIST";
    /// Per-CPU array of [`super::counter::COUNT`] `u64`.
    pub const COUNTERS: &str = "COUNTERS";
    /// Hash map cgroup id → slot (`u32`) in [`CGROUP_COUNTERS`].
    pub const CGROUP_SLOTS: &str = "CGROUP_SLOTS";
    /// Per-CPU array of [`super::MAX_CGROUPS`] [`super::CgroupCounters`], by slot.
    pub const CGROUP_COUNTERS: &str = "CGROUP_COUNTERS";
    /// Ring buffer of [`super::Event`].
    pub const EVENTS: &str = "EVENTS";
}

/// Log2 bucket of a latency: 0 for 0, else `floor(log2(ns)) + 1`, capped at the last bucket.
#[inline(always)]
pub fn latency_bucket(ns: u64) -> u32 {
    // Branch-light binary search; written out so the BPF backend needs no ctlz instruction.
    let mut v = ns;
    let mut b: u32 = 0;
    if v >= 1 << 32 {
        v >>= 32;
        b += 32;
    }
    if v >= 1 << 16 {
        v >>= 16;
        b += 16;
    }
    if v >= 1 << 8 {
        v >>= 8;
        b += 8;
    }
    if v >= 1 << 4 {
        v >>= 4;
        b += 4;
    }
    if v >= 1 << 2 {
        v >>= 2;
        b += 2;
    }
    if v >= 1 << 1 {
        v >>= 1;
        b += 1;
    }
    let bucket = if v == 0 { 0 } else { b + 1 };
    if bucket >= LATENCY_BUCKETS {
        LATENCY_BUCKETS - 1
    } else {
        bucket
    }
}

/// zsmalloc size-class index (before merging) of an object of `len` compressed bytes:
/// `ceil((len + 8 - 32) / 16)` clamped to `0..=254`, as `zs_malloc` looks it up.
#[inline(always)]
pub fn size_bucket(len: u64) -> u32 {
    let with_handle = len + 8;
    let idx = if with_handle <= 32 {
        0
    } else {
        (with_handle - 32).div_ceil(16)
    };
    if idx >= SIZE_BUCKETS as u64 {
        SIZE_BUCKETS - 1
    } else {
        idx as u32
    }
}

#[cfg(feature = "user")]
mod pod {
    // SAFETY: all three are #[repr(C)], Copy, made of integers with explicit padding, so
    // every bit pattern is valid and there are no implicit padding bytes.
    unsafe impl aya::Pod for super::CgroupCounters {}
    // SAFETY: as above.
    unsafe impl aya::Pod for super::Inflight {}
    // SAFETY: as above.
    unsafe impl aya::Pod for super::Event {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_bucket_zero_is_zero() {
        assert_eq!(latency_bucket(0), 0);
    }

    #[test]
    fn latency_bucket_powers_of_two_start_buckets() {
        assert_eq!(latency_bucket(1), 1);
        assert_eq!(latency_bucket(2), 2);
        assert_eq!(latency_bucket(3), 2);
        assert_eq!(latency_bucket(1024), 11);
        assert_eq!(latency_bucket(1023), 10);
    }

    #[test]
    fn latency_bucket_is_capped() {
        assert_eq!(latency_bucket(u64::MAX), LATENCY_BUCKETS - 1);
    }

    #[test]
    fn size_bucket_matches_zsmalloc_lookup() {
        // docs/kernel-notes.md §4.3, §4.5:
        // 100 -> 5, 1200 -> 74, 2048 -> 127, 3700 -> 230, 4096 -> 254.
        assert_eq!(size_bucket(100), 5);
        assert_eq!(size_bucket(1200), 74);
        assert_eq!(size_bucket(2048), 127);
        assert_eq!(size_bucket(3700), 230);
        assert_eq!(size_bucket(4096), 254);
        assert_eq!(size_bucket(1), 0);
    }

    #[test]
    fn swap_entries_round_trip_like_the_kernel() {
        // x86_64: swp_entry(1, 0x1234).val == 1 << 58 | 0x1234
        assert_eq!(swap_entry(1, 0x1234), 0x0400_0000_0000_1234);
        assert_eq!(swap_slot(swap_entry(3, 77)), Some((3, 77)));
        assert_eq!(swap_slot(SLOT_NONE), None);
    }

    #[test]
    fn event_has_no_implicit_padding() {
        assert_eq!(core::mem::size_of::<Event>(), 8 * 6 + 4 * 2 + 8 + 16);
        assert_eq!(core::mem::size_of::<Inflight>(), 40);
        assert_eq!(core::mem::size_of::<CgroupCounters>(), 40);
    }
}
