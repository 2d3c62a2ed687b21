//! Putting the terminal into the dashboard's mode and back: raw mode, the alternate
//! screen, a hidden cursor. The way back runs on every exit path: normal return (the
//! guard's `Drop`), error return (the same), and panic (the hook installed here, which
//! restores before the panic message is printed so the message stays readable).

use std::io::{self, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// Restores the terminal when dropped.
#[derive(Debug)]
pub(crate) struct TerminalGuard {
    _private: (),
}

/// Switches the terminal to raw mode on the alternate screen with the cursor hidden, and
/// makes sure it is switched back even on panic.
pub(crate) fn enter() -> io::Result<TerminalGuard> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let guard = TerminalGuard { _private: () };
    execute!(io::stdout(), EnterAlternateScreen, Hide)?;
    Ok(guard)
}

/// True while the terminal is in the dashboard's mode.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Leaves the alternate screen, shows the cursor and leaves raw mode, once: leaving the
/// alternate screen a second time would move the cursor back over whatever was printed
/// since (a panic message), because the terminal restores the cursor saved on entry.
pub(crate) fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    // best effort: on the way out there is nobody left to report a failure to
    let _ = execute!(out, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Set once any thread has panicked: the terminal is already restored, so nothing may be
/// drawn over the panic message.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// True if and only if a thread has panicked since the hook was installed.
pub(crate) fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            restore();
            previous(info);
        }));
    });
}
