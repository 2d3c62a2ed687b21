//! A small SVG line chart, enough for size distributions and pool-size curves; no plotting
//! dependency. Pure: returns the document as a string.

use std::fmt::Write as _;

const W: f64 = 900.0;
const H: f64 = 500.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// One named series of (x, y) points, drawn in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// A line chart with linear axes starting at zero.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Horizontal reference lines: (y, label).
    pub marks: Vec<(f64, String)>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A "nice" tick step for a span: 1, 2 or 5 times a power of ten, about 5 ticks.
fn tick_step(span: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    let m = if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

fn fmt_tick(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v.abs() >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

impl LineChart {
    /// The chart as an SVG document.
    pub fn to_svg(&self) -> String {
        let pts = self.series.iter().flat_map(|s| s.points.iter());
        let x_max = pts.clone().map(|p| p.0).fold(0.0, f64::max).max(1.0);
        let y_max = pts
            .map(|p| p.1)
            .chain(self.marks.iter().map(|m| m.0))
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.05;
        let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
        let sx = |x: f64| LEFT + x / x_max * pw;
        let sy = |y: f64| TOP + ph - y / y_max * ph;
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="24" text-anchor="middle" font-size="16">{}</text>"#,
            LEFT + pw / 2.0,
            escape(&self.title)
        );
        for (step, max, horizontal) in [
            (tick_step(x_max), x_max, true),
            (tick_step(y_max), y_max, false),
        ] {
            let mut v = 0.0;
            while v <= max + step * 1e-9 {
                if horizontal {
                    let x = sx(v);
                    let _ = writeln!(
                        s,
                        r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="#ddd"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
                        TOP,
                        TOP + ph,
                        TOP + ph + 16.0,
                        fmt_tick(v)
                    );
                } else {
                    let y = sy(v);
                    let _ = writeln!(
                        s,
                        r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
                        LEFT + pw,
                        LEFT - 6.0,
                        y + 4.0,
                        fmt_tick(v)
                    );
                }
                v += step;
            }
        }
        let _ = writeln!(
            s,
            r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            LEFT + pw / 2.0,
            H - 14.0,
            escape(&self.x_label)
        );
        let _ = writeln!(
            s,
            r#"<text x="18" y="{}" text-anchor="middle" transform="rotate(-90 18 {})">{}</text>"#,
            TOP + ph / 2.0,
            TOP + ph / 2.0,
            escape(&self.y_label)
        );
        for (y, label) in &self.marks {
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#888" stroke-dasharray="6 4"/><text x="{2}" y="{3:.1}">{4}</text>"##,
                sy(*y),
                LEFT + pw,
                LEFT + pw + 6.0,
                sy(*y) + 4.0,
                escape(label)
            );
        }
        for (i, series) in self.series.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let path: Vec<String> = series
                .points
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
                .collect();
            let _ = writeln!(
                s,
                r#"<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{}"/>"#,
                path.join(" ")
            );
            let ly = TOP + 10.0 + 18.0 * i as f64;
            let _ = writeln!(
                s,
                r#"<line x1="{0}" y1="{ly}" x2="{1}" y2="{ly}" stroke="{colour}" stroke-width="3"/><text x="{2}" y="{3}">{4}</text>"#,
                W - RIGHT + 30.0,
                W - RIGHT + 50.0,
                W - RIGHT + 56.0,
                ly + 4.0,
                escape(&series.name)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_series_and_escapes_text() {
        let chart = LineChart {
            title: "a < b".to_owned(),
            x_label: "x".to_owned(),
            y_label: "y".to_owned(),
            series: vec![
                Series {
                    name: "lzo".to_owned(),
                    points: vec![(0.0, 1.0), (10.0, 5.0)],
                },
                Series {
                    name: "lz4".to_owned(),
                    points: vec![(0.0, 2.0), (10.0, 3.0)],
                },
            ],
            marks: vec![(4.0, "limit".to_owned())],
        };
        let svg = chart.to_svg();
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("a &lt; b"));
        assert!(svg.contains(">limit<"));
    }

    #[test]
    fn tick_steps_are_round() {
        assert_eq!(tick_step(4096.0), 1000.0);
        assert_eq!(tick_step(10.0), 2.0);
        assert_eq!(tick_step(0.0), 1.0);
    }
}
