//! A minimal drawing model (lines, rectangles, polylines, circles, text) rendered identically to
//! SVG and to PNG. PNG text uses an 8×8 bitmap font scaled by whole factors, so no font files or
//! system libraries are needed at run time and output is byte-for-byte reproducible.

use std::fmt::Write as _;

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    /// Black.
    pub const BLACK: Color = Color(0, 0, 0);
    /// Mid grey, for grid lines.
    pub const GRID: Color = Color(225, 225, 225);
    /// Dark grey, for axes and secondary text.
    pub const AXIS: Color = Color(90, 90, 90);

    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Horizontal placement of text relative to its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Text starts at the point.
    Start,
    /// Text is centred on the point.
    Middle,
    /// Text ends at the point.
    End,
}

/// One drawing instruction, in pixel coordinates (origin top-left).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // fields are geometry named by what they are
pub enum Item {
    /// A straight line.
    Line {
        from: (f64, f64),
        to: (f64, f64),
        color: Color,
        width: f64,
    },
    /// A filled rectangle.
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Color,
    },
    /// Connected line segments.
    Polyline {
        points: Vec<(f64, f64)>,
        color: Color,
        width: f64,
    },
    /// A filled circle.
    Circle {
        center: (f64, f64),
        radius: f64,
        fill: Color,
    },
    /// Text; `vertical` turns it 90° anticlockwise (for y-axis labels). `size` is the cap height in px.
    Text {
        at: (f64, f64),
        text: String,
        size: f64,
        color: Color,
        anchor: Anchor,
        vertical: bool,
    },
}

/// A picture: a size and the items drawn in order on white.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Items in drawing order.
    pub items: Vec<Item>,
}

