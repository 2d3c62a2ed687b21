use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use zswap_core::stats::cgroup::{CgroupZswap, CgroupsReading};
use zswap_core::stats::vmstat::parse_vmstat;

use super::*;

fn opts() -> AppOptions {
    AppOptions {
        source: "test".into(),
        root: "/tmp/tree".into(),
        interval: Duration::from_secs(1),
        color: false,
        history: 4,
        cgroups: true,
    }
}

fn app() -> App {
    App::new(opts(), ProbeStatus::NotLoaded("test".into()))
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn sample(t_ms: u64, zswpout: u64, zswpin: u64) -> ZswapSample {
    ZswapSample {
        taken_at_ms: t_ms,
        vmstat: parse_vmstat(&format!("zswpout {zswpout}\nzswpin {zswpin}\nzswpwb 0\n")),
        ..Default::default()
    }
}

fn cgroup(path: &str, pool: u64, zswpout: u64) -> CgroupZswap {
    CgroupZswap {
        path: path.into(),
        zswap_current_bytes: Some(pool),
        stat: BTreeMap::from([
            ("zswapped".to_owned(), pool * 3),
            ("zswpout".to_owned(), zswpout),
        ]),
        ..Default::default()
    }
}

fn with_cgroups(mut s: ZswapSample, cgs: Vec<CgroupZswap>) -> ZswapSample {
    s.cgroups = Some(CgroupsReading {
        cgroups: cgs,
        truncated: false,
    });
    s
}

fn paths(app: &App) -> Vec<String> {
    app.cgroup_rows().into_iter().map(|r| r.path).collect()
}

#[test]
fn first_sample_has_no_rates() {
    let mut a = app();
    a.update(sample(1000, 10, 5));
    let p: Vec<_> = a.rate_points(10).copied().collect();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].store, None);
}

#[test]
fn rates_come_from_two_samples() {
    let mut a = app();
    a.update(sample(1000, 10, 5));
    a.update(sample(3000, 30, 9));
    let last = *a.rate_points(1).next().unwrap();
    assert_eq!(last.store, Some(10.0));
    assert_eq!(last.load, Some(2.0));
    assert_eq!(last.writeback, Some(0.0));
    assert_eq!(a.samples_seen(), 2);
}

#[test]
fn counter_going_backwards_gives_no_rate() {
    let mut a = app();
    a.update(sample(1000, 100, 5));
    a.update(sample(2000, 3, 6));
    let last = *a.rate_points(1).next().unwrap();
    assert_eq!(last.store, None);
    assert_eq!(last.load, Some(1.0));
}

#[test]
fn history_keeps_the_configured_number_of_points() {
    let mut a = app();
    for i in 0..10 {
        a.update(sample(i * 1000, i, i));
    }
    let ts: Vec<u64> = a.rate_points(100).map(|p| p.t_ms).collect();
    assert_eq!(ts, [6000, 7000, 8000, 9000]);
}

#[test]
fn paused_app_drops_updates_and_rates_span_the_pause() {
    let mut a = app();
    a.update(sample(1000, 0, 0));
    assert_eq!(a.handle_key(key('p')), Action::Continue);
    assert!(a.paused());
    a.update(sample(2000, 50, 0));
    a.update(sample(3000, 90, 0));
    assert_eq!(a.samples_seen(), 1);
    assert_eq!(a.dropped_while_paused(), 2);
    assert_eq!(a.sample().unwrap().taken_at_ms, 1000);
    a.handle_key(key('p'));
    a.update(sample(5000, 100, 0));
    assert_eq!(a.rate_points(1).next().unwrap().store, Some(25.0));
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut a = app();
    assert_eq!(a.handle_key(key('q')), Action::Quit);
    assert!(a.should_quit());
    let mut b = app();
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(b.handle_key(ctrl_c), Action::Quit);
}

#[test]
fn quit_event_quits() {
    let mut a = app();
    assert_eq!(a.handle_event(Event::Quit), Action::Quit);
}

