//! The event loop: one channel fed by the input, collector and signal threads; the
//! [`App`] applies each event and the frame is redrawn from it. [`run_json`] runs the same
//! loop without a terminal and prints each reading as a line of JSON.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use crossterm::event::{self as ct, Event as CtEvent};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};
use zswap_core::stats::cgroup::CgroupFilter;
use zswap_core::{CollectOptions, SysRoot};

use crate::app::{Action, App, AppOptions};
use crate::args::TopArgs;
use crate::collector::Collector;
use crate::ebpf;
use crate::event::Event;
use crate::json::Record;
use crate::latency::{ProbeSource, ProbeStatus};
use crate::terminal;
use crate::ui;

/// Why the dashboard could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TopError {
    /// stdout is not a terminal.
    #[error(
        "'zswapctl top' needs a terminal on stdout: use 'zswapctl status' (or 'status --json') \
         for a one-shot report, or 'zswapctl --json top' for a JSON line per reading"
    )]
    NotATerminal,
    /// `--json` output could not be written.
    #[error("cannot write the JSON readings to stdout: {source}")]
    Write {
        /// The error.
        source: io::Error,
    },
    /// A terminal operation failed.
    #[error("cannot {action} the terminal: {source}")]
    Terminal {
        /// What was being done.
        action: &'static str,
        /// The error.
        source: io::Error,
    },
    /// A worker thread panicked (its message was printed above).
    #[error("the {what} thread panicked: this is a bug in zswapctl top, please report it")]
    Panicked {
        /// Which thread.
        what: &'static str,
    },
    /// A thread could not be started.
    #[error("cannot start the {what} thread: {source}")]
    Thread {
        /// Which thread.
        what: &'static str,
        /// The error.
        source: io::Error,
    },
}

/// How to run the dashboard.
pub struct TopOptions {
    args: TopArgs,
    color: bool,
    /// `None`: load the eBPF probe unless `--no-probe`.
    probe: Option<Result<Box<dyn ProbeSource>, String>>,
}

impl std::fmt::Debug for TopOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopOptions")
            .field("args", &self.args)
            .field("color", &self.color)
            .field(
                "probe",
                &self.probe.as_ref().map(|p| p.as_ref().map(|_| "source")),
            )
            .finish()
    }
}

impl TopOptions {
    /// The command-line arguments, with colour on; the eBPF probe is loaded when watching
    /// the running kernel, unless `--no-probe`.
    pub fn new(args: TopArgs) -> TopOptions {
        TopOptions {
            args,
            color: true,
            probe: None,
        }
    }

    /// Colours on or off (`NO_COLOR` turns them off).
    pub fn color(mut self, on: bool) -> TopOptions {
        self.color = on;
        self
    }

    /// The latency histograms' source, or why there is none, instead of loading the eBPF
    /// probe.
    pub fn probe(mut self, probe: Result<Box<dyn ProbeSource>, String>) -> TopOptions {
        self.probe = Some(probe);
        self
    }
}

/// What the header calls the watched system.
fn source_label(root: &SysRoot) -> String {
    if root.is_host() {
        "host".to_owned()
    } else {
        format!("tree {}", root.root().display())
    }
}

/// What the dashboard and the JSON stream share: the state, the collector feeding `rx`
/// and the signal thread.
struct Session {
    app: App,
    tx: Sender<Event>,
    rx: Receiver<Event>,
    collector: Collector,
    signals: Handle,
    /// True if and only if the collector reads a probe after each sample.
    probed: bool,
}

impl Drop for Session {
    /// Stops the signal thread; the collector stops when dropped just after.
    fn drop(&mut self) {
        self.signals.close();
    }
}

/// Loads the probe (unless told otherwise), starts the collector and the signal thread.
fn start(root: SysRoot, opts: TopOptions) -> Result<Session, TopError> {
    let TopOptions { args, color, probe } = opts;
    let probe = match probe {
        Some(p) => p,
        None if args.no_probe => Err("turned off with --no-probe".to_owned()),
        None => ebpf::load(&root),
    };
    let (probe, status) = match probe {
        Ok(p) => (
            Some(p),
            ProbeStatus::NotLoaded("waiting for the first reading".into()),
        ),
        Err(why) => (None, ProbeStatus::NotLoaded(why)),
    };
    let probed = probe.is_some();
    let app = App::new(
        AppOptions {
            source: source_label(&root),
            root: root.root().to_owned(),
            interval: args.rate,
            color,
            history: args.history,
            cgroups: !args.no_cgroups,
        },
        status,
    );
    let (tx, rx) = mpsc::channel();
    let collect = CollectOptions {
        cgroups: (!args.no_cgroups).then(CgroupFilter::default),
    };
    let collector =
        Collector::spawn(root, collect, args.rate, probe, tx.clone()).map_err(|source| {
            TopError::Thread {
                what: "collector",
                source,
            }
        })?;
    let signals = Signals::new([SIGINT, SIGTERM, SIGHUP]).map_err(|source| TopError::Thread {
        what: "signal",
        source,
    })?;
    let handle = signals.handle();
    spawn_signal_thread(signals, tx.clone())?;
    Ok(Session {
        app,
        tx,
        rx,
        collector,
        signals: handle,
        probed,
    })
}

