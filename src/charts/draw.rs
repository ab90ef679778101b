//! Drawing each chart with plotters, on any backend: the header and legend above the plot (see
//! `render::header`), then axes with ticks chosen here (so labels carry no float noise and log
//! axes can show zero), then the data. Sizes are SVG pixels times the output's scale.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figures::{
    Body, BreakEvenMap, Breakdown, Chart, Concurrency, Distribution, QuotaChart, TokensChart,
    Tornado, VolumeChart,
};
use super::render::{self, Drawn, GRID, INK, MUTED, Scale, err};

/// Draws `c` on `root`.
pub(crate) fn chart<DB: DrawingBackend>(
    c: &Chart,
    root: &DrawingArea<DB, Shift>,
    s: Scale,
) -> Drawn {
    let area = render::header(root, s, &c.title, &c.subtitle, &c.legend)?;
    match &c.body {
        Body::Distribution(d) => distribution(&area, s, d),
        Body::Breakdown(b) => breakdown(&area, s, b),
        Body::Concurrency(t) => concurrency(&area, s, t),
        Body::QuotaSweep(q) => quota(&area, s, q),
        Body::BreakEven(b) => break_even(&area, s, b),
        Body::Tornado(t) => tornado(&area, s, t),
        Body::Volume(v) => volume(&area, s, v),
        Body::Tokens(t) => tokens(&area, s, t),
    }
}

/// A linear axis with ticks exactly where the chart puts them (plotters' own would carry float
/// noise, and log axes here are drawn as transformed values with their own tick labels).
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let share = (v - self.lo) / (self.hi - self.lo);
        let len = f64::from(limit.1 - limit.0);
        // Clamped far outside the area, so a stray value cannot wrap around i32.
        limit.0 + (len * share).round().clamp(-1e6, 1e6) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// An axis from `lo` to `hi` with ticks at those of `ticks` inside it.
fn axis(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let ticks = ticks
        .into_iter()
        .filter(|t| *t >= lo - 1e-9 * (hi - lo) && *t <= hi + 1e-9 * (hi - lo))
        .collect();
    Axis { lo, hi, ticks }
}

/// A backend pixel in `area`'s own coordinates (a chart reports backend pixels; an area draws in
/// its own).
fn local<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, (x, y): (i32, i32)) -> (i32, i32) {
    let (bx, by) = area.get_base_pixel();
    (x - bx, y - by)
}

/// About `n` "nice" ticks (1, 2 or 5 × 10^k apart) from `lo` to `hi`, computed as multiples of
/// the step so none carries accumulated float error.
pub(crate) fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let step = p * if m < 1.5 {
        1.0
    } else if m < 3.0 {
        2.0
    } else if m < 7.0 {
        5.0
    } else {
        10.0
    };
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The mesh every chart uses: light grid at the ticks, labels and axis descriptions at one size.
fn mesh_style<'a, 'b, DB: DrawingBackend>(
    m: &mut plotters::chart::MeshStyle<'a, 'b, Axis, Axis, DB>,
    s: Scale,
) {
    m.label_style(s.text(12.0, INK))
        .axis_desc_style(s.text(13.0, INK))
        .bold_line_style(s.stroke(GRID, 1.0))
        .light_line_style(TRANSPARENT)
        .axis_style(s.stroke(MUTED, 1.0))
        .set_all_tick_mark_size(s.px(4.0));
}

type Ctx<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

fn builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    s: Scale,
    right: f64,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.margin_left(s.px(12.0))
        .margin_right(s.px(right))
        .margin_top(s.px(22.0))
        .margin_bottom(s.px(10.0))
        .x_label_area_size(s.px(46.0))
        .y_label_area_size(s.px(84.0));
    b
}

