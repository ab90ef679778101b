//! What every chart shares: the bundled font, the palettes, sizes at 1× (SVG) or 2× (PNG), the
//! header (title, subtitle and a legend band above the plot, so a legend never covers data), tick
//! labels without float noise, and the two outputs (SVG text, PNG bytes).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// DejaVu Sans (Bitstream Vera licence, DejaVu changes public domain; see
/// assets/fonts/LICENSE-DejaVu.txt): compiled in, so text never depends on the machine's fonts.
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family every chart asks for. SVG viewers substitute their own sans-serif; PNG text is drawn
/// with the bundled font registered under this name.
pub(crate) const FAMILY: &str = "sans-serif";

/// PNG pixels per SVG pixel: a 2× image stays sharp on high-density screens and in print.
pub(crate) const PNG_SCALE: f64 = 2.0;

/// Registers the bundled font once per process, before anything measures or draws text.
fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let ok = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok();
        assert!(
            ok,
            "the bundled DejaVu Sans parses as a font (a unit test loads it)"
        );
    });
}

/// A drawing error, as text: every backend has its own error type.
pub(crate) type Drawn = Result<(), String>;

/// Turns any plotters error into [`Drawn`]'s error.
pub(crate) fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Sizes in SVG pixels, scaled for the output.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale(pub f64);

impl Scale {
    /// `v` SVG pixels in output pixels.
    pub(crate) fn px(self, v: f64) -> i32 {
        (v * self.0).round() as i32
    }

    /// `v` SVG pixels in output pixels, unsigned.
    pub(crate) fn upx(self, v: f64) -> u32 {
        (v * self.0).round().max(0.0) as u32
    }

    /// Text of `size` SVG pixels in `color`.
    pub(crate) fn text(self, size: f64, color: RGBColor) -> TextStyle<'static> {
        (FAMILY, size * self.0).into_font().color(&color)
    }

    /// A stroke of `width` SVG pixels.
    pub(crate) fn stroke(self, color: RGBColor, width: f64) -> ShapeStyle {
        color.stroke_width(self.upx(width).max(1))
    }
}

/// Near-black for text and axes.
pub(crate) const INK: RGBColor = RGBColor(34, 34, 34);
/// Secondary text (subtitles, notes).
pub(crate) const MUTED: RGBColor = RGBColor(90, 90, 90);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);

/// Pattern colours, picked by the pattern's place in the registry: Okabe and Ito's palette, which
/// stays distinguishable for the common colour-vision deficiencies.
const PATTERN_PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(230, 159, 0),
];

/// The colour of the pattern at `index` in the registry.
pub(crate) fn pattern_color(index: usize) -> RGBColor {
    PATTERN_PALETTE[index % PATTERN_PALETTE.len()]
}

