//! The collector thread: reads the kernel (and the probe, if any) every interval and
//! sends the readings down the event channel, so the drawing thread never blocks on
//! sysfs, debugfs or a large cgroup tree.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use zswap_core::zram::read_zram;
use zswap_core::{CollectOptions, SysRoot, collect_sample};

use crate::event::Event;
use crate::latency::{ProbeSource, ProbeStatus};

/// Messages to the collector thread.
#[derive(Debug)]
enum Control {
    /// Use this interval from now on.
    Interval(Duration),
}

/// A running collector; dropping it stops the thread after its current reading.
#[derive(Debug)]
pub(crate) struct Collector {
    ctl: Option<Sender<Control>>,
    handle: Option<JoinHandle<()>>,
}

impl Collector {
    /// Starts reading `root` every `interval`, sending [`Event::Zram`] then
    /// [`Event::Update`] (and
    /// [`Event::Probe`] when `probe` is given) to `tx` until the receiver is gone or the
    /// collector is dropped.
    pub(crate) fn spawn(
        root: SysRoot,
        opts: CollectOptions,
        interval: Duration,
        mut probe: Option<Box<dyn ProbeSource>>,
        tx: Sender<Event>,
    ) -> std::io::Result<Collector> {
        let (ctl, ctl_rx) = mpsc::channel();
        let handle = thread::Builder::new()
            .name("zswap-top collector".into())
            .spawn(move || {
                let _report = ReportPanic(tx.clone());
                let mut interval = interval;
                loop {
                    let started = Instant::now();
                    let sample = collect_sample(&root, &opts);
                    // a kernel without zram, or an unreadable /sys/block, shows no panel
                    let zram = read_zram(&root).map(|r| r.devices).unwrap_or_default();
                    // zram first: the sample completes a reading, so the dashboard draws
                    // once per reading with both, and `--json` records see the devices
                    if tx.send(Event::Zram(zram)).is_err()
                        || tx.send(Event::Update(Box::new(sample))).is_err()
                    {
                        return;
                    }
                    if let Some(p) = probe.as_mut() {
                        let status = match p.read() {
                            Ok(h) => ProbeStatus::Loaded(h),
                            Err(why) => ProbeStatus::NotLoaded(why),
                        };
                        if tx.send(Event::Probe(status)).is_err() {
                            return;
                        }
                    }
                    loop {
                        let wait = (started + interval).saturating_duration_since(Instant::now());
                        match ctl_rx.recv_timeout(wait) {
                            Ok(Control::Interval(d)) => interval = d,
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                }
            })?;
        Ok(Collector {
            ctl: Some(ctl),
            handle: Some(handle),
        })
    }

    /// Changes the refresh interval; the next reading is due `d` after the last one.
    pub(crate) fn set_interval(&self, d: Duration) {
        if let Some(ctl) = &self.ctl {
            // a stopped collector has nothing to reschedule
            let _ = ctl.send(Control::Interval(d));
        }
    }
}

/// Tells the event loop when the collector thread dies of a panic, so the dashboard stops
/// instead of showing stale figures.
struct ReportPanic(Sender<Event>);

impl Drop for ReportPanic {
    fn drop(&mut self) {
        if thread::panicking() {
            let _ = self.0.send(Event::Crashed("collector"));
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.ctl.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zswap_core::trace::{Op, OpOutcome};
    use zswap_probe::LatencyHistogram;

    use crate::latency::OpLatency;
    use zswap_testkit::FixtureRoot;

    /// A collector reading `f` every 250ms.
    fn every_250ms(
        f: &FixtureRoot,
        probe: Option<Box<dyn ProbeSource>>,
        tx: Sender<Event>,
    ) -> Collector {
        Collector::spawn(
            f.root(),
            CollectOptions::default(),
            Duration::from_millis(250),
            probe,
            tx,
        )
        .unwrap()
    }

    fn next_update(rx: &mpsc::Receiver<Event>) -> u64 {
        loop {
            match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
                Event::Update(s) => return s.taken_at_ms,
                _ => continue,
            }
        }
    }

    #[test]
    fn sends_a_reading_every_interval() {
        let f = FixtureRoot::new();
        f.param("enabled", "N\n");
        let (tx, rx) = mpsc::channel();
        let c = every_250ms(&f, None, tx);
        let t0 = next_update(&rx);
        let t1 = next_update(&rx);
        assert!(t1 >= t0 + 200, "{t0} {t1}");
        drop(c);
    }

    #[test]
    fn a_longer_interval_takes_effect() {
        let f = FixtureRoot::new();
        let (tx, rx) = mpsc::channel();
        let c = every_250ms(&f, None, tx);
        next_update(&rx);
        c.set_interval(Duration::from_secs(30));
        assert!(rx.recv_timeout(Duration::from_millis(600)).is_err());
    }

    struct Fake(u64);

    impl ProbeSource for Fake {
        fn read(&mut self) -> Result<Vec<OpLatency>, String> {
            self.0 += 1;
            if self.0 == 1 {
                Ok(vec![OpLatency {
                    op: Op::Store,
                    histogram: LatencyHistogram {
                        outcome: OpOutcome::Ok,
                        buckets: vec![0, 1],
                    },
                }])
            } else {
                Err("detached".into())
            }
        }
    }

    #[test]
    fn probe_readings_follow_each_sample() {
        let f = FixtureRoot::new();
        let (tx, rx) = mpsc::channel();
        let _c = every_250ms(&f, Some(Box::new(Fake(0))), tx);
        let mut probes = Vec::new();
        while probes.len() < 2 {
            if let Event::Probe(p) = rx.recv_timeout(Duration::from_secs(5)).unwrap() {
                probes.push(p);
            }
        }
        assert!(matches!(&probes[0], ProbeStatus::Loaded(h) if h.len() == 1));
        assert_eq!(probes[1], ProbeStatus::NotLoaded("detached".into()));
    }

    fn next_zram(rx: &mpsc::Receiver<Event>) -> Vec<String> {
        loop {
            if let Event::Zram(d) = rx.recv_timeout(Duration::from_secs(5)).unwrap() {
                return d.into_iter().map(|d| d.device).collect();
            }
        }
    }

    #[test]
    fn zram_devices_follow_each_sample() {
        let f = FixtureRoot::new();
        f.zram(0, 1 << 30, "lz4", "4096 1024 8192 0 8192 0 0 0 0");
        let (tx, rx) = mpsc::channel();
        let _c = every_250ms(&f, None, tx);
        assert_eq!(next_zram(&rx), ["zram0"]);
        let g = FixtureRoot::new();
        let (tx, rx) = mpsc::channel();
        let _d = every_250ms(&g, None, tx);
        assert!(next_zram(&rx).is_empty());
    }

    struct Panics;

    impl ProbeSource for Panics {
        fn read(&mut self) -> Result<Vec<OpLatency>, String> {
            panic!("probe panicked on purpose");
        }
    }

    #[test]
    fn a_panic_in_the_collector_is_reported() {
        let f = FixtureRoot::new();
        let (tx, rx) = mpsc::channel();
        let _c = every_250ms(&f, Some(Box::new(Panics)), tx);
        loop {
            match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
                Event::Crashed(what) => {
                    assert_eq!(what, "collector");
                    break;
                }
                Event::Update(_) | Event::Zram(_) => continue,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn stops_when_the_receiver_is_gone() {
        let f = FixtureRoot::new();
        let (tx, rx) = mpsc::channel();
        let c = every_250ms(&f, None, tx);
        drop(rx);
        let started = Instant::now();
        drop(c);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
