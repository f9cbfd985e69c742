//! One self-contained HTML page: inline CSS and SVG, no script, no font,
//! no request (a Content-Security-Policy forbids any). Score, per-area
//! status, latency percentiles per endpoint against the policy bands,
//! throughput against target, escalations, deliverables, checklist,
//! findings with code frames, metrics and plugin health.
//!
//! Long lists are cut (see [`MAX_FINDINGS`], [`MAX_METRICS`]) so the page
//! stays usable in a browser; the JSON report has everything.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use perfwarden_policy::i18n::{self, Lang, T};
use perfwarden_policy::model::Span;
use perfwarden_policy::{Direction, ItemStatus, JudgedFinding, JudgedMetric, Status};

use super::Report;
use super::deliverables::PlanItem;
use super::support::{self, Sources, capitalized, escape, markup_escape};

/// Findings shown with a code frame.
pub const MAX_FINDINGS: usize = 1000;
/// Metrics listed in the metrics table.
pub const MAX_METRICS: usize = 2000;
/// Endpoints charted.
const MAX_ENDPOINTS: usize = 40;
/// Lines of context around a finding.
const CONTEXT: u32 = 2;

const STYLE: &str = r#"
:root{--met:#1a7f37;--acceptable:#0969da;--at-risk:#bc4c00;--alert:#cf222e;--no-data:#6e7781;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);margin:0 auto;max-width:1200px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:32px}h3{font-size:15px}
.muted{color:var(--muted)}
.score{display:flex;gap:24px;align-items:center;margin:16px 0}
.score .big{font-size:48px;font-weight:700}
.verdict{padding:4px 10px;border-radius:6px;color:#fff;font-weight:600}
.verdict.pass{background:var(--met)}.verdict.fail{background:var(--alert)}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg)}
.status{display:inline-block;padding:0 6px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.s-met{background:var(--met)}.s-acceptable{background:var(--acceptable)}.s-at-risk{background:var(--at-risk)}.s-alert{background:var(--alert)}.s-no-data{background:var(--no-data)}
.bar{background:var(--bg);border:1px solid var(--line);height:10px;width:160px;display:inline-block;vertical-align:middle}
.bar span{display:block;height:100%}
.finding{border:1px solid var(--line);border-radius:6px;margin:10px 0;padding:8px 12px}
.finding .head{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
pre{background:var(--bg);padding:8px;overflow-x:auto;margin:6px 0;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
pre .hit{background:#fff8c5;display:block}
pre .no{color:var(--muted);user-select:none}
.fix{border-left:3px solid var(--met);padding-left:8px;white-space:pre-wrap}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
.legend span{margin-right:12px}
"#;

fn status_badge(html: &mut String, status: Status, lang: Lang) {
    let _ = write!(
        html,
        "<span class=\"status s-{}\">{}</span>",
        status.as_str(),
        i18n::status(status, lang)
    );
}

/// `<table>` and its header row.
fn table_head(html: &mut String, labels: &[&str]) {
    html.push_str("<table><tr>");
    for label in labels {
        let _ = write!(html, "<th>{}</th>", capitalized(label));
    }
    html.push_str("</tr>\n");
}

fn status_color(status: Status) -> &'static str {
    match status {
        Status::Met => "var(--met)",
        Status::Acceptable => "var(--acceptable)",
        Status::AtRisk => "var(--at-risk)",
        Status::Alert => "var(--alert)",
        Status::NoData => "var(--no-data)",
    }
}

fn location(span: Option<&Span>) -> String {
    span.map_or_else(String::new, |s| {
        escape(&format!("{}:{}:{}", s.path, s.line, s.column))
    })
}

/// The page as text.
pub fn to_string(report: &Report) -> String {
    let j = &report.judgement;
    let lang = j.lang;
    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
    );
    // No script, no external resource: the page works offline and from
    // an artifact store that serves it with any origin.
    html.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str("<link rel=\"icon\" href=\"data:,\">\n<title>");
    markup_escape(
        &T::ReportOf.with(lang, &[("project", &report.project.root)]),
        &mut html,
    );
    let _ = write!(html, "</title>\n<style>{STYLE}</style>\n</head>\n<body>\n");

    let _ = write!(
        html,
        "<h1>perfwarden · {}</h1>\n<div class=\"muted\">{} {} · {} {} {} · {} · {} ms</div>\n",
        escape(T::Report.get(lang)),
        escape(report.tool.name),
        escape(report.tool.version),
        T::Policy.get(lang),
        escape(&j.policy.name),
        escape(&j.policy.version),
        escape(&report.project.root),
        report.duration_ms
    );
    let (class, verdict) = if report.verdict.passed {
        ("pass", T::PassedShort.get(lang))
    } else {
        ("fail", T::FailedShort.get(lang))
    };
    let fail_on = support::fail_on_text(report);
    let summary = T::HtmlSummary.with(
        lang,
        &[
            ("fail_on", &fail_on),
            ("findings", &j.summary.findings),
            ("metrics", &j.summary.metrics),
            ("escalations", &j.summary.escalations),
        ],
    );
    let _ = writeln!(
        html,
        "<div class=\"score\"><div class=\"big\">{}<span class=\"muted\" style=\"font-size:20px\">/100</span></div><span class=\"verdict {class}\">{verdict}</span><span class=\"muted\">{}</span></div>",
        j.score.overall,
        escape(&summary)
    );

    areas(&mut html, report);
    latency_charts(&mut html, report);
    throughput(&mut html, report);
    escalations(&mut html, report);
    deliverables(&mut html, report);
    checklist(&mut html, report);
    findings(&mut html, report);
    metrics(&mut html, report);
    plugins(&mut html, report);
    html.push_str("</body>\n</html>\n");
    html
}

/// Write the page.
pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(to_string(report).as_bytes())
}

fn areas(html: &mut String, report: &Report) {
    let j = &report.judgement;
    let worst = support::worst_status_per_area(j);
    if worst.is_empty() {
        return;
    }
    let lang = j.lang;
    let _ = writeln!(html, "<h2>{}</h2>", capitalized(T::StatusPerArea.get(lang)));
    table_head(
        html,
        &[T::Area, T::Score, T::WorstStatus, T::Findings, T::Metrics]
            .map(|column| column.get(lang)),
    );
    for (area, status) in worst {
        let score = j.score.areas.get(area);
        html.push_str("<tr><td>");
        markup_escape(i18n::area(area, lang), html);
        html.push_str("</td><td>");
        match score {
            Some(s) => {
                let color = match s.score {
                    90.. => "var(--met)",
                    50..=89 => "var(--at-risk)",
                    _ => "var(--alert)",
                };
                let _ = write!(
                    html,
                    "<span class=\"bar\"><span style=\"width:{}%;background:{color}\"></span></span> {}",
                    s.score, s.score
                );
            }
            None => html.push('—'),
        }
        html.push_str("</td><td>");
        status_badge(html, status, lang);
        let _ = writeln!(
            html,
            "</td><td>{}</td><td>{}</td></tr>",
            score.map_or(0, |s| s.findings),
            score.map_or(0, |s| s.metrics)
        );
    }
    html.push_str("</table>\n");
}

/// Percentile order on the chart.
fn percentile_rank(p: &str) -> (u32, String) {
    let number: f64 = p.trim_start_matches('p').parse().unwrap_or(f64::MAX);
    // Ordering by value; the text breaks ties deterministically.
    ((number * 100.0).min(u32::MAX as f64) as u32, p.to_owned())
}

/// One chart per endpoint: each percentile a row, the policy bands behind
/// it (met, acceptable, at-risk, alert), the measured value a marker.
fn latency_charts(html: &mut String, report: &Report) {
    let lang = report.judgement.lang;
    let mut endpoints: BTreeMap<String, Vec<&JudgedMetric>> = BTreeMap::new();
    for metric in &report.judgement.metrics {
        if metric.name == "http.latency"
            && metric.value.is_some()
            && metric.labels.contains_key("percentile")
        {
            let endpoint = metric
                .labels
                .get("endpoint")
                .cloned()
                .unwrap_or_else(|| T::AllEndpoints.get(lang).to_owned());
            endpoints.entry(endpoint).or_default().push(metric);
        }
    }
    if endpoints.is_empty() {
        return;
    }
    let _ = write!(
        html,
        "<h2>{}</h2>\n<div class=\"legend muted\">{}: ",
        capitalized(T::LatencyPerEndpoint.get(lang)),
        T::Bands.get(lang)
    );
    for status in [
        Status::Met,
        Status::Acceptable,
        Status::AtRisk,
        Status::Alert,
    ] {
        let _ = write!(
            html,
            "<span style=\"color:{}\">■ {}</span>",
            status_color(status),
            i18n::status(status, lang)
        );
    }
    let _ = writeln!(html, "◆ {}</div>", T::Measured.get(lang));
    let total = endpoints.len();
    for (endpoint, mut rows) in endpoints.into_iter().take(MAX_ENDPOINTS) {
        rows.sort_by_key(|m| {
            percentile_rank(m.labels.get("percentile").map_or("", String::as_str))
        });
        let unit = rows.first().map_or("ms", |m| m.unit.as_str());
        let scale_max = rows
            .iter()
            .flat_map(|m| {
                let t = m.thresholds.as_ref();
                [
                    m.value,
                    t.and_then(|t| t.alert),
                    t.and_then(|t| t.acceptable),
                    t.and_then(|t| t.target),
                ]
            })
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max)
            * 1.15;
        let scale_max = if scale_max > 0.0 { scale_max } else { 1.0 };
        let (left, width, row_h) = (70.0, 760.0, 26.0);
        let height = rows.len() as f64 * row_h + 30.0;
        let x = |v: f64| left + (v.clamp(0.0, scale_max) / scale_max) * width;
        html.push_str("<h3>");
        markup_escape(&endpoint, html);
        if let Some(class) = rows.first().and_then(|m| m.class.as_deref()) {
            html.push_str(" <span class=\"muted\">(");
            markup_escape(class, html);
            html.push_str(")</span>");
        }
        let _ = writeln!(
            html,
            "</h3>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"latency percentiles\">",
            left + width + 120.0
        );
        for (i, metric) in rows.iter().enumerate() {
            let y = i as f64 * row_h + 4.0;
            let percentile = metric.labels.get("percentile").map_or("", String::as_str);
            let _ = write!(html, "<text x=\"4\" y=\"{:.1}\">", y + 15.0);
            markup_escape(percentile, html);
            html.push_str("</text>");
            let mut from = 0.0;
            if let Some(t) = &metric.thresholds {
                let bands = [
                    (t.target, "var(--met)"),
                    (t.acceptable, "var(--acceptable)"),
                    (t.alert, "var(--at-risk)"),
                ];
                for (edge, color) in bands {
                    if let Some(edge) = edge.filter(|e| e.is_finite() && *e > from) {
                        let _ = write!(
                            html,
                            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"20\" fill=\"{color}\" opacity=\"0.25\"/>",
                            x(from),
                            x(edge) - x(from)
                        );
                        from = edge;
                    }
                }
            }
            let _ = write!(
                html,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"20\" fill=\"{}\" opacity=\"0.25\"/>",
                x(from),
                (left + width - x(from)).max(0.0),
                if from > 0.0 {
                    "var(--alert)"
                } else {
                    "var(--no-data)"
                }
            );
            if let Some(value) = metric.value {
                let cx = x(value);
                let _ = write!(
                    html,
                    "<path d=\"M{cx:.1} {:.1} l6 8 l-6 8 l-6 -8 z\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{} {}</text>",
                    y + 2.0,
                    status_color(metric.status),
                    left + width + 8.0,
                    y + 15.0,
                    escape(&support::format_value(value)),
                    escape(&metric.unit)
                );
            }
        }
        let axis_y = rows.len() as f64 * row_h + 16.0;
        let _ = writeln!(
            html,
            "<text x=\"{left}\" y=\"{axis_y:.1}\">0</text><text x=\"{:.1}\" y=\"{axis_y:.1}\" text-anchor=\"end\">{} {}</text></svg>",
            left + width,
            escape(&support::format_value(scale_max)),
            escape(unit)
        );
    }
    if total > MAX_ENDPOINTS {
        let _ = writeln!(
            html,
            "<p class=\"muted\">… {} more endpoints in the JSON report</p>",
            total - MAX_ENDPOINTS
        );
    }
}

