//! Store, load and writeback rates: the latest values in the title, a chart over the
//! chosen window below.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph, Wrap};

use crate::app::{App, Focus};
use crate::format;
use crate::history::RatePoint;
use crate::ui::theme::Theme;

/// The chart's series: name, how to get it from a point, style.
type Series = (&'static str, fn(&RatePoint) -> Option<f64>, Style);

fn series(t: Theme) -> [Series; 3] {
    [
        ("store", |p| p.store, t.store()),
        ("load", |p| p.load, t.load()),
        ("writeback", |p| p.writeback, t.writeback()),
    ]
}

/// The rates panel.
pub(crate) fn draw(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let window = app.chart_window();
    let points: Vec<&RatePoint> = app.rate_points(window).collect();
    let latest = points.last().copied();
    let mut title = vec![Span::styled(" pages/s ", t.title())];
    for (name, get, style) in series(t) {
        let v = latest.and_then(get).map_or("-".to_owned(), format::rate);
        title.push(Span::styled(format!("{name} "), style));
        title.push(Span::styled(format!("{v} "), t.value()));
    }
    let border = if app.focus() == Focus::Rates {
        t.focused()
    } else {
        t.border()
    };
    let block = Block::bordered()
        .border_style(border)
        .title(Line::from(title))
        .title_bottom(Line::styled(format!(" last {window} samples "), t.label()).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);

    let Some(last) = latest else {
        return;
    };
    let have_rates = points
        .iter()
        .any(|p| p.store.is_some() || p.load.is_some() || p.writeback.is_some());
    if !have_rates {
        let why = if app.samples_seen() < 2 {
            "waiting for a second reading to compute rates"
        } else {
            "no rates: this kernel's /proc/vmstat has no zswpout/zswpin, or the counters went \
             backwards"
        };
        f.render_widget(
            Paragraph::new(Line::styled(why, t.label()))
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let secs = |p: &RatePoint| -(last.t_ms.saturating_sub(p.t_ms) as f64) / 1000.0;
    let data: Vec<Vec<(f64, f64)>> = series(t)
        .iter()
        .map(|(_, get, _)| {
            points
                .iter()
                .filter_map(|p| get(p).map(|v| (secs(p), v)))
                .collect()
        })
        .collect();
    let ymax = data
        .iter()
        .flatten()
        .map(|(_, y)| *y)
        .fold(0.0f64, f64::max)
        .max(1.0)
        * 1.1;
    let first = points.first().map_or(0.0, |p| secs(p)).min(-1.0);
    let datasets: Vec<Dataset<'_>> = series(t)
        .iter()
        .zip(&data)
        .map(|((name, _, style), d)| {
            Dataset::default()
                .name(*name)
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(*style)
                .data(d)
        })
        .collect();
    let chart = Chart::new(datasets)
        .hidden_legend_constraints((
            ratatui::layout::Constraint::Percentage(0),
            ratatui::layout::Constraint::Percentage(0),
        ))
        .x_axis(
            Axis::default()
                .style(t.label())
                .bounds([first, 0.0])
                .labels([Line::from(format!("{:.0}s", first)), Line::from("now")]),
        )
        .y_axis(
            Axis::default()
                .style(t.label())
                .bounds([0.0, ymax])
                .labels([Line::from("0"), Line::from(format::rate(ymax))]),
        );
    f.render_widget(chart, inner);
}
