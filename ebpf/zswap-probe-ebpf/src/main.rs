//! eBPF programs of the zswap probe.
//!
//! Attach points (docs/kernel-notes.md §6): the store and load functions of each era
//! (`zswap_frontswap_store/load` on 6.1, `zswap_store/load` on 6.6+), `obj_cgroup_charge_zswap`
//! for the compressed size and the owning memory cgroup, the invalidate function, and
//! `zswap_writeback_entry` where it is a symbol. Each function has an fentry/fexit pair and a
//! kprobe/kretprobe pair with the same logic; the loader picks one per function at load time.
//!
//! Programs only read arguments and update maps. Struct offsets, the return-value kinds and
//! where the swap slot is found (`SLOT_MODE`, `INVALIDATE_SLOT_MODE`) are globals set by the
//! loader from the running kernel's BTF. An fentry program reads a second argument only when
//! the slot mode says the function has one: the globals live in frozen read-only data, so the
//! verifier knows their values, prunes the other branch and never sees an out-of-range read.
#![no_std]
#![no_main]

use aya_ebpf::{
    bindings::BPF_NOEXIST,
    helpers::{
        bpf_get_current_cgroup_id, bpf_get_current_comm, bpf_get_current_pid_tgid,
        bpf_ktime_get_ns, bpf_probe_read_kernel,
    },
    macros::{fentry, fexit, kprobe, kretprobe, map},
    maps::{Array, HashMap, PerCpuArray, RingBuf},
    programs::{FEntryContext, FExitContext, ProbeContext, RetProbeContext},
};
use zswap_probe_common::{
    CLAIM_TRIES, CgroupCounters, Event, Inflight, LATENCY_BUCKETS, LATENCY_SLOTS, MAX_CGROUPS,
    MAX_INFLIGHT, SIZE_BUCKETS, SLOT_NONE, counter, latency_bucket, op, outcome, ret_kind,
    size_bucket, slot_mode, swap_entry,
};

// Globals set by the loader (EbpfLoader::set_global); the names are in common::global.
#[unsafe(no_mangle)]
static OFF_OBJCG_MEMCG: u64 = 0;
#[unsafe(no_mangle)]
static OFF_MEMCG_CSS: u64 = 0;
#[unsafe(no_mangle)]
static OFF_CSS_CGROUP: u64 = 0;
#[unsafe(no_mangle)]
static OFF_CGROUP_KN: u64 = 0;
#[unsafe(no_mangle)]
static OFF_KN_ID: u64 = 0;
#[unsafe(no_mangle)]
static HAVE_MEMCG_OFFSETS: u64 = 0;
#[unsafe(no_mangle)]
static STORE_RET_KIND: u64 = ret_kind::BOOL;
#[unsafe(no_mangle)]
static LOAD_RET_KIND: u64 = ret_kind::BOOL;
#[unsafe(no_mangle)]
static EMIT_EVENTS: u64 = 0;
#[unsafe(no_mangle)]
static SLOT_MODE: u64 = slot_mode::NONE;
#[unsafe(no_mangle)]
static INVALIDATE_SLOT_MODE: u64 = slot_mode::NONE;
#[unsafe(no_mangle)]
static OFF_FOLIO_SWAP: u64 = 0;

#[map]
static STORE_LATENCY: PerCpuArray<u64> = PerCpuArray::with_max_entries(LATENCY_SLOTS, 0);
#[map]
static LOAD_LATENCY: PerCpuArray<u64> = PerCpuArray::with_max_entries(LATENCY_SLOTS, 0);
#[map]
static SIZE_HIST: PerCpuArray<u64> = PerCpuArray::with_max_entries(SIZE_BUCKETS, 0);
#[map]
static COUNTERS: PerCpuArray<u64> = PerCpuArray::with_max_entries(counter::COUNT, 0);
// Per-cgroup totals: a slot per cgroup id (CGROUP_SLOTS, claimed once in SLOT_OWNERS) and
// the counters of each slot in a per-CPU array, so that an operation of the cgroup seen last
// on its CPU (CGROUP_CACHE) costs two array lookups instead of hashing the id.
#[map]
static CGROUP_SLOTS: HashMap<u64, u32> = HashMap::with_max_entries(MAX_CGROUPS, 0);
#[map]
static SLOT_OWNERS: HashMap<u32, u64> = HashMap::with_max_entries(MAX_CGROUPS, 0);
#[map]
static CGROUP_COUNTERS: PerCpuArray<CgroupCounters> =
    PerCpuArray::with_max_entries(MAX_CGROUPS, 0);