#[test]
fn help_opens_and_swallows_keys_until_closed() {
    let mut a = app();
    a.handle_key(key('?'));
    assert!(a.help_open());
    // q closes the popup rather than quitting
    assert_eq!(a.handle_key(key('q')), Action::Continue);
    assert!(!a.help_open() && !a.should_quit());
    a.handle_key(key('?'));
    a.handle_key(key('s'));
    assert_eq!(a.sort().0, CgroupSort::Pool);
    a.handle_key(code(KeyCode::Esc));
    assert!(!a.help_open());
}

#[test]
fn key_release_is_ignored() {
    let mut a = app();
    let mut k = key('q');
    k.kind = KeyEventKind::Release;
    assert_eq!(a.handle_key(k), Action::Continue);
    assert!(!a.should_quit());
}

#[test]
fn plus_and_minus_step_the_interval() {
    let mut a = app();
    assert_eq!(
        a.handle_key(key('+')),
        Action::SetInterval(Duration::from_secs(2))
    );
    assert_eq!(
        a.handle_key(key('-')),
        Action::SetInterval(Duration::from_secs(1))
    );
    a.handle_key(key('-'));
    assert_eq!(
        a.handle_key(key('-')),
        Action::SetInterval(Duration::from_millis(250))
    );
    // the floor
    assert_eq!(a.handle_key(key('-')), Action::Continue);
    assert_eq!(a.interval(), Duration::from_millis(250));
}

#[test]
fn interval_from_the_command_line_joins_the_steps() {
    let mut a = App::new(
        AppOptions {
            interval: Duration::from_millis(750),
            ..opts()
        },
        ProbeStatus::NotLoaded(String::new()),
    );
    assert_eq!(
        a.handle_key(key('+')),
        Action::SetInterval(Duration::from_secs(1))
    );
    let mut b = App::new(
        AppOptions {
            interval: Duration::from_millis(750),
            ..opts()
        },
        ProbeStatus::NotLoaded(String::new()),
    );
    assert_eq!(
        b.handle_key(key('-')),
        Action::SetInterval(Duration::from_millis(500))
    );
}

#[test]
fn interval_ceiling() {
    let mut a = App::new(
        AppOptions {
            interval: Duration::from_secs(60),
            ..opts()
        },
        ProbeStatus::NotLoaded(String::new()),
    );
    assert_eq!(a.handle_key(key('+')), Action::Continue);
}

#[test]
fn h_l_and_arrows_cycle_focus() {
    let mut a = app();
    assert_eq!(a.focus(), Focus::Rates);
    a.handle_key(key('l'));
    assert_eq!(a.focus(), Focus::Cgroups);
    a.handle_key(code(KeyCode::Right));
    assert_eq!(a.focus(), Focus::Latency);
    a.handle_key(code(KeyCode::Tab));
    assert_eq!(a.focus(), Focus::Rates);
    a.handle_key(key('h'));
    assert_eq!(a.focus(), Focus::Latency);
    a.handle_key(code(KeyCode::Left));
    assert_eq!(a.focus(), Focus::Cgroups);
}

#[test]
fn j_k_move_the_cgroup_selection_within_bounds() {
    let mut a = app();
    a.update(with_cgroups(
        sample(0, 0, 0),
        vec![cgroup("/", 30, 0), cgroup("/a", 20, 0), cgroup("/b", 10, 0)],
    ));
    a.handle_key(key('l'));
    a.handle_key(key('k'));
    assert_eq!(a.cgroup_selected(), 0);
    a.handle_key(key('j'));
    a.handle_key(code(KeyCode::Down));
    a.handle_key(key('j'));
    assert_eq!(a.cgroup_selected(), 2);
    a.handle_key(key('g'));
    assert_eq!(a.cgroup_selected(), 0);
    a.handle_key(key('G'));
    assert_eq!(a.cgroup_selected(), 2);
    // the selection follows a shrinking table
    a.update(with_cgroups(sample(1000, 0, 0), vec![cgroup("/", 1, 0)]));
    assert_eq!(a.cgroup_selected(), 0);
}

