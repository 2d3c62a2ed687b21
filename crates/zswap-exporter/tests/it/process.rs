//! The server's `process_*` families against what this test reads itself from
//! `/proc/<exporter pid>/` (with `getconf` for the clock tick and page size), and their absence
//! from `--once` output.

use std::process::Command;

use crate::common::{self, Exporter, sample};

fn getconf(name: &str) -> f64 {
    let out = common::succeed(Command::new("getconf").arg(name));
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// (utime + stime ticks, starttime ticks, vsize bytes, rss pages) of `pid`, counted after
/// the command name's closing parenthesis as proc(5) says.
fn stat(pid: u32) -> (f64, f64, f64, f64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &text[text.rfind(')').unwrap() + 2..];
    // fields from 3 (state) on: utime is 14, stime 15, starttime 22, vsize 23, rss 24
    let f: Vec<f64> = after
        .split_whitespace()
        .skip(1)
        .map(|w| w.parse().unwrap_or(0.0))
        .collect();
    let field = |n: usize| f[n - 4];
    (field(14) + field(15), field(22), field(23), field(24))
}

fn fds(pid: u32) -> f64 {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count() as f64
}

#[test]
fn process_families_are_the_exporters_own_figures() {
    let f = common::tree_6_18();
    let root = f.path().display().to_string();
    let e = Exporter::start(&["--path.rootfs", &root]);
    let pid = e.pid();
    let ticks = getconf("CLK_TCK");
    let page = getconf("PAGESIZE");
    let _ = e.scrape(); // settle allocations and the runtime's threads
    let (cpu0, start, vsize0, rss0) = stat(pid);
    let fds0 = fds(pid);
    let text = e.scrape();
    let (cpu1, _, vsize1, rss1) = stat(pid);
    let get = |n: &str| sample(&text, n).unwrap_or_else(|| panic!("no {n} in:\n{text}"));

    let cpu = get("process_cpu_seconds_total");
    assert!(
        cpu0 / ticks <= cpu && cpu <= cpu1 / ticks,
        "cpu {cpu} outside [{}, {}]",
        cpu0 / ticks,
        cpu1 / ticks
    );
    let btime: f64 = std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())
        .unwrap();
    let want_start = btime + start / ticks;
    let got_start = get("process_start_time_seconds");
    assert!(
        (got_start - want_start).abs() < 1e-3,
        "start {got_start}, want {want_start}"
    );
    let rss = get("process_resident_memory_bytes");
    let (lo, hi) = (rss0.min(rss1) * page, rss0.max(rss1) * page);
    // the scrape's own buffers come and go between the three readings
    assert!(
        lo * 0.8 <= rss && rss <= hi * 1.25,
        "rss {rss} outside [{lo}, {hi}]"
    );
    let vm = get("process_virtual_memory_bytes");
    let (lo, hi) = (vsize0.min(vsize1), vsize0.max(vsize1));
    assert!(
        lo * 0.8 <= vm && vm <= hi * 1.25,
        "vsize {vm} outside [{lo}, {hi}]"
    );
    // while it answers, the exporter holds the scrape's connection and the fd listing too
    let open = get("process_open_fds");
    assert!(
        fds0 <= open && open <= fds0 + 3.0,
        "open fds {open}, {fds0} when idle"
    );
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let soft: f64 = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files")?.split_whitespace().next())
        .map(|s| {
            s.parse()
                .unwrap_or(f64::from(u32::MAX) * f64::from(u32::MAX))
        })
        .unwrap();
    assert_eq!(get("process_max_fds"), soft);
    assert!(
        text.contains("# TYPE process_cpu_seconds_total counter\n"),
        "{text}"
    );
}

#[test]
fn once_output_has_no_process_families() {
    let f = common::tree_6_18();
    let text = common::once(f.path(), &[]);
    assert!(!text.contains("process_"), "{text}");
}
