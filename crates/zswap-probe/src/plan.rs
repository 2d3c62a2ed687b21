//! Which kernel functions to hook on the running kernel, and how their results read.
//!
//! docs/kernel-notes.md §6: 6.1 has `zswap_frontswap_{store,load,invalidate_page}` (int
//! returns); 6.6+ has `zswap_{store,load,invalidate}`, `zswap_load` returning `bool` in 6.12
//! and `int` (0 / -ENOENT / -EIO / -EINVAL) in 6.18. `obj_cgroup_charge_zswap(objcg, size)` is
//! called once per stored object in every era and gives the compressed size and the owning
//! memory cgroup. `zswap_writeback_entry` is static and may be inlined: hooked only if present.
//! Every decision here is read from BTF and kallsyms, never from the version number, except
//! the return kind of a function BTF does not describe.

use zswap_core::ZswapInterface;
use zswap_probe_common::{ret_kind, slot_mode};

use crate::btf::{Btf, ReturnType};
use crate::error::{ProbeError, Result};
use crate::kallsyms::KernelSymbols;

/// What a hooked function is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The store function.
    Store,
    /// The load function.
    Load,
    /// `obj_cgroup_charge_zswap`: size and cgroup of each stored object.
    Charge,
    /// The invalidate function.
    Invalidate,
    /// `zswap_writeback_entry`.
    Writeback,
}

impl Role {
    /// True for the hooks without which the probe is useless.
    pub fn required(self) -> bool {
        matches!(self, Role::Store | Role::Load)
    }
}

/// One function to hook.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hook {
    /// What it is for.
    pub role: Role,
    /// The function's name in the kernel source.
    pub function: String,
    /// True if and only if BTF describes it, so fentry/fexit can be tried.
    pub in_btf: bool,
    /// The kallsyms name for a kprobe (the function or a compiler clone), if any.
    pub kprobe_symbol: Option<String>,
}

/// Offsets for `objcg->memcg->css.cgroup->kn->id`, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MemcgOffsets {
    /// `offsetof(struct obj_cgroup, memcg)`.
    pub objcg_memcg: u64,
    /// `offsetof(struct mem_cgroup, css)`.
    pub memcg_css: u64,
    /// `offsetof(struct cgroup_subsys_state, cgroup)`.
    pub css_cgroup: u64,
    /// `offsetof(struct cgroup, kn)`.
    pub cgroup_kn: u64,
    /// `offsetof(struct kernfs_node, id)`.
    pub kn_id: u64,
}

/// Everything the loader decided before touching the kernel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttachPlan {
    /// The shape of zswap's entry points; serialised as `era`, the key the trace header
    /// has used for it since version 1.
    #[serde(rename = "era")]
    pub interface: ZswapInterface,
    /// Functions to hook, required ones first.
    pub hooks: Vec<Hook>,
    /// [`ret_kind`] of the store function.
    pub store_ret: u64,
    /// [`ret_kind`] of the load function.
    pub load_ret: u64,
    /// Where the cgroup id is found from an `obj_cgroup`, if BTF has all the structs.
    pub memcg: Option<MemcgOffsets>,
    /// [`slot_mode`] of the store and load functions.
    pub slot_mode: u64,
    /// [`slot_mode`] of the invalidate function.
    pub invalidate_slot_mode: u64,
    /// `offsetof(struct folio, swap)` when `slot_mode` is [`slot_mode::FOLIO_SWAP`].
    pub folio_swap_offset: u64,
}

fn ret_kind_of(btf: Option<&Btf>, function: &str, fallback: u64) -> u64 {
    match btf.and_then(|b| b.func(function)).map(|sig| sig.ret) {
        Some(ReturnType::Bool) => ret_kind::BOOL,
        Some(ReturnType::Int { .. }) => ret_kind::ERRNO,
        _ => fallback,
    }
}

fn memcg_offsets(btf: &Btf) -> Option<MemcgOffsets> {
    Some(MemcgOffsets {
        objcg_memcg: btf.member_offset("obj_cgroup", "memcg")?.into(),
        memcg_css: btf.member_offset("mem_cgroup", "css")?.into(),
        css_cgroup: btf.member_offset("cgroup_subsys_state", "cgroup")?.into(),
        cgroup_kn: btf.member_offset("cgroup", "kn")?.into(),
        kn_id: btf.member_offset("kernfs_node", "id")?.into(),
    })
}