fn distribution<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    d: &Distribution,
) -> Drawn {
    let top = d
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .chain(d.marks.iter().map(|m| m.1))
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.08;
    let yt = nice_ticks(0.0, top, 6);
    let y_dp = render::decimals(&yt);
    let mut ch: Ctx<DB> = builder(area, s, 28.0)
        .build_cartesian_2d(
            axis(
                0.0,
                100.0,
                vec![
                    0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0,
                ],
            ),
            axis(0.0, top, yt),
        )
        .map_err(err)?;
    let mut m = ch.configure_mesh();
    mesh_style(&mut m, s);
    m.x_desc("share of documents costing at most y (%)")
        .y_desc("USD per document")
        .x_label_formatter(&|v| render::num(*v))
        .y_label_formatter(&|v| format!("${}", render::fixed(*v, y_dp)))
        .draw()
        .map_err(err)?;
    // The percentile guides, labelled above the plot where no data is.
    for p in [50.0, 95.0, 99.0] {
        ch.draw_series(DashedLineSeries::new(
            vec![(p, 0.0), (p, top)],
            s.px(3.0),
            s.px(3.0),
            s.stroke(RGBColor(160, 160, 160), 1.0),
        ))
        .map_err(err)?;
    }
    let plot_top = local(area, ch.backend_coord(&(0.0, top))).1;
    for (p, anchor) in [
        (50.0, HPos::Center),
        (95.0, HPos::Right),
        (99.0, HPos::Left),
    ] {
        let (x, _) = local(area, ch.backend_coord(&(p, top)));
        let dx = match anchor {
            HPos::Right => -s.px(2.0),
            HPos::Left => s.px(2.0),
            HPos::Center => 0,
        };
        area.draw(&Text::new(
            format!("p{p}"),
            (x + dx, plot_top - s.px(4.0)),
            s.text(11.5, MUTED).pos(Pos::new(anchor, VPos::Bottom)),
        ))
        .map_err(err)?;
    }
    for l in &d.lines {
        ch.draw_series(LineSeries::new(l.points.clone(), s.stroke(l.color, 2.0)))
            .map_err(err)?;
    }
    for (p, v, c) in &d.marks {
        ch.draw_series(std::iter::once(Circle::new(
            (*p, *v),
            s.upx(4.5),
            WHITE.filled(),
        )))
        .map_err(err)?;
        ch.draw_series(std::iter::once(Circle::new(
            (*p, *v),
            s.upx(3.5),
            c.filled(),
        )))
        .map_err(err)?;
    }
    Ok(())
}

fn breakdown<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: Scale, b: &Breakdown) -> Drawn {
    let (w, _) = area.dim_in_pixel();
    let (left, right) = area.split_horizontally(w / 2);
    panel_bars(&left, s, b, true, "Whole bill (LLM tokens included)")?;
    panel_bars(
        &right,
        s,
        b,
        false,
        "Infrastructure only (LLM tokens left out)",
    )
}

