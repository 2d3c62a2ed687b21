//! The exporter's own `process_*` families, as Prometheus client libraries export them
//! (client_golang's process collector: the same names, units and help). Only the HTTP server
//! exports them: a `--once` run would describe a process that is gone when the file is read.

use zswap_core::SysRoot;
use zswap_core::stats::process::{ProcessUnits, read_self_process};

use crate::families::{Families, Family, Kind, Value};

/// Adds the families of this process, read from `proc_root` (the host's procfs, not
/// `--path.procfs`: those are the exporter's own figures). A failed read leaves them out and
/// says why at debug level, as the scrape's other figures do not depend on them.
pub(crate) fn families(out: &mut Families, proc_root: &SysRoot) {
    let p = match read_self_process(proc_root, ProcessUnits::running_kernel()) {
        Ok(p) => p,
        Err(e) => {
            log::debug!("process metrics left out: {e}");
            return;
        }
    };
    out.push(Family {
        name: "process_cpu",
        help: "Total user and system CPU time spent in seconds.",
        unit: Some("seconds"),
        kind: Kind::Counter,
        samples: vec![(Vec::new(), Value::Float(p.cpu_seconds))],
    });
    out.gauge(
        "process_open_fds",
        None,
        "Number of open file descriptors.",
        Some(Value::Int(p.open_fds)),
    );
    out.gauge(
        "process_max_fds",
        None,
        "Maximum number of open file descriptors.",
        // client_golang exports an unlimited soft limit as the largest integer
        Some(Value::Int(p.max_fds.unwrap_or(u64::MAX))),
    );
    out.gauge(
        "process_virtual_memory",
        Some("bytes"),
        "Virtual memory size in bytes.",
        Some(Value::Int(p.virtual_memory_bytes)),
    );
    out.gauge(
        "process_resident_memory",
        Some("bytes"),
        "Resident memory size in bytes.",
        Some(Value::Int(p.resident_memory_bytes)),
    );
    out.gauge(
        "process_start_time",
        Some("seconds"),
        "Start time of the process since unix epoch in seconds.",
        Some(Value::Float(p.start_time_seconds)),
    );
}