/// Parses `major.minor` from a kernel release such as `6.12.48+deb13-amd64`.
fn release_version(release: &str) -> Option<(u32, u32)> {
    let mut it = release.split(|c: char| !c.is_ascii_digit());
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// Decides the hooks for a kernel described by its BTF (if readable), its symbols and its
/// release string (used only for a load function BTF does not describe: `int` from 6.16).
pub fn plan(btf: Option<&Btf>, syms: &KernelSymbols, release: &str) -> Result<AttachPlan> {
    let present =
        |name: &str| btf.is_some_and(|b| b.has_func(name)) || syms.kprobe_target(name).is_some();
    let (interface, names) = if present("zswap_store") {
        (
            ZswapInterface::Folio,
            ["zswap_store", "zswap_load", "zswap_invalidate"],
        )
    } else if present("zswap_frontswap_store") {
        (
            ZswapInterface::Frontswap,
            [
                "zswap_frontswap_store",
                "zswap_frontswap_load",
                "zswap_frontswap_invalidate_page",
            ],
        )
    } else {
        return Err(ProbeError::NoZswapSymbols {
            looked_for: "zswap_store, zswap_frontswap_store".into(),
        });
    };
    let hook = |role, function: &str| Hook {
        role,
        function: function.to_owned(),
        in_btf: btf.is_some_and(|b| b.has_func(function)),
        kprobe_symbol: syms.kprobe_target(function),
    };
    let mut hooks = vec![hook(Role::Store, names[0]), hook(Role::Load, names[1])];
    for (role, name) in [
        (Role::Charge, "obj_cgroup_charge_zswap"),
        (Role::Invalidate, names[2]),
        (Role::Writeback, "zswap_writeback_entry"),
    ] {
        let h = hook(role, name);
        if h.in_btf || h.kprobe_symbol.is_some() {
            hooks.push(h);
        }
    }
    for h in hooks.iter().filter(|h| h.role.required()) {
        if !h.in_btf && h.kprobe_symbol.is_none() {
            return Err(ProbeError::NoZswapSymbols {
                looked_for: h.function.clone(),
            });
        }
    }
    let (store_fallback, load_fallback) = match interface {
        ZswapInterface::Frontswap => (ret_kind::ERRNO, ret_kind::ERRNO),
        ZswapInterface::Folio => {
            let int_load = release_version(release).is_some_and(|v| v >= (6, 16));
            (
                ret_kind::BOOL,
                if int_load {
                    ret_kind::ERRNO
                } else {
                    ret_kind::BOOL
                },
            )
        }
    };
    let (slot, folio_swap_offset) = store_slot_mode(btf, interface);
    Ok(AttachPlan {
        interface,
        store_ret: ret_kind_of(btf, names[0], store_fallback),
        load_ret: ret_kind_of(btf, names[1], load_fallback),
        memcg: btf.and_then(memcg_offsets),
        hooks,
        slot_mode: slot,
        invalidate_slot_mode: invalidate_slot_mode(btf, interface, names[2]),
        folio_swap_offset,
    })
}

/// Where stores and loads keep their swap slot: the `(type, offset)` arguments of 6.1's
/// frontswap functions, or `folio->swap` (6.6+) at an offset only BTF can give.
fn store_slot_mode(btf: Option<&Btf>, interface: ZswapInterface) -> (u64, u64) {
    match interface {
        ZswapInterface::Frontswap => (slot_mode::TYPE_OFFSET_ARGS, 0),
        ZswapInterface::Folio => match btf.and_then(|b| b.member_offset("folio", "swap")) {
            Some(off) => (slot_mode::FOLIO_SWAP, off.into()),
            None => (slot_mode::NONE, 0),
        },
    }
}

/// The invalidate function takes `(type, offset)` (6.1's `zswap_frontswap_invalidate_page`,
/// 6.6-6.9's `zswap_invalidate`) or one `swp_entry_t` (6.10+): told apart by its parameter
/// count in BTF; without BTF only the frontswap form is certain.
fn invalidate_slot_mode(btf: Option<&Btf>, interface: ZswapInterface, function: &str) -> u64 {
    match btf.and_then(|b| b.func(function)).map(|sig| sig.params) {
        Some(2) => slot_mode::TYPE_OFFSET_ARGS,
        Some(1) => slot_mode::ENTRY_ARG,
        Some(_) => slot_mode::NONE,
        None if interface == ZswapInterface::Frontswap => slot_mode::TYPE_OFFSET_ARGS,
        None => slot_mode::NONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::tests::BtfBuilder;

    /// A BTF blob of a kernel with `interface` with `load_int` deciding zswap_load's return type.
    fn kernel(interface: ZswapInterface, load_int: bool) -> Btf {
        let mut b = BtfBuilder::new();
        let boolean = b.int("_Bool", 1, 4);
        let int = b.int("int", 4, 1);
        let ulong = b.int("long unsigned int", 8, 0);
        let p = b.ptr(ulong);
        match interface {
            ZswapInterface::Folio => {
                b.func("zswap_store", boolean, &[p]);
                b.func("zswap_load", if load_int { int } else { boolean }, &[p]);
                b.func("zswap_invalidate", 0, &[ulong]);
            }
            ZswapInterface::Frontswap => {
                b.func("zswap_frontswap_store", int, &[int, ulong, p]);
                b.func("zswap_frontswap_load", int, &[int, ulong, p]);
                b.func("zswap_frontswap_invalidate_page", 0, &[int, ulong]);
            }
        }
        b.record(
            false,
            "folio",
            64,
            &[("flags", ulong, 0), ("mapping", p, 24), ("swap", ulong, 40)],
        );
        b.func("obj_cgroup_charge_zswap", 0, &[p, ulong]);
        b.record(
            false,
            "obj_cgroup",
            64,
            &[("refcnt", ulong, 0), ("memcg", p, 16)],
        );
        b.record(false, "mem_cgroup", 512, &[("css", ulong, 0)]);
        b.record(false, "cgroup_subsys_state", 200, &[("cgroup", p, 0)]);
        b.record(false, "cgroup", 1000, &[("self", ulong, 0), ("kn", p, 272)]);
        b.record(false, "kernfs_node", 128, &[("id", ulong, 72)]);
        Btf::parse(&b.build()).unwrap()
    }

    #[test]
    fn folio_era_with_bool_load() {
        let btf = kernel(ZswapInterface::Folio, false);
        let p = plan(Some(&btf), &KernelSymbols::default(), "6.12.48+deb13-amd64").unwrap();
        assert_eq!(p.interface, ZswapInterface::Folio);
        assert_eq!(p.store_ret, ret_kind::BOOL);
        assert_eq!(p.load_ret, ret_kind::BOOL);
        let roles: Vec<Role> = p.hooks.iter().map(|h| h.role).collect();
        assert_eq!(
            roles,
            [Role::Store, Role::Load, Role::Charge, Role::Invalidate]
        );
    }

    #[test]
    fn folio_era_with_int_load_is_read_from_btf_not_release() {
        let btf = kernel(ZswapInterface::Folio, true);
        let p = plan(Some(&btf), &KernelSymbols::default(), "6.12.0").unwrap();
        assert_eq!(p.load_ret, ret_kind::ERRNO);
    }

    #[test]
    fn frontswap_era() {
        let btf = kernel(ZswapInterface::Frontswap, false);
        let p = plan(Some(&btf), &KernelSymbols::default(), "6.1.0").unwrap();
        assert_eq!(p.interface, ZswapInterface::Frontswap);
        assert_eq!(p.hooks[0].function, "zswap_frontswap_store");
        assert_eq!(
            (p.store_ret, p.load_ret),
            (ret_kind::ERRNO, ret_kind::ERRNO)
        );
    }

    #[test]
    fn memcg_offsets_come_from_btf() {
        let btf = kernel(ZswapInterface::Folio, false);
        let p = plan(Some(&btf), &KernelSymbols::default(), "6.12").unwrap();
        let m = p.memcg.unwrap();
        assert_eq!(
            (
                m.objcg_memcg,
                m.memcg_css,
                m.css_cgroup,
                m.cgroup_kn,
                m.kn_id
            ),
            (16, 0, 0, 272, 72)
        );
    }

    #[test]
    fn kallsyms_only_uses_kprobes_and_release_for_load() {
        let syms = KernelSymbols::parse(
            "0 T zswap_store\n0 T zswap_load\n0 t zswap_writeback_entry.isra.0\n",
        );
        let p = plan(None, &syms, "6.18.3").unwrap();
        assert!(p.hooks.iter().all(|h| !h.in_btf));
        assert_eq!(p.load_ret, ret_kind::ERRNO);
        assert_eq!(
            p.hooks.last().unwrap().kprobe_symbol.as_deref(),
            Some("zswap_writeback_entry.isra.0")
        );
        assert!(p.memcg.is_none());
        let older = plan(None, &syms, "6.12.1").unwrap();
        assert_eq!(older.load_ret, ret_kind::BOOL);
    }

    #[test]
    fn slots_come_from_folio_swap_and_the_invalidate_prototype() {
        let p = plan(
            Some(&kernel(ZswapInterface::Folio, false)),
            &KernelSymbols::default(),
            "6.12",
        )
        .unwrap();
        assert_eq!(
            (p.slot_mode, p.folio_swap_offset, p.invalidate_slot_mode),
            (slot_mode::FOLIO_SWAP, 40, slot_mode::ENTRY_ARG)
        );
        let p = plan(
            Some(&kernel(ZswapInterface::Frontswap, false)),
            &KernelSymbols::default(),
            "6.1",
        )
        .unwrap();
        assert_eq!(
            (p.slot_mode, p.invalidate_slot_mode),
            (slot_mode::TYPE_OFFSET_ARGS, slot_mode::TYPE_OFFSET_ARGS)
        );
        // 6.6-6.9: zswap_invalidate(int type, pgoff_t offset)
        let mut b = BtfBuilder::new();
        let boolean = b.int("_Bool", 1, 4);
        let int = b.int("int", 4, 1);
        let ulong = b.int("long unsigned int", 8, 0);
        let ptr = b.ptr(ulong);
        b.func("zswap_store", boolean, &[ptr]);
        b.func("zswap_load", boolean, &[ptr]);
        b.func("zswap_invalidate", 0, &[int, ulong]);
        let btf = Btf::parse(&b.build()).unwrap();
        let p = plan(Some(&btf), &KernelSymbols::default(), "6.6").unwrap();
        assert_eq!(p.invalidate_slot_mode, slot_mode::TYPE_OFFSET_ARGS);
        // no `struct folio` in BTF: the slot of stores is unknown rather than guessed
        assert_eq!(p.slot_mode, slot_mode::NONE);
    }

    #[test]
    fn without_btf_only_frontswap_slots_are_known() {
        let syms = KernelSymbols::parse("0 T zswap_store\n0 T zswap_load\n0 T zswap_invalidate\n");
        let p = plan(None, &syms, "6.12.1").unwrap();
        assert_eq!(
            (p.slot_mode, p.invalidate_slot_mode),
            (slot_mode::NONE, slot_mode::NONE)
        );
        let syms = KernelSymbols::parse(
            "0 T zswap_frontswap_store\n0 T zswap_frontswap_load\n0 T zswap_frontswap_invalidate_page\n",
        );
        let p = plan(None, &syms, "6.1.0").unwrap();
        assert_eq!(
            (p.slot_mode, p.invalidate_slot_mode),
            (slot_mode::TYPE_OFFSET_ARGS, slot_mode::TYPE_OFFSET_ARGS)
        );
    }

    #[test]
    fn no_zswap_is_an_error() {
        let err = plan(None, &KernelSymbols::parse("0 T schedule\n"), "6.12").unwrap_err();
        assert!(matches!(err, ProbeError::NoZswapSymbols { .. }), "{err}");
    }

    #[test]
    fn store_without_load_is_an_error() {
        let err = plan(None, &KernelSymbols::parse("0 T zswap_store\n"), "6.12").unwrap_err();
        assert!(err.to_string().contains("zswap_load"), "{err}");
    }
}
