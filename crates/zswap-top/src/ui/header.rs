//! The top two lines: what is watched, when, how often; and zswap's parameters.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use zswap_core::ParamName;

use crate::app::App;
use crate::format;
use crate::ui::theme::Theme;

/// The title line: kernel, source, sample number and clock, interval, pause state.
pub(crate) fn draw_title(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let s = app.sample();
    let kernel = s
        .and_then(|s| s.release.as_ref())
        .map_or("kernel ?".to_owned(), |r| format!("Linux {r}"));
    let clock = s.map_or("--:--:--".to_owned(), |s| format::clock_utc(s.taken_at_ms));
    let every = format::interval(u64::try_from(app.interval().as_millis()).unwrap_or(u64::MAX));
    let mut spans = vec![
        Span::styled(" zswapctl top ", t.title()),
        Span::styled(format!("#{} {clock} UTC", app.samples_seen()), t.value()),
        Span::styled(" · every ", t.label()),
        Span::raw(every),
        Span::styled(" · ", t.label()),
        Span::styled(kernel, t.value()),
        Span::styled(" · ", t.label()),
        Span::raw(app.options().source.clone()),
    ];
    if app.paused() {
        let paused = format!(" PAUSED ({} skipped)", app.dropped_while_paused());
        spans.insert(4, Span::styled(paused, t.bad()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The order parameters are shown in; the rest follow in write order.
const ORDER: [ParamName; 6] = [
    ParamName::Enabled,
    ParamName::Compressor,
    ParamName::Zpool,
    ParamName::MaxPoolPercent,
    ParamName::AcceptThresholdPercent,
    ParamName::ShrinkerEnabled,
];

/// The parameter line: every parameter this kernel has, in sysfs spelling.
pub(crate) fn draw_params(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let line = match app.sample().and_then(|s| s.params.as_ref()) {
        None if app.sample().is_none() => Line::styled(" reading…", t.label()),
        None => Line::styled(" zswap parameters unavailable (see notes)", t.warn()),
        Some(p) => {
            let mut spans = vec![Span::raw(" ")];
            let shown = ORDER
                .iter()
                .chain(ParamName::ALL.iter().filter(|n| !ORDER.contains(n)));
            for (name, value) in shown.filter_map(|n| p.get(*n).map(|v| (*n, v))) {
                let label = match name {
                    ParamName::MaxPoolPercent => "max_pool",
                    ParamName::AcceptThresholdPercent => "accept",
                    ParamName::ShrinkerEnabled => "shrinker",
                    ParamName::SameFilledPagesEnabled => "same_filled",
                    ParamName::NonSameFilledPagesEnabled => "non_same_filled",
                    ParamName::ExclusiveLoads => "exclusive_loads",
                    other => other.as_str(),
                };
                let mut text = value.to_string();
                if matches!(
                    name,
                    ParamName::MaxPoolPercent | ParamName::AcceptThresholdPercent
                ) {
                    text.push('%');
                }
                let style = match (name, value.as_bool()) {
                    (ParamName::Enabled, Some(true)) => t.good().patch(t.value()),
                    (ParamName::Enabled, Some(false)) => t.warn().patch(t.value()),
                    _ => t.value(),
                };
                spans.push(Span::styled(format!("{label} "), t.label()));
                spans.push(Span::styled(text, style));
                spans.push(Span::raw("  "));
            }
            Line::from(spans)
        }
    };
    f.render_widget(Paragraph::new(line), area);
}
