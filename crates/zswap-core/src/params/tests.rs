use super::*;
use zswap_testkit::FixtureRoot;

fn root(f: &FixtureRoot) -> SysRoot {
    SysRoot::at(f.path())
}

#[test]
fn reads_6_18_set_without_zpool() {
    let f = FixtureRoot::new();
    f.params_6_18();
    let p = read_params(&root(&f)).unwrap().unwrap();
    assert_eq!(p.enabled(), Some(false));
    assert_eq!(p.compressor(), Some("lzo"));
    assert_eq!(p.max_pool_percent(), Some(20));
    assert_eq!(p.accept_threshold_percent(), Some(90));
    assert_eq!(p.shrinker_enabled(), Some(false));
    assert_eq!(p.zpool(), None);
    assert!(!p.has(ParamName::SameFilledPagesEnabled));
}

#[test]
fn reads_6_1_set_with_zpool_and_same_filled() {
    let f = FixtureRoot::new();
    f.param("enabled", "Y")
        .param("compressor", "lzo")
        .param("zpool", "zbud")
        .param("max_pool_percent", "20")
        .param("accept_threshold_percent", "90")
        .param("same_filled_pages_enabled", "Y")
        .param("non_same_filled_pages_enabled", "Y");
    let p = read_params(&root(&f)).unwrap().unwrap();
    assert_eq!(p.zpool(), Some("zbud"));
    assert_eq!(
        p.get(ParamName::SameFilledPagesEnabled),
        Some(&ParamValue::Bool(true))
    );
    assert_eq!(p.shrinker_enabled(), None);
}

#[test]
fn missing_directory_is_none() {
    let f = FixtureRoot::new();
    assert!(read_params(&root(&f)).unwrap().is_none());
}

#[test]
fn missing_file_is_absent() {
    let f = FixtureRoot::new();
    f.param("enabled", "N");
    assert_eq!(read_param(&root(&f), ParamName::Compressor).unwrap(), None);
}

#[test]
fn garbage_bool_is_parse_error_naming_path() {
    let f = FixtureRoot::new();
    f.param("enabled", "maybe");
    let err = read_params(&root(&f)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("maybe") && msg.contains("enabled"), "{msg}");
}

#[test]
fn garbage_number_is_parse_error() {
    let f = FixtureRoot::new();
    f.param("max_pool_percent", "twenty");
    assert!(matches!(read_params(&root(&f)), Err(Error::Parse { .. })));
}

#[test]
fn out_of_range_value_set_by_hand_is_still_read() {
    let f = FixtureRoot::new();
    f.param("max_pool_percent", "250");
    let p = read_params(&root(&f)).unwrap().unwrap();
    assert_eq!(p.max_pool_percent(), Some(250));
}

#[test]
fn unknown_files_are_kept() {
    let f = FixtureRoot::new();
    f.param("enabled", "N").param("future_knob", "7");
    let p = read_params(&root(&f)).unwrap().unwrap();
    assert_eq!(p.unknown.get("future_knob").map(String::as_str), Some("7"));
}

#[test]
fn display_is_sysfs_bytes() {
    assert_eq!(ParamValue::Bool(true).to_string(), "Y");
    assert_eq!(ParamValue::Bool(false).to_string(), "N");
    assert_eq!(ParamValue::Uint(25).to_string(), "25");
    assert_eq!(ParamValue::Text("zstd".into()).to_string(), "zstd");
}

#[test]
fn user_bools() {
    for (s, want) in [
        ("true", true),
        ("Yes", true),
        ("on", true),
        ("1", true),
        ("Y", true),
    ] {
        assert_eq!(
            ParamValue::parse_user(ParamName::Enabled, s),
            Ok(ParamValue::Bool(want))
        );
    }
    for s in ["false", "no", "off", "0", "N"] {
        assert_eq!(
            ParamValue::parse_user(ParamName::Enabled, s),
            Ok(ParamValue::Bool(false))
        );
    }
}

#[test]
fn user_bool_refuses_maybe() {
    let err = ParamValue::parse_user(ParamName::Enabled, "maybe").unwrap_err();
    assert!(err.to_string().contains("'maybe'"), "{err}");
}

#[test]
fn user_percent_bases_and_range() {
    let p = ParamName::MaxPoolPercent;
    assert_eq!(ParamValue::parse_user(p, "0x19"), Ok(ParamValue::Uint(25)));
    assert_eq!(ParamValue::parse_user(p, "100"), Ok(ParamValue::Uint(100)));
    assert!(matches!(
        ParamValue::parse_user(p, "250"),
        Err(ValueError::PercentRange { value: 250, .. })
    ));
    assert!(matches!(
        ParamValue::parse_user(p, "-1"),
        Err(ValueError::NotNumber { .. })
    ));
    assert!(matches!(
        ParamValue::parse_user(p, "99999999999"),
        Err(ValueError::PercentRange { .. })
    ));
}

#[test]
fn user_names_trimmed_and_checked() {
    let c = ParamName::Compressor;
    assert_eq!(
        ParamValue::parse_user(c, " zstd\n"),
        Ok(ParamValue::Text("zstd".into()))
    );
    assert!(ParamValue::parse_user(c, "").is_err());
    assert!(ParamValue::parse_user(c, "a b").is_err());
}

#[test]
fn param_names_parse_with_dashes() {
    assert_eq!(
        "max-pool-percent".parse::<ParamName>(),
        Ok(ParamName::MaxPoolPercent)
    );
    let err = "zpoool".parse::<ParamName>().unwrap_err();
    assert!(err.to_string().contains("'zpoool'"));
}

#[test]
fn write_order_puts_enabled_last() {
    assert_eq!(ParamName::ALL.last(), Some(&ParamName::Enabled));
    let c = ParamName::ALL
        .iter()
        .position(|p| *p == ParamName::Compressor)
        .unwrap();
    let z = ParamName::ALL
        .iter()
        .position(|p| *p == ParamName::Zpool)
        .unwrap();
    assert!(z < c);
}

#[test]
fn write_param_writes_display_bytes() {
    let f = FixtureRoot::new();
    f.param("max_pool_percent", "20");
    write_param(&root(&f), ParamName::MaxPoolPercent, &ParamValue::Uint(5)).unwrap();
    assert!(
        f.read("sys/module/zswap/parameters/max_pool_percent")
            .starts_with('5')
    );
}

#[test]
fn write_param_missing_file_fails_like_sysfs() {
    let f = FixtureRoot::new();
    f.params_6_18();
    let err = write_param(
        &root(&f),
        ParamName::Zpool,
        &ParamValue::Text("zbud".into()),
    );
    assert_eq!(err.unwrap_err().errno(), Some(libc::ENOENT));
}

#[test]
fn a_name_displays_as_its_sysfs_file() {
    // messages name parameters through Display: it must be the file name, not empty
    for p in ParamName::ALL {
        assert_eq!(p.to_string(), p.as_str());
    }
    assert_eq!(ParamName::MaxPoolPercent.to_string(), "max_pool_percent");
}
