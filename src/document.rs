//! The human reports written by `--out`: `report.html` (one self-contained file: charts inline as
//! SVG, no network references) and `report.md` (for pasting into a design document; charts as
//! PNG files beside it). Recommendation and reasons first, then the tables, then the charts.

use std::fmt::Write as _;

use crate::charts::figures::Figure;
use crate::report::Report;
use crate::report::escape;
use crate::report::table::{Row, comparison_rows, forecast_sections, thousands};

/// The terminal's rows, with its indented continuation labels ("   p95" under "cost per document
/// mean") spelled out, and its group headings (rows without values) folded into their rows.
fn rows(r: &Report) -> Vec<Row> {
    let mut group = String::new();
    let mut out = Vec::new();
    for (k, cells) in comparison_rows(r) {
        if !k.starts_with(' ') {
            group = k.split("  ").next().unwrap_or(&k).trim().to_string();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            out.push((k.split_whitespace().collect::<Vec<_>>().join(" "), cells));
        } else {
            out.push((format!("{group}: {}", k.trim()), cells));
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The run's one-line description; `text` makes the user's strings safe for the format.
fn heading(r: &Report, text: fn(&str) -> String) -> String {
    format!(
        "{} · {} · {} documents/month · {} prices as of {} · seed {} · {} replication{}",
        text(&r.envelope.workload.name),
        text(&r.envelope.workload.origin),
        thousands(r.envelope.workload.documents_per_month, 0),
        text(&r.envelope.pricing.region),
        r.envelope.pricing.as_of,
        r.envelope.seed,
        r.replications,
        if r.replications == 1 { "" } else { "s" }
    )
}

/// `report.html`: one file, charts inline, no external references.
pub fn html(r: &Report, figures: &[Figure]) -> String {
    let mut h = String::new();
    html_head(&mut h, &r.envelope.workload.name);
    let _ = writeln!(
        h,
        "<h1>agentcost report: {}</h1>\n<p>{}</p>",
        esc(&r.envelope.workload.name),
        esc(&heading(r, |s| escape::printable(s).into_owned()))
    );
    let _ = writeln!(
        h,
        "<p class=\"rec\">Recommendation: <strong>{}</strong></p>\n<ol>",
        esc(r.recommendation.name())
    );
    for reason in &r.recommendation.reasons {
        let _ = writeln!(h, "<li>{}</li>", inline_code(&esc(&reason.text)));
    }
    h.push_str("</ol>\n<h2>Every pattern</h2>\n<table><tr><th></th>");
    for p in r.patterns.patterns() {
        let _ = write!(h, "<th>{}</th>", esc(p.label()));
    }
    h.push_str("</tr>\n");
    for (k, cells) in rows(r) {
        let _ = write!(h, "<tr><td>{}</td>", esc(&k));
        for c in &cells {
            let _ = write!(h, "<td>{}</td>", esc(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    for sec in forecast_sections(r) {
        let _ = writeln!(h, "<h2>{}</h2>\n<table><tr>", esc(&capitalised(&sec.title)));
        for c in &sec.header {
            let _ = write!(h, "<th>{}</th>", esc(&escape::printable(c)));
        }
        h.push_str("</tr>\n");
        for row in &sec.rows {
            h.push_str("<tr>");
            for c in row {
                let _ = write!(h, "<td>{}</td>", esc(&escape::printable(c)));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
        for n in &sec.notes {
            let _ = writeln!(h, "<p>{}</p>", esc(&escape::printable(n)));
        }
    }
    html_figures(&mut h, figures);
    let _ = writeln!(
        h,
        "<p><small>{} · inputs digest {} · JSON schema {}</small></p>\n</body></html>",
        esc(&r.envelope.tool),
        esc(&r.envelope.inputs_digest),
        r.envelope.schema_version
    );
    h
}

/// Markdown's code spans (`` `agentcost capacity` ``) in escaped text as `<code>`, so a reason
/// reads the same in report.html as in report.md; an unpaired backtick stays as it is.
fn inline_code(escaped: &str) -> String {
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escaped.to_string();
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// A title with its first letter capitalised, as a heading.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The page's head, up to and including `<body>`.
fn html_head(h: &mut String, title: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>agentcost: {}</title>\n<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}}table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}}td:first-child,th:first-child{{text-align:left}}.rec{{font-size:1.4em}}figure{{margin:2em 0}}svg{{max-width:100%;height:auto}}</style></head><body>\n",
        esc(&escape::printable(title))
    );
}

/// The charts, inline as SVG.
fn html_figures(h: &mut String, figures: &[Figure]) {
    if figures.is_empty() {
        return;
    }
    h.push_str("<h2>Charts</h2>\n");
    for f in figures {
        let svg = f.to_svg();
        let _ = writeln!(
            h,
            "<figure>{}<figcaption>{}</figcaption></figure>",
            svg.trim_end(),
            esc(&f.caption)
        );
    }
}

/// A report of one table (a quota search, a sweep): what report.html and report.md hold for the
/// commands other than `simulate`.
pub struct Page<'a> {
    /// The title after "agentcost": what was run on which workload (user text, escaped here).
    pub title: String,
    /// The run in one line (user text, escaped here).
    pub heading: String,
    /// Column names.
    pub header: Vec<String>,
    /// One row per point.
    pub rows: Vec<Vec<String>>,
    /// Sentences under the table: the answer and what it rests on.
    pub notes: Vec<String>,
    /// The charts.
    pub figures: &'a [Figure],
}

/// A [`Page`] as one self-contained HTML file.
pub fn page_html(p: &Page<'_>) -> String {
    let mut h = String::new();
    html_head(&mut h, &p.title);
    let _ = writeln!(
        h,
        "<h1>agentcost: {}</h1>\n<p>{}</p>",
        esc(&escape::printable(&p.title)),
        esc(&escape::printable(&p.heading))
    );
    for n in &p.notes {
        let _ = writeln!(h, "<p class=\"rec\">{}</p>", inline_code(&esc(n)));
    }
    h.push_str("<table><tr>");
    for c in &p.header {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr>\n");
    for row in &p.rows {
        h.push_str("<tr>");
        for c in row {
            let _ = write!(h, "<td>{}</td>", esc(&escape::printable(c)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    html_figures(&mut h, p.figures);
    h.push_str("</body></html>\n");
    h
}

/// A [`Page`] in Markdown, charts as the PNG files written beside it.
pub fn page_markdown(p: &Page<'_>) -> String {
    let mut m = String::new();
    let _ = writeln!(
        m,
        "# agentcost: {}\n\n{}\n",
        escape::markdown(&p.title),
        escape::markdown(&p.heading)
    );
    for n in &p.notes {
        let _ = writeln!(m, "**{}**\n", escape::markdown(n));
    }
    // Cells are numbers and names the program made: only a pipe would break the table.
    let cells = |row: &[String]| {
        row.iter()
            .map(|c| escape::printable(c).replace('|', "\\|"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let _ = writeln!(m, "| {} |", cells(&p.header));
    let _ = writeln!(m, "|{}", "---:|".repeat(p.header.len()));
    for row in &p.rows {
        let _ = writeln!(m, "| {} |", cells(row));
    }
    m.push('\n');
    for f in p.figures {
        let _ = writeln!(m, "![{}]({}.png)\n\n*{}*\n", f.name, f.name, f.caption);
    }
    m
}

/// `report.md`: tables in Markdown, charts as the PNG files written beside it.
pub fn markdown(r: &Report, figures: &[Figure]) -> String {
    let mut m = String::new();
    let _ = writeln!(
        m,
        "# agentcost report: {}\n\n{}\n",
        escape::markdown(&r.envelope.workload.name),
        heading(r, escape::markdown)
    );
    let _ = writeln!(m, "**Recommendation: {}**\n", r.recommendation.name());
    for (i, reason) in r.recommendation.reasons.iter().enumerate() {
        let _ = writeln!(m, "{}. {}", i + 1, reason.text);
    }
    m.push_str("\n|");
    for p in r.patterns.patterns() {
        let _ = write!(m, " | {}", p.label());
    }
    m.push_str(" |\n|---|");
    for _ in r.patterns.patterns() {
        m.push_str("---:|");
    }
    m.push('\n');
    for (k, cells) in rows(r) {
        let _ = writeln!(m, "| {k} | {} |", cells.join(" | "));
    }
    m.push('\n');
    // Cells hold input keys from the workload: only a pipe would break the table.
    let cells = |row: &[String]| {
        row.iter()
            .map(|c| escape::printable(c).replace('|', "\\|"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    for sec in forecast_sections(r) {
        let _ = writeln!(m, "## {}\n", escape::markdown(&capitalised(&sec.title)));
        let _ = writeln!(m, "| {} |", cells(&sec.header));
        let _ = writeln!(m, "|{}", "---:|".repeat(sec.header.len()));
        for row in &sec.rows {
            let _ = writeln!(m, "| {} |", cells(row));
        }
        m.push('\n');
        for n in &sec.notes {
            let _ = writeln!(m, "{}\n", escape::markdown(n));
        }
    }
    for f in figures {
        let _ = writeln!(m, "![{}]({}.png)\n\n*{}*\n", f.name, f.name, f.caption);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Input;
    use crate::simulate::{RunOptions, simulate};

    #[test]
    fn code_spans_become_code_elements_and_a_lone_backtick_stays() {
        assert_eq!(
            inline_code("run `agentcost capacity` then `x`"),
            "run <code>agentcost capacity</code> then <code>x</code>"
        );
        assert_eq!(inline_code("a ` b"), "a ` b");
        assert_eq!(inline_code("plain"), "plain");
    }

    #[test]
    fn html_is_self_contained_and_leads_with_the_recommendation() {
        let input = Input::from_arg("case-file-batches", None).unwrap();
        // As many documents as the examples' expectation test, so the recommendation is settled.
        let opts = RunOptions {
            documents: Some(2000),
            replications: 4,
            ..RunOptions::default()
        };
        let sim = simulate(&input.scenario, &input.book, &opts, &|_| {}).unwrap();
        let report = Report::build(&input, &sim);
        let figs = crate::charts::figures::simulate_figures(&report);
        assert_eq!(figs.len(), 5);
        let h = html(&report, &figs);
        for bad in ["http://", "https://", "src=", "href=", "@import", "url("] {
            let outside_svg_ns = h.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            assert!(
                !outside_svg_ns.contains(bad),
                "external reference {bad:?} in report.html"
            );
        }
        let rec = h.find("Recommendation").unwrap();
        assert!(rec < h.find("<table>").unwrap() && rec < h.find("<svg").unwrap());
        assert_eq!(h.matches("<svg").count(), 5);
        let md = markdown(&report, &figs);
        assert!(md.contains("**Recommendation: agentcore**"), "{md}");
        assert!(md.contains("](break-even.png)"));
    }
}