impl Canvas {
    /// An empty canvas.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            items: Vec::new(),
        }
    }

    /// Adds an item.
    pub fn push(&mut self, item: Item) {
        self.items.push(item);
    }

    /// Renders as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif">"#,
            w = self.width,
            h = self.height
        );
        let _ = writeln!(
            s,
            r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
            self.width, self.height
        );
        for item in &self.items {
            match item {
                Item::Line {
                    from,
                    to,
                    color,
                    width,
                } => {
                    let _ = writeln!(
                        s,
                        r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="{width}"/>"#,
                        from.0,
                        from.1,
                        to.0,
                        to.1,
                        color.hex()
                    );
                }
                Item::Rect { x, y, w, h, fill } => {
                    let _ = writeln!(
                        s,
                        r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{}"/>"#,
                        fill.hex()
                    );
                }
                Item::Polyline {
                    points,
                    color,
                    width,
                } => {
                    let pts: Vec<String> = points
                        .iter()
                        .map(|(x, y)| format!("{x:.1},{y:.1}"))
                        .collect();
                    let _ = writeln!(
                        s,
                        r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{width}" stroke-linejoin="round"/>"#,
                        pts.join(" "),
                        color.hex()
                    );
                }
                Item::Circle {
                    center,
                    radius,
                    fill,
                } => {
                    let _ = writeln!(
                        s,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="{radius}" fill="{}"/>"#,
                        center.0,
                        center.1,
                        fill.hex()
                    );
                }
                Item::Text {
                    at,
                    text,
                    size,
                    color,
                    anchor,
                    vertical,
                } => {
                    let anchor = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    // SVG positions text by its baseline; the model's point is the vertical centre.
                    let rotate = if *vertical {
                        format!(r#" transform="rotate(-90 {:.1} {:.1})""#, at.0, at.1)
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" font-size="{:.0}" fill="{}" text-anchor="{anchor}" dominant-baseline="central"{rotate}>{}</text>"#,
                        at.0,
                        at.1,
                        size * 1.4,
                        color.hex(),
                        escape(text)
                    );
                }
            }
        }
        s.push_str("</svg>\n");
        s
    }

    /// Renders as a PNG image (RGB, 8 bits per channel).
    pub fn to_png(&self) -> Vec<u8> {
        let mut r = Raster::new(self.width, self.height);
        for item in &self.items {
            match item {
                Item::Line {
                    from,
                    to,
                    color,
                    width,
                } => r.line(*from, *to, *color, *width),
                Item::Rect { x, y, w, h, fill } => r.rect(*x, *y, *w, *h, *fill),
                Item::Polyline {
                    points,
                    color,
                    width,
                } => {
                    for pair in points.windows(2) {
                        r.line(pair[0], pair[1], *color, *width);
                    }
                }
                Item::Circle {
                    center,
                    radius,
                    fill,
                } => r.circle(*center, *radius, *fill),
                Item::Text {
                    at,
                    text,
                    size,
                    color,
                    anchor,
                    vertical,
                } => r.text(*at, text, *size, *color, *anchor, *vertical),
            }
        }
        r.encode()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Raster {
    w: u32,
    h: u32,
    px: Vec<u8>,
}

impl Raster {
    fn new(w: u32, h: u32) -> Self {
        Self {
            w,
            h,
            px: vec![255; (w * h * 3) as usize],
        }
    }

    fn set(&mut self, x: i64, y: i64, c: Color) {
        if x < 0 || y < 0 || x >= i64::from(self.w) || y >= i64::from(self.h) {
            return;
        }
        let i = ((y as u32 * self.w + x as u32) * 3) as usize;
        self.px[i] = c.0;
        self.px[i + 1] = c.1;
        self.px[i + 2] = c.2;
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: Color) {
        let (x0, y0) = (x.round() as i64, y.round() as i64);
        let (x1, y1) = ((x + w).round() as i64, (y + h).round() as i64);
        for yy in y0.min(y1)..y0.max(y1) {
            for xx in x0.min(x1)..x0.max(x1) {
                self.set(xx, yy, c);
            }
        }
    }

    fn line(&mut self, a: (f64, f64), b: (f64, f64), c: Color, width: f64) {
        let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as i64).max(1);
        let half = ((width - 1.0) / 2.0).max(0.0).round() as i64;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            let (x, y) = (
                (a.0 + (b.0 - a.0) * t).round() as i64,
                (a.1 + (b.1 - a.1) * t).round() as i64,
            );
            for dy in -half..=half {
                for dx in -half..=half {
                    self.set(x + dx, y + dy, c);
                }
            }
        }
    }

    fn circle(&mut self, c: (f64, f64), r: f64, color: Color) {
        let ri = r.ceil() as i64;
        for dy in -ri..=ri {
            for dx in -ri..=ri {
                if (dx * dx + dy * dy) as f64 <= r * r {
                    self.set(c.0.round() as i64 + dx, c.1.round() as i64 + dy, color);
                }
            }
        }
    }

    fn text(
        &mut self,
        at: (f64, f64),
        text: &str,
        size: f64,
        c: Color,
        anchor: Anchor,
        vertical: bool,
    ) {
        let scale = (size / 8.0).round().max(1.0) as i64;
        let glyph_w = 8 * scale;
        let len = text.chars().count() as i64 * glyph_w;
        let start = match anchor {
            Anchor::Start => 0,
            Anchor::Middle => -len / 2,
            Anchor::End => -len,
        };
        let (ax, ay) = (at.0.round() as i64, at.1.round() as i64);
        for (k, ch) in text.chars().enumerate() {
            let code = if ch.is_ascii() {
                ch as usize
            } else {
                '?' as usize
            };
            let glyph = font8x8::legacy::BASIC_LEGACY[code];
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits >> col & 1 == 0 {
                        continue;
                    }
                    for sy in 0..scale {
                        for sx in 0..scale {
                            // Along the text and across it, before rotation.
                            let u = start + k as i64 * glyph_w + col * scale + sx;
                            let v = row as i64 * scale + sy - 4 * scale;
                            let (x, y) = if vertical {
                                (ax + v, ay - u)
                            } else {
                                (ax + u, ay + v)
                            };
                            self.set(x, y, c);
                        }
                    }
                }
            }
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.w, self.h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header().expect("writing to a Vec cannot fail");
            w.write_image_data(&self.px)
                .expect("the buffer matches the header");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Canvas {
        let mut c = Canvas::new(120, 60);
        c.push(Item::Rect {
            x: 10.0,
            y: 10.0,
            w: 20.0,
            h: 20.0,
            fill: Color(200, 0, 0),
        });
        c.push(Item::Line {
            from: (0.0, 50.0),
            to: (119.0, 50.0),
            color: Color::BLACK,
            width: 1.0,
        });
        c.push(Item::Text {
            at: (60.0, 20.0),
            text: "a<b & c".into(),
            size: 8.0,
            color: Color::BLACK,
            anchor: Anchor::Middle,
            vertical: false,
        });
        c
    }

    #[test]
    fn svg_is_well_formed_and_escapes_text() {
        let s = sample().to_svg();
        assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(s.trim_end().ends_with("</svg>"));
        assert!(s.contains("a&lt;b &amp; c"));
        assert!(!s.contains("href"), "no external references");
    }

    #[test]
    fn png_has_the_signature_and_draws_pixels() {
        let png = sample().to_png();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (120, 60));
        let px = |x: usize, y: usize| &buf[(y * 120 + x) * 3..(y * 120 + x) * 3 + 3];
        assert_eq!(px(15, 15), &[200, 0, 0]);
        assert_eq!(px(5, 50), &[0, 0, 0]);
        assert_eq!(px(100, 5), &[255, 255, 255]);
    }
}
