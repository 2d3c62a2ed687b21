//! Golden renders (insta + ratatui `TestBackend`) of every captured kernel tree at the
//! smallest supported size (80×24) and a large one (160×48), plus the states that explain
//! missing data. A new `tests/fixtures/linux-*` tree needs its snapshots accepted once:
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test -p zswap-top`), then commit them.

use std::fs;

use insta::assert_snapshot;
use zswap_core::trace::{Op, OpOutcome};
use zswap_probe::LatencyHistogram;
use zswap_testkit::FixtureRoot;
use zswap_top::{App, OpLatency, ProbeStatus};

use crate::support::{
    T0_MS, app_with, fixture_trees, options, read_tree, render, screen, series, with_zram,
};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// The tree the single-state tests use: 6.18 after zswap traffic.
fn reference_tree() -> (String, std::path::PathBuf) {
    fixture_trees()
        .into_iter()
        .find(|(n, _)| n == "linux-6.18-after-workload")
        .expect("tests/fixtures/linux-6.18-after-workload")
}

fn era_app(name: &str, dir: &std::path::Path) -> App {
    let base = read_tree(dir, T0_MS);
    with_zram(
        app_with(
            options(&format!("tree tests/fixtures/{name}"), dir),
            series(&base, 45),
        ),
        dir,
    )
}

#[test]
fn every_fixture_tree_at_small_and_large_sizes() {
    for (name, dir) in fixture_trees() {
        let app = era_app(&name, &dir);
        for (w, h) in SIZES {
            let t = render(&app, w, h);
            assert_snapshot!(format!("{name}-{w}x{h}"), t.backend());
        }
    }
}

#[test]
fn every_fixture_tree_shows_its_compressor_and_pool() {
    for (name, dir) in fixture_trees() {
        let app = era_app(&name, &dir);
        let s = app.sample().unwrap();
        let m = app.model().unwrap();
        for (w, h) in SIZES {
            let text = screen(&render(&app, w, h));
            if let Some(c) = s.params.as_ref().and_then(|p| p.compressor()) {
                assert!(
                    text.contains(&format!("compressor {c}")),
                    "{name} {w}x{h}\n{text}"
                );
            }
            if let Some(limit) = m.pool_limit_bytes {
                let shown = format!("of {}", zswap_top::human_bytes(limit));
                assert!(text.contains(&shown), "{name} {w}x{h}: {shown}\n{text}");
            }
            assert!(text.contains("#45 10:00:44 UTC"), "{name} {w}x{h}\n{text}");
        }
    }
}

#[test]
fn first_reading_waits_for_rates() {
    let (name, dir) = reference_tree();
    let app = app_with(
        options(&format!("tree tests/fixtures/{name}"), &dir),
        vec![read_tree(&dir, T0_MS)],
    );
    let text = screen(&render(&app, 80, 24));
    assert!(text.contains("waiting for a second"), "{text}");
}

#[test]
fn help_popup_at_80x24() {
    let (name, dir) = reference_tree();
    let mut app = era_app(&name, &dir);
    app.handle_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('?'),
    ));
    let t = render(&app, 80, 24);
    assert_snapshot!("help-80x24", t.backend());
}

#[test]
fn paused_header_says_so() {
    let (name, dir) = reference_tree();
    let mut app = era_app(&name, &dir);
    app.handle_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('p'),
    ));
    app.update(read_tree(&dir, T0_MS + 99_000));
    let text = screen(&render(&app, 80, 24));
    assert!(text.contains("PAUSED (1 skipped)"), "{text}");
    assert!(text.contains("10:00:44"), "{text}");
}

/// A tree with zswap parameters, meminfo and vmstat but no debugfs: a non-root user's
/// view, or debugfs unmounted.
fn tree_without_debugfs(mounted: bool) -> FixtureRoot {
    let (_, dir) = reference_tree();
    let f = FixtureRoot::copy_of(&dir);
    let _ = fs::remove_dir_all(f.path().join("sys/kernel/debug"));
    fs::create_dir_all(f.path().join("sys/kernel/debug")).unwrap();
    let mounts = fs::read_to_string(f.path().join("proc/mounts")).unwrap_or_default();
    let mut kept: String = mounts
        .lines()
        .filter(|l| !l.contains(" debugfs "))
        .map(|l| format!("{l}\n"))
        .collect();
    if mounted {
        kept.push_str("none /sys/kernel/debug debugfs rw,relatime 0 0\n");
    }
    f.file("proc/mounts", &kept);
    f
}

#[test]
fn debugfs_unmounted_is_explained_not_zeroed() {
    let f = tree_without_debugfs(false);
    let app = app_with(
        options("tree debugfs-unmounted", f.path()),
        series(&read_tree(f.path(), T0_MS), 3),
    );
    let text = screen(&render(&app, 80, 24));
    assert!(text.contains("no reject counters"), "{text}");
    assert!(text.contains("needs debugfs"), "{text}");
    assert!(text.contains("debugfs is not mounted"), "{text}");
    assert_snapshot!("debugfs-unmounted-80x24", render(&app, 80, 24).backend());
}

#[test]
fn zswap_never_enabled_is_explained() {
    let f = tree_without_debugfs(true);
    f.param("enabled", "N\n");
    let vmstat: String = fs::read_to_string(f.path().join("proc/vmstat"))
        .unwrap()
        .lines()
        .map(|l| match l.split_once(' ') {
            Some((k, _)) if k.starts_with("zswp") => format!("{k} 0\n"),
            _ => format!("{l}\n"),
        })
        .collect();
    f.proc("vmstat", &vmstat);
    let app = app_with(
        options("tree never-enabled", f.path()),
        vec![read_tree(f.path(), T0_MS)],
    );
    let text = screen(&render(&app, 160, 48));
    assert!(text.contains("has never stored a page"), "{text}");
    assert!(text.contains("no zswap directory"), "{text}");
}

#[test]
fn kernel_without_zswap_is_explained() {
    let f = FixtureRoot::new();
    f.proc(
        "meminfo",
        "MemTotal: 1000 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
    );
    let app = app_with(
        options("tree no-zswap", f.path()),
        vec![read_tree(f.path(), T0_MS)],
    );
    let text = screen(&render(&app, 80, 24));
    assert!(text.contains("CONFIG_ZSWAP"), "{text}");
    assert!(text.contains("parameters unavailable"), "{text}");
}

fn histograms() -> Vec<OpLatency> {
    let mut store = vec![0u64; 32];
    store[9] = 120;
    store[10] = 3400;
    store[11] = 5100;
    store[12] = 900;
    store[14] = 12;
    let mut load = vec![0u64; 32];
    load[8] = 800;
    load[9] = 2600;
    load[10] = 300;
    load[13] = 4;
    vec![
        OpLatency {
            op: Op::Store,
            histogram: LatencyHistogram {
                outcome: OpOutcome::Ok,
                buckets: store,
            },
        },
        OpLatency {
            op: Op::Load,
            histogram: LatencyHistogram {
                outcome: OpOutcome::Ok,
                buckets: load,
            },
        },
    ]
}

#[test]
fn latency_histograms_when_the_probe_is_loaded() {
    let (name, dir) = reference_tree();
    let mut app = era_app(&name, &dir);
    app.handle_event(zswap_top::Event::Probe(ProbeStatus::Loaded(histograms())));
    let text = screen(&render(&app, 160, 48));
    assert!(text.contains("store ok"), "{text}");
    assert!(text.contains("p50 < 2.0µs"), "{text}");
    assert_snapshot!("probe-loaded-160x48", render(&app, 160, 48).backend());
}

#[test]
fn probe_not_loaded_gives_the_reason() {
    let (name, dir) = reference_tree();
    let app = era_app(&name, &dir);
    let text = screen(&render(&app, 80, 24));
    assert!(text.contains("probe not loaded"), "{text}");
}

#[test]
fn tiny_terminal_does_not_panic() {
    let (name, dir) = reference_tree();
    let mut app = era_app(&name, &dir);
    for (w, h) in [(1, 1), (20, 5), (40, 10), (79, 23)] {
        render(&app, w, h);
    }
    app.handle_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('?'),
    ));
    render(&app, 30, 8);
}

/// Writes one cgroup of a v2 hierarchy at `sys/fs/cgroup/unified` (where the captured
/// trees' `/proc/mounts` puts it).
fn write_cgroup(f: &FixtureRoot, rel: &str, pool: u64, zswpout: u64, zswpin: u64, max: &str) {
    let dir = format!("sys/fs/cgroup/unified{rel}");
    f.file(
        &format!("{dir}/memory.stat"),
        &format!(
            "anon 1000\nzswap {pool}\nzswapped {}\nzswpin {zswpin}\nzswpout {zswpout}\nzswpwb 0\n",
            pool * 3
        ),
    );
    if rel != "/" {
        f.file(&format!("{dir}/memory.zswap.current"), &format!("{pool}\n"));
        f.file(&format!("{dir}/memory.zswap.max"), &format!("{max}\n"));
        f.file(&format!("{dir}/memory.zswap.writeback"), "1\n");
    }
}

fn tree_with_cgroups(step: u64) -> FixtureRoot {
    let (_, dir) = reference_tree();
    let f = FixtureRoot::copy_of(&dir);
    f.file(
        "sys/fs/cgroup/unified/cgroup.controllers",
        "cpu io memory pids\n",
    );
    write_cgroup(&f, "/", 50 << 20, 9000 + step * 500, 100, "max");
    write_cgroup(&f, "/system.slice", 30 << 20, 5000 + step * 100, 50, "max");
    write_cgroup(
        &f,
        "/system.slice/postgresql.service",
        25 << 20,
        4000 + step * 90,
        40,
        "1073741824",
    );
    write_cgroup(
        &f,
        "/user.slice/user-1000.slice/session-3.scope",
        4 << 20,
        1000 + step * 400,
        10 + step * 30,
        "max",
    );
    f
}

#[test]
fn cgroup_table_sorted_and_selected() {
    let samples: Vec<_> = (0..2)
        .map(|i| read_tree(tree_with_cgroups(i).path(), T0_MS + i * 1000))
        .collect();
    let f = tree_with_cgroups(0);
    let mut app = app_with(options("tree cgroups", f.path()), samples);
    let text = screen(&render(&app, 160, 48));
    assert!(text.contains("cgroups (4)"), "{text}");
    assert_snapshot!("cgroups-pool-160x48", render(&app, 160, 48).backend());
    // sort by stores per second, select the second row
    for c in ['s', 's', 'l', 'j'] {
        app.handle_key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Char(c),
        ));
    }
    let t = render(&app, 80, 24);
    let text = screen(&t);
    // out/s: / 500, session-3.scope 400, system.slice 100, postgresql.service 90
    let row = |needle: &str| {
        let found = text.lines().position(|l| l.contains(needle));
        found.unwrap_or_else(|| panic!("no row {needle}:\n{text}"))
    };
    assert!(row("│/ ") < row("3.scope"), "{text}");
    assert!(row("3.scope") < row("/system.slice "), "{text}");
    assert!(row("/system.slice ") < row("sql.service"), "{text}");
    assert!(text.contains("out/s▼"), "{text}");
    assert_snapshot!("cgroups-by-store-rate-80x24", t.backend());
}

#[test]
fn not_root_is_explained() {
    let (_, dir) = reference_tree();
    let mut s = read_tree(&dir, T0_MS);
    s.debugfs = Some(zswap_core::stats::debugfs::DebugfsReading {
        status: zswap_core::stats::debugfs::DebugfsStatus::PermissionDenied,
        stats: None,
    });
    let app = app_with(options("host", &dir), vec![s]);
    let text = screen(&render(&app, 160, 48));
    assert!(text.contains("readable only by root"), "{text}");
    assert!(text.contains("needs debugfs"), "{text}");
    assert!(text.contains("no reject counters"), "{text}");
}

/// The reference tree with zram0 set up (lzo-rle, 1 GiB stored in 250 MiB, 256 MiB used of a
/// 512 MiB limit, 4096 same-filled pages) and zram1 added but not set up.
fn tree_with_zram() -> FixtureRoot {
    let (_, dir) = reference_tree();
    let f = FixtureRoot::copy_of(&dir);
    f.zram(
        0,
        4 << 30,
        "lzo-rle",
        "1073741824 262144000 268435456 536870912 270532608 4096 0 12 40",
    )
    .zram(1, 0, "lzo", "0 0 0 0 0 0 0 0 0");
    f
}

#[test]
fn zram_panel_shows_each_device() {
    let f = tree_with_zram();
    let app = with_zram(
        app_with(
            options("tree zram", f.path()),
            series(&read_tree(f.path(), T0_MS), 3),
        ),
        f.path(),
    );
    for (w, h) in SIZES {
        let t = render(&app, w, h);
        let text = screen(&t);
        assert!(text.contains(" zram "), "{w}x{h}\n{text}");
        // ratio leaves the same-filled pages out: (1 GiB - 16 MiB) / 250 MiB
        assert!(
            text.contains(
                "zram0 lzo-rle stored 1.0 GiB  compr 250 MiB  mem 256 MiB/512 MiB  ratio 4.03"
            ),
            "{w}x{h}\n{text}"
        );
        assert!(text.contains("zram1 lzo     not set up"), "{w}x{h}\n{text}");
        assert_snapshot!(format!("zram-{w}x{h}"), t.backend());
    }
}

#[test]
fn no_zram_device_no_panel() {
    // the fresh trees were captured without a zram device
    let (name, dir) = fixture_trees()
        .into_iter()
        .find(|(n, _)| n == "linux-6.18-fresh")
        .expect("tests/fixtures/linux-6.18-fresh");
    let none = era_app(&name, &dir);
    // zram loaded but without a device: still no panel
    let f = FixtureRoot::copy_of(&dir);
    f.dir("sys/class/zram-control");
    let loaded = with_zram(
        app_with(
            options("tree zram-loaded", f.path()),
            series(&read_tree(f.path(), T0_MS), 3),
        ),
        f.path(),
    );
    for app in [none, loaded] {
        assert!(app.zram().is_empty());
        for (w, h) in SIZES {
            let text = screen(&render(&app, w, h));
            assert!(!text.contains(" zram "), "{w}x{h}\n{text}");
        }
    }
}
