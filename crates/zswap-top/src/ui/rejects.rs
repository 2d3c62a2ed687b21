//! Reject reasons and the other failure counters of debugfs, with their rates.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use zswap_core::stats::debugfs::DebugfsStatus;

use crate::app::App;
use crate::format;
use crate::ui::theme::Theme;

/// The rejects panel.
pub(crate) fn draw(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(" rejects (total, /s) ", t.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let (Some(s), Some(_)) = (app.sample(), app.model()) else {
        return;
    };
    let Some(rows) = app.reject_rows() else {
        let why = match s.debugfs.as_ref().map(|d| d.status) {
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
    let mut lines: Vec<Line<'_>> = rows
        .iter()
        .map(|r| {
            let style = if r.bad && r.total > 0 {
                t.bad()
            } else {
                t.value()
            };
            let rate = r.per_sec.map_or("-".to_owned(), format::rate);
            Line::from(vec![
                Span::styled(format!("{:<name_w$}", r.label), t.label()),
                Span::styled(format!("{:>7}", format::count(r.total)), style),
                Span::styled(format!(" {rate:>6}"), t.label()),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled("this kernel counts no rejects", t.label()));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