/// The lowest slot that may be free (a hint: racing CPUs may both read it; SLOT_OWNERS decides).
#[map]
static NEXT_SLOT: Array<u32> = Array::with_max_entries(1, 0);
/// `(cgroup id, slot)` resolved last on this CPU.
#[map]
static CGROUP_CACHE: PerCpuArray<[u64; 2]> = PerCpuArray::with_max_entries(1, 0);
#[map]
static EVENTS: RingBuf = RingBuf::with_byte_size(4 * 1024 * 1024, 0);
// In-flight state by thread slot (common::MAX_INFLIGHT): an array lookup is a few
// instructions the verifier inlines, where a hash map insert and delete per call cost
// hundreds (measured with `zswap-probe --self-cost` under QEMU -icount).
#[map]
static STORE_INFLIGHT: Array<Inflight> = Array::with_max_entries(MAX_INFLIGHT, 0);
#[map]
static LOAD_INFLIGHT: Array<Inflight> = Array::with_max_entries(MAX_INFLIGHT, 0);
#[map]
static WB_INFLIGHT: Array<Inflight> = Array::with_max_entries(MAX_INFLIGHT, 0);

#[inline(always)]
fn global(v: &'static u64) -> u64 {
    // SAFETY: reading a static; volatile so the loader's value is not constant-folded away.
    unsafe { core::ptr::read_volatile(v) }
}

#[inline(always)]
fn add_percpu(map: &PerCpuArray<u64>, index: u32, value: u64) {
    if let Some(p) = map.get_ptr_mut(index) {
        // SAFETY: the pointer comes from the map lookup and is this CPU's slot.
        unsafe { *p += value };
    }
}

#[inline(always)]
fn count(index: u32, value: u64) {
    add_percpu(&COUNTERS, index, value);
}

/// Reads a kernel pointer-sized value at `base + off`.
#[inline(always)]
fn read_u64(base: u64, off: u64) -> Option<u64> {
    if base == 0 {
        return None;
    }
    // SAFETY: bpf_probe_read_kernel checks the address and fails instead of faulting.
    unsafe { bpf_probe_read_kernel((base + off) as *const u64).ok() }
}

/// The last `(objcg, memcg, cgroup id)` resolved on this CPU: a workload's stores come from
/// few cgroups, so most charges read one pointer instead of four.
#[map]
static OBJCG_CACHE: PerCpuArray<[u64; 3]> = PerCpuArray::with_max_entries(1, 0);

/// cgroup v2 id of the memory cgroup behind an `obj_cgroup`:
/// `objcg->memcg->css.cgroup->kn->id`, with offsets from BTF. `objcg->memcg` is read every
/// time (it changes when a dying cgroup's objects are reparented); the rest of the chain is
/// taken from [`OBJCG_CACHE`] when `(objcg, memcg)` is the pair resolved last on this CPU.
#[inline(always)]
fn objcg_cgroup_id(objcg: u64) -> Option<u64> {
    if global(&HAVE_MEMCG_OFFSETS) == 0 {
        return None;
    }
    let memcg = read_u64(objcg, global(&OFF_OBJCG_MEMCG))?;
    if memcg == 0 {
        return None;
    }
    let cache = OBJCG_CACHE.get_ptr_mut(0);
    if let Some(c) = cache {
        // SAFETY: this CPU's copy of the cache entry.
        let [o, m, id] = unsafe { *c };
        if o == objcg && m == memcg && id != 0 {
            return Some(id);
        }
    }
    let cgroup = read_u64(memcg + global(&OFF_MEMCG_CSS), global(&OFF_CSS_CGROUP))?;
    let kn = read_u64(cgroup, global(&OFF_CGROUP_KN))?;
    let id = read_u64(kn, global(&OFF_KN_ID))?;
    if id == 0 {
        return None;
    }
    if let Some(c) = cache {
        // SAFETY: as above.
        unsafe { *c = [objcg, memcg, id] };
    }
    Some(id)
}

