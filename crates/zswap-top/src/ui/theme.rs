//! Styles, with and without colour. Under `NO_COLOR` (https://no-color.org) nothing sets
//! a colour; emphasis is carried by bold, dim and reverse video only.

use ratatui::style::{Color, Modifier, Style};

/// The styles of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Theme {
    color: bool,
}

impl Theme {
    pub(crate) fn new(color: bool) -> Theme {
        Theme { color }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Panel titles and the header.
    pub(crate) fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Labels next to values.
    pub(crate) fn label(self) -> Style {
        if self.color {
            Style::new().fg(Color::Gray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    /// Figures.
    pub(crate) fn value(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// Something to look at: a rejected store, a missing source.
    pub(crate) fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Something wrong: the pool at its limit, a failure counter moving.
    pub(crate) fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Healthy state.
    pub(crate) fn good(self) -> Style {
        self.fg(Color::Green)
    }

    /// The stores series.
    pub(crate) fn store(self) -> Style {
        self.fg(Color::Green)
    }

    /// The loads series.
    pub(crate) fn load(self) -> Style {
        self.fg(Color::Cyan)
    }

    /// The writeback series.
    pub(crate) fn writeback(self) -> Style {
        self.fg(Color::Magenta)
    }

    /// The border of the panel the arrow keys act on.
    pub(crate) fn focused(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Borders of the other panels.
    pub(crate) fn border(self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// The selected row.
    pub(crate) fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The gauge's filled part.
    pub(crate) fn gauge_fill(self, usage: f64) -> Style {
        if usage >= 1.0 {
            self.bad()
        } else if usage >= 0.8 {
            self.warn()
        } else {
            self.good()
        }
    }
}