/// Runs the dashboard on this terminal until `q`, Ctrl-C or a signal.
pub fn run(root: SysRoot, opts: TopOptions) -> Result<(), TopError> {
    if !io::stdout().is_terminal() {
        return Err(TopError::NotATerminal);
    }
    let mut session = start(root, opts)?;
    let guard = terminal::enter().map_err(|source| TopError::Terminal {
        action: "set up",
        source,
    })?;
    let stop_input = Arc::new(AtomicBool::new(false));
    spawn_input_thread(session.tx.clone(), Arc::clone(&stop_input))?;
    let result = event_loop(&mut session.app, &session.rx, &session.collector);
    stop_input.store(true, Ordering::Relaxed);
    drop(guard);
    drop(session);
    result
}

/// Prints one JSON object per reading to `out`, a line each, until Ctrl-C, a signal, or
/// `out` is closed (`| head -n 2`: a broken pipe, which `zswapctl` does not call an
/// error). Needs no terminal and writes no escape codes; the README's `top` section lists
/// the keys.
pub fn run_json(root: SysRoot, opts: TopOptions, out: &mut dyn Write) -> Result<(), TopError> {
    let mut session = start(root, opts)?;
    json_loop(&mut session.app, &session.rx, session.probed, out)
}

fn json_loop(
    app: &mut App,
    rx: &Receiver<Event>,
    probed: bool,
    out: &mut dyn Write,
) -> Result<(), TopError> {
    let write_err = |source| TopError::Write { source };
    for ev in rx {
        // a reading is complete with its sample, and its probe reading if there is a probe
        let complete = match &ev {
            Event::Update(_) => !probed,
            Event::Probe(_) => probed,
            Event::Crashed(what) => return Err(TopError::Panicked { what }),
            _ => false,
        };
        if app.handle_event(ev) == Action::Quit {
            return Ok(());
        }
        if let Some(record) = complete.then(|| Record::new(app)).flatten() {
            let mut line = serde_json::to_vec(&record).map_err(|e| write_err(e.into()))?;
            line.push(b'\n');
            out.write_all(&line).map_err(write_err)?;
            out.flush().map_err(write_err)?;
        }
    }
    Ok(())
}

fn event_loop(app: &mut App, rx: &Receiver<Event>, collector: &Collector) -> Result<(), TopError> {
    let term_err = |action| move |source| TopError::Terminal { action, source };
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout())).map_err(term_err("open"))?;
    term.clear().map_err(term_err("clear"))?;
    loop {
        if terminal::panicked() {
            return Err(TopError::Panicked {
                what: crashed_thread(rx),
            });
        }
        term.draw(|f| ui::draw(f, app))
            .map_err(term_err("draw on"))?;
        let Ok(first) = rx.recv() else {
            return Ok(());
        };
        // apply everything already queued before drawing again
        for ev in std::iter::once(first).chain(rx.try_iter()) {
            match ev {
                Event::Resize(..) => term.autoresize().map_err(term_err("resize"))?,
                Event::Crashed(what) => return Err(TopError::Panicked { what }),
                _ => {}
            }
            match app.handle_event(ev) {
                Action::Quit => return Ok(()),
                Action::SetInterval(d) => collector.set_interval(d),
                Action::Continue => {}
            }
        }
        if app.should_quit() {
            return Ok(());
        }
    }
}

/// After the panic hook ran: which worker reported the crash (it reports while unwinding,
/// just after the hook), else the event loop's own thread.
fn crashed_thread(rx: &Receiver<Event>) -> &'static str {
    let deadline = Instant::now() + Duration::from_millis(500);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(Event::Crashed(what)) => return what,
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    "dashboard"
}

fn spawn_signal_thread(mut signals: Signals, tx: Sender<Event>) -> Result<(), TopError> {
    thread::Builder::new()
        .name("zswap-top signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = tx.send(Event::Quit);
            }
        })
        .map(drop)
        .map_err(|source| TopError::Thread {
            what: "signal",
            source,
        })
}

fn spawn_input_thread(tx: Sender<Event>, stop: Arc<AtomicBool>) -> Result<(), TopError> {
    thread::Builder::new()
        .name("zswap-top input".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let ev = match ct::poll(Duration::from_millis(100)) {
                    Ok(false) => continue,
                    Ok(true) => ct::read(),
                    Err(e) => Err(e),
                };
                let sent = match ev {
                    Ok(CtEvent::Key(k)) => tx.send(Event::Key(k)),
                    Ok(CtEvent::Resize(w, h)) => tx.send(Event::Resize(w, h)),
                    Ok(_) => Ok(()),
                    // the terminal went away: nothing more can be shown
                    Err(_) => tx.send(Event::Quit),
                };
                if sent.is_err() {
                    return;
                }
            }
        })
        .map(drop)
        .map_err(|source| TopError::Thread {
            what: "input",
            source,
        })
}
