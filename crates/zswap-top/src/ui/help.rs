//! The `?` popup: keys and what each panel shows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::ui::theme::Theme;

const KEYS: [(&str, &str); 10] = [
    ("q  Ctrl-C", "quit"),
    ("?  Esc", "open / close this help"),
    ("p  f", "pause / resume (readings are skipped)"),
    ("+  -", "refresh slower / faster (250ms floor)"),
    ("s  S", "sort cgroups by next column / reverse"),
    ("←→ h l Tab", "move between rates, cgroups, latency"),
    ("↑↓ j k", "rates: zoom time; cgroups, latency: select"),
    ("PgUp PgDn", "move by 10 rows"),
    ("g G Home End", "first / last row"),
    ("-r/--rate", "start with this refresh interval"),
];

const PANELS: [&str; 5] = [
    "pool: allocator memory vs max_pool_percent of RAM, ┃ = accept threshold",
    "ratio: uncompressed size of the stored pages / pool size",
    "pages/s: zswpout = store, zswpin = load, zswpwb = writeback (/proc/vmstat)",
    "rejects need debugfs (root); cgroups need the cgroup v2 memory controller",
    "zram (when a device exists): stored, compressed, memory used/limit, ratio",
];

/// The popup, centred over `area`.
pub(crate) fn draw(f: &mut Frame<'_>, area: Rect, t: Theme) {
    let height = (KEYS.len() + PANELS.len() + 3) as u16;
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(area.width.min(76))])
        .flex(Flex::Center)
        .areas(v);
    let mut lines: Vec<Line<'_>> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<13}"), t.value()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.extend(
        PANELS
            .iter()
            .map(|p| Line::styled(format!(" {p}"), t.label())),
    );
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::bordered()
                .border_style(t.focused())
                .title(Line::styled(" help — ? or Esc to close ", t.title())),
        ),
        popup,
    );
}
