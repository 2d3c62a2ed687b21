//! Loading and attaching the probe, and reading what it counted.
//!
//! Per hooked function, fentry/fexit is tried first when BTF describes the function, then
//! kprobe/kretprobe when the kernel has kprobes and the symbol is in kallsyms. A required
//! function (store, load) that attaches by neither mechanism fails the load with the kernel's
//! reasons; an optional one (charge, invalidate, writeback) is listed in
//! [`Probe::skipped`].

use std::collections::BTreeMap;
use std::io;

use aya::maps::{HashMap as AyaHashMap, MapData, PerCpuArray, RingBuf};
use aya::programs::{FEntry, FExit, KProbe};
use aya::{Ebpf, EbpfLoader};
use zswap_core::SysRoot;
use zswap_probe_common::{CgroupCounters, global, map};

use crate::btf::Btf;
use crate::error::{ProbeError, Result};
use crate::events::EventStream;
use crate::kallsyms::KernelSymbols;
use crate::plan::{AttachPlan, Hook, Role, plan};
use crate::snapshot::{CgroupTotals, ProbeSnapshot};

/// How to load the probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Where `/sys` and `/proc` are (BTF, kallsyms, kprobe support). Normally the host.
    pub sysroot: SysRoot,
    /// Send every operation through the ring buffer for [`Probe::events`].
    pub events: bool,
    /// Use kprobes even where fentry/fexit would work (for comparison and tests).
    pub kprobes_only: bool,
    /// Have the kernel time every run of the probe's programs while it is loaded
    /// (`BPF_ENABLE_STATS`), for [`Probe::program_costs`]. The timing itself costs two clock
    /// reads per run; leave it off unless the probe's own cost is the question.
    pub self_cost: bool,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            sysroot: SysRoot::host(),
            events: false,
            kprobes_only: false,
            self_cost: false,
        }
    }
}

/// What one of the probe's programs has cost so far (kernel BPF run-time statistics).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProgramCost {
    /// The program's name in the object (`store_enter`, `kp_load_exit`, …).
    pub program: String,
    /// Runs since the probe was loaded.
    pub runs: u64,
    /// Time spent in the program, ns (the trampoline or kprobe around it not included).
    pub run_ns: u64,
}

/// How a function was hooked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    /// fentry (+ fexit where the result is needed).
    Fentry,
    /// kprobe (+ kretprobe).
    Kprobe,
}

/// One hooked function.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attached {
    /// What it is for.
    pub role: Role,
    /// The function or kallsyms symbol.
    pub symbol: String,
    /// How.
    pub mechanism: Mechanism,
}

/// An optional function that could not be hooked, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// What it is for.
    pub role: Role,
    /// The function.
    pub function: String,
    /// The kernel's answers.
    pub reason: String,
}

/// The loaded, attached probe. Detached when dropped.
#[derive(Debug)]
pub struct Probe {
    ebpf: Ebpf,
    plan: AttachPlan,
    attached: Vec<Attached>,
    skipped: Vec<Skipped>,
    /// Keeps the kernel's run-time statistics on while the probe lives.
    _stats: Option<std::os::fd::OwnedFd>,
}

#[cfg(zswap_probe_built)]
fn object() -> Result<&'static [u8]> {
    Ok(aya::include_bytes_aligned!(concat!(
        env!("OUT_DIR"),
        "/zswap-probe"
    )))
}

#[cfg(not(zswap_probe_built))]
fn object() -> Result<&'static [u8]> {
    Err(ProbeError::NotBuilt {
        reason: crate::PROBE_BUILD
            .not_built_reason()
            .unwrap_or_default()
            .to_owned(),
    })
}

/// True if and only if this build embeds the eBPF object (see [`crate::PROBE_BUILD`]).
pub fn probe_built() -> bool {
    crate::PROBE_BUILD.is_built()
}

/// The errno at the bottom of an error chain, if any.
fn errno(e: &(dyn std::error::Error + 'static)) -> Option<i32> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>()
            && let Some(code) = io.raw_os_error()
        {
            return Some(code);
        }
        if let Some(aya::programs::ProgramError::LoadError { io_error, .. }) =
            err.downcast_ref::<aya::programs::ProgramError>()
        {
            return io_error.raw_os_error();
        }
        cur = err.source();
    }
    None
}