fn throughput(html: &mut String, report: &Report) {
    let rows: Vec<&JudgedMetric> = report
        .judgement
        .metrics
        .iter()
        .filter(|m| m.name == "http.throughput")
        .collect();
    if rows.is_empty() {
        return;
    }
    let lang = report.judgement.lang;
    let _ = writeln!(
        html,
        "<h2>{}</h2>",
        capitalized(T::ThroughputVsTarget.get(lang))
    );
    table_head(
        html,
        &[
            T::Scope.get(lang),
            T::Measured.get(lang),
            T::Target.get(lang),
            "",
            T::Status.get(lang),
        ],
    );
    for metric in rows.iter().take(MAX_ENDPOINTS) {
        let target = metric.thresholds.as_ref().and_then(|t| t.target);
        let higher = metric
            .thresholds
            .as_ref()
            .and_then(|t| t.direction)
            .is_none_or(|d| d == Direction::Higher);
        html.push_str("<tr><td>");
        markup_escape(&support::metric_label(metric), html);
        let _ = write!(
            html,
            "</td><td>{}</td><td>{}</td><td>",
            escape(&support::metric_value(metric, report.judgement.lang)),
            target.map_or_else(
                || "—".to_owned(),
                |t| escape(&format!("{} {}", support::format_value(t), metric.unit))
            )
        );
        if let (Some(value), Some(target)) = (metric.value, target.filter(|t| *t > 0.0)) {
            // The bar is the share of the target reached (or, for a
            // lower-is-better row, of the budget used), capped at 100%.
            let ratio = if higher {
                value / target
            } else {
                target / value.max(f64::MIN_POSITIVE)
            };
            let percent = (ratio * 100.0).clamp(0.0, 100.0);
            let _ = write!(
                html,
                "<span class=\"bar\"><span style=\"width:{percent:.0}%;background:{}\"></span></span> {:.0}%",
                status_color(metric.status),
                ratio * 100.0
            );
        }
        html.push_str("</td><td>");
        status_badge(html, metric.status, lang);
        html.push_str("</td></tr>\n");
    }
    html.push_str("</table>\n");
}

