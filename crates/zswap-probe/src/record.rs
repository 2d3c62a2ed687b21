//! The probe as the producer of swap traces (`zswap_core::trace`): the header of a recording
//! on this kernel and one record per event.

use zswap_core::SysRoot;
use zswap_core::trace::{TRACE_FORMAT, TRACE_VERSION, TraceHeader, TraceRecord};

use crate::Probe;
use crate::events::ProbeEvent;

impl Probe {
    /// The header of a trace this probe records on the kernel under `root` (its release,
    /// zswap parameters and RAM are read now; what cannot be read is left out).
    pub fn trace_header(&self, root: &SysRoot) -> TraceHeader {
        let kernel = zswap_core::read_release(root)
            .ok()
            .flatten()
            .map(|r| r.to_string())
            .unwrap_or_default();
        let params = zswap_core::read_params(root).ok().flatten();
        let page_size = root.page_size();
        let p = params.as_ref();
        TraceHeader {
            format: TRACE_FORMAT.into(),
            version: TRACE_VERSION,
            kernel,
            era: self.plan().interface,
            page_size: u32::try_from(page_size).unwrap_or(u32::MAX),
            clock: "monotonic".into(),
            hooks: self
                .attached()
                .iter()
                .map(|a| format!("{:?}:{}:{:?}", a.role, a.symbol, a.mechanism).to_lowercase())
                .collect(),
            compressor: p.and_then(|p| p.compressor()).map(str::to_owned),
            max_pool_percent: p.and_then(|p| p.max_pool_percent()),
            accept_threshold_percent: p.and_then(|p| p.accept_threshold_percent()),
            shrinker_enabled: p.and_then(|p| p.shrinker_enabled()),
            ram_pages: zswap_core::stats::meminfo::read_meminfo(root)
                .ok()
                .map(|m| m.mem_total_bytes / page_size),
        }
    }
}

impl From<&ProbeEvent> for TraceRecord {
    fn from(e: &ProbeEvent) -> TraceRecord {
        TraceRecord {
            t_ns: e.ts_ns,
            op: e.op,
            outcome: e.outcome,
            cgroup: e.cgroup_id,
            pid: e.pid,
            comm: e.comm.clone(),
            latency_ns: e.latency_ns,
            bytes: e.bytes,
            pages: e.pages,
            ret: e.ret,
            swap_type: e.slot.map(|s| s.swap_type),
            swap_offset: e.slot.map(|s| s.offset),
        }
    }
}
