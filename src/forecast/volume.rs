//! Cost against volume: each pattern's monthly bill from a tenth to ten times the workload's
//! volume (log-spaced), each point a simulation of the workload as written with its arrivals
//! scaled, validated like a file; where the cheapest pattern changes; where Lambda's volume
//! tiers and free tier end.
//!
//! Each point runs at most [`VOLUME_REPLICATIONS`] replications of at most
//! [`FORECAST_WINDOW`](super::FORECAST_WINDOW) documents (the forecast's window when smaller).
//!
//! Scaling: `arrivals.documents_per_month` (or `rate_per_second`) and every burst's
//! `documents` are multiplied by the factor; the hourly profile is kept. A replayed trace
//! cannot be scaled, so a workload with one gets no curve.

use serde::Serialize;

use crate::error::{ConfigError, RunError};
use crate::load::{Input, Sources, without_uncertainty};
use crate::pattern::{PatternKind, PerPattern};
use crate::simulate::{RunOptions, simulate};

/// Points on the curve: 10^(−1 + i/6) for i = 0..=12, so 1× is the middle point.
pub const VOLUME_POINTS: usize = 13;

/// Most replications per point: the curve shows means, and each point is a whole simulation.
pub const VOLUME_REPLICATIONS: usize = 10;

/// One volume.
#[derive(Debug, Clone, Serialize)]
pub struct VolumePoint {
    /// Factor on the workload's volume.
    pub scale: f64,
    /// Expected documents a month at this factor.
    pub documents_per_month: f64,
    /// Mean USD per month per pattern; empty where the run stopped as overloaded.
    #[serde(serialize_with = "super::present_only")]
    pub monthly_usd: PerPattern<Option<f64>>,
    /// The pattern with the lowest bill; left out when a pattern was overloaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cheapest: Option<&'static str>,
    /// `pattern on day D` when a pattern could not keep up at this volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overloaded: Option<String>,
}

/// A volume where something changes, for the chart.
#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    /// Expected documents a month.
    pub documents_per_month: f64,
    /// What changes there.
    pub label: String,
}

/// The curve.
#[derive(Debug, Clone, Serialize)]
pub struct VolumeCurve {
    /// Replications per point.
    pub replications: usize,
    /// The points, lowest volume first.
    pub points: Vec<VolumePoint>,
    /// Between which points the cheapest pattern changes: the first point's volume after the
    /// change, and the patterns before and after.
    pub crossovers: Vec<Marker>,
    /// Lambda volume-tier and free-tier ends within the curve's range, and the first volume
    /// shown at which each pattern's concurrency limit or session quota is reached or the Bedrock
    /// quota throttles a call.
    pub markers: Vec<Marker>,
}

/// The workload text with its volume multiplied by `scale`, or `None` for a replayed trace.
fn scaled(text: &str, scale: f64) -> Option<String> {
    let mut doc: toml::Table = text.parse().ok()?;
    let arrivals = doc
        .entry("arrivals")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()?;
    if arrivals.contains_key("trace") {
        return None;
    }
    let times = |v: &toml::Value| {
        v.as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .map(|x| toml::Value::Float(x * scale))
    };
    if let Some(v) = arrivals.get("rate_per_second").and_then(times) {
        arrivals.insert("rate_per_second".into(), v);
    } else {
        let base = arrivals
            .get("documents_per_month")
            .and_then(times)
            .unwrap_or(toml::Value::Float(
                crate::config::DEFAULT_DOCUMENTS_PER_MONTH * scale,
            ));
        arrivals.insert("documents_per_month".into(), base);
    }
    if let Some(toml::Value::Array(bursts)) = arrivals.get_mut("bursts") {
        for b in bursts.iter_mut() {
            if let Some(t) = b.as_table_mut()
                && let Some(v) = t.get("documents").and_then(times)
            {
                t.insert("documents".into(), v);
            }
        }
    }
    Some(toml::to_string(&doc).expect("a parsed table serialises"))
}

