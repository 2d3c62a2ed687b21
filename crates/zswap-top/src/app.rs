//! The dashboard's state and how keys and readings change it. Nothing here draws: `ui/`
//! reads an [`App`] and renders it, so every rule below is tested without a terminal.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use zswap_core::zram::ZramDevice;
use zswap_core::{ZswapModel, ZswapSample};

use crate::args::{MAX_RATE, MIN_RATE};
use crate::event::Event;
use crate::history::{RatePoint, Ring};
use crate::latency::ProbeStatus;

pub use cgroups::{CgroupRow, CgroupSort};

/// The refresh intervals `+` and `-` step through, in ms.
const INTERVAL_STEPS_MS: [u64; 8] = [250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000];

/// The time windows of the rates chart, in samples, that `↑`/`↓` step through.
const CHART_WINDOWS: [usize; 5] = [30, 60, 120, 300, 600];

/// How the dashboard was started.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// What is being watched, for the header: `host` or `tree /path`.
    pub source: String,
    /// The directory the kernel's `/` is at (`/` for the host): paths on screen are shown
    /// as the kernel names them.
    pub root: PathBuf,
    /// The first refresh interval.
    pub interval: Duration,
    /// Use colours (false under `NO_COLOR`).
    pub color: bool,
    /// Samples kept for the charts.
    pub history: usize,
    /// Whether the collector reads per-cgroup figures.
    pub cgroups: bool,
}

/// The panel that `↑`/`↓`/`j`/`k` act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The rates chart: `↑`/`↓` change its time window.
    Rates,
    /// The cgroup table: `↑`/`↓` move the selection.
    Cgroups,
    /// The latency histograms: `↑`/`↓` pick the histogram drawn.
    Latency,
}

impl Focus {
    const ALL: [Focus; 3] = [Focus::Rates, Focus::Cgroups, Focus::Latency];

    fn step(self, by: isize) -> Focus {
        let i = Focus::ALL.iter().position(|f| *f == self).unwrap_or(0);
        let n = Focus::ALL.len() as isize;
        let j = (i as isize + by).rem_euclid(n) as usize;
        Focus::ALL[j]
    }
}

/// What the event loop must do after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Redraw (if anything changed) and wait for the next event.
    Continue,
    /// Leave the dashboard.
    Quit,
    /// Tell the collector the new refresh interval.
    SetInterval(Duration),
}

/// The dashboard's whole state.
#[derive(Debug, Clone)]
pub struct App {
    opts: AppOptions,
    interval: Duration,
    sample: Option<ZswapSample>,
    prev: Option<ZswapSample>,
    model: Option<ZswapModel>,
    history: Ring<RatePoint>,
    samples_seen: u64,
    dropped_while_paused: u64,
    paused: bool,
    help: bool,
    quit: bool,
    focus: Focus,
    sort: CgroupSort,
    sort_reversed: bool,
    cgroup_selected: usize,
    latency_selected: usize,
    chart_window: usize,
    probe: ProbeStatus,
    zram: Vec<ZramDevice>,
}

impl App {
    /// A dashboard with no reading yet. `probe` is what the latency panel shows until the
    /// collector reports.
    pub fn new(opts: AppOptions, probe: ProbeStatus) -> App {
        App {
            interval: opts.interval,
            history: Ring::new(opts.history),
            opts,
            sample: None,
            prev: None,
            model: None,
            samples_seen: 0,
            dropped_while_paused: 0,
            paused: false,
            help: false,
            quit: false,
            focus: Focus::Rates,
            sort: CgroupSort::Pool,
            sort_reversed: false,
            cgroup_selected: 0,
            latency_selected: 0,
            chart_window: CHART_WINDOWS[1],
            probe,
            zram: Vec::new(),
        }
    }

    /// Takes the zram devices of the latest reading, unless paused.
    pub fn update_zram(&mut self, devices: Vec<ZramDevice>) {
        if !self.paused {
            self.zram = devices;
        }
    }

    /// The zram devices of the latest reading; empty when the kernel has none.
    pub fn zram(&self) -> &[ZramDevice] {
        &self.zram
    }

    /// Applies one event.
    pub fn handle_event(&mut self, ev: Event) -> Action {
        match ev {
            Event::Key(k) => self.handle_key(k),
            Event::Resize(..) => Action::Continue,
            Event::Update(s) => {
                self.update(*s);
                Action::Continue
            }
            Event::Probe(p) => {
                if !self.paused {
                    self.probe = p;
                }
                Action::Continue
            }
            Event::Zram(devices) => {
                self.update_zram(devices);
                Action::Continue
            }
            Event::Quit | Event::Crashed(_) => {
                self.quit = true;
                Action::Quit
            }
        }
    }

    /// Takes a new reading, unless paused (then it is counted and dropped, so the screen
    /// stays as it was and rates after resuming span the whole pause).
    pub fn update(&mut self, sample: ZswapSample) {
        if self.paused {
            self.dropped_while_paused += 1;
            return;
        }
        let model = ZswapModel::new(&sample, self.sample.as_ref());
        let rate = |k: &str| model.rates_per_sec.get(k).copied();
        self.history.push(RatePoint {
            t_ms: sample.taken_at_ms,
            store: rate("zswpout"),
            load: rate("zswpin"),
            writeback: rate("zswpwb").or_else(|| rate("written_back_pages")),
            pool_bytes: model.pool_bytes,
        });
        self.model = Some(model);
        self.prev = self.sample.replace(sample);
        self.samples_seen += 1;
        self.clamp_selection();
    }

