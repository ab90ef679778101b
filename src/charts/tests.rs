//! Tests of the charts: the SVG's structure and labels (golden-style: titles, axes, legends,
//! limits from the data), PNG smoke tests, byte-for-byte reproducibility, and hostile values.

use std::sync::OnceLock;

use proptest::prelude::*;

use super::figures::{Figure, TimelineSeries, busiest_window, quota_sweep, simulate_figures};
use super::render;
use crate::capacity::TimelineStep;
use crate::load::Input;
use crate::pattern::{PatternKind, PerPattern, patterns};
use crate::report::quota::{QuotaPoint, QuotaSweep};
use crate::report::{Capacity, Report};
use crate::simulate::{RunOptions, simulate};

/// A small case-file run (batches, so both patterns' units differ), built once.
fn report() -> &'static Report {
    static R: OnceLock<Report> = OnceLock::new();
    R.get_or_init(|| build_report("case-file-batches"))
}

fn build_report(name: &str) -> Report {
    let input = Input::from_arg(name, None).expect("a built-in example");
    let opts = RunOptions {
        documents: Some(300),
        replications: 2,
        ..RunOptions::default()
    };
    let sim = simulate(&input.scenario, &input.book, &opts, &|_| {}).expect("simulates");
    Report::build(&input, &sim)
}

fn sweep(points: &[(u64, Option<f64>, Option<f64>, bool)], target: Option<f64>) -> QuotaSweep {
    QuotaSweep {
        pattern: patterns()[patterns().len() - 1].kind(),
        limit: crate::report::quota::SweepLimit::Concurrency,
        target_p95_wait_s: target,
        target_p95_latency_s: None,
        points: points
            .iter()
            .map(|(q, w, t, over)| QuotaPoint {
                quota: *q,
                capacity: Capacity {
                    queue_wait_p95_s: *w,
                    throttles: *t,
                    ..Capacity::default()
                },
                meets_target: None,
                overloaded_on_day: over.then_some(3.0),
                llm: None,
            })
            .collect(),
        smallest_meeting_target: None,
    }
}

/// The text of every `<text>` element, unescaped enough for the labels used here.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = t.split_once('>')?.1;
            Some(
                body.split("</text>")
                    .next()?
                    .trim()
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&apos;", "'")
                    .replace("&quot;", "\""),
            )
        })
        .collect()
}

fn has_text(svg: &str, want: &str) -> bool {
    texts(svg).iter().any(|t| t == want)
}

/// Non-finite numbers anywhere in the SVG (a coordinate, a size, a label): a word `NaN`, `inf`
/// or `infinity` ("Infrastructure" is a word of its own).
fn non_finite(svg: &str) -> bool {
    svg.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| matches!(w.to_ascii_lowercase().as_str(), "nan" | "inf" | "infinity"))
}

fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn svg_width(svg: &str) -> u32 {
    svg.split_once("width=\"")
        .and_then(|(_, r)| r.split_once('"'))
        .and_then(|(w, _)| w.parse().ok())
        .expect("an svg width")
}