/// First line of an error's text (aya appends whole verifier logs).
fn short(e: &dyn std::error::Error) -> String {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or("");
    let line = line
        .strip_suffix(". Verifier output: ")
        .unwrap_or(line)
        .to_owned();
    if line.len() > 300 {
        format!("{}…", &line[..300])
    } else {
        line
    }
}

struct Failure {
    detail: String,
    eperm: bool,
}

/// Entry and optional exit program of one mechanism.
type ProgramPair = (&'static str, Option<&'static str>);

/// The (fentry/fexit, kprobe/kretprobe) programs for a role.
fn program_names(role: Role) -> (ProgramPair, ProgramPair) {
    match role {
        Role::Store => (
            ("store_enter", Some("store_exit")),
            ("kp_store_enter", Some("kp_store_exit")),
        ),
        Role::Load => (
            ("load_enter", Some("load_exit")),
            ("kp_load_enter", Some("kp_load_exit")),
        ),
        Role::Charge => (("charge_enter", None), ("kp_charge_enter", None)),
        Role::Invalidate => (("invalidate_enter", None), ("kp_invalidate_enter", None)),
        Role::Writeback => (
            ("writeback_enter", Some("writeback_exit_fexit")),
            ("kp_writeback_enter", Some("kp_writeback_exit")),
        ),
    }
}

fn attach_fentry(ebpf: &mut Ebpf, btf: &aya::Btf, hook: &Hook) -> std::result::Result<(), Failure> {
    let ((enter, exit), _) = program_names(hook.role);
    let fail = |what: &str, e: &(dyn std::error::Error + 'static)| Failure {
        detail: format!("fentry/fexit: {what}: {}", short(e)),
        eperm: errno(e) == Some(libc::EPERM),
    };
    let missing = |name: &str| Failure {
        detail: format!("program '{name}' missing from the object"),
        eperm: false,
    };
    let prog: &mut FEntry = ebpf
        .program_mut(enter)
        .ok_or_else(|| missing(enter))?
        .try_into()
        .map_err(|e| fail(enter, &e))?;
    prog.load(&hook.function, btf)
        .map_err(|e| fail(enter, &e))?;
    prog.attach().map_err(|e| fail(enter, &e))?;
    if let Some(exit) = exit {
        let result = (|| {
            let prog: &mut FExit = ebpf
                .program_mut(exit)
                .ok_or_else(|| missing(exit))?
                .try_into()
                .map_err(|e| fail(exit, &e))?;
            prog.load(&hook.function, btf).map_err(|e| fail(exit, &e))?;
            prog.attach().map_err(|e| fail(exit, &e))?;
            Ok(())
        })();
        if let Err(f) = result {
            // Leave no half-attached pair behind: the kprobe pair may take over.
            if let Some(p) = ebpf.program_mut(enter) {
                let typed: std::result::Result<&mut FEntry, _> = p.try_into();
                if let Ok(typed) = typed {
                    let _ = typed.unload();
                }
            }
            return Err(f);
        }
    }
    Ok(())
}

fn attach_kprobe(ebpf: &mut Ebpf, symbol: &str, role: Role) -> std::result::Result<(), Failure> {
    let (_, (enter, exit)) = program_names(role);
    for name in [Some(enter), exit].into_iter().flatten() {
        let fail = |e: &(dyn std::error::Error + 'static)| Failure {
            detail: format!("kprobe '{name}' on '{symbol}': {}", short(e)),
            eperm: errno(e) == Some(libc::EPERM),
        };
        let prog: &mut KProbe = ebpf
            .program_mut(name)
            .ok_or_else(|| Failure {
                detail: format!("program '{name}' missing from the object"),
                eperm: false,
            })?
            .try_into()
            .map_err(|e| fail(&e))?;
        prog.load().map_err(|e| fail(&e))?;
        prog.attach(symbol, 0).map_err(|e| fail(&e))?;
    }
    Ok(())
}

fn read_btf(root: &SysRoot) -> Result<Option<Btf>> {
    let path = root.sys("kernel/btf/vmlinux");
    #[allow(
        clippy::disallowed_methods,
        reason = "BTF is binary; SysRoot::read returns text"
    )]
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ProbeError::NoBtf { path, source }),
    };
    Btf::parse(&data)
        .map(Some)
        .map_err(|source| ProbeError::BadBtf { path, source })
}

