//! The optional event stream: one [`ProbeEvent`] per store, load, invalidate and writeback,
//! read from the probe's ring buffer.

use std::os::fd::AsRawFd as _;
use std::time::Duration;

use aya::maps::{MapData, RingBuf};
use zswap_probe_common::{Event, swap_slot};

use zswap_core::trace::{Op, OpOutcome};

use crate::error::{ProbeError, Result};
use crate::snapshot::{op_from_code, outcome_from_code};

/// One zswap operation seen by the probe.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProbeEvent {
    /// CLOCK_MONOTONIC time of the function's return, ns.
    pub ts_ns: u64,
    /// Cgroup id the operation was attributed to.
    pub cgroup_id: u64,
    /// Process id of the task that ran it (for stores under reclaim: the reclaiming task).
    pub pid: u32,
    /// That task's command name.
    pub comm: String,
    /// The operation.
    pub op: Op,
    /// How it ended.
    pub outcome: OpOutcome,
    /// Entry-to-exit time, ns (0 for invalidations).
    pub latency_ns: u64,
    /// Compressed bytes charged by a store, 0 when unknown.
    pub bytes: u64,
    /// Pages of the operation.
    pub pages: u32,
    /// The function's raw return value.
    pub ret: i64,
    /// Swap slot of the (first) page: stores, loads and invalidations, where the loader
    /// could tell from BTF where the kernel keeps it.
    pub slot: Option<SwapSlot>,
}

/// A swap slot: which swap device (its index in `/proc/swaps` order of activation, the
/// kernel's swap type) and which page on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct SwapSlot {
    /// The kernel's swap type (`swp_type()`).
    pub swap_type: u32,
    /// Page offset on that device (`swp_offset()`).
    pub offset: u64,
}

/// `TYPE:OFFSET`, as `zswapctl trace` prints a slot.
impl std::fmt::Display for SwapSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.swap_type, self.offset)
    }
}

impl ProbeEvent {
    /// Decodes a raw event; `None` for unknown op or outcome codes.
    pub fn from_raw(e: &Event) -> Option<ProbeEvent> {
        let end = e.comm.iter().position(|&b| b == 0).unwrap_or(e.comm.len());
        Some(ProbeEvent {
            ts_ns: e.ts_ns,
            cgroup_id: e.cgroup_id,
            pid: e.pid,
            comm: String::from_utf8_lossy(&e.comm[..end]).into_owned(),
            op: op_from_code(e.op)?,
            outcome: outcome_from_code(e.outcome)?,
            latency_ns: e.latency_ns,
            bytes: e.bytes,
            pages: e.pages,
            ret: e.ret,
            slot: swap_slot(e.slot).map(|(swap_type, offset)| SwapSlot { swap_type, offset }),
        })
    }
}

/// Reader of the probe's events. Obtained from [`crate::Probe::events`].
pub struct EventStream {
    ring: RingBuf<MapData>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("fd", &self.ring.as_raw_fd())
            .finish()
    }
}

impl EventStream {
    pub(crate) fn new(ring: RingBuf<MapData>) -> EventStream {
        EventStream { ring }
    }

    fn pop(&mut self) -> Option<ProbeEvent> {
        loop {
            let item = self.ring.next()?;
            if item.len() < size_of::<Event>() {
                continue;
            }
            // SAFETY: the kernel side writes whole `Event`s (#[repr(C)], every bit pattern
            // valid); read_unaligned copes with the ring's 8-byte alignment.
            let raw: Event = unsafe { std::ptr::read_unaligned(item.as_ptr().cast::<Event>()) };
            if let Some(e) = ProbeEvent::from_raw(&raw) {
                return Some(e);
            }
        }
    }

    /// The next event, waiting at most `timeout`; `Ok(None)` if none arrived in time.
    pub fn next_event(&mut self, timeout: Duration) -> Result<Option<ProbeEvent>> {
        if let Some(e) = self.pop() {
            return Ok(Some(e));
        }
        let mut pfd = libc::pollfd {
            fd: self.ring.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd for the duration of the call.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        if rc < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                return Ok(None);
            }
            return Err(ProbeError::Poll { source: err });
        }
        Ok(self.pop())
    }
}

#[cfg(test)]
mod tests {
    use super::SwapSlot;

    #[test]
    fn slot_displays_as_type_colon_offset() {
        let s = SwapSlot {
            swap_type: 1,
            offset: 1043,
        };
        assert_eq!(s.to_string(), "1:1043");
    }
}