#[test]
fn every_chart_states_its_question_axes_and_legend_as_svg_text() {
    let figs = simulate_figures(report());
    let names: Vec<&str> = figs.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "cost-distribution",
            "cost-breakdown",
            "concurrency",
            "break-even",
            "tokens-per-minute"
        ]
    );
    for f in &figs {
        let svg = f.to_svg();
        assert!(svg.starts_with("<svg "), "{}", f.name);
        assert_eq!(svg.matches("<svg").count(), 1, "{}", f.name);
        assert!(svg.trim_end().ends_with("</svg>"), "{}", f.name);
        assert!(has_text(&svg, f.title()), "{}: title", f.name);
        assert!(
            f.title().contains('?'),
            "{}: a title asks its question",
            f.name
        );
        assert!(!non_finite(&svg), "{}: a non-finite number", f.name);
    }
    let svg = |n: &str| {
        figs.iter()
            .find(|f| f.name == n)
            .map(Figure::to_svg)
            .expect("drawn")
    };
    let dist = svg("cost-distribution");
    for t in [
        "USD per document",
        "share of documents costing at most y (%)",
        "p50",
        "p95",
        "p99",
    ] {
        assert!(has_text(&dist, t), "cost-distribution lacks {t:?}");
    }
    // The y axis starts at zero.
    assert!(
        texts(&dist)
            .iter()
            .any(|t| t.strip_prefix('$').and_then(|v| v.parse::<f64>().ok()) == Some(0.0)),
        "no $0 tick"
    );
    for (p, pr) in report().patterns.iter() {
        let d = &pr.cost_per_document;
        let entry = format!(
            "{}: p50 {}, p95 {}, p99 {}",
            p.label(),
            render::usd(d.p50),
            render::usd(d.p95),
            render::usd(d.p99)
        );
        assert!(has_text(&dist, &entry), "legend entry {entry:?}");
    }
    let bd = svg("cost-breakdown");
    for t in [
        "Whole bill (LLM tokens included)",
        "Infrastructure only (LLM tokens left out)",
        "LLM tokens",
        "USD per document (mean)",
    ] {
        assert!(has_text(&bd, t), "cost-breakdown lacks {t:?}");
    }
    for p in report().patterns.patterns() {
        assert!(
            has_text(&bd, p.label()),
            "cost-breakdown lacks {}",
            p.label()
        );
    }
    let cc = svg("concurrency");
    let t = report().charts.timeline.as_ref().expect("a timeline");
    for (p, l) in t.limits.iter() {
        let entry = format!("{} {} {}", p.label(), p.limit_noun(), render::num(*l));
        assert!(
            has_text(&cc, &entry),
            "concurrency lacks the limit {entry:?}"
        );
        assert!(has_text(&cc, &format!("{} {}", p.label(), p.in_use_noun())));
    }
    let be = svg("break-even");
    for (p, l) in report().charts.break_even.limits.iter() {
        let entry = format!("{} {} limit", p.label(), render::duration(*l));
        assert!(has_text(&be, &entry), "break-even lacks {entry:?}");
        assert!(has_text(&be, &format!("{} cheaper", p.label())));
    }
    assert!(
        texts(&be)
            .iter()
            .any(|t| t.contains("LLM tokens per document"))
    );
    let tpm = svg("tokens-per-minute");
    for t in [
        "minutes from the busiest minute",
        "tokens per minute (quota accounting)",
    ] {
        assert!(has_text(&tpm, t), "tokens-per-minute lacks {t:?}");
    }
    assert!(
        texts(&tpm)
            .iter()
            .any(|t| t.contains("No TPM quota is set"))
    );
    let hours = report()
        .charts
        .busiest_hours
        .as_ref()
        .expect("busiest hours");
    for (p, h) in hours.iter() {
        let h = h
            .as_ref()
            .expect("the book gives the model's burndown rate");
        assert!(has_text(&tpm, &format!("{} TPM admitted", p.label())));
        let peak = h.tpm.iter().copied().fold(0.0, f64::max);
        let entry = format!(
            "{}: {} TPM at {}",
            p.label(),
            render::num(peak.round()),
            render::clock(h.peak / 3600.0)
        );
        assert!(
            texts(&tpm).iter().any(|t| t.contains(&entry)),
            "tokens-per-minute lacks {entry:?}"
        );
    }
}

#[test]
fn the_tokens_chart_draws_the_quota_and_the_demand_asked_for_and_is_left_out_without_tpm() {
    let mut r = report().clone();
    let hours = r.charts.busiest_hours.as_mut().expect("busiest hours");
    for h in hours.values_mut().flatten() {
        h.quota = Some(123_456.0);
        h.offered_tpm = Some(h.tpm.iter().map(|t| t * 2.0).collect());
    }
    let figs = simulate_figures(&r);
    let f = figs
        .iter()
        .find(|f| f.name == "tokens-per-minute")
        .expect("drawn");
    let svg = f.to_svg();
    assert!(has_text(&svg, "TPM quota 123,456"));
    for p in r.patterns.patterns() {
        assert!(
            texts(&svg)
                .iter()
                .any(|t| t.starts_with(&format!("{} TPM at planned times", p.label())))
        );
    }
    assert!(!texts(&svg).iter().any(|t| t.contains("No TPM quota")));
    // Without a burndown rate there is no TPM to compare with a quota: no chart.
    for h in r.charts.busiest_hours.as_mut().unwrap().values_mut() {
        *h = None;
    }
    assert!(
        simulate_figures(&r)
            .iter()
            .all(|f| f.name != "tokens-per-minute")
    );
}

#[test]
fn limit_labels_and_lines_come_from_the_report_not_from_constants() {
    let mut r = report().clone();
    let t = r.charts.timeline.as_mut().expect("a timeline");
    for (i, l) in t.limits.values_mut().enumerate() {
        *l = 7_000.0 + i as f64;
    }
    for (i, l) in r.charts.break_even.limits.values_mut().enumerate() {
        *l = 123.0 + i as f64;
    }
    let figs = simulate_figures(&r);
    let cc = figs
        .iter()
        .find(|f| f.name == "concurrency")
        .expect("drawn")
        .to_svg();
    let be = figs
        .iter()
        .find(|f| f.name == "break-even")
        .expect("drawn")
        .to_svg();
    for (i, p) in r.patterns.patterns().iter().enumerate() {
        let entry = format!(
            "{} {} {}",
            p.label(),
            p.limit_noun(),
            render::num(7_000.0 + i as f64)
        );
        assert!(has_text(&cc, &entry), "{entry:?}");
        let entry = format!("{} {} s limit", p.label(), 123 + i);
        assert!(has_text(&be, &entry), "{entry:?}");
    }
    // The axis reaches above every limit, so each limit line is drawn inside the plot: a tick at
    // 10,000 (log scale) or above the largest limit (linear).
    assert!(
        has_text(&cc, "10,000")
            || texts(&cc).iter().any(|t| t
                .replace(',', "")
                .parse::<f64>()
                .is_ok_and(|v| v >= 7_001.0)),
        "no tick reaches the limits"
    );
}

