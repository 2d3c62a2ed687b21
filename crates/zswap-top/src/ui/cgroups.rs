//! The per-cgroup table: compressed and uncompressed bytes, store and load rates, limits.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};
use zswap_core::stats::cgroup::Limit;

use crate::app::{App, CgroupSort, Focus};
use crate::format::{self, human_bytes};
use crate::ui::theme::Theme;

/// Fits a cgroup path into `width` characters: whole, else its last components after
/// `…/`, else the leaf alone, else the leaf's end after `…`.
pub(crate) fn shorten_path(path: &str, width: usize) -> String {
    let len = |s: &str| s.chars().count();
    if len(path) <= width {
        return path.to_owned();
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let mut best: Option<String> = None;
    for start in (0..parts.len()).rev() {
        let candidate = format!("…/{}", parts[start..].join("/"));
        if len(&candidate) > width {
            break;
        }
        best = Some(candidate);
    }
    if let Some(b) = best {
        return b;
    }
    let leaf = parts.last().copied().unwrap_or(path);
    if len(leaf) <= width {
        return leaf.to_owned();
    }
    if width < 2 {
        return leaf.chars().take(width).collect();
    }
    let tail: String = leaf.chars().skip(len(leaf) - (width - 1)).collect();
    format!("…{tail}")
}

/// The cgroups panel.
pub(crate) fn draw(f: &mut Frame<'_>, area: Rect, app: &App, t: Theme) {
    let border = if app.focus() == Focus::Cgroups {
        t.focused()
    } else {
        t.border()
    };
    let (sort, reversed) = app.sort();
    let arrow = if reversed { "▲" } else { "▼" };
    let rows = app.cgroup_rows();
    let mut title = format!(" cgroups ({}) ", rows.len());
    if app
        .sample()
        .and_then(|s| s.cgroups.as_ref())
        .is_some_and(|c| c.truncated)
    {
        title = format!(" cgroups (first {}) ", rows.len());
    }
    let block = Block::bordered()
        .border_style(border)
        .title(Line::styled(title, t.title()))
        .title_bottom(
            Line::styled(format!(" s: sort by {} {arrow} ", sort.label()), t.label())
                .right_aligned(),
        );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(s) = app.sample() else {
        return;
    };
    if rows.is_empty() {
        let why = app.why_no_cgroup_rows(s);
        f.render_widget(
            Paragraph::new(Line::styled(why, t.label())).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let wide = inner.width >= 70;
    let mut cols: Vec<(CgroupSort, &str, u16)> = vec![
        (CgroupSort::Path, "cgroup", 0),
        (CgroupSort::Pool, "pool", 8),
        (CgroupSort::Stored, "stored", 8),
        (CgroupSort::StoreRate, "out/s", 6),
        (CgroupSort::LoadRate, "in/s", 5),
    ];
    let fixed: u16 = cols.iter().map(|c| c.2 + 1).sum::<u16>() + if wide { 20 } else { 0 };
    let path_w = inner.width.saturating_sub(fixed).max(8);
    cols[0].2 = path_w;
    let mut header: Vec<Cell<'_>> = cols
        .iter()
        .map(|(key, name, _)| {
            let text = if *key == sort {
                format!("{name}{arrow}")
            } else {
                (*name).to_owned()
            };
            Cell::from(text).style(t.label())
        })
        .collect();
    let mut widths: Vec<Constraint> = cols.iter().map(|c| Constraint::Length(c.2)).collect();
    if wide {
        header.push(Cell::from("ratio").style(t.label()));
        header.push(Cell::from("zswap.max").style(t.label()));
        header.push(Cell::from("wb").style(t.label()));
        widths.extend([
            Constraint::Length(5),
            Constraint::Length(9),
            Constraint::Length(3),
        ]);
    }
    let opt_bytes = |b: Option<u64>| b.map_or("-".to_owned(), human_bytes);
    let opt_rate = |r: Option<f64>| r.map_or("-".to_owned(), format::rate);
    let body: Vec<Row<'_>> = rows
        .iter()
        .map(|r| {
            let mut cells = vec![
                Cell::from(shorten_path(&r.path, usize::from(path_w))),
                Cell::from(Line::from(opt_bytes(r.pool_bytes)).right_aligned()),
                Cell::from(Line::from(opt_bytes(r.stored_bytes)).right_aligned()),
                Cell::from(Line::from(opt_rate(r.store_per_sec)).right_aligned()),
                Cell::from(Line::from(opt_rate(r.load_per_sec)).right_aligned()),
            ];
            if wide {
                let ratio = match (r.stored_bytes, r.pool_bytes) {
                    (Some(st), Some(p)) if p > 0 => format!("{:.1}", st as f64 / p as f64),
                    _ => "-".to_owned(),
                };
                let max = match r.max {
                    Some(Limit::Max) => "max".to_owned(),
                    Some(Limit::Bytes(b)) => human_bytes(b),
                    None => "-".to_owned(),
                };
                let wb = match r.writeback {
                    Some(true) => "on",
                    Some(false) => "off",
                    None => "-",
                };
                cells.push(Cell::from(Line::from(ratio).right_aligned()));
                cells.push(Cell::from(Line::from(max).right_aligned()));
                cells.push(Cell::from(wb));
            }
            Row::new(cells)
        })
        .collect();
    let table = Table::new(body, widths)
        .header(Row::new(header))
        .column_spacing(1)
        .row_highlight_style(t.selected());
    let mut state = TableState::default();
    if app.focus() == Focus::Cgroups {
        state.select(Some(app.cgroup_selected()));
    } else {
        // keep the selection in view without highlighting it
        *state.offset_mut() = app
            .cgroup_selected()
            .saturating_sub(usize::from(inner.height.saturating_sub(2)));
    }
    f.render_stateful_widget(table, inner, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_paths_are_kept() {
        assert_eq!(shorten_path("/system.slice", 20), "/system.slice");
    }

    #[test]
    fn long_paths_keep_their_last_components() {
        let p = "/user.slice/user-1000.slice/session-3.scope";
        assert_eq!(shorten_path(p, 40), "…/user-1000.slice/session-3.scope");
        assert_eq!(shorten_path(p, 20), "…/session-3.scope");
    }

    #[test]
    fn a_leaf_too_long_for_its_prefix_stands_alone_or_is_cut() {
        let p = "/user.slice/user-1000.slice/session-3.scope";
        assert_eq!(shorten_path(p, 15), "session-3.scope");
        assert_eq!(shorten_path(p, 10), "…n-3.scope");
        assert_eq!(shorten_path(p, 10).chars().count(), 10);
    }
}
