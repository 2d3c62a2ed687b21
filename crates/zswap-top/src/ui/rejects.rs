//! Reject reasons and the other failure counters of debugfs, with their rates.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use zswap_core::stats::debugfs::DebugfsStatus;

use crate::app::App;
use crate::format;
use crate::ui::theme::Theme;

/// Failure counters shown after the reject reasons, when this kernel has them.
const OTHER: [(&str, &str); 3] = [
    ("written back", "written_back_pages"),
    ("decompress_fail", "decompress_fail"),
    ("duplicate", "duplicate_entry"),
];

/// The rejects panel.
pub(crate) fn draw(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(" rejects (total, /s) ", t.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let (Some(s), Some(m)) = (app.sample(), app.model()) else {
        return;
    };
    let status = s.debugfs.as_ref().map(|d| d.status);
    let Some(stats) = s.debugfs.as_ref().and_then(|d| d.stats.as_ref()) else {
        let why = match status {
            Some(st) if st != DebugfsStatus::Available => st.explain(),
            _ => "debugfs counters could not be read (see notes)",
        };
        f.render_widget(
            Paragraph::new(vec![
                Line::styled("no reject counters:", t.warn()),
                Line::styled(why, t.label()),
            ])
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let name_w = 16usize;
    let mut lines = Vec::new();
    let mut row = |name: &str, total: u64, rate: Option<f64>, bad: bool| {
        let style = if bad && total > 0 { t.bad() } else { t.value() };
        let rate = rate.map_or("-".to_owned(), format::rate);
        lines.push(Line::from(vec![
            Span::styled(format!("{name:<name_w$}"), t.label()),
            Span::styled(format!("{:>7}", format::count(total)), style),
            Span::styled(format!(" {rate:>6}"), t.label()),
        ]));
    };
    for (reason, total) in &m.rejects {
        let rate = m.rates_per_sec.get(&format!("reject_{reason}")).copied();
        row(reason, *total, rate, true);
    }
    for (label, file) in OTHER {
        if let Some(total) = stats.get(file) {
            let rate = m.rates_per_sec.get(file).copied();
            row(label, total, rate, file != "written_back_pages");
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("this kernel counts no rejects", t.label()));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