    /// Applies one key press (key releases and repeats of non-navigation keys are ignored).
    pub fn handle_key(&mut self, key: KeyEvent) -> Action {
        if key.kind == KeyEventKind::Release {
            return Action::Continue;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('d')) {
            self.quit = true;
            return Action::Quit;
        }
        if self.help {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter
            ) {
                self.help = false;
            }
            return Action::Continue;
        }
        match key.code {
            KeyCode::Char('q') => {
                self.quit = true;
                return Action::Quit;
            }
            KeyCode::Char('?') => self.help = true,
            KeyCode::Char('p') | KeyCode::Char('f') => self.paused = !self.paused,
            KeyCode::Char('+') | KeyCode::Char('=') => return self.step_interval(true),
            KeyCode::Char('-') | KeyCode::Char('_') => return self.step_interval(false),
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.sort_reversed = false;
            }
            KeyCode::Char('S') => self.sort_reversed = !self.sort_reversed,
            KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => self.focus = self.focus.step(1),
            KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') => {
                self.focus = self.focus.step(-1)
            }
            KeyCode::Down | KeyCode::Char('j') => self.move_selection(1),
            KeyCode::Up | KeyCode::Char('k') => self.move_selection(-1),
            KeyCode::PageDown => self.move_selection(10),
            KeyCode::PageUp => self.move_selection(-10),
            KeyCode::Home | KeyCode::Char('g') => self.move_selection(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => self.move_selection(isize::MAX / 2),
            _ => {}
        }
        Action::Continue
    }

    fn step_interval(&mut self, longer: bool) -> Action {
        let ms = u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX);
        let next = if longer {
            INTERVAL_STEPS_MS.iter().copied().find(|s| *s > ms)
        } else {
            INTERVAL_STEPS_MS.iter().rev().copied().find(|s| *s < ms)
        };
        let Some(next) = next else {
            return Action::Continue;
        };
        let d = Duration::from_millis(next).clamp(MIN_RATE, MAX_RATE);
        if d == self.interval {
            return Action::Continue;
        }
        self.interval = d;
        Action::SetInterval(d)
    }

    fn move_selection(&mut self, by: isize) {
        let step = |cur: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            let next = (cur as isize).saturating_add(by);
            next.clamp(0, len as isize - 1) as usize
        };
        match self.focus {
            Focus::Rates => {
                let i = CHART_WINDOWS
                    .iter()
                    .position(|w| *w == self.chart_window)
                    .unwrap_or(1);
                self.chart_window = CHART_WINDOWS[step(i, CHART_WINDOWS.len())];
            }
            Focus::Cgroups => {
                self.cgroup_selected = step(self.cgroup_selected, self.cgroup_count());
            }
            Focus::Latency => {
                self.latency_selected = step(self.latency_selected, self.histogram_count());
            }
        }
    }

    fn clamp_selection(&mut self) {
        self.cgroup_selected = self
            .cgroup_selected
            .min(self.cgroup_count().saturating_sub(1));
        self.latency_selected = self
            .latency_selected
            .min(self.histogram_count().saturating_sub(1));
    }

    fn cgroup_count(&self) -> usize {
        self.sample
            .as_ref()
            .and_then(|s| s.cgroups.as_ref())
            .map_or(0, |c| c.cgroups.len())
    }

    fn histogram_count(&self) -> usize {
        match &self.probe {
            ProbeStatus::Loaded(h) => h.len(),
            ProbeStatus::NotLoaded(_) => 0,
        }
    }

    /// The cgroup table's rows in the chosen order, with rates against the previous
    /// reading of the same cgroup.
    pub fn cgroup_rows(&self) -> Vec<CgroupRow> {
        cgroups::rows(
            self.sample.as_ref(),
            self.prev.as_ref(),
            self.sort,
            self.sort_reversed,
        )
    }

    /// The latest reading, if any.
    pub fn sample(&self) -> Option<&ZswapSample> {
        self.sample.as_ref()
    }

    /// Figures derived from the latest reading and the one before.
    pub fn model(&self) -> Option<&ZswapModel> {
        self.model.as_ref()
    }

    /// How the dashboard was started.
    pub fn options(&self) -> &AppOptions {
        &self.opts
    }

    /// `p` as the kernel names it: relative to the watched root, starting with `/`.
    pub fn kernel_path(&self, p: &Path) -> PathBuf {
        match p.strip_prefix(&self.opts.root) {
            Ok(rel) => Path::new("/").join(rel),
            Err(_) => p.to_owned(),
        }
    }

    /// The current refresh interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Readings taken in (not counting those dropped while paused).
    pub fn samples_seen(&self) -> u64 {
        self.samples_seen
    }

    /// Readings dropped while paused.
    pub fn dropped_while_paused(&self) -> u64 {
        self.dropped_while_paused
    }

    /// True if and only if updates are being dropped (`p`).
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// True if and only if the help popup is open.
    pub fn help_open(&self) -> bool {
        self.help
    }

    /// True if and only if the dashboard should close.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The panel the arrow keys act on.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// The cgroup table's sort column and whether it is reversed.
    pub fn sort(&self) -> (CgroupSort, bool) {
        (self.sort, self.sort_reversed)
    }

    /// The selected row of the cgroup table.
    pub fn cgroup_selected(&self) -> usize {
        self.cgroup_selected
    }

    /// The histogram drawn in the latency panel.
    pub fn latency_selected(&self) -> usize {
        self.latency_selected
    }

    /// The rates chart's time window, in samples.
    pub fn chart_window(&self) -> usize {
        self.chart_window
    }

    /// The probe's state.
    pub fn probe(&self) -> &ProbeStatus {
        &self.probe
    }

    /// The rates of the most recent `n` readings, oldest first.
    pub(crate) fn rate_points(&self, n: usize) -> impl Iterator<Item = &RatePoint> {
        self.history.last_n(n)
    }
}

mod cgroups;
mod rejects;
#[cfg(test)]
mod tests;