/// Prices the workload as written at [`VOLUME_POINTS`] volumes. `Ok(None)` for a trace.
///
/// # Errors
/// `ConfigError` when a scaled workload is invalid (a volume past a key's range);
/// `RunError::Parameter` for bad options. An overloaded point is a point, not an error.
pub fn curve(input: &Input, opts: &RunOptions) -> Result<Option<VolumeCurve>, VolumeError> {
    let base = without_uncertainty(&input.sources.workload_origin, &input.sources.workload)?;
    // Windowed like a forecast's replications (never larger): at ten times a large month, whole
    // months would take minutes a point, and the curve needs the cost per document, which a
    // window measures.
    let window = opts
        .documents
        .map_or(super::FORECAST_WINDOW, |d| d.min(super::FORECAST_WINDOW));
    let opts = RunOptions {
        replications: opts.replications.clamp(1, VOLUME_REPLICATIONS),
        documents: Some(window),
        keep_documents: false,
        ..*opts
    };
    let mut points = Vec::with_capacity(VOLUME_POINTS);
    // The first volume at which each limit binds, by label, in the order found.
    let mut limits: Vec<Marker> = Vec::new();
    for i in 0..VOLUME_POINTS {
        let scale = 10f64.powf(-1.0 + i as f64 / 6.0);
        let Some(text) = scaled(&base, scale) else {
            return Ok(None);
        };
        let point = Input::from_sources(Sources {
            workload: text,
            ..input.sources.clone()
        })?;
        let month = point.scenario.arrivals.documents_per_month;
        let compared = crate::pattern::compared(&point.scenario, &point.book);
        match simulate(&point.scenario, &point.book, &opts, &|_| {}) {
            Ok(sim) => {
                let monthly = PerPattern::from_fn(&sim.patterns(), |p| {
                    let xs: Vec<f64> = sim
                        .replications
                        .iter()
                        .map(|r| r.patterns.get(p.kind()).monthly_usd)
                        .collect();
                    Some(crate::stats::mean(&xs))
                });
                for label in limits_reached(&sim) {
                    if !limits.iter().any(|m| m.label == label) {
                        limits.push(Marker {
                            documents_per_month: month,
                            label,
                        });
                    }
                }
                let mut best: Option<(PatternKind, f64)> = None;
                for (p, m) in monthly.iter() {
                    let m = m.unwrap_or(f64::INFINITY);
                    if best.is_none_or(|(_, c)| m < c) {
                        best = Some((p.kind(), m));
                    }
                }
                points.push(VolumePoint {
                    scale,
                    documents_per_month: month,
                    monthly_usd: monthly,
                    cheapest: best.map(|(k, _)| k.name()),
                    overloaded: None,
                });
            }
            Err(RunError::Overloaded { pattern, day, .. }) => points.push(VolumePoint {
                scale,
                documents_per_month: month,
                monthly_usd: PerPattern::from_fn(&compared, |_| None),
                cheapest: None,
                overloaded: Some(format!("{pattern} on day {day:.1}")),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    let mut crossovers = Vec::new();
    for w in points.windows(2) {
        if let (Some(a), Some(b)) = (w[0].cheapest, w[1].cheapest)
            && a != b
        {
            crossovers.push(Marker {
                documents_per_month: w[1].documents_per_month,
                label: format!("{b} cheaper than {a} from here"),
            });
        }
    }
    let mut markers = tier_markers(input, &points);
    markers.extend(limits);
    markers.sort_by(|a, b| a.documents_per_month.total_cmp(&b.documents_per_month));
    Ok(Some(VolumeCurve {
        replications: opts.replications,
        points,
        crossovers,
        markers,
    }))
}

/// The limits a simulation reached, as marker labels: a pattern's concurrency limit or session
/// quota (its peak use at the limit in some replication), and the Bedrock quota (a call refused).
fn limits_reached(sim: &crate::simulate::Simulation) -> Vec<String> {
    let mut out = Vec::new();
    for p in sim.patterns() {
        let months = sim.replications.iter().map(|r| r.patterns.get(p.kind()));
        let (mut at_limit, mut refused) = (false, false);
        for m in months {
            let c = &m.capacity;
            at_limit |= f64::from(c.peak_concurrency) >= c.limit;
            refused |= c.llm.refusals > 0;
        }
        if at_limit {
            out.push(format!("{}: {} reached", p.kind().name(), p.limit_noun()));
        }
        if refused {
            out.push(format!(
                "{}: Bedrock quota throttles calls",
                p.kind().name()
            ));
        }
    }
    out
}

/// Volumes where each pattern's Lambda GB-seconds reach the end of the free tier or of a volume
/// tier, from its GB-seconds per document in the workload as written (the middle point's
/// simulation is not kept, so a pilot-sized estimate is used).
fn tier_markers(input: &Input, points: &[VolumePoint]) -> Vec<Marker> {
    let (s, book) = (&input.scenario, &input.book);
    let (lo, hi) = match (points.first(), points.last()) {
        (Some(a), Some(b)) => (a.documents_per_month, b.documents_per_month),
        _ => return Vec::new(),
    };
    let mut rng = crate::sampling::stream(0x564F_4C55_4D45, 0);
    let docs = crate::sampling::sample_documents(s, 2_000, &mut rng);
    let mut out = Vec::new();
    for p in crate::pattern::compared(s, book) {
        let mut gbs = 0.0;
        for unit in docs.chunk_by(|x, y| x.batch == y.batch) {
            if p.unit_is_batch(s) {
                gbs += p.bill_unit(s, book, unit, false).lambda_gb_seconds.get();
            } else {
                for d in unit {
                    gbs += p
                        .bill_unit(s, book, std::slice::from_ref(d), true)
                        .lambda_gb_seconds
                        .get();
                }
            }
        }
        let per_doc = gbs / docs.len() as f64;
        if !(per_doc > 0.0 && per_doc.is_finite()) {
            continue;
        }
        let mut ends: Vec<(f64, String)> = book
            .lambda
            .tiers(s.lambda.architecture)
            .iter()
            .filter_map(|t| t.up_to_gb_seconds)
            .map(|g| {
                (
                    g,
                    format!("{}: end of a Lambda price tier", p.kind().name()),
                )
            })
            .collect();
        if s.free_tier {
            ends.push((
                book.lambda.free_tier_gb_seconds,
                format!("{}: end of the Lambda free tier", p.kind().name()),
            ));
        }
        for (g, label) in ends {
            let v = g / per_doc;
            if (lo..=hi).contains(&v) {
                out.push(Marker {
                    documents_per_month: v,
                    label,
                });
            }
        }
    }
    out.sort_by(|a, b| a.documents_per_month.total_cmp(&b.documents_per_month));
    out
}

/// Why the volume curve could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VolumeError {
    /// A scaled workload is invalid.
    #[error("cost against volume: the workload scaled in volume is invalid")]
    Config(#[from] ConfigError),
    /// A run option is out of range.
    #[error(transparent)]
    Run(#[from] RunError),
}

impl crate::error::Classify for VolumeError {
    fn failure(&self) -> crate::error::Failure {
        match self {
            VolumeError::Config(_) => crate::error::Failure::Input,
            VolumeError::Run(e) => e.failure(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_multiplies_the_volume_and_bursts_and_refuses_traces() {
        let t = "name = \"x\"\n[arrivals]\ndocuments_per_month = 1000\nbursts = [{ day = 1, hour = 2, documents = 10 }]\n";
        let s = scaled(t, 2.5).unwrap();
        let doc: toml::Table = s.parse().unwrap();
        assert_eq!(
            doc["arrivals"]["documents_per_month"].as_float(),
            Some(2500.0)
        );
        assert_eq!(
            doc["arrivals"]["bursts"][0]["documents"].as_float(),
            Some(25.0)
        );
        assert!(scaled("name = \"x\"\n[arrivals]\ntrace = \"t.csv\"\n", 2.0).is_none());
        let r = scaled("name = \"x\"\n[arrivals]\nrate_per_second = 2\n", 3.0).unwrap();
        assert!(r.contains("rate_per_second = 6.0"), "{r}");
    }
}