#[test]
fn the_detail_window_holds_the_busiest_step_and_a_short_run_is_shown_whole() {
    let mk = |n: usize, spike: usize, limit: f64| TimelineSeries {
        color: render::pattern_color(0),
        limit,
        in_use: (0..n).map(|i| if i == spike { 90 } else { 1 }).collect(),
        waiting: vec![0; n],
    };
    // 30 days of 5-minute steps, a burst on day 30.
    let n = 30 * 288;
    let spike = 29 * 288 + 100;
    let (a, b) = busiest_window(&[mk(n, spike, 100.0), mk(n, 10, 5_000.0)], 300.0);
    assert!(a <= spike && spike < b, "{a}..{b} misses {spike}");
    assert!(b - a >= 48 && b - a <= 288, "{a}..{b}");
    // The pattern closest to its limit decides, not the one with the most in use.
    let (a, b) = busiest_window(&[mk(n, 10, 100_000.0), mk(n, spike, 100.0)], 300.0);
    assert!(a <= spike && spike < b);
    assert_eq!(busiest_window(&[mk(300, 5, 10.0)], 300.0), (0, 300));
}

#[test]
fn pngs_are_twice_the_svg_at_least_1800_px_wide_and_not_blank() {
    let mut figs = simulate_figures(report());
    figs.push(quota_sweep(
        &sweep(
            &[
                (2, Some(300.0), Some(50.0), false),
                (4, Some(1.0), Some(3.0), false),
            ],
            Some(5.0),
        ),
        "w",
    ));
    for f in &figs {
        let (w, h, px) = decode(&f.to_png());
        assert!(w >= 1800, "{} is {w} px wide", f.name);
        assert_eq!(w, 2 * svg_width(&f.to_svg()), "{}", f.name);
        assert_eq!(px.len(), (w * h * 3) as usize);
        let inked = px.chunks(3).filter(|p| p.iter().any(|c| *c < 200)).count();
        let share = inked as f64 / f64::from(w * h);
        assert!(share > 0.005, "{} is nearly blank ({share})", f.name);
    }
}

#[test]
fn charts_are_byte_reproducible() {
    let a = simulate_figures(report());
    let b = simulate_figures(&build_report("case-file-batches"));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(x.to_svg() == y.to_svg(), "{} svg differs", x.name);
        assert!(x.to_png() == y.to_png(), "{} png differs", x.name);
    }
}

#[test]
fn the_legend_band_ends_above_the_plot() {
    // Many long entries wrap onto several rows; the plot area must start below all of them.
    let legend: Vec<render::Entry> = (0..14)
        .map(|i| {
            render::Entry::new(
                render::Mark::Swatch(render::component_color(i)),
                format!("a long legend entry number {i}"),
            )
        })
        .collect();
    let mut plot_top = 0;
    let svg = render::svg((960, 600), |root, s| {
        let area = render::header(&root, s, "Title?", &["subtitle".into()], &legend)?;
        plot_top = area.get_base_pixel().1;
        Ok(())
    })
    .expect("drawn");
    let ys: Vec<i32> = svg
        .split("<text x=\"")
        .skip(1)
        .filter_map(|t| t.split_once("y=\"")?.1.split_once('"')?.0.parse().ok())
        .collect();
    assert!(ys.len() >= 16);
    // A label's y is its top; 20 px covers its height.
    assert!(
        ys.iter().all(|y| y + 16 <= plot_top),
        "{ys:?} vs {plot_top}"
    );
    assert!(plot_top > 100, "the 14 entries wrapped onto rows");
}

#[test]
fn quota_sweep_has_both_axes_the_target_and_overloaded_quotas() {
    let f = quota_sweep(
        &sweep(
            &[
                (1, None, None, true),
                (2, Some(2_700.0), Some(1_380.0), false),
                (8, Some(0.0), Some(0.0), false),
            ],
            Some(5.0),
        ),
        "kyc <&> test",
    );
    let svg = f.to_svg();
    assert!(f.title().ends_with("kyc <&> test"));
    assert!(
        has_text(&svg, f.title()),
        "the workload name is escaped, not dropped"
    );
    for t in [
        "p95 queue wait (s, log scale)",
        "target p95 wait 5 s",
        "1",
        "2",
        "8",
    ] {
        assert!(has_text(&svg, t), "lacks {t:?}");
    }
    let p = crate::pattern::pattern(patterns()[patterns().len() - 1].kind());
    assert!(has_text(&svg, &format!("throttled {}s", p.unit_noun())));
    assert!(texts(&svg).iter().any(|t| t.starts_with("overloaded")));
    assert!(!non_finite(&svg));
}