fn escalations(html: &mut String, report: &Report) {
    let list = &report.judgement.escalations;
    if list.is_empty() {
        return;
    }
    let lang = report.judgement.lang;
    let _ = writeln!(
        html,
        "<h2>{}</h2>\n<ul>",
        capitalized(T::Escalations.get(lang))
    );
    for e in list {
        let _ = write!(
            html,
            "<li><strong>{}</strong> → {} <span class=\"muted\">({})</span><ul>",
            escape(&e.situation),
            escape(&e.action),
            escape(&e.owner)
        );
        for evidence in &e.evidence {
            let _ = write!(html, "<li class=\"muted\">{}</li>", escape(evidence));
        }
        html.push_str("</ul></li>\n");
    }
    html.push_str("</ul>\n");
}

fn plan_table(html: &mut String, title: T, items: &[PlanItem], lang: Lang) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(
        html,
        "<h3>{} ({})</h3>",
        escape(title.get(lang)),
        items.len()
    );
    table_head(
        html,
        &[T::Status, T::Rule, T::Location, T::Message, T::Fix].map(|column| column.get(lang)),
    );
    for item in items.iter().take(MAX_METRICS) {
        html.push_str("<tr><td>");
        status_badge(html, item.status, lang);
        let _ = writeln!(
            html,
            "</td><td>{}</td><td>{}</td><td>{}</td><td><div class=\"fix\">{}</div></td></tr>",
            escape(&item.rule),
            location(item.span.as_ref()),
            escape(&item.message),
            escape(item.fix.as_deref().unwrap_or(""))
        );
    }
    html.push_str("</table>\n");
    if items.len() > MAX_METRICS {
        let _ = writeln!(
            html,
            "<p class=\"muted\">{}</p>",
            T::More.with(lang, &[("n", &(items.len() - MAX_METRICS))])
        );
    }
}

