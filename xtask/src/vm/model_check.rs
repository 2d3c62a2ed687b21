//! Host side of the `model` scenario: replays the guest's pages through `zswap_core::sim`
//! and requires every counter delta the guest reported to equal the model's.

use std::collections::BTreeMap;

use zswap_core::sim::{KernelEra, MemcgId, SimConfig, ZpoolKind, Zswap};

use super::Series;
use super::console::Report;

fn era(series: Series) -> KernelEra {
    match series {
        Series::Bookworm => KernelEra::V6_1,
        Series::Trixie => KernelEra::V6_12,
        Series::Sid => KernelEra::V7,
    }
}

fn num(r: &Report, key: &str) -> Result<u64, String> {
    r.values
        .get(key)
        .ok_or(format!("the guest reported no '{key}'"))?
        .parse()
        .map_err(|e| format!("'{key}' is not a number: {e}"))
}

/// What the model predicts for one (compressor, zpool) run, named like the guest's keys.
fn predict(
    era: KernelEra,
    alg: &str,
    zpool: &str,
    r: &Report,
) -> Result<Option<BTreeMap<&'static str, u64>>, String> {
    let pages = num(r, "pages")?;
    let seed = num(r, "seed")?;
    let mut b = SimConfig::builder(era)
        .total_ram_pages(num(r, "mem_total_kb")? / 4)
        .max_pool_percent(num(r, "max_pool_percent")? as u32)
        .accept_threshold_percent(num(r, "accept_threshold_percent")? as u32)
        .compressor(alg);
    match zpool {
        "zbud" => b = b.zpool(ZpoolKind::Zbud),
        "zsmalloc" => b = b.zpool(ZpoolKind::Zsmalloc),
        _ => {}
    }
    let mut z = Zswap::new(b.build());
    if z.params().compressor != alg {
        // not modelled in this build: nothing to compare
        return Ok(None);
    }
    let cg = z.create_memcg(MemcgId::ROOT).map_err(|e| e.to_string())?;
    for i in 0..pages {
        z.store(i, cg, &zswap_workload::page(i, seed));
    }
    let c = z.counters();
    let d = c.debugfs;
    let stat = z.memcg_stat(cg).map_err(|e| e.to_string())?;
    Ok(Some(BTreeMap::from([
        ("stored_pages", d.stored_pages),
        ("pool_total_size", d.pool_total_size),
        ("same_filled_pages", d.same_filled_pages.unwrap_or(0)),
        (
            "stored_incompressible_pages",
            d.stored_incompressible_pages.unwrap_or(0),
        ),
        ("reject_compress_poor", d.reject_compress_poor),
        ("reject_compress_fail", d.reject_compress_fail.unwrap_or(0)),
        ("reject_alloc_fail", d.reject_alloc_fail),
        ("written_back_pages", d.written_back_pages),
        ("pool_limit_hit", d.pool_limit_hit),
        ("zswpout", c.vmstat.zswpout),
        ("swpout_zero", c.vmstat.swpout_zero.unwrap_or(0)),
        ("zswap_current", stat.zswap),
    ])))
}

/// `model`: for every `m.ALG.ZPOOL.COUNTER` the guest reported, the model's value must be
/// the same.
pub(crate) fn check_model(r: &Report, series: Series) -> Result<(), String> {
    let era = era(series);
    let mut runs: Vec<(String, String)> = r
        .values
        .keys()
        .filter_map(|k| {
            let rest = k.strip_prefix("m.")?;
            let (run, _) = rest.rsplit_once('.')?;
            let (alg, zp) = run.rsplit_once('.')?;
            Some((alg.to_owned(), zp.to_owned()))
        })
        .collect();
    runs.dedup();
    if runs.is_empty() {
        return Err("the guest reported no model runs".into());
    }
    let mut bad = Vec::new();
    let mut compared = 0;
    for (alg, zp) in &runs {
        let Some(want) = predict(era, alg, zp, r)? else {
            continue;
        };
        compared += 1;
        for (name, model) in want {
            let kernel = num(r, &format!("m.{alg}.{zp}.{name}"))?;
            if kernel != model {
                bad.push(format!("{alg}/{zp} {name}: kernel {kernel}, model {model}"));
            }
        }
    }
    if compared == 0 {
        return Err("no reported compressor is modelled".into());
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("model differs from the kernel: {}", bad.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as a guest that behaves exactly like the model would send it.
    fn report(series: Series) -> Report {
        let mut r = Report::default();
        for (k, v) in [
            ("pages", "40"),
            ("seed", "7"),
            ("mem_total_kb", "500000"),
            ("max_pool_percent", "20"),
            ("accept_threshold_percent", "90"),
        ] {
            r.values.insert(k.into(), v.into());
        }
        let want = predict(era(series), "lzo", "none", &r).unwrap().unwrap();
        for (name, v) in want {
            r.values.insert(format!("m.lzo.none.{name}"), v.to_string());
        }
        r
    }

    #[test]
    fn agreeing_guest_passes() {
        assert_eq!(check_model(&report(Series::Sid), Series::Sid), Ok(()));
    }

    #[test]
    fn one_differing_counter_fails() {
        let mut r = report(Series::Sid);
        r.values
            .insert("m.lzo.none.pool_total_size".into(), "4096".into());
        let e = check_model(&r, Series::Sid).unwrap_err();
        assert!(e.contains("lzo/none pool_total_size"), "{e}");
    }

    #[test]
    fn era_matters() {
        // 6.1 keeps zero pages as same-filled entries: a 7.x report does not fit it
        assert!(check_model(&report(Series::Sid), Series::Bookworm).is_err());
    }

    #[test]
    fn empty_report_fails() {
        assert!(check_model(&Report::default(), Series::Sid).is_err());
    }
}