fn panel_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    b: &Breakdown,
    with_tokens: bool,
    heading: &str,
) -> Drawn {
    let area = area.titled(heading, s.text(14.0, INK)).map_err(err)?;
    let stacks: Vec<Vec<(usize, f64)>> = b
        .stacks
        .iter()
        .map(|st| {
            st.iter()
                .copied()
                .filter(|(i, _)| with_tokens || *i != b.tokens)
                .collect()
        })
        .collect();
    let totals: Vec<f64> = stacks
        .iter()
        .map(|st| st.iter().map(|x| x.1).sum())
        .collect();
    // Headroom for the totals printed above the bars.
    let top = totals.iter().copied().fold(0.0, f64::max).max(1e-12) * 1.15;
    let n = b.patterns.len().max(1) as f64;
    let xt: Vec<f64> = (0..b.patterns.len()).map(|i| i as f64 + 0.5).collect();
    let yt = nice_ticks(0.0, top, 6);
    let y_dp = render::decimals(&yt);
    let mut ch: Ctx<DB> = builder(&area, s, 16.0)
        .build_cartesian_2d(axis(0.0, n, xt), axis(0.0, top, yt))
        .map_err(err)?;
    let mut m = ch.configure_mesh();
    mesh_style(&mut m, s);
    let names = |v: &f64| {
        b.patterns
            .get(v.floor().max(0.0) as usize)
            .cloned()
            .unwrap_or_default()
    };
    m.disable_x_mesh()
        .y_desc("USD per document (mean)")
        .x_label_formatter(&names)
        .y_label_formatter(&|v| format!("${}", render::fixed(*v, y_dp)))
        .draw()
        .map_err(err)?;
    for (i, st) in stacks.iter().enumerate() {
        let x0 = i as f64 + 0.22;
        let x1 = i as f64 + 0.78;
        let mut base = 0.0;
        for (c, v) in st {
            ch.draw_series(std::iter::once(Rectangle::new(
                [(x0, base), (x1, base + v)],
                render::component_color(*c).filled(),
            )))
            .map_err(err)?;
            base += v;
        }
        let (x, y) = local(&area, ch.backend_coord(&(i as f64 + 0.5, base)));
        area.draw(&Text::new(
            render::usd(base),
            (x, y - s.px(4.0)),
            s.text(12.5, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// Ticks of a log(1 + n) axis up to `top` (in axis units): 0, then powers of ten, every
/// decade while there are at most eight of them, else every few.
fn log_ticks(top: f64) -> Vec<f64> {
    let decades = top.max(0.0).floor() as i64;
    let every = (decades / 8 + 1).max(1);
    let mut ticks = vec![0.0];
    ticks.extend(
        (0..=decades)
            .filter(|k| k % every == 0)
            .map(|k| y_of(true, 10f64.powi(k as i32)))
            .filter(|y| *y <= top),
    );
    ticks
}

/// `v` on the concurrency chart's y axis: log(1 + v) keeps zero on a log axis.
fn y_of(log: bool, v: f64) -> f64 {
    if log { (1.0 + v.max(0.0)).log10() } else { v }
}

fn concurrency<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    t: &Concurrency,
) -> Drawn {
    let n = t.patterns.iter().map(|p| p.in_use.len()).max().unwrap_or(0);
    let whole = t.window == (0, n);
    if whole {
        return timeline_panel(area, s, t, t.window, None, "");
    }
    let (_, h) = area.dim_in_pixel();
    let (upper, lower) = area.split_vertically((f64::from(h) * 0.42) as u32);
    timeline_panel(
        &upper,
        s,
        t,
        (0, n),
        Some(t.window),
        "The whole run (each point: the most in its slot)",
    )?;
    timeline_panel(
        &lower,
        s,
        t,
        t.window,
        None,
        "The busiest stretch, in detail",
    )
}

/// One panel of the timeline: steps `range`, the window `shade` shaded.
fn timeline_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    t: &Concurrency,
    range: (usize, usize),
    shade: Option<(usize, usize)>,
    heading: &str,
) -> Drawn {
    let area = if heading.is_empty() {
        area.clone()
    } else {
        area.titled(heading, s.text(13.5, INK)).map_err(err)?
    };
    let days = shade.is_some();
    // x in days for the whole month, in hours for a day.
    let unit = if days { 86_400.0 } else { 3600.0 };
    let x_of = |i: usize| i as f64 * t.step_seconds / unit;
    let (x0, x1) = (x_of(range.0), x_of(range.1));
    let (y_top, yt) = timeline_y_axis(t);
    let xt = if days {
        nice_ticks(x0, x1, 10)
    } else {
        hour_ticks(x0, x1)
    };
    // Room on the right for the last tick's label, which is centred on the axis end.
    let mut ch: Ctx<DB> = builder(&area, s, 44.0)
        .margin_top(s.px(8.0))
        .build_cartesian_2d(axis(x0, x1, xt), axis(0.0, y_top, yt))
        .map_err(err)?;
    let mut m = ch.configure_mesh();
    mesh_style(&mut m, s);
    let y_label = |v: &f64| {
        if t.log {
            render::num((10f64.powf(*v) - 1.0).round())
        } else {
            render::num(*v)
        }
    };
    let x_label = |v: &f64| {
        if days {
            render::num(*v)
        } else {
            render::clock(*v)
        }
    };
    m.x_desc(if days {
        "days since the start of the month"
    } else {
        "day of the month and hour"
    })
    .y_desc(t.y_label.as_str())
    .x_label_formatter(&x_label)
    .y_label_formatter(&y_label)
    .draw()
    .map_err(err)?;
    if let Some((a, b)) = shade {
        // At least 1% of the axis wide, so a two-hour window in a month still shows.
        let (mut sa, mut sb) = (x_of(a), x_of(b));
        let min_w = (x1 - x0) * 0.01;
        if sb - sa < min_w {
            let mid = (sa + sb) / 2.0;
            sa = (mid - min_w / 2.0).max(x0);
            sb = (sa + min_w).min(x1);
        }
        ch.draw_series(std::iter::once(Rectangle::new(
            [(sa, 0.0), (sb, y_top)],
            RGBColor(238, 238, 238).filled(),
        )))
        .map_err(err)?;
    }
    let stepped = |v: &[u32]| buckets(v, range, &x_of, t.log);
    for p in &t.patterns {
        if p.waiting.iter().any(|w| *w > 0) {
            ch.draw_series(LineSeries::new(
                stepped(&p.waiting),
                s.stroke(render::tint(p.color, 0.55), 1.5),
            ))
            .map_err(err)?;
        }
    }
    for p in &t.patterns {
        ch.draw_series(LineSeries::new(stepped(&p.in_use), s.stroke(p.color, 1.5)))
            .map_err(err)?;
    }
    for p in &t.patterns {
        let y = y_of(t.log, p.limit);
        ch.draw_series(DashedLineSeries::new(
            vec![(x0, y), (x1, y)],
            s.px(7.0),
            s.px(4.0),
            s.stroke(p.color, 2.0),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// The y axis of a timeline panel: its top and ticks, above the highest use, backlog and limit
/// (on a log(1+n) scale when the panel has one).
fn timeline_y_axis(t: &Concurrency) -> (f64, Vec<f64>) {
    let peak = t
        .patterns
        .iter()
        .flat_map(|p| p.in_use.iter().chain(&p.waiting))
        .copied()
        .max()
        .unwrap_or(0);
    let top_v = t
        .patterns
        .iter()
        .map(|p| p.limit)
        .fold(f64::from(peak), f64::max)
        .max(1.0);
    if t.log {
        let top = y_of(true, top_v * 2.0);
        (top, log_ticks(top))
    } else {
        let top = top_v * 1.12;
        (top, nice_ticks(0.0, top, 6))
    }
}

/// Ticks in hours between `x0` and `x1`: whole quarter hours or more, at most about eight labels
/// (each "day 31 14:00" is wide).
fn hour_ticks(x0: f64, x1: f64) -> Vec<f64> {
    let span = x1 - x0;
    let step = [
        0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0, 48.0, 96.0, 168.0,
    ]
    .into_iter()
    .find(|st| span / st <= 8.0)
    .unwrap_or(336.0);
    let first = (x0 / step).ceil() as i64;
    let last = (x1 / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Steps `range` of `v` as a stepped line in buckets of steps, each drawn at its maximum, so no
/// peak is lost between pixels (at most about 900 buckets).
fn buckets(
    v: &[u32],
    range: (usize, usize),
    x_of: &dyn Fn(usize) -> f64,
    log: bool,
) -> Vec<(f64, f64)> {
    let max_points = 900;
    let per = (range.1 - range.0).div_ceil(max_points).max(1);
    let mut pts = Vec::new();
    let mut i = range.0;
    while i < range.1 {
        let j = (i + per).min(range.1);
        let m = v
            .get(i..j.min(v.len()))
            .and_then(|c| c.iter().max())
            .copied();
        if let Some(m) = m {
            let y = y_of(log, f64::from(m));
            pts.push((x_of(i), y));
            pts.push((x_of(j), y));
        }
        i = j;
    }
    pts
}

/// A quota on the sweep's x axis: log10 when the quotas span a decade or more.
fn q_of(log: bool, q: f64) -> f64 {
    if log { q.max(1e-9).log10() } else { q }
}

fn quota<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: Scale, q: &QuotaChart) -> Drawn {
    let (qmin, qmax) = (
        q.quotas.iter().copied().fold(f64::INFINITY, f64::min),
        q.quotas.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    if !(qmin.is_finite() && qmax.is_finite()) {
        return Ok(());
    }
    let log = qmin > 0.0 && qmax / qmin >= 8.0;
    let (a, b) = (q_of(log, qmin), q_of(log, qmax));
    let pad = ((b - a) * 0.06).max(if log { 0.1 } else { 1.0 });
    let xt: Vec<f64> = q.quotas.iter().map(|v| q_of(log, *v)).collect();
    let wmax = q.waits.iter().map(|w| w.1).fold(0.0, f64::max);
    // A log(1 + s) wait axis when the longest wait dwarfs the target: on a linear one the target
    // (the line the chart is about) would sit on the x axis.
    let wlog = wmax > 20.0 * q.target.unwrap_or(2.5).max(0.5);
    let wy = |v: f64| y_of(wlog, v);
    let (wtop, wticks) = if wlog {
        let top = wy(wmax * 2.0);
        (top, log_ticks(top))
    } else {
        let top = q.target.into_iter().fold(wmax, f64::max).max(1.0) * 1.15;
        (top, nice_ticks(0.0, top, 6))
    };
    let ttop = q.throttles.iter().map(|t| t.1).fold(0.0, f64::max).max(1.0) * 1.15;
    let mut ch = builder(area, s, 16.0)
        .right_y_label_area_size(s.px(84.0))
        .build_cartesian_2d(axis(a - pad, b + pad, xt.clone()), axis(0.0, wtop, wticks))
        .map_err(err)?
        .set_secondary_coord(
            axis(a - pad, b + pad, xt),
            axis(0.0, ttop, nice_ticks(0.0, ttop, 6)),
        );
    let x_label = |v: &f64| render::num(if log { 10f64.powf(*v).round() } else { *v });
    let mut m = ch.configure_mesh();
    mesh_style(&mut m, s);
    let y_desc = if wlog {
        format!("{} (s, log scale)", q.y_label)
    } else {
        format!("{} (s)", q.y_label)
    };
    m.x_desc(q.x_label.as_str())
        .y_desc(y_desc.as_str())
        .x_label_formatter(&x_label)
        .y_label_formatter(&|v| {
            if wlog {
                render::num((10f64.powf(*v) - 1.0).round())
            } else {
                render::num(*v)
            }
        })
        .draw()
        .map_err(err)?;
    // Ticks as long as the left axis's: a short one beside its label reads as a decimal point
    // (".200").
    ch.configure_secondary_axes()
        .label_style(s.text(12.0, INK))
        .axis_desc_style(s.text(13.0, INK))
        .axis_style(s.stroke(MUTED, 1.0))
        .set_all_tick_mark_size(s.px(4.0))
        .y_desc(q.y2_label.as_str())
        .y_label_formatter(&|v| render::num(*v))
        .draw()
        .map_err(err)?;
    if let Some(t) = q.target {
        ch.draw_series(DashedLineSeries::new(
            vec![(a - pad, wy(t)), (b + pad, wy(t))],
            s.px(7.0),
            s.px(4.0),
            s.stroke(INK, 1.5),
        ))
        .map_err(err)?;
    }
    let tp: Vec<(f64, f64)> = q
        .throttles
        .iter()
        .map(|(x, y)| (q_of(log, *x), *y))
        .collect();
    ch.draw_secondary_series(DashedLineSeries::new(
        tp.clone(),
        s.px(5.0),
        s.px(3.0),
        s.stroke(q.throttle_color, 1.5),
    ))
    .map_err(err)?;
    let wp: Vec<(f64, f64)> = q
        .waits
        .iter()
        .map(|(x, y)| (q_of(log, *x), wy(*y)))
        .collect();
    ch.draw_series(LineSeries::new(wp.clone(), s.stroke(q.wait_color, 2.0)))
        .map_err(err)?;
    for p in &wp {
        ch.draw_series(std::iter::once(Circle::new(
            *p,
            s.upx(5.0),
            q.wait_color.filled(),
        )))
        .map_err(err)?;
    }
    // Throttle markers last and hollow, so a throttle count on the wait line hides neither.
    for p in &tp {
        ch.draw_secondary_series(std::iter::once(
            EmptyElement::at(*p)
                + Rectangle::new(
                    [(-s.px(5.0), -s.px(5.0)), (s.px(5.0), s.px(5.0))],
                    s.stroke(q.throttle_color, 2.0),
                ),
        ))
        .map_err(err)?;
    }
    for o in &q.overloaded {
        ch.draw_series(std::iter::once(Cross::new(
            (q_of(log, *o), wtop * 0.93),
            s.upx(6.0),
            s.stroke(INK, 2.0),
        )))
        .map_err(err)?;
    }
    Ok(())
}

fn break_even<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    b: &BreakEvenMap,
) -> Drawn {
    let (Some(dmin), Some(dmax)) = (b.durations.first(), b.durations.last()) else {
        return Ok(());
    };
    if !(*dmin > 0.0 && dmax > dmin && b.io_shares.len() > 1) {
        return Ok(());
    }
    let (lmin, lmax) = (dmin.log10(), dmax.log10());
    let half_x = (lmax - lmin) / (b.durations.len() - 1) as f64 / 2.0;
    let half_y =
        100.0 / (b.io_shares.len() - 1) as f64 / 2.0 * b.io_shares.last().copied().unwrap_or(1.0);
    let xt: Vec<f64> = (lmin.ceil() as i64..=lmax.floor() as i64)
        .map(|k| k as f64)
        .collect();
    let (x0, x1) = (lmin - half_x, lmax + half_x);
    let ytop = b.io_shares.last().copied().unwrap_or(1.0) * 100.0 + half_y;
    let mut ch: Ctx<DB> = builder(area, s, 20.0)
        .build_cartesian_2d(
            axis(x0, x1, xt),
            axis(0.0, ytop.max(1.0), nice_ticks(0.0, 100.0, 5)),
        )
        .map_err(err)?;
    let mut m = ch.configure_mesh();
    mesh_style(&mut m, s);
    m.x_desc("processing time of one document (s, log scale)")
        .y_desc("share of that time waiting on I/O (%)")
        .x_label_formatter(&|v| format!("{} s", render::num(10f64.powf(*v).round())))
        .y_label_formatter(&|v| render::num(*v))
        .draw()
        .map_err(err)?;
    // One rectangle per run of equal cells up a column: the same picture in a fraction of the
    // SVG (41 × 41 cells would be 1,681 elements).
    let mut cells = Vec::new();
    for (i, d) in b.durations.iter().enumerate() {
        let Some(row) = b.cells.get(i) else { continue };
        let x = d.log10();
        let mut j = 0;
        while j < row.len().min(b.io_shares.len()) {
            let mut k = j + 1;
            while k < row.len().min(b.io_shares.len()) && row[k] == row[j] {
                k += 1;
            }
            let (y0, y1) = (b.io_shares[j] * 100.0, b.io_shares[k - 1] * 100.0);
            cells.push(Rectangle::new(
                [
                    ((x - half_x).max(x0), (y0 - half_y).max(0.0)),
                    (x + half_x, y1 + half_y),
                ],
                row[j].filled(),
            ));
            j = k;
        }
    }
    ch.draw_series(cells).map_err(err)?;
    for (l, c) in &b.limits {
        let x = l.log10();
        if x >= x0 && x <= x1 {
            ch.draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, ytop)],
                s.px(7.0),
                s.px(4.0),
                s.stroke(*c, 2.5),
            ))
            .map_err(err)?;
        }
    }
    let (wd, ww) = b.workload;
    if wd.is_finite() && ww.is_finite() && wd > 0.0 {
        let p = (wd.log10().clamp(x0, x1), (ww * 100.0).clamp(0.0, ytop));
        ch.draw_series(std::iter::once(Circle::new(p, s.upx(9.0), WHITE.filled())))
            .map_err(err)?;
        ch.draw_series(std::iter::once(Cross::new(
            p,
            s.upx(6.0),
            s.stroke(INK, 2.5),
        )))
        .map_err(err)?;
    }
    Ok(())
}

fn tornado<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: Scale, t: &Tornado) -> Drawn {
    if t.bars.is_empty() || !t.center.is_finite() {
        return Ok(());
    }
    let lo = t
        .bars
        .iter()
        .flat_map(|b| [b.1, b.2])
        .fold(t.center, f64::min);
    let hi = t
        .bars
        .iter()
        .flat_map(|b| [b.1, b.2])
        .fold(t.center, f64::max);
    let pad = ((hi - lo) * 0.08).max(t.center.abs() * 0.01).max(1e-9);
    let (x0, x1) = (lo - pad, hi + pad);
    let n = t.bars.len() as f64;
    let yt: Vec<f64> = (0..t.bars.len()).map(|i| i as f64 + 0.5).collect();
    let xt = nice_ticks(x0, x1, 6);
    let dp = render::decimals(&xt);
    let mut b = ChartBuilder::on(area);
    b.margin_left(s.px(12.0))
        .margin_right(s.px(24.0))
        .margin_top(s.px(22.0))
        .margin_bottom(s.px(10.0))
        .x_label_area_size(s.px(46.0))
        .y_label_area_size(s.px(250.0));
    let mut ch: Ctx<DB> = b
        .build_cartesian_2d(axis(x0, x1, xt), axis(0.0, n, yt))
        .map_err(err)?;
    let mut m = ch.configure_mesh();
    mesh_style(&mut m, s);
    // Largest swing on top: row i counts down from the top.
    let name = |v: &f64| {
        let i = (n - 1.0 - v.floor()).max(0.0) as usize;
        t.bars.get(i).map(|b| b.0.clone()).unwrap_or_default()
    };
    m.disable_y_mesh()
        .x_desc("USD per month")
        .x_label_formatter(&|v| format!("${}", render::fixed(*v, dp)))
        .y_label_formatter(&name)
        .draw()
        .map_err(err)?;
    for (i, (_, at10, at90)) in t.bars.iter().enumerate() {
        let y = n - 1.0 - i as f64;
        for (v, c) in [(*at10, t.low_color), (*at90, t.high_color)] {
            let (a, b) = if v < t.center {
                (v, t.center)
            } else {
                (t.center, v)
            };
            ch.draw_series(std::iter::once(Rectangle::new(
                [(a, y + 0.2), (b, y + 0.8)],
                c.filled(),
            )))
            .map_err(err)?;
        }
    }
    ch.draw_series(std::iter::once(PathElement::new(
        vec![(t.center, 0.0), (t.center, n)],
        s.stroke(INK, 1.5),
    )))
    .map_err(err)?;
    Ok(())
}

fn volume<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: Scale, v: &VolumeChart) -> Drawn {
    let (_, h) = area.dim_in_pixel();
    let (top, bottom) = area.split_vertically(h * 11 / 20);
    volume_panel(&top, s, v, &v.lines, true)?;
    volume_panel(&bottom, s, v, &v.per_thousand, false)
}

/// One panel of the volume chart: log-log monthly bills (`log_y`), or USD per 1,000 documents.
fn volume_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    v: &VolumeChart,
    lines: &[super::figures::Series],
    log_y: bool,
) -> Drawn {
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let ys: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .collect();
    let (Some(xmin), Some(xmax)) = (xs.clone().reduce(f64::min), xs.reduce(f64::max)) else {
        return Ok(());
    };
    let (Some(ymin), Some(ymax)) = (
        ys.iter().copied().reduce(f64::min),
        ys.iter().copied().reduce(f64::max),
    ) else {
        return Ok(());
    };
    let (x0, x1) = (xmin - 0.05, xmax + 0.05);
    let decades = |a: f64, b: f64| -> Vec<f64> {
        (a.ceil() as i64..=b.floor() as i64)
            .map(|k| k as f64)
            .collect()
    };
    let (y0, y1, yt) = if log_y {
        let (a, b) = ((ymin - 0.1).floor(), (ymax + 0.1).ceil());
        (a, b, decades(a, b))
    } else {
        // Not from zero: the panel is there to show the difference between the lines.
        let pad = ((ymax - ymin) * 0.15).max(ymax.abs() * 0.005).max(1e-9);
        let (a, b) = ((ymin - pad).max(0.0), ymax + pad);
        (a, b, nice_ticks(a, b, 5))
    };
    let dp = render::decimals(&yt);
    let mut ch: Ctx<DB> = builder(area, s, 24.0)
        .build_cartesian_2d(axis(x0, x1, decades(x0, x1)), axis(y0, y1, yt))
        .map_err(err)?;
    let mut m = ch.configure_mesh();
    mesh_style(&mut m, s);
    let y_label = |v: &f64| {
        if log_y {
            format!("${}", render::num(10f64.powf(*v).round()))
        } else {
            format!("${}", render::fixed(*v, dp))
        }
    };
    m.x_desc("documents per month (log scale)")
        .y_desc(if log_y {
            "USD per month (log scale)"
        } else {
            "USD per 1,000 documents"
        })
        .x_label_formatter(&|v| render::num(10f64.powf(*v).round()))
        .y_label_formatter(&y_label)
        .draw()
        .map_err(err)?;
    for (x, color, dash) in v
        .markers
        .iter()
        .map(|(x, _)| (*x, MUTED, 3.0))
        .chain(v.crossovers.iter().map(|x| (*x, INK, 7.0)))
    {
        if x.is_finite() && x >= x0 && x <= x1 {
            ch.draw_series(DashedLineSeries::new(
                vec![(x, y0), (x, y1)],
                s.px(dash),
                s.px(4.0),
                s.stroke(color, 1.5),
            ))
            .map_err(err)?;
        }
    }
    for l in lines {
        ch.draw_series(LineSeries::new(l.points.clone(), s.stroke(l.color, 2.0)))
            .map_err(err)?;
        for p in &l.points {
            ch.draw_series(std::iter::once(Circle::new(
                *p,
                s.upx(3.5),
                l.color.filled(),
            )))
            .map_err(err)?;
        }
    }
    for x in &v.overloaded {
        if x.is_finite() {
            ch.draw_series(std::iter::once(Cross::new(
                (*x, y1 - (y1 - y0) * 0.05),
                s.upx(6.0),
                s.stroke(INK, 2.0),
            )))
            .map_err(err)?;
        }
    }
    if v.workload.is_finite() && v.workload >= x0 && v.workload <= x1 {
        ch.draw_series(DashedLineSeries::new(
            vec![(v.workload, y0), (v.workload, y1)],
            s.px(2.0),
            s.px(3.0),
            s.stroke(MUTED, 1.0),
        ))
        .map_err(err)?;
        if log_y {
            let (x, y) = local(area, ch.backend_coord(&(v.workload, y1)));
            area.draw(&Text::new(
                "the workload as written",
                (x + s.px(4.0), y + s.px(4.0)),
                s.text(12.0, MUTED).pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

/// Tokens per minute by minute from the busiest one: asked-for lines under the admitted ones, the
/// quota dashed across.
fn tokens<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: Scale, t: &TokensChart) -> Drawn {
    let all = || {
        t.admitted
            .iter()
            .chain(&t.offered)
            .flat_map(|l| l.points.iter())
    };
    let (Some(x0), Some(x1)) = (
        all().map(|p| p.0).reduce(f64::min),
        all().map(|p| p.0).reduce(f64::max),
    ) else {
        return Ok(());
    };
    let x1 = x1.max(x0 + 1.0);
    let top = all()
        .map(|p| p.1)
        .chain(t.quota)
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.08;
    let yt = nice_ticks(0.0, top, 6);
    let mut ch: Ctx<DB> = builder(area, s, 28.0)
        .build_cartesian_2d(axis(x0, x1, nice_ticks(x0, x1, 8)), axis(0.0, top, yt))
        .map_err(err)?;
    let mut m = ch.configure_mesh();
    mesh_style(&mut m, s);
    m.x_desc("minutes from the busiest minute")
        .y_desc("tokens per minute (quota accounting)")
        .x_label_formatter(&|v| render::num(*v))
        .y_label_formatter(&|v| render::num(*v))
        .draw()
        .map_err(err)?;
    if let Some(q) = t.quota {
        ch.draw_series(DashedLineSeries::new(
            vec![(x0, q), (x1, q)],
            s.px(7.0),
            s.px(4.0),
            s.stroke(INK, 1.5),
        ))
        .map_err(err)?;
    }
    for l in t.offered.iter().chain(&t.admitted) {
        ch.draw_series(LineSeries::new(l.points.clone(), s.stroke(l.color, 2.0)))
            .map_err(err)?;
    }
    Ok(())
}