fn deliverables(html: &mut String, report: &Report) {
    let d = &report.deliverables;
    let lang = report.judgement.lang;
    let plan = &d.query_plan;
    if !plan.n_plus_one.is_empty() || !plan.indexes.is_empty() || !plan.pagination.is_empty() {
        let _ = writeln!(html, "<h2>{}</h2>", capitalized(T::QueryPlan.get(lang)));
        plan_table(html, T::PlanNPlusOne, &plan.n_plus_one, lang);
        plan_table(html, T::PlanIndexes, &plan.indexes, lang);
        if !plan.create_index.is_empty() {
            let _ = write!(
                html,
                "<h3>{}</h3>\n<pre>",
                capitalized(T::IndexesToCreate.get(lang))
            );
            for statement in &plan.create_index {
                markup_escape(statement, html);
                html.push('\n');
            }
            html.push_str("</pre>\n");
        }
        plan_table(html, T::PlanPagination, &plan.pagination, lang);
    }
    let cache = &d.cache_strategy;
    if cache.ttls.is_empty() && cache.findings.is_empty() && cache.policy.is_empty() {
        return;
    }
    let _ = writeln!(html, "<h2>{}</h2>", capitalized(T::CacheStrategy.get(lang)));
    if !cache.policy.is_empty() {
        table_head(
            html,
            &[T::DataClass, T::PolicyStrategy, T::PolicyTtl, T::Measured]
                .map(|column| column.get(lang)),
        );
        for row in &cache.policy {
            let measured = cache
                .ttls
                .iter()
                .filter(|t| t.data_class == row.data_class)
                .count();
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&row.data_class),
                escape(row.strategy.as_deref().unwrap_or("—")),
                escape(row.ttl.as_deref().unwrap_or(T::Variable.get(lang))),
                T::TtlCount.with(lang, &[("n", &measured)]),
            );
        }
        html.push_str("</table>\n");
    }
    if !cache.ttls.is_empty() {
        let _ = writeln!(html, "<h3>{}</h3>", capitalized(T::MeasuredTtls.get(lang)));
        table_head(
            html,
            &[
                T::DataClass.get(lang),
                T::Cache.get(lang),
                "TTL",
                T::RecommendedMax.get(lang),
                T::Status.get(lang),
                T::Location.get(lang),
            ],
        );
        for ttl in cache.ttls.iter().take(MAX_METRICS) {
            let value = ttl.value.map_or_else(
                || T::NoData.get(lang).to_owned(),
                |v| format!("{} {}", support::format_value(v), ttl.unit),
            );
            let max = ttl.recommended_max.map_or_else(
                || "—".to_owned(),
                |v| format!("{} {}", support::format_value(v), ttl.unit),
            );
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>",
                escape(&ttl.data_class),
                escape(ttl.cache.as_deref().unwrap_or("—")),
                escape(&value),
                escape(&max)
            );
            status_badge(html, ttl.status, lang);
            let _ = writeln!(html, "</td><td>{}</td></tr>", location(ttl.span.as_ref()));
        }
        html.push_str("</table>\n");
    }
    plan_table(html, T::CacheFindings, &cache.findings, lang);
}

