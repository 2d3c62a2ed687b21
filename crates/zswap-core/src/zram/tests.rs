use super::*;
use zswap_testkit::FixtureRoot;

const SWAPS_HEADER: &str = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
const MM: &str = "1048576 20480 65536 0 69632 3 0 1 2";

fn swaps(f: &FixtureRoot, lines: &str) {
    f.proc("swaps", &format!("{SWAPS_HEADER}{lines}"));
}

#[test]
fn reads_a_set_up_device() {
    let f = FixtureRoot::new();
    f.zram(0, 268_435_456, "lz4", MM);
    swaps(&f, "");
    let r = read_zram(&SysRoot::at(f.path())).unwrap();
    assert_eq!(r.devices.len(), 1);
    let d = &r.devices[0];
    assert_eq!(d.device, "zram0");
    assert_eq!(d.disksize_bytes, Some(268_435_456));
    assert_eq!(d.initialized, Some(true));
    assert_eq!(d.comp_algorithm.as_ref().unwrap().selected, "lz4");
    assert_eq!(d.mm_stat.unwrap().mem_used_total_bytes, 65_536);
    assert_eq!(d.io_stat.unwrap().failed_writes, 0);
    assert!(!d.writeback_built);
    assert_eq!(d.swap, None);
    assert_eq!(
        d.absent.iter().map(|a| a.what).collect::<Vec<_>>(),
        ["bd_stat"],
        "{:?}",
        d.absent
    );
}

#[test]
fn no_zram_at_all_says_why() {
    let f = FixtureRoot::new();
    f.dir("sys/block/vda");
    let r = read_zram(&SysRoot::at(f.path())).unwrap();
    assert!(r.devices.is_empty());
    assert!(r.none_reason.unwrap().contains("CONFIG_ZRAM"));
}

#[test]
fn loaded_without_devices_says_so() {
    let f = FixtureRoot::new();
    f.dir("sys/class/zram-control");
    let r = read_zram(&SysRoot::at(f.path())).unwrap();
    assert!(r.none_reason.unwrap().contains("hot_add"));
}

#[test]
fn disksize_zero_leaves_mm_stat_absent_with_reason() {
    let f = FixtureRoot::new();
    f.zram(1, 0, "lzo-rle", "0 0 0 0 0 0 0 0 0");
    let d = &read_zram(&SysRoot::at(f.path())).unwrap().devices[0];
    assert_eq!(d.initialized, Some(false));
    assert_eq!(d.mm_stat, None);
    let why = d.absent.iter().find(|a| a.what == "mm_stat").unwrap();
    assert!(why.reason.contains("disksize 0"), "{}", why.reason);
}

#[test]
fn removed_device_gives_absent_figures_not_an_error() {
    let f = FixtureRoot::new();
    f.zram(0, 4096, "lzo", MM);
    let root = SysRoot::at(f.path());
    std::fs::remove_dir_all(f.path().join("sys/block/zram0")).unwrap();
    let d = read_device(&root, "zram0", Ok(&[]));
    assert_eq!(d.mm_stat, None);
    assert_eq!(d.disksize_bytes, None);
    assert!(
        d.absent
            .iter()
            .any(|a| a.what == "disksize" && a.reason.contains("removed")),
        "{:?}",
        d.absent
    );
}

#[test]
fn garbage_mm_stat_is_absent_with_the_text() {
    let f = FixtureRoot::new();
    f.zram(0, 4096, "lzo", "1 2 x");
    let d = &read_zram(&SysRoot::at(f.path())).unwrap().devices[0];
    assert_eq!(d.mm_stat, None);
    let why = d.absent.iter().find(|a| a.what == "mm_stat").unwrap();
    assert!(why.reason.contains("'1 2 x'"), "{}", why.reason);
}

#[test]
fn active_swap_carries_its_priority() {
    let f = FixtureRoot::new();
    f.zram(0, 1 << 30, "lz4", MM).zram(2, 1 << 20, "lz4", MM);
    swaps(
        &f,
        "/dev/zram0 partition 1048572 1024 100\n/swapfile file 1048572 0 -2\n",
    );
    let r = read_zram(&SysRoot::at(f.path())).unwrap();
    assert_eq!(
        r.devices
            .iter()
            .map(|d| d.device.as_str())
            .collect::<Vec<_>>(),
        ["zram0", "zram2"]
    );
    assert_eq!(r.devices[0].swap.unwrap().priority, 100);
    assert_eq!(r.devices[0].swap.unwrap().used_bytes, 1024 * 1024);
    assert_eq!(r.devices[1].swap, None);
}

#[test]
fn unreadable_swaps_is_an_absent_swap_figure() {
    let f = FixtureRoot::new();
    f.zram(0, 4096, "lzo", MM);
    let d = &read_zram(&SysRoot::at(f.path())).unwrap().devices[0];
    assert!(d.absent.iter().any(|a| a.what == "swap"), "{:?}", d.absent);
}

#[test]
fn writeback_attributes_when_built() {
    let f = FixtureRoot::new();
    f.zram(0, 4096, "lzo", MM)
        .file("sys/block/zram0/backing_dev", "none\n")
        .file("sys/block/zram0/bd_stat", "       1        2        3\n")
        .file("sys/block/zram0/writeback_limit_enable", "1\n")
        .file("sys/block/zram0/writeback_limit", "10\n");
    swaps(&f, "");
    let d = &read_zram(&SysRoot::at(f.path())).unwrap().devices[0];
    assert!(d.writeback_built);
    assert_eq!(d.backing_dev, None);
    assert_eq!(d.bd_stat.unwrap().bd_reads_bytes, 8192);
    assert_eq!(d.writeback_limit_enable, Some(true));
    assert_eq!(d.writeback_limit_bytes, Some(40960));
    assert!(d.absent.is_empty(), "{:?}", d.absent);
}

#[test]
fn compression_ratio_leaves_out_same_pages() {
    let f = FixtureRoot::new();
    // 10 pages stored, 2 of them same-filled; 8 pages in 8192 bytes: 4:1
    f.zram(0, 1 << 20, "lzo", "40960 8192 16384 0 16384 2 0 0 0");
    swaps(&f, "");
    let d = &read_zram(&SysRoot::at(f.path())).unwrap().devices[0];
    assert_eq!(d.compression_ratio(), Some(4.0));
}

#[test]
fn device_names_are_zram_and_digits() {
    assert!(is_zram_name("zram12"));
    assert!(!is_zram_name("zram"));
    assert!(!is_zram_name("zram0p1"));
    assert!(!is_zram_name("loop0"));
}
