//! The ratio table `cargo xtask bench` and `cargo xtask bench-exporter` print: one row per
//! measure of ours against its peer, and whether the row's target is met.

/// One row: a measure of ours against its peer.
pub(crate) struct Row {
    pub(crate) goal: String,
    pub(crate) ours: String,
    pub(crate) peer: String,
    pub(crate) ratio: f64,
    /// The ratio must be at most this.
    pub(crate) target: Option<f64>,
}

/// Prints the rows as a Markdown table; false if a row misses its target.
pub(crate) fn print(rows: &[Row]) -> bool {
    let mut all_met = true;
    println!("| goal | ours | peer | ratio | target | met |");
    println!("|---|---|---|---:|---:|---|");
    for r in rows {
        let (target, met) = match r.target {
            Some(t) => {
                // a NaN ratio (nothing measured) is a miss
                let met = r.ratio <= t;
                all_met &= met;
                (format!("<= {t}"), if met { "yes" } else { "NO" })
            }
            None => ("-".to_owned(), "-"),
        };
        println!(
            "| {} | {} | {} | {:.2} | {target} | {met} |",
            r.goal, r.ours, r.peer, r.ratio
        );
    }
    all_met
}

/// The median (NaN when nothing was measured).
pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}
