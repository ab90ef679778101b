//! Axes for a chart: a plotting area inside margins, linear or log scales, "nice" ticks, a title,
//! axis labels with units, and a legend.

use super::canvas::{Anchor, Canvas, Color, Item};

/// How an axis maps values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Linear from `min` to `max`.
    Linear(f64, f64),
    /// Base-10 logarithmic from `min` to `max` (both > 0).
    Log(f64, f64),
    /// `n` categories at 0.5, 1.5, …, without numeric ticks.
    Categories(usize),
}

impl Scale {
    fn unit(&self, v: f64) -> f64 {
        match *self {
            Scale::Linear(a, b) => {
                if b > a {
                    (v - a) / (b - a)
                } else {
                    0.5
                }
            }
            Scale::Log(a, b) => {
                let (la, lb) = (a.log10(), b.log10());
                if lb > la {
                    (v.max(a).log10() - la) / (lb - la)
                } else {
                    0.5
                }
            }
            Scale::Categories(n) => v / n.max(1) as f64,
        }
    }

    fn ticks(&self) -> Vec<f64> {
        match *self {
            Scale::Linear(a, b) => {
                let step = nice_step((b - a) / 5.0);
                let mut t = (a / step).ceil() * step;
                let mut v = Vec::new();
                while t <= b + step * 1e-9 {
                    v.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
                    t += step;
                }
                v
            }
            Scale::Log(a, b) => {
                let mut v = Vec::new();
                let mut p = 10f64.powf(a.log10().floor());
                while p <= b * (1.0 + 1e-9) {
                    if p >= a * (1.0 - 1e-9) {
                        v.push(p);
                    }
                    p *= 10.0;
                }
                v
            }
            Scale::Categories(_) => Vec::new(),
        }
    }
}

fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    p * if m < 1.5 {
        1.0
    } else if m < 3.0 {
        2.0
    } else if m < 7.0 {
        5.0
    } else {
        10.0
    }
}