/// The swap entry of an operation from its first two arguments, as `mode` says.
#[inline(always)]
fn slot_of(mode: u64, arg0: u64, arg1: u64) -> u64 {
    match mode {
        slot_mode::TYPE_OFFSET_ARGS => swap_entry(arg0 & 0xffff_ffff, arg1),
        slot_mode::FOLIO_SWAP => read_u64(arg0, global(&OFF_FOLIO_SWAP)).unwrap_or(SLOT_NONE),
        slot_mode::ENTRY_ARG => arg0,
        _ => SLOT_NONE,
    }
}

/// The current thread's id and its in-flight slot.
#[inline(always)]
fn thread() -> (u32, u32) {
    let tid = bpf_get_current_pid_tgid() as u32;
    (tid, tid & (MAX_INFLIGHT - 1))
}

#[inline(always)]
fn enter(map: &Array<Inflight>, slot: u64) {
    let (tid, index) = thread();
    let Some(p) = map.get_ptr_mut(index) else {
        return;
    };
    // SAFETY: `p` points at this thread's slot of the array; another thread writes it only
    // when their ids collide (see MAX_INFLIGHT), which the exit detects by `tid`.
    // Field by field and volatile: a struct assignment lets LLVM merge the zero fields into a
    // call to `memset`, which on BPF is a byte loop (about 85 instructions for 20 bytes).
    unsafe {
        use core::ptr::{addr_of_mut, write_volatile};
        // SAFETY: helper without preconditions.
        write_volatile(addr_of_mut!((*p).start_ns), bpf_ktime_get_ns());
        write_volatile(addr_of_mut!((*p).cgroup_id), 0);
        write_volatile(addr_of_mut!((*p).bytes), 0);
        write_volatile(addr_of_mut!((*p).pages), 0);
        write_volatile(addr_of_mut!((*p).tid), tid);
        write_volatile(addr_of_mut!((*p).slot), slot);
    }
}

/// Takes the current thread's in-flight state out of `map`, if its entry was seen.
#[inline(always)]
fn take(map: &Array<Inflight>) -> Option<Inflight> {
    let (tid, index) = thread();
    let p = map.get_ptr_mut(index)?;
    // SAFETY: as in `enter`.
    unsafe {
        if (*p).tid != tid || (*p).start_ns == 0 {
            return None;
        }
        let inflight = *p;
        (*p).start_ns = 0;
        Some(inflight)
    }
}

/// Decodes a return value into an outcome code for `op_code`.
#[inline(always)]
fn classify(op_code: u8, kind: u64, ret: u64) -> (u8, i64) {
    if kind == ret_kind::BOOL {
        let ok = ret & 0xff != 0;
        let code = if ok {
            outcome::OK
        } else if op_code == op::LOAD {
            outcome::NOT_FOUND
        } else {
            outcome::REJECTED
        };
        return (code, (ret & 0xff) as i64);
    }
    let ret = ret as u32 as i32 as i64;
    let code = match ret {
        0 => outcome::OK,
        // 6.1 loads return -1 for "not present"; 6.18+ loads return -ENOENT.
        -1 | -2 if op_code == op::LOAD => outcome::NOT_FOUND,
        -5 => outcome::IO_ERROR,
        -22 => outcome::INVALID,
        -12 => outcome::NO_MEMORY,
        -28 => outcome::NO_SPACE,
        -19 => outcome::DISABLED,
        _ => outcome::OTHER_ERROR,
    };
    (code, ret)
}

/// A free slot for cgroup `id`, registered in CGROUP_SLOTS; `None` when all are taken. Runs
/// once per cgroup (or again if it loses a race, see below).
#[inline(always)]
fn claim_slot(id: u64) -> Option<u32> {
    let next = NEXT_SLOT.get_ptr_mut(0)?;
    // SAFETY: the map's only entry; a racing writer can only make the hint stale.
    let mut slot = unsafe { *next };
    for _ in 0..CLAIM_TRIES {
        if slot >= MAX_CGROUPS {
            return None;
        }
        // An insert that must not replace is atomic: one claimer per slot.
        if SLOT_OWNERS.insert(&slot, &id, BPF_NOEXIST as u64).is_ok() {
            // SAFETY: as above.
            unsafe { *next = slot + 1 };
            if CGROUP_SLOTS.insert(&id, &slot, BPF_NOEXIST as u64).is_ok() {
                return Some(slot);
            }
            // Another CPU registered `id` meanwhile: use its slot (this one stays unused).
            // SAFETY: a plain read of the map's value.
            return unsafe { CGROUP_SLOTS.get(&id) }.copied();
        }
        slot += 1;
    }
    None
}

