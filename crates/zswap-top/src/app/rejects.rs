//! The rejects panel's rows: debugfs reject reasons and the other failure counters, each
//! with its total and its rate against the previous reading.

use super::App;

/// Failure counters shown after the reject reasons, when this kernel has them: label and
/// debugfs file.
const OTHER: [(&str, &str); 3] = [
    ("written back", "written_back_pages"),
    ("decompress_fail", "decompress_fail"),
    ("duplicate", "duplicate_entry"),
];

/// One row of the rejects panel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RejectRow {
    /// What the panel calls it.
    pub(crate) label: &'static str,
    /// The debugfs file it comes from (`reject_compress_poor`, `written_back_pages`).
    pub(crate) counter: String,
    /// Its value since boot (or since zswap was loaded).
    pub(crate) total: u64,
    /// Per second since the previous reading; `None` on the first reading or when the
    /// counter went backwards.
    pub(crate) per_sec: Option<f64>,
    /// True if and only if a count above zero is bad news (all but writeback).
    pub(crate) bad: bool,
}

impl App {
    /// The rejects panel's rows, reject reasons first; `None` until there is a reading
    /// with debugfs counters (the panel then says why).
    pub(crate) fn reject_rows(&self) -> Option<Vec<RejectRow>> {
        let m = self.model()?;
        let stats = self.sample()?.debugfs.as_ref()?.stats.as_ref()?;
        let reasons = m.rejects.iter().map(|(reason, total)| {
            let counter = format!("reject_{reason}");
            RejectRow {
                label: reason,
                per_sec: m.rates_per_sec.get(&counter).copied(),
                counter,
                total: *total,
                bad: true,
            }
        });
        let other = OTHER.iter().filter_map(|(label, file)| {
            stats.get(file).map(|total| RejectRow {
                label,
                counter: (*file).to_owned(),
                total,
                per_sec: m.rates_per_sec.get(*file).copied(),
                bad: *file != "written_back_pages",
            })
        });
        Some(reasons.chain(other).collect())
    }
}
