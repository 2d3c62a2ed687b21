//! Drawing: pure functions from an [`App`] to a frame. Nothing here changes state or
//! reads the kernel, so a `TestBackend` renders exactly what a terminal would.
//!
//! ```text
//! title · params
//! pool gauge · figures
//! rates chart          | rejects
//! cgroups table        | latency
//! zram devices (only when there is one)
//! notes (why data is missing)
//! keys
//! ```

mod cgroups;
mod header;
mod help;
mod latency;
mod pool;
mod rates;
mod rejects;
mod theme;
mod zram;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::explain::{Note, notes};
use theme::Theme;

/// Draws the whole dashboard for `app` into `f`.
pub fn draw(f: &mut Frame<'_>, app: &App) {
    let t = Theme::new(app.options().color);
    let area = f.area();
    let notes = app.sample().map(notes).unwrap_or_default();
    let notes_h = notes_height(&notes, area.width, (area.height / 8).max(2));
    let zram_h = zram::height(app.zram(), (area.height / 6).max(3));
    let [
        title,
        params,
        gauge,
        figures,
        body,
        zram_area,
        notes_area,
        footer,
    ] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(zram_h),
        Constraint::Length(notes_h),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw_title(f, title, app, t);
    header::draw_params(f, params, app, t);
    pool::draw_gauge(f, gauge, app, t);
    pool::draw_figures(f, figures, app, t);
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let [rates_area, rejects_area] =
        Layout::horizontal([Constraint::Min(30), Constraint::Length(33)]).areas(top);
    rates::draw(f, rates_area, app, t);
    rejects::draw(f, rejects_area, app, t);
    let [cg_area, lat_area] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(bottom);
    cgroups::draw(f, cg_area, app, t);
    latency::draw(f, lat_area, app, t);
    zram::draw(f, zram_area, app, t);
    draw_notes(f, notes_area, &notes, t);
    draw_footer(f, footer, app, t);
    if app.help_open() {
        help::draw(f, area, t);
    }
}

fn note_text(n: &Note) -> String {
    format!("! {}: {}", n.what, n.text)
}

/// Rows the notes need at `width` columns, at most `max`.
fn notes_height(notes: &[Note], width: u16, max: u16) -> u16 {
    let w = usize::from(width.max(1));
    let rows: usize = notes
        .iter()
        .map(|n| note_text(n).chars().count().div_ceil(w).max(1))
        .sum();
    u16::try_from(rows).unwrap_or(u16::MAX).min(max)
}

fn draw_notes(f: &mut Frame<'_>, area: Rect, notes: &[Note], t: Theme) {
    if area.height == 0 {
        return;
    }
    let lines: Vec<Line<'_>> = notes
        .iter()
        .map(|n| {
            Line::from(vec![
                Span::styled(format!("! {}: ", n.what), t.warn()),
                Span::styled(n.text.clone(), t.label()),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

fn draw_footer(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let keys = [
        ("q", "quit"),
        ("?", "help"),
        ("p", if app.paused() { "resume" } else { "pause" }),
        ("s", "sort"),
        ("+/-", "rate"),
        ("←→", "panel"),
        ("↑↓", "move"),
    ];
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(format!(" {k}"), t.value()));
        spans.push(Span::styled(format!(" {what} "), t.label()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