/// The counter slot of cgroup `id`, from this CPU's cache when `id` was the last one here.
#[inline(always)]
fn cgroup_slot(id: u64) -> Option<u32> {
    let cache = CGROUP_CACHE.get_ptr_mut(0)?;
    // SAFETY: this CPU's copy of the cache entry.
    let [cached_id, cached_slot] = unsafe { *cache };
    if cached_id == id && id != 0 {
        return Some(cached_slot as u32);
    }
    // SAFETY: a plain read of the map's value.
    let slot = match unsafe { CGROUP_SLOTS.get(&id) } {
        Some(s) => *s,
        None => claim_slot(id)?,
    };
    // SAFETY: as above.
    unsafe { *cache = [id, slot as u64] };
    Some(slot)
}

/// Adds `add` (in [`CgroupCounters`] field order) to this CPU's counters of cgroup `id`.
#[inline(always)]
fn cgroup_add(id: u64, add: [u64; 5]) {
    let Some(p) = cgroup_slot(id).and_then(|slot| CGROUP_COUNTERS.get_ptr_mut(slot)) else {
        count(counter::CGROUP_OVERFLOW, 1);
        return;
    };
    // SAFETY: `p` is this CPU's copy of the entry; a per-CPU map needs no atomics.
    unsafe {
        (*p).store_ok_pages += add[0];
        (*p).store_fail += add[1];
        (*p).stored_bytes += add[2];
        (*p).load_ok += add[3];
        (*p).load_fail += add[4];
    }
}

/// What one event says, apart from the time, task and outcome code.
struct Fields {
    ret: i64,
    /// 0: the current task's, looked up only when the event is sent (invalidations and
    /// writebacks need it for nothing else).
    cgroup_id: u64,
    latency_ns: u64,
    bytes: u64,
    pages: u32,
    slot: u64,
}

#[inline(always)]
fn emit(op_code: u8, code: u8, f: Fields) {
    if global(&EMIT_EVENTS) == 0 {
        return;
    }
    let Some(mut entry) = EVENTS.reserve::<Event>(0) else {
        count(counter::EVENTS_DROPPED, 1);
        return;
    };
    let pid_tgid = bpf_get_current_pid_tgid();
    let event = Event {
        // SAFETY: helper without preconditions.
        ts_ns: unsafe { bpf_ktime_get_ns() },
        cgroup_id: if f.cgroup_id == 0 {
            current_cgroup()
        } else {
            f.cgroup_id
        },
        latency_ns: f.latency_ns,
        bytes: f.bytes,
        ret: f.ret,
        slot: f.slot,
        pid: (pid_tgid >> 32) as u32,
        pages: f.pages,
        op: op_code,
        outcome: code,
        _pad: [0; 6],
        comm: bpf_get_current_comm().unwrap_or([0; 16]),
    };
    entry.write(event);
    entry.submit(0);
}

#[inline(always)]
fn current_cgroup() -> u64 {
    // SAFETY: helper without preconditions.
    unsafe { bpf_get_current_cgroup_id() }
}

