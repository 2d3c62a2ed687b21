//! The eBPF latency histograms, or why there are none.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Paragraph, Wrap};

use crate::app::{App, Focus};
use crate::format;
use zswap_probe::LatencyHistogram;

use crate::latency::ProbeStatus;
use crate::ui::theme::Theme;

/// The range of buckets worth drawing: from the first to the last non-empty one.
pub(crate) fn busy_range(h: &LatencyHistogram) -> Option<(usize, usize)> {
    let first = h.buckets.iter().position(|n| *n > 0)?;
    let last = h.buckets.iter().rposition(|n| *n > 0)?;
    Some((first, last))
}

/// The latency panel.
pub(crate) fn draw(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let border = if app.focus() == Focus::Latency {
        t.focused()
    } else {
        t.border()
    };
    let block = Block::bordered()
        .border_style(border)
        .title(Line::styled(" latency (eBPF, since load) ", t.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let hists = match app.probe() {
        ProbeStatus::NotLoaded(why) => {
            f.render_widget(
                Paragraph::new(vec![
                    Line::styled("probe not loaded:", t.warn()),
                    Line::styled(why.clone(), t.label()),
                ])
                .wrap(Wrap { trim: true }),
                inner,
            );
            return;
        }
        ProbeStatus::Loaded(h) => h,
    };
    if hists.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled("probe loaded; nothing timed yet", t.label())),
            inner,
        );
        return;
    }
    let list_h = u16::try_from(hists.len())
        .unwrap_or(u16::MAX)
        .min(inner.height / 2)
        .max(1);
    let [list_area, chart_area] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(inner);
    let selected = app.latency_selected().min(hists.len() - 1);
    let label_w = hists
        .iter()
        .map(|h| h.label().chars().count())
        .max()
        .unwrap_or(0);
    let lines: Vec<Line<'_>> = hists
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let q = |q: f64| {
                h.histogram
                    .quantile_ns(q)
                    .map_or("-".to_owned(), format::nanos)
            };
            let style = if i == selected && app.focus() == Focus::Latency {
                t.selected()
            } else {
                t.value()
            };
            Line::from(vec![
                Span::styled(format!("{:<label_w$}", h.label()), style),
                Span::styled(
                    format!(" n {:>6}", format::count(h.histogram.total())),
                    t.label(),
                ),
                Span::styled(format!(" p50 <{:>6}", q(0.5)), t.label()),
                Span::styled(format!(" p99 <{:>6}", q(0.99)), t.label()),
            ])
        })
        .collect();
    let skip = selected.saturating_sub(usize::from(list_h).saturating_sub(1));
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()),
        list_area,
    );
    let h = &hists[selected].histogram;
    let Some((lo, hi)) = busy_range(h) else {
        return;
    };
    if chart_area.height < 3 {
        return;
    }
    let bar_w = 5u16;
    let fit = usize::from(chart_area.width / (bar_w + 1)).max(1);
    let hi = hi.min(lo + fit - 1);
    let bars: Vec<Bar<'_>> = (lo..=hi)
        .map(|b| {
            Bar::default()
                .value(h.buckets[b])
                .text_value(format::count(h.buckets[b]))
                .label(Line::from(format::nanos(LatencyHistogram::bucket_high_ns(
                    b,
                ))))
                .style(t.store())
        })
        .collect();
    f.render_widget(
        BarChart::default()
            .data(BarGroup::default().bars(&bars))
            .bar_width(bar_w)
            .bar_gap(1),
        chart_area,
    );
}
