//! Everything the dashboard reacts to, from the input thread, the collector thread and
//! the signal thread, through one channel.

use crossterm::event::KeyEvent;
use zswap_core::ZswapSample;

use crate::probe::ProbeStatus;

/// One thing that happened.
#[derive(Debug, Clone)]
pub enum Event {
    /// A key was pressed.
    Key(KeyEvent),
    /// The terminal is now `columns` × `rows`.
    Resize(u16, u16),
    /// A new reading of the kernel.
    Update(Box<ZswapSample>),
    /// A new reading of the eBPF probe (or why there is none).
    Probe(ProbeStatus),
    /// Stop: a signal (SIGINT, SIGTERM, SIGHUP) or the input closed.
    Quit,
    /// A worker thread (named) panicked: stop and report it.
    Crashed(&'static str),
}