/// A compact label for a tick value.
pub fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", trim(v / 1e3))
    } else if a >= 1.0 {
        trim(v)
    } else if a >= 1e-4 {
        // Four significant digits, written out: 0.0025 reads better than 2.5e-3 on an axis.
        let decimals = (4 - a.log10().floor() as i32).clamp(1, 8) as usize;
        let s = format!("{v:.decimals$}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.1e}").replace(".0e", "e")
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A chart being drawn: canvas, plotting area and scales.
pub struct Plot {
    /// The picture.
    pub canvas: Canvas,
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
    x: Scale,
    y: Scale,
    legend: Vec<(String, Color)>,
    /// Vertical lines drawn so far: each label sits one row above the previous one.
    vlines: usize,
}

/// Series colours: Lambda orange, AgentCore blue, then 12 more distinct ones (one per cost component).
pub const PALETTE: [Color; 14] = [
    Color(230, 126, 34),
    Color(41, 128, 185),
    Color(39, 174, 96),
    Color(142, 68, 173),
    Color(192, 57, 43),
    Color(22, 160, 133),
    Color(127, 140, 141),
    Color(241, 196, 15),
    Color(52, 73, 94),
    Color(255, 153, 204),
    Color(128, 64, 0),
    Color(0, 204, 204),
    Color(153, 204, 0),
    Color(102, 102, 255),
];

impl Plot {
    /// A 900×540 chart with a title, axis labels and scales, grid and ticks drawn.
    pub fn new(title: &str, x_label: &str, y_label: &str, x: Scale, y: Scale) -> Plot {
        let (w, h) = (900u32, 540u32);
        let mut p = Plot {
            canvas: Canvas::new(w, h),
            left: 90.0,
            top: 50.0,
            right: f64::from(w) - 30.0,
            bottom: f64::from(h) - 70.0,
            x,
            y,
            legend: Vec::new(),
            vlines: 0,
        };
        let c = &mut p.canvas;
        c.push(Item::Text {
            at: (f64::from(w) / 2.0, 22.0),
            text: title.into(),
            // Half size when the bitmap font at 16 px would not fit the width.
            size: if 16.0 * title.len() as f64 > f64::from(w) - 40.0 {
                8.0
            } else {
                16.0
            },
            color: Color::BLACK,
            anchor: Anchor::Middle,
            vertical: false,
        });
        c.push(Item::Text {
            at: ((p.left + p.right) / 2.0, f64::from(h) - 22.0),
            text: x_label.into(),
            size: 8.0,
            color: Color::AXIS,
            anchor: Anchor::Middle,
            vertical: false,
        });
        c.push(Item::Text {
            at: (20.0, (p.top + p.bottom) / 2.0),
            text: y_label.into(),
            size: 8.0,
            color: Color::AXIS,
            anchor: Anchor::Middle,
            vertical: true,
        });
        for t in x.ticks() {
            let px = p.px(t);
            p.canvas.push(Item::Line {
                from: (px, p.top),
                to: (px, p.bottom),
                color: Color::GRID,
                width: 1.0,
            });
            p.canvas.push(Item::Text {
                at: (px, p.bottom + 14.0),
                text: tick_label(t),
                size: 8.0,
                color: Color::AXIS,
                anchor: Anchor::Middle,
                vertical: false,
            });
        }
        for t in y.ticks() {
            let py = p.py(t);
            p.canvas.push(Item::Line {
                from: (p.left, py),
                to: (p.right, py),
                color: Color::GRID,
                width: 1.0,
            });
            p.canvas.push(Item::Text {
                at: (p.left - 6.0, py),
                text: tick_label(t),
                size: 8.0,
                color: Color::AXIS,
                anchor: Anchor::End,
                vertical: false,
            });
        }
        p
    }

    /// Pixel x of a value.
    pub fn px(&self, v: f64) -> f64 {
        self.left + self.x.unit(v).clamp(0.0, 1.0) * (self.right - self.left)
    }

    /// Pixel y of a value.
    pub fn py(&self, v: f64) -> f64 {
        self.bottom - self.y.unit(v).clamp(0.0, 1.0) * (self.bottom - self.top)
    }

    /// A line series.
    pub fn line(&mut self, name: &str, points: &[(f64, f64)], color: Color) {
        let pts = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| (self.px(*x), self.py(*y)))
            .collect();
        self.canvas.push(Item::Polyline {
            points: pts,
            color,
            width: 2.0,
        });
        self.legend.push((name.into(), color));
    }

    /// A horizontal reference line with a label at its right end.
    pub fn hline(&mut self, y: f64, label: &str, color: Color) {
        let py = self.py(y);
        self.canvas.push(Item::Line {
            from: (self.left, py),
            to: (self.right, py),
            color,
            width: 2.0,
        });
        // Left end: the legend sits top right.
        self.canvas.push(Item::Text {
            at: (self.left + 6.0, py - 9.0),
            text: label.into(),
            size: 8.0,
            color,
            anchor: Anchor::Start,
            vertical: false,
        });
    }

    /// A vertical reference line labelled near the bottom (left of the line near the right edge).
    pub fn vline(&mut self, x: f64, label: &str, color: Color) {
        let px = self.px(x);
        self.canvas.push(Item::Line {
            from: (px, self.top),
            to: (px, self.bottom),
            color,
            width: 2.0,
        });
        // Left of the line when the label would run past the frame.
        let room = self.right - px > 8.0 * label.len() as f64 + 8.0;
        self.vlines += 1;
        let (at, anchor) = if room {
            (px + 4.0, Anchor::Start)
        } else {
            (px - 4.0, Anchor::End)
        };
        // Near the bottom: the legend sits top right.
        self.canvas.push(Item::Text {
            at: (at, self.bottom - 12.0 - 16.0 * self.vlines as f64),
            text: label.into(),
            size: 8.0,
            color,
            anchor,
            vertical: false,
        });
    }

    /// A label under the x axis at a data position (for categories).
    pub fn x_label_at(&mut self, x: f64, label: &str) {
        let px = self.px(x);
        self.canvas.push(Item::Text {
            at: (px, self.bottom + 14.0),
            text: label.into(),
            size: 8.0,
            color: Color::BLACK,
            anchor: Anchor::Middle,
            vertical: false,
        });
    }

    /// A filled rectangle in data coordinates.
    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, fill: Color) {
        let (a, b) = (self.px(x0), self.px(x1));
        let (c, d) = (self.py(y0), self.py(y1));
        self.canvas.push(Item::Rect {
            x: a.min(b),
            y: c.min(d),
            w: (b - a).abs(),
            h: (d - c).abs(),
            fill,
        });
    }

    /// A marked point with a label.
    pub fn mark(&mut self, x: f64, y: f64, label: &str) {
        let (px, py) = (self.px(x), self.py(y));
        self.canvas.push(Item::Circle {
            center: (px, py),
            radius: 7.0,
            fill: Color::BLACK,
        });
        self.canvas.push(Item::Circle {
            center: (px, py),
            radius: 4.0,
            fill: Color(255, 255, 255),
        });
        self.canvas.push(Item::Text {
            at: (px + 10.0, py - 10.0),
            text: label.into(),
            size: 8.0,
            color: Color::BLACK,
            anchor: Anchor::Start,
            vertical: false,
        });
    }

    /// A second, smaller line under the title.
    pub fn subtitle(&mut self, text: &str) {
        let w = f64::from(self.canvas.width);
        self.canvas.push(Item::Text {
            at: (w / 2.0, 40.0),
            text: text.into(),
            size: 8.0,
            color: Color::AXIS,
            anchor: Anchor::Middle,
            vertical: false,
        });
    }

    /// Adds a legend entry without drawing a series (for bars and areas).
    pub fn legend_entry(&mut self, name: &str, color: Color) {
        self.legend.push((name.into(), color));
    }

    /// Draws the frame and legend and returns the picture.
    pub fn finish(mut self) -> Canvas {
        let (l, t, r, b) = (self.left, self.top, self.right, self.bottom);
        for (from, to) in [
            ((l, t), (r, t)),
            ((r, t), (r, b)),
            ((r, b), (l, b)),
            ((l, b), (l, t)),
        ] {
            self.canvas.push(Item::Line {
                from,
                to,
                color: Color::AXIS,
                width: 1.0,
            });
        }
        // Top right, sized to the longest entry, on white so it stays legible over data.
        let widest =
            self.legend.iter().map(|(n, _)| n.len()).max().unwrap_or(0) as f64 * 8.0 + 40.0;
        let x0 = (r - widest - 8.0).max(l + 4.0);
        if !self.legend.is_empty() {
            self.canvas.push(Item::Rect {
                x: x0,
                y: t + 4.0,
                w: widest,
                h: 20.0 * self.legend.len() as f64 + 4.0,
                fill: Color(255, 255, 255),
            });
        }
        let l = x0 - 8.0;
        let mut y = t + 14.0;
        for (name, color) in &self.legend {
            self.canvas.push(Item::Rect {
                x: l + 12.0,
                y: y - 6.0,
                w: 14.0,
                h: 12.0,
                fill: *color,
            });
            self.canvas.push(Item::Text {
                at: (l + 32.0, y),
                text: name.clone(),
                size: 8.0,
                color: Color::BLACK,
                anchor: Anchor::Start,
                vertical: false,
            });
            y += 20.0;
        }
        self.canvas
    }
}