/// A lighter tint of `c` (areas behind lines and marks).
pub(crate) fn tint(c: RGBColor, keep: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * keep + 255.0 * (1.0 - keep)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Cost-component colours, by the component's place in `Component::ALL` (14 components: the
/// categorical "tab20" hues, paired light and dark).
const COMPONENT_PALETTE: [RGBColor; 14] = [
    RGBColor(31, 119, 180),
    RGBColor(174, 199, 232),
    RGBColor(255, 127, 14),
    RGBColor(255, 187, 120),
    RGBColor(44, 160, 44),
    RGBColor(152, 223, 138),
    RGBColor(214, 39, 40),
    RGBColor(255, 152, 150),
    RGBColor(148, 103, 189),
    RGBColor(197, 176, 213),
    RGBColor(140, 86, 75),
    RGBColor(196, 156, 148),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// The colour of the cost component at `index` in `Component::ALL`.
pub(crate) fn component_color(index: usize) -> RGBColor {
    COMPONENT_PALETTE[index % COMPONENT_PALETTE.len()]
}

/// How a legend entry shows what it names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mark {
    /// A filled square (areas, bars).
    Swatch(RGBColor),
    /// A short line; dashed when `true`.
    Line(RGBColor, bool),
    /// A dot (markers).
    Dot(RGBColor),
    /// A hollow square (markers on a second axis).
    Square(RGBColor),
    /// A cross (a single marked point).
    Cross(RGBColor),
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub mark: Mark,
    pub label: String,
}

impl Entry {
    pub(crate) fn new(mark: Mark, label: impl Into<String>) -> Entry {
        Entry {
            mark,
            label: label.into(),
        }
    }
}

/// Draws the title, subtitle lines and the legend (wrapped into rows) at the top of `root`, and
/// returns the area left for the plot, so nothing of the header can land on data.
pub(crate) fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    title: &str,
    subtitle: &[String],
    legend: &[Entry],
) -> Result<DrawingArea<DB, Shift>, String> {
    let (w, _) = root.dim_in_pixel();
    let left = s.px(16.0);
    let mut y = s.px(12.0);
    let top = Pos::new(HPos::Left, VPos::Top);
    root.draw(&Text::new(
        title.to_string(),
        (left, y),
        s.text(19.0, INK).pos(top),
    ))
    .map_err(err)?;
    y += s.px(27.0);
    for line in subtitle {
        root.draw(&Text::new(
            line.clone(),
            (left, y),
            s.text(12.5, MUTED).pos(top),
        ))
        .map_err(err)?;
        y += s.px(17.0);
    }
    // Legend entries flow left to right and wrap, each a mark then its label.
    let font = s.text(12.5, INK);
    let mark_w = s.px(22.0);
    let gap = s.px(18.0);
    let row_h = s.px(19.0);
    let right = w as i32 - s.px(16.0);
    let mut x = left;
    if !legend.is_empty() {
        y += s.px(4.0);
    }
    for e in legend {
        let (tw, _) = root.estimate_text_size(&e.label, &font).map_err(err)?;
        let need = mark_w + s.px(6.0) + tw as i32;
        if x > left && x + need > right {
            x = left;
            y += row_h;
        }
        let mid = y + s.px(8.0);
        draw_mark(root, s, e.mark, (x, mid), mark_w)?;
        root.draw(&Text::new(
            e.label.clone(),
            (x + mark_w + s.px(6.0), y + s.px(1.0)),
            font.clone().pos(top),
        ))
        .map_err(err)?;
        x += need + gap;
    }
    if !legend.is_empty() {
        y += row_h;
    }
    y += s.px(4.0);
    Ok(root.split_vertically(y).1)
}

fn draw_mark<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    mark: Mark,
    (x, mid): (i32, i32),
    w: i32,
) -> Drawn {
    match mark {
        Mark::Swatch(c) => root
            .draw(&Rectangle::new(
                [
                    (x + s.px(4.0), mid - s.px(6.0)),
                    (x + w - s.px(4.0), mid + s.px(6.0)),
                ],
                c.filled(),
            ))
            .map_err(err),
        Mark::Line(c, false) => root
            .draw(&PathElement::new(
                vec![(x, mid), (x + w, mid)],
                s.stroke(c, 2.0),
            ))
            .map_err(err),
        Mark::Line(c, true) => root
            .draw(&plotters::element::DashedPathElement::new(
                vec![(x, mid), (x + w, mid)],
                s.px(5.0),
                s.px(3.0),
                s.stroke(c, 2.0),
            ))
            .map_err(err),
        Mark::Dot(c) => root
            .draw(&Circle::new((x + w / 2, mid), s.upx(4.0), c.filled()))
            .map_err(err),
        Mark::Square(c) => root
            .draw(&Rectangle::new(
                [
                    (x + w / 2 - s.px(5.0), mid - s.px(5.0)),
                    (x + w / 2 + s.px(5.0), mid + s.px(5.0)),
                ],
                s.stroke(c, 2.0),
            ))
            .map_err(err),
        Mark::Cross(c) => root
            .draw(&Cross::new((x + w / 2, mid), s.upx(5.0), s.stroke(c, 2.0)))
            .map_err(err),
    }
}