/// Common exit path of stores and loads.
#[inline(always)]
fn exit(op_code: u8, ret: u64) {
    let (map, hist, kind) = if op_code == op::STORE {
        (&STORE_INFLIGHT, &STORE_LATENCY, global(&STORE_RET_KIND))
    } else {
        (&LOAD_INFLIGHT, &LOAD_LATENCY, global(&LOAD_RET_KIND))
    };
    let (code, ret) = classify(op_code, kind, ret);
    // Without the entry's state (see MAX_INFLIGHT) the outcome still counts; the latency,
    // size and owning cgroup are unknown.
    let (inflight, latency) = match take(map) {
        Some(i) => {
            // SAFETY: helper without preconditions.
            let now = unsafe { bpf_ktime_get_ns() };
            let latency = now.saturating_sub(i.start_ns);
            add_percpu(hist, code as u32 * LATENCY_BUCKETS + latency_bucket(latency), 1);
            (i, latency)
        }
        None => {
            count(counter::UNMATCHED_EXIT, 1);
            let none = Inflight {
                slot: SLOT_NONE,
                ..Inflight::default()
            };
            (none, 0)
        }
    };
    let ok = code == outcome::OK;
    let cgroup_id = if inflight.cgroup_id != 0 {
        inflight.cgroup_id
    } else {
        current_cgroup()
    };
    let pages = if inflight.pages == 0 {
        1
    } else {
        inflight.pages
    };
    if op_code == op::STORE {
        if ok {
            count(counter::STORE_OK, 1);
            count(counter::STORE_OK_PAGES, pages as u64);
            let bytes = inflight.bytes;
            cgroup_add(cgroup_id, [pages as u64, 0, bytes, 0, 0]);
        } else {
            count(counter::STORE_FAIL, 1);
            cgroup_add(cgroup_id, [0, 1, 0, 0, 0]);
        }
    } else if ok {
        count(counter::LOAD_OK, 1);
        cgroup_add(cgroup_id, [0, 0, 0, 1, 0]);
    } else {
        count(counter::LOAD_FAIL, 1);
        cgroup_add(cgroup_id, [0, 0, 0, 0, 1]);
    }
    emit(
        op_code,
        code,
        Fields {
            ret,
            cgroup_id,
            latency_ns: latency,
            bytes: inflight.bytes,
            pages,
            slot: inflight.slot,
        },
    );
}

/// `obj_cgroup_charge_zswap(objcg, size)`: called once per stored object inside a store.
#[inline(always)]
fn charge(objcg: u64, size: u64) {
    let (tid, index) = thread();
    let Some(p) = STORE_INFLIGHT.get_ptr_mut(index) else {
        return;
    };
    // SAFETY: as in `enter`; a charge outside a store of this thread is not counted.
    if unsafe { (*p).tid != tid || (*p).start_ns == 0 } {
        return;
    }
    if size == 0 {
        count(counter::SAME_FILLED, 1);
    } else {
        add_percpu(&SIZE_HIST, size_bucket(size), 1);
    }
    count(counter::CHARGED_BYTES, size);
    let id = objcg_cgroup_id(objcg).unwrap_or(0);
    // SAFETY: `p` is this thread's own in-flight entry; no other CPU writes it.
    unsafe {
        if (*p).cgroup_id == 0 {
            (*p).cgroup_id = id;
        }
        (*p).bytes += size;
        (*p).pages += 1;
    }
}

/// `slot`: the invalidated page's swap entry, from [`fentry_slot`] or [`kprobe_slot`].
fn invalidate(slot: u64) {
    count(counter::INVALIDATE, 1);
    emit(
        op::INVALIDATE,
        outcome::OK,
        Fields {
            ret: 0,
            cgroup_id: 0,
            latency_ns: 0,
            bytes: 0,
            pages: 1,
            slot,
        },
    );
}

fn writeback_exit(ret: u64) {
    let start = take(&WB_INFLIGHT).map(|i| i.start_ns);
    // SAFETY: helper without preconditions.
    let now = unsafe { bpf_ktime_get_ns() };
    let latency = start.map_or(0, |s| now.saturating_sub(s));
    let (code, ret) = classify(op::WRITEBACK, ret_kind::ERRNO, ret);
    if code == outcome::OK {
        count(counter::WRITEBACK_OK, 1);
    } else {
        count(counter::WRITEBACK_FAIL, 1);
    }
    emit(
        op::WRITEBACK,
        code,
        Fields {
            ret,
            cgroup_id: 0,
            latency_ns: latency,
            bytes: 0,
            pages: 1,
            slot: SLOT_NONE,
        },
    );
}

// ---- fentry / fexit -------------------------------------------------------------------------

/// The slot of an operation from an fentry context. The second argument is read only
/// when the mode uses it: the verifier refuses reads past the function's parameters.
#[inline(always)]
fn fentry_slot(ctx: &FEntryContext, mode: u64) -> u64 {
    // Only events carry the slot: without them, the histograms do not pay for reading it.
    if global(&EMIT_EVENTS) == 0 {
        return SLOT_NONE;
    }
    match mode {
        slot_mode::TYPE_OFFSET_ARGS => slot_of(mode, ctx.arg(0), ctx.arg(1)),
        slot_mode::NONE => SLOT_NONE,
        _ => slot_of(mode, ctx.arg(0), 0),
    }
}