#[test]
fn up_down_on_rates_change_the_time_window() {
    let mut a = app();
    assert_eq!(a.chart_window(), 60);
    a.handle_key(key('j'));
    assert_eq!(a.chart_window(), 120);
    a.handle_key(key('k'));
    a.handle_key(key('k'));
    a.handle_key(key('k'));
    assert_eq!(a.chart_window(), 30);
}

#[test]
fn cgroups_sort_by_pool_then_cycle_with_s() {
    let mut a = app();
    a.update(with_cgroups(
        sample(0, 0, 0),
        vec![
            cgroup("/", 5, 0),
            cgroup("/a", 50, 100),
            cgroup("/b", 20, 100),
        ],
    ));
    a.update(with_cgroups(
        sample(1000, 0, 0),
        vec![
            cgroup("/", 5, 0),
            cgroup("/a", 50, 110),
            cgroup("/b", 20, 400),
        ],
    ));
    assert_eq!(paths(&a), ["/a", "/b", "/"]);
    a.handle_key(key('s'));
    assert_eq!(a.sort(), (CgroupSort::Stored, false));
    assert_eq!(paths(&a), ["/a", "/b", "/"]);
    a.handle_key(key('s'));
    assert_eq!(a.sort().0, CgroupSort::StoreRate);
    assert_eq!(paths(&a), ["/b", "/a", "/"]);
    let rows = a.cgroup_rows();
    assert_eq!(rows[0].store_per_sec, Some(300.0));
    a.handle_key(key('S'));
    assert_eq!(paths(&a), ["/", "/a", "/b"]);
    a.handle_key(key('s'));
    a.handle_key(key('s'));
    assert_eq!(a.sort(), (CgroupSort::Path, false));
    assert_eq!(paths(&a), ["/", "/a", "/b"]);
    a.handle_key(key('s'));
    assert_eq!(a.sort().0, CgroupSort::Pool);
}

#[test]
fn a_new_cgroup_has_no_rate_yet() {
    let mut a = app();
    a.update(with_cgroups(sample(0, 0, 0), vec![cgroup("/", 5, 0)]));
    a.update(with_cgroups(
        sample(1000, 0, 0),
        vec![cgroup("/", 5, 10), cgroup("/new", 1, 7)],
    ));
    let rows = a.cgroup_rows();
    let new = rows.iter().find(|r| r.path == "/new").unwrap();
    assert_eq!(new.store_per_sec, None);
    let root = rows.iter().find(|r| r.path == "/").unwrap();
    assert_eq!(root.store_per_sec, Some(10.0));
}

#[test]
fn probe_updates_are_held_while_paused() {
    let mut a = app();
    a.handle_key(key('p'));
    a.handle_event(Event::Probe(ProbeStatus::Loaded(Vec::new())));
    assert_eq!(a.probe(), &ProbeStatus::NotLoaded("test".into()));
    a.handle_key(key('p'));
    a.handle_event(Event::Probe(ProbeStatus::Loaded(Vec::new())));
    assert_eq!(a.probe(), &ProbeStatus::Loaded(Vec::new()));
}

#[test]
fn paths_are_shown_as_the_kernel_names_them() {
    let a = app();
    assert_eq!(
        a.kernel_path(Path::new("/tmp/tree/sys/fs/cgroup")),
        Path::new("/sys/fs/cgroup")
    );
    assert_eq!(
        a.kernel_path(Path::new("/elsewhere")),
        Path::new("/elsewhere")
    );
}

#[test]
fn zram_updates_are_held_while_paused() {
    let f = zswap_testkit::FixtureRoot::new();
    f.zram(0, 1 << 30, "lz4", "4096 1024 8192 0 8192 0 0 0 0");
    let devices = zswap_core::zram::read_zram(&f.root()).unwrap().devices;
    let mut a = app();
    a.handle_key(key('p'));
    a.handle_event(Event::Zram(devices.clone()));
    assert!(a.zram().is_empty());
    a.handle_key(key('p'));
    a.handle_event(Event::Zram(devices));
    assert_eq!(a.zram()[0].device, "zram0");
}