/// A number for a tick or a label: up to six significant figures, trailing zeros trimmed, no
/// float noise (`0.30000000000000004` reads `0.3`), thousands separated.
pub(crate) fn num(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor();
    let decimals = (5.0 - mag).clamp(0.0, 12.0) as usize;
    let t = crate::format::thousands(v, decimals);
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    }
}

/// How many decimals the ticks `ticks` need between them, so an axis labels all alike
/// (`0.00005`, `0.00010`, … rather than `0.00005`, `0.0001`).
pub(crate) fn decimals(ticks: &[f64]) -> usize {
    ticks
        .iter()
        .map(|t| num(*t).split_once('.').map_or(0, |(_, f)| f.len()))
        .max()
        .unwrap_or(0)
}

/// `v` with `dp` decimals and thousands separators (tick labels of one axis).
pub(crate) fn fixed(v: f64, dp: usize) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    crate::format::thousands(v, dp)
}

/// `v` to three significant figures (money and measured values: the charts claim no more).
pub(crate) fn sig3(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor();
    let p = 10f64.powf(mag - 2.0);
    num((v / p).round() * p)
}

/// USD to three significant figures: `$0.0105`, `$13.8`, `$1,570`.
pub(crate) fn usd(v: f64) -> String {
    format!("${}", sig3(v))
}

/// A limit in seconds as AWS states it: `900 s`, `8 h`.
pub(crate) fn duration(seconds: f64) -> String {
    if seconds >= 3600.0 && (seconds / 3600.0).fract() == 0.0 {
        format!("{} h", num(seconds / 3600.0))
    } else {
        format!("{} s", sig3(seconds))
    }
}

/// Hours since the start of the month as a reader says it: `day 30 09:15`.
pub(crate) fn clock(hours: f64) -> String {
    let minutes = (hours * 60.0).round() as i64;
    let (d, m) = (minutes.div_euclid(1440), minutes.rem_euclid(1440));
    format!("day {} {:02}:{:02}", d + 1, m / 60, m % 60)
}

/// Renders `draw` as an SVG document of `size` pixels (text as `<text>` elements).
pub(crate) fn svg(
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<SVGBackend<'_>, Shift>, Scale) -> Drawn,
) -> Result<String, String> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(root.clone(), Scale(1.0))?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// Renders `draw` at [`PNG_SCALE`] times `size` into an RGB buffer and encodes it as PNG.
pub(crate) fn png(
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<BitMapBackend<'_>, Shift>, Scale) -> Drawn,
) -> Result<Vec<u8>, String> {
    register_font();
    let (w, h) = (
        (f64::from(size.0) * PNG_SCALE) as u32,
        (f64::from(size.1) * PNG_SCALE) as u32,
    );
    let mut px = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut px, (w, h)).into_drawing_area();
        draw(root.clone(), Scale(PNG_SCALE))?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(err)?;
        wr.write_image_data(&px).map_err(err)?;
        wr.finish().map_err(err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_registers() {
        assert!(plotters::style::register_font("test-family", FontStyle::Normal, FONT).is_ok());
    }

    #[test]
    fn numbers_read_without_float_noise() {
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(8.444444444444445), "8.44444");
        assert_eq!(num(1000.0), "1,000");
        assert_eq!(num(-2.5), "-2.5");
        assert_eq!(sig3(0.010_493), "0.0105");
        assert_eq!(sig3(1572.86), "1,570");
        assert_eq!(usd(13.8049), "$13.8");
        assert_eq!(duration(900.0), "900 s");
        assert_eq!(duration(28_800.0), "8 h");
        assert_eq!(duration(1.5), "1.5 s");
        assert_eq!(clock(0.0), "day 1 00:00");
        assert_eq!(clock(24.0 * 29.0 + 9.25), "day 30 09:15");
        assert_eq!(decimals(&[0.0, 0.00005, 0.0001]), 5);
        assert_eq!(fixed(0.0001, 5), "0.00010");
        assert_eq!(fixed(1234.5, 1), "1,234.5");
    }
}
