//! Host side of the `replay-predict` scenario (a start, outside the default matrix): the
//! model's replay at a tight pool limit of a trace recorded at a generous one, beside the
//! kernel's own run of the same workload at the tight limit. It prints the figures and their
//! ratio; it fails only when a figure is missing or the model predicts no limit hit while the
//! kernel hit it, since how close the prediction must be is what these runs are to measure.

use super::Series;
use super::console::Report;

/// The figures compared, as (label, kernel key, model key).
const FIGURES: [(&str, &str, &str); 4] = [
    ("pool_limit_hit", "k.pool_limit_hit", "m.pool_limit_hit"),
    ("refused stores", "k.refused", "m.rejects"),
    (
        "written-back pages",
        "k.written_back_pages",
        "m.written_back_pages",
    ),
    ("peak pool bytes", "k.peak_pool_bytes", "m.peak_pool_bytes"),
];

/// One line per figure: kernel, model and model/kernel.
pub(crate) fn table(r: &Report) -> Result<String, String> {
    let mut lines = Vec::new();
    for (label, k, m) in FIGURES {
        let (k, m) = (r.num(k)?, r.num(m)?);
        let ratio = if k == 0 {
            "-".to_string()
        } else {
            format!("{:.2}", m as f64 / k as f64)
        };
        lines.push(format!("{label} {k} / {m} (model/kernel {ratio})"));
    }
    Ok(lines.join("; "))
}

/// `replay-predict`: prints the comparison; see the module doc for what fails.
pub(crate) fn check_replay_predict(r: &Report, series: Series) -> Result<(), String> {
    let t = table(r)?;
    super::log(&format!(
        "replay-predict on {series} (kernel / model): {t}; sizes estimated for {} refused \
         stores, {} kept refused",
        r.num("m.estimated_sizes")?,
        r.num("m.kept_refused")?
    ));
    if r.num("k.pool_limit_hit")? > 0 && r.num("m.pool_limit_hit")? == 0 {
        return Err(format!(
            "the kernel hit the tight limit, the replay predicts no hit: {t}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(pairs: &[(&str, u64)]) -> Report {
        let mut r = Report::default();
        for (k, v) in pairs {
            r.values.insert((*k).into(), v.to_string());
        }
        r
    }

    const BOTH: [(&str, u64); 10] = [
        ("k.pool_limit_hit", 10),
        ("m.pool_limit_hit", 5),
        ("k.refused", 100),
        ("m.rejects", 80),
        ("k.written_back_pages", 200),
        ("m.written_back_pages", 220),
        ("k.peak_pool_bytes", 4096),
        ("m.peak_pool_bytes", 4096),
        ("m.estimated_sizes", 0),
        ("m.kept_refused", 0),
    ];

    #[test]
    fn the_table_shows_both_sides_and_the_ratio() {
        let t = table(&report(&BOTH)).unwrap();
        assert!(
            t.starts_with("pool_limit_hit 10 / 5 (model/kernel 0.50)"),
            "{t}"
        );
        assert!(
            t.contains("written-back pages 200 / 220 (model/kernel 1.10)"),
            "{t}"
        );
        assert_eq!(check_replay_predict(&report(&BOTH), Series::Sid), Ok(()));
    }

    #[test]
    fn a_missing_figure_fails() {
        let e = check_replay_predict(&report(&BOTH[1..]), Series::Sid).unwrap_err();
        assert!(e.contains("k.pool_limit_hit"), "{e}");
    }

    #[test]
    fn a_prediction_without_hits_fails() {
        let mut r = report(&BOTH);
        r.values.insert("m.pool_limit_hit".into(), "0".into());
        let e = check_replay_predict(&r, Series::Sid).unwrap_err();
        assert!(e.contains("predicts no hit"), "{e}");
    }
}
