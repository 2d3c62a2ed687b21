//! The zram panel, drawn only when the kernel has a zram device: per device its algorithm,
//! what it stores, the compressed size, the memory it uses against its limit and the
//! ratio (`docs/zram.md`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use zswap_core::stats::cgroup::Limit;
use zswap_core::zram::ZramDevice;

use crate::app::App;
use crate::format::human_bytes;
use crate::ui::theme::Theme;

/// Rows the panel takes for `devices`, borders included, at most `max`; 0 without devices.
pub(crate) fn height(devices: &[ZramDevice], max: u16) -> u16 {
    if devices.is_empty() {
        return 0;
    }
    u16::try_from(devices.len() + 2)
        .unwrap_or(u16::MAX)
        .min(max)
}

/// One device's row: `zram0 lzo-rle  stored 1.0 GiB  compr 250 MiB  mem 260 MiB/2.0 GiB
/// ratio 4.10`, or why it has no figures.
pub(crate) fn row(d: &ZramDevice) -> Vec<(String, bool)> {
    let alg = d
        .comp_algorithm
        .as_ref()
        .map_or("?", |a| a.selected.as_str());
    let mut out = vec![(format!("{:<6}{alg:<8}", d.device), false)];
    let Some(m) = d.mm_stat else {
        out.push(("not set up".to_owned(), false));
        return out;
    };
    let limit = match m.mem_limit {
        Limit::Max => "no limit".to_owned(),
        Limit::Bytes(b) => human_bytes(b),
    };
    let ratio = d
        .compression_ratio()
        .map_or("-".to_owned(), |r| format!("{r:.2}"));
    out.extend([
        ("stored ".to_owned(), false),
        (human_bytes(m.orig_data_size_bytes), true),
        ("  compr ".to_owned(), false),
        (human_bytes(m.compr_data_size_bytes), true),
        ("  mem ".to_owned(), false),
        (
            format!("{}/{limit}", human_bytes(m.mem_used_total_bytes)),
            true,
        ),
        ("  ratio ".to_owned(), false),
        (ratio, true),
    ]);
    out
}

/// The panel.
pub(crate) fn draw(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    if area.height == 0 {
        return;
    }
    let block = Block::bordered()
        .border_style(t.border())
        .title(Line::styled(" zram ", t.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines: Vec<Line<'_>> = app
        .zram()
        .iter()
        .map(|d| {
            Line::from(
                row(d)
                    .into_iter()
                    .map(|(text, value)| {
                        Span::styled(text, if value { t.value() } else { t.label() })
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