fn checklist(html: &mut String, report: &Report) {
    let phases = &report.judgement.checklist;
    if phases.is_empty() {
        return;
    }
    let lang = report.judgement.lang;
    let _ = writeln!(html, "<h2>{}</h2>", capitalized(T::Checklist.get(lang)));
    table_head(
        html,
        &[T::Phase, T::Item, T::State, T::Evidence].map(|column| column.get(lang)),
    );
    for phase in phases {
        for item in &phase.items {
            let (mark, color) = match item.status {
                ItemStatus::Verified => ("✓", "var(--met)"),
                ItemStatus::Violated => ("✗", "var(--alert)"),
                ItemStatus::Unknown => ("?", "var(--no-data)"),
            };
            let mark = format!("{mark} {}", i18n::item_status(item.status, lang));
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td style=\"color:{color};white-space:nowrap\">{mark}</td><td class=\"muted\">{}</td></tr>",
                escape(i18n::area(&phase.phase, lang)),
                escape(&item.text),
                escape(&item.evidence.join("; "))
            );
        }
    }
    html.push_str("</table>\n");
}

fn code_frame(html: &mut String, sources: &mut Sources<'_>, span: &Span) -> bool {
    let first = span.line.saturating_sub(CONTEXT).max(1);
    let last = span.end_line.max(span.line).min(span.line + 10) + CONTEXT;
    let mut lines = Vec::new();
    for n in first..=last {
        match sources.line(&span.path, n) {
            Some(text) => lines.push((n, text.to_owned())),
            None => break,
        }
    }
    if !lines.iter().any(|(n, _)| *n == span.line) {
        return false;
    }
    let width = last.to_string().len();
    html.push_str("<pre>");
    for (n, text) in lines {
        let hit = n >= span.line && n <= span.end_line.max(span.line);
        html.push_str(if hit {
            "<span class=\"hit\">"
        } else {
            "<span>"
        });
        let _ = write!(html, "<span class=\"no\">{n:>width$} │ </span>");
        markup_escape(&text, html);
        html.push_str("</span>");
    }
    html.push_str("</pre>\n");
    true
}

