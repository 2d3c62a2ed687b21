//! The pool against its limit: a gauge with the accept-threshold mark, then compression
//! ratio, stored pages, incompressible pages and limit hits.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use zswap_core::stats::debugfs::DebugfsStatus;

use crate::app::App;
use crate::format::{self, human_bytes};
use crate::ui::theme::Theme;

/// The cells of a gauge `width` wide: filled up to `usage` (0..=1 of the limit), with the
/// threshold mark at `mark` (0..=1) when known.
pub(crate) fn gauge_cells(width: usize, usage: f64, mark: Option<f64>) -> (usize, Option<usize>) {
    if width == 0 {
        return (0, None);
    }
    let filled = (usage.clamp(0.0, 1.0) * width as f64).round() as usize;
    let mark = mark.map(|m| ((m.clamp(0.0, 1.0) * width as f64).floor() as usize).min(width - 1));
    (filled.min(width), mark)
}

/// The gauge line.
pub(crate) fn draw_gauge(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let Some(m) = app.model() else {
        f.render_widget(
            Paragraph::new(Line::styled(" pool  reading…", t.label())),
            area,
        );
        return;
    };
    let pool = m.pool_bytes.map_or("?".to_owned(), human_bytes);
    let (limit, usage) = match (m.pool_limit_bytes, m.pool_usage_ratio) {
        (Some(l), Some(u)) => (
            format!(" of {} ({:.1}%)", human_bytes(l), u * 100.0),
            Some(u),
        ),
        _ => (" (limit unknown)".to_owned(), None),
    };
    let figures = format!(" {pool}{limit}");
    let label = " pool ";
    let bar_width = usize::from(area.width)
        .saturating_sub(label.len() + figures.chars().count() + 2)
        .min(80);
    let mut spans = vec![Span::styled(label, t.label())];
    if bar_width >= 10 {
        let thr = match (m.accept_threshold_bytes, m.pool_limit_bytes) {
            (Some(a), Some(l)) if l > 0 => Some(a as f64 / l as f64),
            _ => None,
        };
        let u = usage.unwrap_or(0.0);
        let (filled, mark) = gauge_cells(bar_width, u, thr);
        let mut bar = String::new();
        let mut styles = Vec::new();
        for i in 0..bar_width {
            let (ch, fill) = if Some(i) == mark {
                ('┃', i < filled)
            } else if i < filled {
                ('█', true)
            } else {
                ('░', false)
            };
            bar.push(ch);
            styles.push(fill);
        }
        spans.push(Span::styled("[", t.label()));
        // runs of equal fill share a span
        let chars: Vec<char> = bar.chars().collect();
        let mut start = 0;
        while start < chars.len() {
            let fill = styles[start];
            let end = (start..chars.len())
                .find(|i| styles[*i] != fill)
                .unwrap_or(chars.len());
            let text: String = chars[start..end].iter().collect();
            let style = if fill { t.gauge_fill(u) } else { t.label() };
            spans.push(Span::styled(text, style));
            start = end;
        }
        spans.push(Span::styled("]", t.label()));
    }
    spans.push(Span::styled(figures, t.value()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The figures line under the gauge.
pub(crate) fn draw_figures(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let (Some(m), Some(s)) = (app.model(), app.sample()) else {
        return;
    };
    let dbg = s.debugfs.as_ref().and_then(|d| d.stats.as_ref());
    let mut spans = vec![Span::styled(" ratio ", t.label())];
    spans.push(match m.compression_ratio {
        Some(r) => Span::styled(zswap_core::human_ratio(r), t.value()),
        None => Span::styled("- (pool empty)", t.label()),
    });
    spans.push(Span::styled("  stored ", t.label()));
    spans.push(match (m.stored_bytes, m.stored_pages) {
        (Some(b), Some(p)) => Span::styled(
            format!("{} in {} pages", human_bytes(b), format::count(p)),
            t.value(),
        ),
        _ => Span::styled("?", t.warn()),
    });
    spans.push(Span::styled("  incompressible ", t.label()));
    let debugfs_ok = s
        .debugfs
        .as_ref()
        .is_some_and(|d| d.status == DebugfsStatus::Available);
    spans.push(
        match dbg.and_then(|d| d.get("stored_incompressible_pages")) {
            Some(n) => Span::styled(format::count(n), t.value()),
            None if debugfs_ok => Span::styled("n/a (6.18+)", t.label()),
            None => Span::styled("needs debugfs", t.warn()),
        },
    );
    if let Some(hits) = dbg.and_then(|d| d.get("pool_limit_hit")) {
        spans.push(Span::styled("  limit hits ", t.label()));
        let style = if hits > 0 { t.bad() } else { t.value() };
        spans.push(Span::styled(format::count(hits), style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauge_fills_in_proportion() {
        assert_eq!(gauge_cells(10, 0.5, None), (5, None));
        assert_eq!(gauge_cells(10, 0.0, Some(0.9)), (0, Some(9)));
    }

    #[test]
    fn gauge_clamps_over_limit_and_mark() {
        assert_eq!(gauge_cells(10, 1.7, Some(1.0)), (10, Some(9)));
        assert_eq!(gauge_cells(0, 0.5, Some(0.5)), (0, None));
    }
}
