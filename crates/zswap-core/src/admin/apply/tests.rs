use std::cell::Cell;

use super::*;
use crate::admin::caps::NoModules;
use crate::admin::plan::DesiredConfig;
use zswap_testkit::FixtureRoot;

fn setup(release: &str, pairs: &[(ParamName, &str)]) -> (FixtureRoot, KernelCaps, Plan) {
    let f = FixtureRoot::era(release);
    let caps = KernelCaps::discover(&SysRoot::at(f.path()))
        .unwrap()
        .unwrap();
    let mut d = DesiredConfig::new();
    for (n, v) in pairs {
        d.set(*n, ParamValue::parse_user(*n, v).unwrap(), None);
    }
    let plan = Plan::build(&caps, &d, &NoModules).unwrap();
    (f, caps, plan)
}

fn param(f: &FixtureRoot, name: &str) -> String {
    f.read(&format!("sys/module/zswap/parameters/{name}"))
        .trim()
        .to_owned()
}

#[test]
fn applies_in_order_and_reads_back() {
    let (f, caps, plan) = setup(
        "6.18.2",
        &[
            (ParamName::Enabled, "y"),
            (ParamName::Compressor, "deflate"),
            (ParamName::MaxPoolPercent, "25"),
        ],
    );
    let r = apply_plan(&SysRoot::at(f.path()), &caps, &plan, &ReadBack).unwrap();
    assert_eq!(r.applied.len(), 3);
    assert_eq!(param(&f, "compressor"), "deflate");
    assert_eq!(param(&f, "enabled"), "Y");
    assert_eq!(param(&f, "max_pool_percent"), "25");
    assert_eq!(r.compressor_in_use.as_deref(), Some("deflate"));
}

/// Plays a kernel that refuses one parameter with an errno on read-back of a write.
struct RefuseAt {
    name: ParamName,
}

impl Verifier for RefuseAt {
    fn read_back(&self, root: &SysRoot, name: ParamName) -> Result<Option<ParamValue>> {
        if name == self.name {
            // what sysfs would have kept: the old value
            return Ok(Some(ParamValue::Uint(90)));
        }
        read_param(root, name)
    }
}

#[test]
fn mismatch_midway_rolls_back_in_reverse() {
    let (f, caps, plan) = setup(
        "6.12.57",
        &[
            (ParamName::Zpool, "zbud"),
            (ParamName::Compressor, "deflate"),
            (ParamName::AcceptThresholdPercent, "80"),
            (ParamName::Enabled, "y"),
        ],
    );
    let e = apply_plan(
        &SysRoot::at(f.path()),
        &caps,
        &plan,
        &RefuseAt {
            name: ParamName::AcceptThresholdPercent,
        },
    )
    .unwrap_err();
    assert!(matches!(e.failure, WriteFailure::Mismatch { .. }), "{e}");
    let order: Vec<_> = e.rollback.iter().map(|s| s.name).collect();
    // the failing parameter holds its old value (per the verifier) so only the two before
    assert_eq!(order, vec![ParamName::Compressor, ParamName::Zpool]);
    assert!(e.rolled_back());
    assert_eq!(param(&f, "zpool"), "zsmalloc");
    assert_eq!(param(&f, "compressor"), "lzo");
    assert_eq!(param(&f, "enabled"), "N");
    let msg = e.to_string();
    assert!(
        msg.contains("rolled back: compressor restored to 'lzo', zpool restored to 'zsmalloc'"),
        "{msg}"
    );
}

#[test]
fn missing_file_midway_is_reported_as_missing_and_rolled_back() {
    let (f, caps, plan) = setup(
        "6.18.2",
        &[
            (ParamName::Compressor, "deflate"),
            (ParamName::ShrinkerEnabled, "y"),
        ],
    );
    std::fs::remove_file(
        f.path()
            .join("sys/module/zswap/parameters/shrinker_enabled"),
    )
    .unwrap();
    let e = apply_plan(&SysRoot::at(f.path()), &caps, &plan, &ReadBack).unwrap_err();
    assert!(matches!(e.failure, WriteFailure::Missing { .. }), "{e}");
    assert_eq!(param(&f, "compressor"), "lzo");
}

/// Plays 6.12+: enabling zswap for the first time swaps an unusable compressor for the
/// Kconfig default without an error.
struct FallBackOnEnable {
    enabled_seen: Cell<bool>,
}

impl Verifier for FallBackOnEnable {
    fn read_back(&self, root: &SysRoot, name: ParamName) -> Result<Option<ParamValue>> {
        if name == ParamName::Enabled && !self.enabled_seen.get() {
            self.enabled_seen.set(true);
            root.write_attr(&ParamName::Compressor.path(root), "lzo")?;
        }
        read_param(root, name)
    }
}

#[test]
fn silent_fallback_after_enable_is_caught_and_undone() {
    let (f, caps, plan) = setup(
        "6.12.57",
        &[
            (ParamName::Compressor, "deflate"),
            (ParamName::Enabled, "1"),
        ],
    );
    let v = FallBackOnEnable {
        enabled_seen: Cell::new(false),
    };
    let e = apply_plan(&SysRoot::at(f.path()), &caps, &plan, &v).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("uses compressor 'lzo' instead of 'deflate'"),
        "{msg}"
    );
    assert_eq!(param(&f, "enabled"), "N");
    assert_eq!(param(&f, "compressor"), "lzo");
    assert!(e.rolled_back(), "{msg}");
}

#[test]
fn errno_mapping() {
    let f = FixtureRoot::era("6.18.2");
    let caps = KernelCaps::discover(&SysRoot::at(f.path()))
        .unwrap()
        .unwrap();
    let w = |errno: i32, name: ParamName| {
        WriteFailure::from_write(
            &caps,
            name,
            "x",
            Error::Write {
                path: name.path(&SysRoot::at(f.path())),
                value: "x".into(),
                source: io::Error::from_raw_os_error(errno),
            },
        )
    };
    assert!(matches!(
        w(libc::ENOENT, ParamName::Compressor),
        WriteFailure::CompressorUnavailable { .. }
    ));
    assert!(
        w(libc::ENOENT, ParamName::Compressor)
            .to_string()
            .contains("available: deflate, lzo, lzo-rle")
    );
    assert!(matches!(
        w(libc::EINVAL, ParamName::Enabled),
        WriteFailure::BadValue { .. }
    ));
    assert!(matches!(
        w(libc::ENODEV, ParamName::Enabled),
        WriteFailure::InitFailed { .. }
    ));
    assert!(w(libc::EPERM, ParamName::Enabled).is_permission());
    // as root the advice is about immutable files, otherwise to run as root
    let advice = if zswap_testkit::host::is_root() {
        "immutable"
    } else {
        "run as root"
    };
    assert!(
        w(libc::EACCES, ParamName::Enabled)
            .to_string()
            .contains(advice)
    );
    let open = |errno: i32| {
        WriteFailure::from_write(
            &caps,
            ParamName::Zpool,
            "zbud",
            Error::Open {
                path: "/p".into(),
                source: io::Error::from_raw_os_error(errno),
            },
        )
    };
    assert!(matches!(open(libc::ENOENT), WriteFailure::Missing { .. }));
    assert!(matches!(open(libc::EROFS), WriteFailure::ReadOnly { .. }));
    assert!(open(libc::EACCES).is_permission());
}