fn finding_block(
    html: &mut String,
    sources: &mut Sources<'_>,
    finding: &JudgedFinding,
    lang: Lang,
) {
    let raw = &finding.finding;
    html.push_str("<div class=\"finding\"><div class=\"head\">");
    status_badge(html, finding.status, lang);
    let _ = write!(
        html,
        "<strong>{} {}</strong><span class=\"muted\">{} · {} · {}</span></div>\n<div>{}</div>\n",
        escape(&raw.rule),
        escape(&raw.rule_name),
        location(raw.span.as_ref()),
        escape(&raw.policy_ref),
        escape(&raw.plugin),
        escape(&raw.message)
    );
    let framed = raw
        .span
        .as_ref()
        .is_some_and(|span| code_frame(html, sources, span));
    if !framed && let Some(evidence) = &raw.evidence {
        html.push_str("<pre>");
        markup_escape(evidence, html);
        html.push_str("</pre>\n");
    }
    if let Some(fix) = &raw.fix {
        html.push_str("<div class=\"fix\">");
        markup_escape(fix, html);
        html.push_str("</div>\n");
    }
    html.push_str("</div>\n");
}

fn findings(html: &mut String, report: &Report) {
    let list = &report.judgement.findings;
    if list.is_empty() {
        return;
    }
    let lang = report.judgement.lang;
    let _ = writeln!(
        html,
        "<h2>{} ({})</h2>",
        capitalized(T::Findings.get(lang)),
        list.len()
    );
    let mut sources = Sources::new(Path::new(&report.project.root));
    for i in support::worst_first(list, |f| f.status)
        .into_iter()
        .take(MAX_FINDINGS)
    {
        finding_block(html, &mut sources, &list[i], lang);
    }
    if list.len() > MAX_FINDINGS {
        let _ = writeln!(
            html,
            "<p class=\"muted\">{}</p>",
            T::MoreFindingsInJson.with(lang, &[("n", &(list.len() - MAX_FINDINGS))])
        );
    }
}

fn metrics(html: &mut String, report: &Report) {
    let list = &report.judgement.metrics;
    if list.is_empty() {
        return;
    }
    let lang = report.judgement.lang;
    let _ = writeln!(
        html,
        "<h2>{} ({})</h2>",
        capitalized(T::Metrics.get(lang)),
        list.len()
    );
    table_head(
        html,
        &[
            T::Status,
            T::Metrics,
            T::Value,
            T::Thresholds,
            T::Policy,
            T::Source,
        ]
        .map(|column| column.get(lang)),
    );
    for i in support::worst_first(list, |m| m.status)
        .into_iter()
        .take(MAX_METRICS)
    {
        let m = &list[i];
        html.push_str("<tr><td>");
        status_badge(html, m.status, lang);
        let thresholds = m
            .thresholds
            .as_ref()
            .map(|t| support::thresholds_text(t, &m.unit, report.judgement.lang))
            .unwrap_or_default();
        let source = match (&m.plugin, &m.span) {
            (Some(plugin), Some(span)) => format!("{plugin} · {}:{}", span.path, span.line),
            (Some(plugin), None) => plugin.clone(),
            (None, _) => m.note.clone().unwrap_or_default(),
        };
        let _ = writeln!(
            html,
            "</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"muted\">{}</td></tr>",
            escape(&support::metric_label(m)),
            escape(&support::metric_value(m, report.judgement.lang)),
            escape(&thresholds),
            escape(m.policy_ref.as_deref().unwrap_or("—")),
            escape(&source)
        );
    }
    html.push_str("</table>\n");
    if list.len() > MAX_METRICS {
        let _ = writeln!(
            html,
            "<p class=\"muted\">{}</p>",
            T::MoreMetricsInJson.with(lang, &[("n", &(list.len() - MAX_METRICS))])
        );
    }
}

fn plugins(html: &mut String, report: &Report) {
    if report.plugins.is_empty() {
        return;
    }
    let lang = report.judgement.lang;
    let _ = writeln!(html, "<h2>{}</h2>", capitalized(T::PluginHealth.get(lang)));
    table_head(
        html,
        &[
            T::Plugin,
            T::Version,
            T::Status,
            T::Time,
            T::Artifacts,
            T::Findings,
            T::Metrics,
            T::Error,
        ]
        .map(|column| column.get(lang)),
    );
    for p in &report.plugins {
        let status = support::plugin_status_name(p.status);
        let color = if p.status.is_failure() {
            "var(--alert)"
        } else {
            "var(--met)"
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td style=\"color:{color}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.name),
            escape(p.version.as_deref().unwrap_or("—")),
            escape(&status),
            T::LoadTime.with(
                lang,
                &[
                    ("ms", &format!("{:.1}", p.duration_ms)),
                    ("load", &format!("{:.1}", p.load_ms)),
                ],
            ),
            p.artifacts,
            p.findings,
            p.metrics,
            escape(p.error.as_deref().unwrap_or(""))
        );
    }
    html.push_str("</table>\n");
}
