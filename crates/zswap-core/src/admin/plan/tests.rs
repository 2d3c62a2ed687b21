use super::*;
use crate::admin::caps::{ModulesAliasResolver, NoModules};
use crate::sysroot::SysRoot;
use zswap_testkit::FixtureRoot;

fn caps(f: &FixtureRoot) -> KernelCaps {
    KernelCaps::discover(&SysRoot::at(f.path()))
        .unwrap()
        .unwrap()
}

fn modules() -> ModulesAliasResolver {
    ModulesAliasResolver::parse("alias crypto-zstd zstd\n")
}

fn want(pairs: &[(ParamName, &str)]) -> DesiredConfig {
    let mut d = DesiredConfig::new();
    for (n, v) in pairs {
        d.set(*n, ParamValue::parse_user(*n, v).unwrap(), None);
    }
    d
}

#[test]
fn orders_compressor_before_enabled_and_lists_unchanged() {
    let f = FixtureRoot::era("6.18.2");
    let d = want(&[
        (ParamName::Enabled, "true"),
        (ParamName::MaxPoolPercent, "20"),
        (ParamName::Compressor, "deflate"),
    ]);
    let p = Plan::build(&caps(&f), &d, &NoModules).unwrap();
    let names: Vec<_> = p.changes.iter().map(|c| c.name).collect();
    assert_eq!(names, vec![ParamName::Compressor, ParamName::Enabled]);
    assert_eq!(p.changes[0].from, ParamValue::Text("lzo".into()));
    assert_eq!(
        p.unchanged,
        vec![(ParamName::MaxPoolPercent, ParamValue::Uint(20))]
    );
    assert_eq!(p.expect_compressor.as_deref(), Some("deflate"));
}

#[test]
fn zpool_on_6_18_is_explained() {
    let f = FixtureRoot::era("6.18.2");
    let e = Plan::build(
        &caps(&f),
        &want(&[(ParamName::Zpool, "zsmalloc")]),
        &NoModules,
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("since Linux 6.18 zswap always uses zsmalloc"),
        "{msg}"
    );
    assert!(msg.contains("remove 'zpool'"), "{msg}");
}

#[test]
fn zpool_on_6_1_accepts_zsmalloc_refuses_nonsense() {
    let f = FixtureRoot::era("6.1.0-41-amd64");
    let p = Plan::build(
        &caps(&f),
        &want(&[(ParamName::Zpool, "zsmalloc")]),
        &NoModules,
    )
    .unwrap();
    assert_eq!(p.changes[0].from, ParamValue::Text("zbud".into()));
    let e = Plan::build(
        &caps(&f),
        &want(&[(ParamName::Zpool, "zfancy")]),
        &NoModules,
    )
    .unwrap_err();
    assert!(e.to_string().contains("zbud, z3fold, zsmalloc"), "{e}");
}

#[test]
fn parameter_of_another_era_is_refused() {
    let f = FixtureRoot::era("6.12.57");
    let e = Plan::build(
        &caps(&f),
        &want(&[(ParamName::SameFilledPagesEnabled, "n")]),
        &NoModules,
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("no zswap parameter 'same_filled_pages_enabled'"),
        "{msg}"
    );
    assert!(msg.contains("nothing was changed"), "{msg}");
}

#[test]
fn unavailable_compressor_lists_available_and_hint() {
    let f = FixtureRoot::era("6.18.2");
    let e = Plan::build(
        &caps(&f),
        &want(&[(ParamName::Compressor, "deflate-iaa")]),
        &modules(),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("'deflate-iaa' is not available"), "{msg}");
    assert!(msg.contains("available: deflate, lzo, lzo-rle"), "{msg}");
    assert!(
        msg.contains("iaa_crypto") && msg.contains("work queue"),
        "{msg}"
    );
}

#[test]
fn loadable_compressor_is_accepted() {
    let f = FixtureRoot::era("6.12.57");
    let p = Plan::build(
        &caps(&f),
        &want(&[(ParamName::Compressor, "zstd")]),
        &modules(),
    )
    .unwrap();
    assert_eq!(p.changes.len(), 1);
    assert!(
        Plan::build(
            &caps(&f),
            &want(&[(ParamName::Compressor, "zstd")]),
            &NoModules
        )
        .is_err()
    );
}

#[test]
fn enabling_with_an_unavailable_current_compressor_is_refused() {
    let f = FixtureRoot::era("6.12.57");
    f.param("compressor", "zstd");
    let e = Plan::build(&caps(&f), &want(&[(ParamName::Enabled, "y")]), &NoModules).unwrap_err();
    assert!(e.to_string().contains("fall back"), "{e}");
}

#[test]
fn every_refusal_is_reported_with_lines() {
    let f = FixtureRoot::era("6.18.2");
    let mut d = want(&[(ParamName::Enabled, "y")]);
    d.set(ParamName::Zpool, ParamValue::Text("zbud".into()), Some(2));
    d.set(
        ParamName::Compressor,
        ParamValue::Text("lz9".into()),
        Some(3),
    );
    let e = Plan::build(&caps(&f), &d, &NoModules).unwrap_err();
    assert_eq!(e.refusals.len(), 2);
    let msg = e.to_string();
    assert!(
        msg.contains("line 2: 'zpool'") && msg.contains("line 3: compressor 'lz9'"),
        "{msg}"
    );
}

#[test]
fn percent_and_bool_forms_via_desired_one() {
    assert!(desired_one(ParamName::MaxPoolPercent, "250").is_err());
    assert!(desired_one(ParamName::Enabled, "maybe").is_err());
    let d = desired_one(ParamName::Enabled, "yes").unwrap();
    assert_eq!(d.get(ParamName::Enabled), Some(&ParamValue::Bool(true)));
}

#[test]
fn noop_when_everything_matches() {
    let f = FixtureRoot::era("6.18.2");
    let p = Plan::build(
        &caps(&f),
        &want(&[(ParamName::Compressor, "lzo")]),
        &NoModules,
    )
    .unwrap();
    assert!(p.is_noop());
    assert_eq!(p.expect_compressor, None);
}