/// A value that is awkward for a chart: non-finite, negative, zero, tiny or huge.
fn awkward() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-1.0),
        Just(1e-300),
        Just(1e300),
        0.0..1e4f64,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever numbers a report holds, every chart renders, and no non-finite number reaches
    /// the SVG (it would be a broken coordinate or a "NaN" label).
    #[test]
    fn hostile_numbers_never_break_a_chart(
        v in proptest::collection::vec(awkward(), 12),
        steps in proptest::collection::vec((0u32..50_000, 0u32..50_000), 0..40),
    ) {
        let mut r = report().clone();
        let mut it = v.iter().cycle().copied();
        for q in r.charts.cost_quantiles.values_mut() {
            for p in q.iter_mut().step_by(7) {
                p.1 = it.next().unwrap_or(0.0);
            }
        }
        for (_, pr) in r.patterns.iter_mut() {
            pr.cost_per_document.p95 = it.next().unwrap_or(0.0);
            if let Some(x) = pr.breakdown.values_mut().next() {
                *x = it.next().unwrap_or(0.0);
            }
        }
        r.charts.break_even.workload = (it.next().unwrap_or(0.0), it.next().unwrap_or(0.0));
        if let Some(hours) = r.charts.busiest_hours.as_mut() {
            for h in hours.values_mut().flatten() {
                h.peak = it.next().unwrap_or(0.0);
                h.quota = Some(it.next().unwrap_or(0.0));
                for t in h.tpm.iter_mut().step_by(5) {
                    *t = it.next().unwrap_or(0.0);
                }
                h.offered_tpm = Some(h.tpm.iter().map(|t| t * it.next().unwrap_or(1.0)).collect());
            }
        }
        if let Some(t) = r.charts.timeline.as_mut() {
            t.step_seconds = 300.0;
            for l in t.limits.values_mut() {
                *l = it.next().unwrap_or(0.0);
            }
            t.steps = PerPattern::from_fn(&r.patterns.patterns(), |_| {
                steps
                    .iter()
                    .map(|(c, q)| TimelineStep { concurrency_max: *c, queue_max: *q, ..TimelineStep::default() })
                    .collect()
            });
        }
        for f in simulate_figures(&r) {
            let svg = f.to_svg();
            prop_assert!(!non_finite(&svg), "{}: {}", f.name, svg.len());
        }
        let q = quota_sweep(
            &sweep(&[(3, v.first().copied(), v.get(1).copied(), false), (9, v.get(2).copied(), v.get(3).copied(), false)], v.get(4).copied()),
            "w",
        );
        prop_assert!(!non_finite(&q.to_svg()));
    }
}

#[test]
fn colours_follow_the_registry_not_pattern_names() {
    let kinds: Vec<PatternKind> = patterns().iter().map(|p| p.kind()).collect();
    let colours: Vec<_> = (0..kinds.len()).map(render::pattern_color).collect();
    for (i, c) in colours.iter().enumerate() {
        assert!(!colours[..i].contains(c), "two patterns share a colour");
    }
}

#[test]
fn a_workload_point_without_a_place_on_the_map_is_left_off() {
    let mut r = report().clone();
    r.charts.break_even.workload = (f64::NAN, f64::NAN);
    let be = simulate_figures(&r)
        .into_iter()
        .find(|f| f.name == "break-even")
        .expect("drawn")
        .to_svg();
    assert!(!non_finite(&be));
    assert!(
        !texts(&be)
            .iter()
            .any(|t| t.contains("I/O wait") && t.contains(&r.envelope.workload.name))
    );
}

#[test]
fn the_break_even_map_says_a_fleet_patterns_cells_leave_out_its_floor() {
    let r = build_report("steady-long-waits");
    let be = simulate_figures(&r)
        .into_iter()
        .find(|f| f.name == "break-even")
        .expect("drawn")
        .to_svg();
    assert!(texts(&be).iter().any(|t| t.starts_with(
        "Lambda Managed Instances: a document's share of a fleet kept at its target utilisation"
    )));
    // A workload without a fleet-billed pattern says nothing of the kind.
    let plain = simulate_figures(report())
        .into_iter()
        .find(|f| f.name == "break-even")
        .expect("drawn")
        .to_svg();
    assert!(!texts(&plain).iter().any(|t| t.contains("fleet")));
}