/// Fails, naming what is missing, unless this process may load and attach the probe.
fn check_privilege() -> Result<()> {
    let effective = crate::caps::effective().unwrap_or_default();
    let missing = crate::caps::missing(&effective);
    if missing.is_empty() {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    Err(ProbeError::MissingCapabilities {
        euid,
        missing: missing.join(", "),
    })
}

/// The kernel's symbols, for the kprobe fallback.
fn read_kallsyms(root: &SysRoot) -> Result<KernelSymbols> {
    let kallsyms = root.proc("kallsyms");
    match root.read_opt(&kallsyms) {
        Ok(text) => Ok(KernelSymbols::parse(text.as_deref().unwrap_or(""))),
        // systemd's ProtectKernelTunables= puts an inaccessible file over /proc/kallsyms:
        // the plan then rests on BTF alone (fentry), and only a kprobe fallback is lost.
        Err(e) if matches!(e.errno(), Some(libc::EACCES | libc::EPERM)) => {
            Ok(KernelSymbols::default())
        }
        Err(source) => Err(ProbeError::Kallsyms {
            path: kallsyms,
            source,
        }),
    }
}

/// Loads the object with the plan's kernel-specific constants (structure offsets, return
/// kinds, slot modes) set as its globals.
fn load_object(object: &[u8], plan: &AttachPlan, opts: &ProbeOptions) -> Result<Ebpf> {
    let mut loader = EbpfLoader::new();
    let offsets = plan.memcg;
    let have = u64::from(offsets.is_some());
    let o = offsets.unwrap_or(crate::plan::MemcgOffsets {
        objcg_memcg: 0,
        memcg_css: 0,
        css_cgroup: 0,
        cgroup_kn: 0,
        kn_id: 0,
    });
    let values: [(&str, u64); 12] = [
        (global::OFF_OBJCG_MEMCG, o.objcg_memcg),
        (global::OFF_MEMCG_CSS, o.memcg_css),
        (global::OFF_CSS_CGROUP, o.css_cgroup),
        (global::OFF_CGROUP_KN, o.cgroup_kn),
        (global::OFF_KN_ID, o.kn_id),
        (global::HAVE_MEMCG_OFFSETS, have),
        (global::STORE_RET_KIND, plan.store_ret),
        (global::LOAD_RET_KIND, plan.load_ret),
        (global::EMIT_EVENTS, u64::from(opts.events)),
        (global::SLOT_MODE, plan.slot_mode),
        (global::INVALIDATE_SLOT_MODE, plan.invalidate_slot_mode),
        (global::OFF_FOLIO_SWAP, plan.folio_swap_offset),
    ];
    for (name, value) in &values {
        loader.override_global(name, value, true);
    }
    loader
        .load(object)
        .map_err(|e| ProbeError::Object { detail: short(&e) })
}

/// What the hooks can attach by on this kernel.
struct Mechanisms {
    /// The kernel's BTF as aya reads it, for fentry/fexit.
    btf: Option<aya::Btf>,
    /// The kprobe PMU's directory (named when kprobes are missing).
    kprobe_pmu: std::path::PathBuf,
    /// Whether that directory exists: the kernel has kprobes.
    have_kprobes: bool,
    /// `ProbeOptions::kprobes_only`.
    kprobes_only: bool,
}

/// Attaches one hook, fentry first and kprobe second; on failure, why each was not possible.
fn attach_hook(
    ebpf: &mut Ebpf,
    hook: &Hook,
    m: &Mechanisms,
) -> std::result::Result<Attached, Vec<Failure>> {
    let mut failures: Vec<Failure> = Vec::new();
    let attached = |symbol: String, mechanism| Attached {
        role: hook.role,
        symbol,
        mechanism,
    };
    if hook.in_btf && !m.kprobes_only {
        match &m.btf {
            Some(b) => match attach_fentry(ebpf, b, hook) {
                Ok(()) => return Ok(attached(hook.function.clone(), crate::Mechanism::Fentry)),
                Err(f) => failures.push(f),
            },
            None => failures.push(Failure {
                detail: "aya cannot read the kernel's btf".into(),
                eperm: false,
            }),
        }
    }
    match (&hook.kprobe_symbol, m.have_kprobes) {
        (Some(sym), true) => match attach_kprobe(ebpf, sym, hook.role) {
            Ok(()) => return Ok(attached(sym.clone(), crate::Mechanism::Kprobe)),
            Err(f) => failures.push(f),
        },
        (None, _) => failures.push(Failure {
            detail: "kprobe: no such symbol in kallsyms".into(),
            eperm: false,
        }),
        (Some(_), false) => failures.push(Failure {
            detail: format!(
                "kprobes are not available on this kernel (no '{}')",
                m.kprobe_pmu.display()
            ),
            eperm: false,
        }),
    }
    Err(failures)
}

/// For `self_cost`: the empty `calibrate` program on the store function's trampoline, whose
/// run time per run is the run-time statistics' own cost (see `program_costs`). Only where the
/// store function attached by fentry; elsewhere there is no trampoline to share.
fn attach_calibration(
    ebpf: &mut Ebpf,
    plan: &AttachPlan,
    attached: &[Attached],
    m: &Mechanisms,
) -> Result<()> {
    let fentry_store = attached
        .iter()
        .any(|a| a.role == Role::Store && a.mechanism == crate::Mechanism::Fentry);
    let (Some(hook), Some(btf), true) = (
        plan.hooks.iter().find(|h| h.role == Role::Store),
        &m.btf,
        fentry_store,
    ) else {
        return Ok(());
    };
    let fail = |detail: String| ProbeError::Attach {
        function: hook.function.clone(),
        detail,
    };
    let prog: &mut FEntry = ebpf
        .program_mut("calibrate")
        .ok_or_else(|| fail("program 'calibrate' missing from the object".into()))?
        .try_into()
        .map_err(|e| fail(format!("calibrate: {}", short(&e))))?;
    prog.load(&hook.function, btf)
        .map_err(|e| fail(format!("calibrate: {}", short(&e))))?;
    prog.attach()
        .map_err(|e| fail(format!("calibrate: {}", short(&e))))?;
    Ok(())
}

/// A hook that attached by no mechanism: skipped if optional, else the load's error (a
/// refusal by the kernel's policy when fentry got `EPERM`).
fn unattached(hook: &Hook, failures: &[Failure]) -> std::result::Result<Skipped, ProbeError> {
    let detail = failures
        .iter()
        .map(|f| f.detail.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    if !hook.role.required() {
        return Ok(Skipped {
            role: hook.role,
            function: hook.function.clone(),
            reason: detail,
        });
    }
    if let Some(first) = failures.first().filter(|f| f.eperm) {
        let kprobes = failures.get(1).map_or_else(
            || "no kprobe fallback was possible".to_owned(),
            |f| f.detail.clone(),
        );
        return Err(ProbeError::TracingRefused {
            function: hook.function.clone(),
            detail: first.detail.clone(),
            kprobes,
        });
    }
    Err(ProbeError::Attach {
        function: hook.function.clone(),
        detail,
    })
}

impl Probe {
    /// Loads the probe into the running kernel and attaches it to zswap.
    pub fn load(opts: &ProbeOptions) -> Result<Probe> {
        // Privilege first: a user without it should hear that before any reason (such as a
        // probe-less build) that only a privileged user could act on.
        check_privilege()?;
        let object = object()?;
        let root = &opts.sysroot;
        let btf = read_btf(root)?;
        let syms = read_kallsyms(root)?;
        let release = root
            .read_opt(&root.proc("sys/kernel/osrelease"))
            .ok()
            .flatten()
            .unwrap_or_default();
        let plan = plan(btf.as_ref(), &syms, release.trim())?;
        let mut ebpf = load_object(object, &plan, opts)?;

        let kprobe_pmu = root.sys("bus/event_source/devices/kprobe");
        let mechanisms = Mechanisms {
            btf: btf.and_then(|_| aya::Btf::from_sys_fs().ok()),
            have_kprobes: root.is_dir(&kprobe_pmu),
            kprobe_pmu,
            kprobes_only: opts.kprobes_only,
        };
        let mut attached = Vec::new();
        let mut skipped = Vec::new();
        for hook in &plan.hooks {
            match attach_hook(&mut ebpf, hook, &mechanisms) {
                Ok(a) => attached.push(a),
                Err(failures) => skipped.push(unattached(hook, &failures)?),
            }
        }
        if opts.self_cost {
            attach_calibration(&mut ebpf, &plan, &attached, &mechanisms)?;
        }
        let stats = if opts.self_cost {
            Some(
                aya::sys::enable_stats(aya::sys::Stats::RunTime).map_err(|e| {
                    ProbeError::Attach {
                        function: "BPF_ENABLE_STATS".into(),
                        detail: short(&e),
                    }
                })?,
            )
        } else {
            None
        };
        Ok(Probe {
            ebpf,
            plan,
            attached,
            skipped,
            _stats: stats,
        })
    }

    /// Runs and time of every loaded program, by name; all zero unless
    /// [`ProbeOptions::self_cost`] was set.
    pub fn program_costs(&self) -> Vec<ProgramCost> {
        let mut costs: Vec<ProgramCost> = self
            .ebpf
            .programs()
            .filter_map(|(name, prog)| {
                let info = prog.info().ok()?;
                Some(ProgramCost {
                    program: name.to_owned(),
                    runs: info.run_count(),
                    run_ns: u64::try_from(info.run_time().as_nanos()).unwrap_or(u64::MAX),
                })
            })
            .collect();
        costs.sort_by(|a, b| a.program.cmp(&b.program));
        costs
    }

    /// The decisions taken for this kernel.
    pub fn plan(&self) -> &AttachPlan {
        &self.plan
    }

    /// The functions hooked, and how.
    pub fn attached(&self) -> &[Attached] {
        &self.attached
    }

    /// Optional functions that could not be hooked.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    fn sum_array(&self, name: &'static str) -> Result<Vec<u64>> {
        let map_err = |detail: String| ProbeError::Map { name, detail };
        let data = self
            .ebpf
            .map(name)
            .ok_or_else(|| map_err("missing from the object".into()))?;
        let array = PerCpuArray::<&MapData, u64>::try_from(data).map_err(|e| map_err(short(&e)))?;
        (0..array.len())
            .map(|i| {
                array
                    .get(&i, 0)
                    .map(|v| v.iter().sum::<u64>())
                    .map_err(|e| map_err(short(&e)))
            })
            .collect()
    }

    /// Totals per cgroup id: the id → slot map, then each slot's per-CPU counters. A slot is
    /// registered before any program adds to it, so a read racing the probe misses at most
    /// the operations counted after it began.
    fn cgroup_totals(&self) -> Result<BTreeMap<u64, CgroupTotals>> {
        let map_of = |name: &'static str| {
            self.ebpf.map(name).ok_or(ProbeError::Map {
                name,
                detail: "missing from the object".into(),
            })
        };
        let slots_name = map::CGROUP_SLOTS;
        let slots =
            AyaHashMap::<&MapData, u64, u32>::try_from(map_of(slots_name)?).map_err(|e| {
                ProbeError::Map {
                    name: slots_name,
                    detail: short(&e),
                }
            })?;
        let counters_name = map::CGROUP_COUNTERS;
        let counters_err = |e: &dyn std::error::Error| ProbeError::Map {
            name: counters_name,
            detail: short(e),
        };
        let counters = PerCpuArray::<&MapData, CgroupCounters>::try_from(map_of(counters_name)?)
            .map_err(|e| counters_err(&e))?;
        let mut cgroups = BTreeMap::new();
        for entry in slots.iter() {
            let (id, slot) = entry.map_err(|e| ProbeError::Map {
                name: slots_name,
                detail: short(&e),
            })?;
            let per_cpu = counters.get(&slot, 0).map_err(|e| counters_err(&e))?;
            let t: &mut CgroupTotals = cgroups.entry(id).or_default();
            for c in per_cpu.iter() {
                t.store_ok_pages += c.store_ok_pages;
                t.store_fail += c.store_fail;
                t.stored_bytes += c.stored_bytes;
                t.load_ok += c.load_ok;
                t.load_fail += c.load_fail;
            }
        }
        Ok(cgroups)
    }

    /// Everything counted so far, summed over CPUs.
    pub fn snapshot(&self) -> Result<ProbeSnapshot> {
        let store = self.sum_array(map::STORE_LATENCY)?;
        let load = self.sum_array(map::LOAD_LATENCY)?;
        let sizes = self.sum_array(map::SIZE_HIST)?;
        let counters = self.sum_array(map::COUNTERS)?;
        let cgroups = self.cgroup_totals()?;
        Ok(ProbeSnapshot::from_raw(
            &store, &load, &sizes, &counters, cgroups,
        ))
    }

    /// The event stream. Events are sent only if [`ProbeOptions::events`] was set; this can
    /// be taken once.
    pub fn events(&mut self) -> Result<EventStream> {
        let name = map::EVENTS;
        let data = self.ebpf.take_map(name).ok_or_else(|| ProbeError::Map {
            name,
            detail: "missing, or already taken".into(),
        })?;
        let ring = RingBuf::try_from(data).map_err(|e| ProbeError::Map {
            name,
            detail: short(&e),
        })?;
        Ok(EventStream::new(ring))
    }
}
