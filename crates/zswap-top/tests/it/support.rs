//! Fixed samples for the render tests: the on-disk fixture trees, read once, then played
//! forward with made-up traffic at fixed timestamps so every render is deterministic.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use zswap_core::stats::cgroup::CgroupFilter;
use zswap_core::stats::vmstat::parse_vmstat;
use zswap_core::{CollectOptions, SysRoot, ZswapSample, collect_sample};
use zswap_testkit::fixtures_dir;
use zswap_top::{App, AppOptions, ProbeStatus};

/// 2026-11-26 10:00:00 UTC.
pub(crate) const T0_MS: u64 = 1_764_151_200_000;

/// Every captured kernel tree, `linux-<version>-<state>`, sorted by name.
pub(crate) fn fixture_trees() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            name.starts_with("linux-").then_some((name, p))
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no fixture trees in {:?}", fixtures_dir());
    out
}

/// One reading of `root` with cgroups, stamped `t_ms`.
pub(crate) fn read_tree(root: &Path, t_ms: u64) -> ZswapSample {
    let mut s = collect_sample(
        &SysRoot::at(root),
        &CollectOptions {
            cgroups: Some(CgroupFilter::default()),
        },
    );
    s.taken_at_ms = t_ms;
    s
}

/// `base` played forward `n` one-second steps. When zswap is enabled in `base`, zswpout,
/// zswpin and zswpwb grow by a fixed, uneven pattern so the charts have a shape; when it is
/// not, they stay. Other figures stay as captured.
pub(crate) fn series(base: &ZswapSample, n: u64) -> Vec<ZswapSample> {
    let traffic = u64::from(base.params.as_ref().and_then(|p| p.enabled()) == Some(true));
    let mut out = Vec::new();
    let (mut out_pages, mut in_pages, mut wb_pages) = (0u64, 0u64, 0u64);
    for i in 0..n {
        out_pages += 200 + (i * 37 % 11) * 60;
        in_pages += 40 + (i * 13 % 7) * 25;
        wb_pages += if i % 5 == 0 { 30 } else { 0 };
        let mut s = base.clone();
        s.taken_at_ms = T0_MS + i * 1000;
        if let Some(v) = &base.vmstat {
            let text: String = v
                .iter()
                .map(|(k, val)| {
                    let add = match k {
                        "zswpout" => out_pages,
                        "zswpin" => in_pages,
                        "zswpwb" => wb_pages,
                        _ => 0,
                    };
                    format!("{k} {}\n", val + add * traffic)
                })
                .collect();
            s.vmstat = parse_vmstat(&text);
        }
        out.push(s);
    }
    out
}

/// The options the render tests use: no colour, a fixed source label.
pub(crate) fn options(source: &str, root: &Path) -> AppOptions {
    AppOptions {
        source: source.to_owned(),
        root: root.to_owned(),
        interval: Duration::from_secs(1),
        color: false,
        history: 600,
        cgroups: true,
    }
}

/// An app fed `samples`, with no probe.
pub(crate) fn app_with(opts: AppOptions, samples: Vec<ZswapSample>) -> App {
    let mut app = App::new(
        opts,
        ProbeStatus::NotLoaded("this build has no eBPF loader (test)".into()),
    );
    for s in samples {
        app.update(s);
    }
    app
}

/// `app` with the zram devices of the tree at `root` (none when it has no zram), as the
/// collector sends them after each reading.
pub(crate) fn with_zram(mut app: App, root: &Path) -> App {
    let devices = zswap_core::zram::read_zram(&SysRoot::at(root))
        .map(|r| r.devices)
        .unwrap_or_default();
    app.update_zram(devices);
    app
}

/// Renders `app` at `w` × `h`.
pub(crate) fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| zswap_top::draw(f, app)).unwrap();
    t
}

/// The rendered screen as text, one line per row.
pub(crate) fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
