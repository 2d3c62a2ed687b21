//! Everything the dashboard reacts to, from the input thread, the collector thread and
//! the signal thread, through one channel.

use crossterm::event::KeyEvent;
use zswap_core::ZswapSample;
use zswap_core::zram::ZramDevice;

use crate::latency::ProbeStatus;

/// One thing that happened.
#[derive(Debug, Clone)]
pub enum Event {
    /// A key was pressed.
    Key(KeyEvent),
    /// The terminal is now `columns` × `rows`.
    Resize(u16, u16),
    /// A new reading of the kernel.
    Update(Box<ZswapSample>),
    /// The zram devices at the same reading (empty when there are none).
    Zram(Vec<ZramDevice>),
    /// A new reading of the eBPF probe (or why there is none).
    Probe(ProbeStatus),
    /// Stop: a signal (SIGINT, SIGTERM, SIGHUP) or the input closed.
    Quit,
    /// A worker thread (named) panicked: stop and report it.
    Crashed(&'static str),
}