#[fentry]
pub fn store_enter(ctx: FEntryContext) -> u32 {
    enter(&STORE_INFLIGHT, fentry_slot(&ctx, global(&SLOT_MODE)));
    0
}

#[fexit]
pub fn store_exit(ctx: FExitContext) -> u32 {
    if let Ok(ret) = ctx.ret::<u64>() {
        exit(op::STORE, ret);
    }
    0
}

#[fentry]
pub fn load_enter(ctx: FEntryContext) -> u32 {
    enter(&LOAD_INFLIGHT, fentry_slot(&ctx, global(&SLOT_MODE)));
    0
}

#[fexit]
pub fn load_exit(ctx: FExitContext) -> u32 {
    if let Ok(ret) = ctx.ret::<u64>() {
        exit(op::LOAD, ret);
    }
    0
}

#[fentry]
pub fn charge_enter(ctx: FEntryContext) -> u32 {
    let objcg: u64 = ctx.arg(0);
    let size: u64 = ctx.arg(1);
    charge(objcg, size);
    0
}

#[fentry]
pub fn invalidate_enter(ctx: FEntryContext) -> u32 {
    invalidate(fentry_slot(&ctx, global(&INVALIDATE_SLOT_MODE)));
    0
}

#[fentry]
pub fn writeback_enter(_ctx: FEntryContext) -> u32 {
    enter(&WB_INFLIGHT, SLOT_NONE);
    0
}

#[fexit]
pub fn writeback_exit_fexit(ctx: FExitContext) -> u32 {
    if let Ok(ret) = ctx.ret::<u64>() {
        writeback_exit(ret);
    }
    0
}

/// Does nothing. Attached beside `store_enter` only with `--self-cost`: its run time is what
/// the kernel's run-time statistics add to every program's (their own clock reads), which
/// the overhead check subtracts from the other programs' (docs/performance.md).
#[fentry]
pub fn calibrate(_ctx: FEntryContext) -> u32 {
    0
}

// ---- kprobe / kretprobe fallback -----------------------------------------------------------

/// The slot of an operation from a kprobe context (registers: no bounds to respect).
#[inline(always)]
fn kprobe_slot(ctx: &ProbeContext, mode: u64) -> u64 {
    if global(&EMIT_EVENTS) == 0 {
        return SLOT_NONE;
    }
    match (ctx.arg::<u64>(0), ctx.arg::<u64>(1)) {
        (Some(a0), Some(a1)) => slot_of(mode, a0, a1),
        _ => SLOT_NONE,
    }
}

#[kprobe]
pub fn kp_store_enter(ctx: ProbeContext) -> u32 {
    enter(&STORE_INFLIGHT, kprobe_slot(&ctx, global(&SLOT_MODE)));
    0
}

#[kretprobe]
pub fn kp_store_exit(ctx: RetProbeContext) -> u32 {
    exit(op::STORE, ctx.ret::<u64>());
    0
}

#[kprobe]
pub fn kp_load_enter(ctx: ProbeContext) -> u32 {
    enter(&LOAD_INFLIGHT, kprobe_slot(&ctx, global(&SLOT_MODE)));
    0
}

#[kretprobe]
pub fn kp_load_exit(ctx: RetProbeContext) -> u32 {
    exit(op::LOAD, ctx.ret::<u64>());
    0
}

#[kprobe]
pub fn kp_charge_enter(ctx: ProbeContext) -> u32 {
    if let (Some(objcg), Some(size)) = (ctx.arg::<u64>(0), ctx.arg::<u64>(1)) {
        charge(objcg, size);
    }
    0
}

#[kprobe]
pub fn kp_invalidate_enter(ctx: ProbeContext) -> u32 {
    invalidate(kprobe_slot(&ctx, global(&INVALIDATE_SLOT_MODE)));
    0
}

#[kprobe]
pub fn kp_writeback_enter(_ctx: ProbeContext) -> u32 {
    enter(&WB_INFLIGHT, SLOT_NONE);
    0
}

#[kretprobe]
pub fn kp_writeback_exit(ctx: RetProbeContext) -> u32 {
    writeback_exit(ctx.ret::<u64>());
    0
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 13] = *b"Dual MIT/GPL\0";
