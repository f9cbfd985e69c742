//! A compact Markdown summary for a pull-request comment or
//! `$GITHUB_STEP_SUMMARY`: score, status per area, the worst findings and
//! metrics, escalations, the deliverables and the checklist.
//!
//! GitHub caps a comment at 65 536 characters and a step summary at 1 MiB,
//! so every list is cut with "… N more" and every cell is shortened; a
//! last guard truncates the whole text at [`MAX_BYTES`] whatever the input.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use perfwarden_policy::model::Span;
use perfwarden_policy::{ItemStatus, Status};

use super::Report;
use super::deliverables::PlanItem;
use super::support::{self, markdown_inline};

/// Hard cap of the summary, in bytes.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Rows of each list.
const ROWS: usize = 15;
/// Characters of one cell.
const CELL: usize = 240;

/// Escaped and shortened to [`CELL`] characters.
fn cell(text: &str) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(CELL).collect();
    let mut out = markdown_inline(&short);
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

fn status_mark(status: Status) -> &'static str {
    match status {
        Status::Alert => "🔴 alert",
        Status::AtRisk => "🟠 at-risk",
        Status::Acceptable => "🔵 acceptable",
        Status::Met => "🟢 met",
        Status::NoData => "⚪ no-data",
    }
}

fn at(span: Option<&Span>) -> String {
    span.map_or_else(
        || "—".to_owned(),
        |s| cell(&format!("{}:{}", s.path, s.line)),
    )
}

fn more(md: &mut String, total: usize, shown: usize) {
    if total > shown {
        let _ = writeln!(md, "\n… {} more", total - shown);
    }
}

/// A fence longer than any backtick run of `text`.
fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// The summary as text, at most [`MAX_BYTES`].
pub fn to_string(report: &Report) -> String {
    let j = &report.judgement;
    let mut md = String::new();
    let verdict = match (report.verdict.passed, report.verdict.fail_on) {
        (true, fail_on) => format!(
            "passed (fail-on {})",
            fail_on.map_or("never", Status::as_str)
        ),
        (false, fail_on) => format!(
            "**failed** (fail-on {})",
            fail_on.map_or("never", Status::as_str)
        ),
    };
    let _ = writeln!(
        md,
        "## perfwarden: score {}/100, {verdict}\n",
        j.score.overall
    );
    let _ = writeln!(
        md,
        "Policy {} {} · {} findings · {} metrics · {} escalations · {} plugin errors\n",
        cell(&j.policy.name),
        cell(&j.policy.version),
        j.summary.findings,
        j.summary.metrics,
        j.summary.escalations,
        j.summary.plugin_errors
    );

    let worst = support::worst_status_per_area(j);
    if !worst.is_empty() {
        md.push_str("| Area | Score | Status | Findings | Metrics |\n|---|---:|---|---:|---:|\n");
        for (area, status) in &worst {
            let score = j.score.areas.get(*area);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                cell(area),
                score.map_or_else(|| "—".to_owned(), |s| s.score.to_string()),
                status_mark(*status),
                score.map_or(0, |s| s.findings),
                score.map_or(0, |s| s.metrics),
            );
        }
        md.push('\n');
    }

    if !j.escalations.is_empty() {
        md.push_str("### Escalations\n\n");
        for escalation in j.escalations.iter().take(ROWS) {
            let _ = writeln!(
                md,
                "- **{}** → {} ({})",
                cell(&escalation.situation),
                cell(&escalation.action),
                cell(&escalation.owner)
            );
            for evidence in escalation.evidence.iter().take(5) {
                let _ = writeln!(md, "  - {}", cell(evidence));
            }
            if escalation.evidence.len() > 5 {
                let _ = writeln!(md, "  - … {} more", escalation.evidence.len() - 5);
            }
        }
        more(&mut md, j.escalations.len(), ROWS);
        md.push('\n');
    }

    let failing_findings: Vec<usize> = support::worst_first(&j.findings, |f| f.status)
        .into_iter()
        .filter(|&i| support::fails(j.findings[i].status))
        .collect();
    if !failing_findings.is_empty() {
        md.push_str(
            "### Worst findings\n\n| Status | Rule | Location | Message |\n|---|---|---|---|\n",
        );
        for &i in failing_findings.iter().take(ROWS) {
            let f = &j.findings[i];
            let _ = writeln!(
                md,
                "| {} | {} {} | {} | {} |",
                status_mark(f.status),
                cell(&f.finding.rule),
                cell(&f.finding.rule_name),
                at(f.finding.span.as_ref()),
                cell(&f.finding.message)
            );
        }
        more(&mut md, failing_findings.len(), ROWS);
        md.push('\n');
    }

    let failing_metrics: Vec<usize> = support::worst_first(&j.metrics, |m| m.status)
        .into_iter()
        .filter(|&i| support::fails(j.metrics[i].status))
        .collect();
    if !failing_metrics.is_empty() {
        md.push_str(
            "### Worst metrics\n\n| Status | Metric | Value | Thresholds |\n|---|---|---:|---|\n",
        );
        for &i in failing_metrics.iter().take(ROWS) {
            let m = &j.metrics[i];
            let thresholds = m
                .thresholds
                .as_ref()
                .map(|t| support::thresholds_text(t, &m.unit))
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                status_mark(m.status),
                cell(&support::metric_label(m)),
                cell(&support::metric_value(m)),
                cell(&thresholds)
            );
        }
        more(&mut md, failing_metrics.len(), ROWS);
        md.push('\n');
    }
    let no_data = j
        .metrics
        .iter()
        .filter(|m| m.status == Status::NoData)
        .count();
    if no_data > 0 {
        let _ = writeln!(
            md,
            "{no_data} expected metrics were not measured (no-data): see the full report.\n"
        );
    }

    deliverables(&mut md, report);
    checklist(&mut md, report);

    let failed: Vec<_> = report
        .plugins
        .iter()
        .filter(|p| p.status.is_failure())
        .collect();
    if !failed.is_empty() {
        md.push_str("### Plugin errors\n\n");
        for plugin in failed.iter().take(ROWS) {
            let status = serde_json::to_value(plugin.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "- {} ({}): {}",
                cell(&plugin.name),
                status,
                cell(plugin.error.as_deref().unwrap_or("no detail"))
            );
        }
        more(&mut md, failed.len(), ROWS);
        md.push('\n');
    }
    truncate(md)
}

fn plan_rows(md: &mut String, title: &str, items: &[PlanItem]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(md, "**{title}** ({})\n", items.len());
    for item in items.iter().take(ROWS) {
        let _ = writeln!(
            md,
            "- {} {} at {}: {}",
            status_mark(item.status),
            cell(&item.rule),
            at(item.span.as_ref()),
            cell(&item.message)
        );
    }
    more(md, items.len(), ROWS);
    md.push('\n');
}

fn deliverables(md: &mut String, report: &Report) {
    let d = &report.deliverables;
    let plan = &d.query_plan;
    if !plan.n_plus_one.is_empty() || !plan.indexes.is_empty() || !plan.pagination.is_empty() {
        md.push_str("### Query optimisation plan\n\n");
        plan_rows(md, "N+1 queries to batch or eager-load", &plan.n_plus_one);
        plan_rows(md, "Missing indexes", &plan.indexes);
        if !plan.create_index.is_empty() {
            let statements: Vec<&str> = plan
                .create_index
                .iter()
                .take(ROWS * 2)
                .map(String::as_str)
                .collect();
            let body: String = statements
                .iter()
                .map(|s| s.chars().take(CELL * 2).collect::<String>())
                .collect::<Vec<_>>()
                .join("\n");
            let fence = fence(&body);
            let _ = writeln!(md, "{fence}sql\n{body}\n{fence}");
            more(md, plan.create_index.len(), statements.len());
            md.push('\n');
        }
        plan_rows(md, "Pagination to convert to cursors", &plan.pagination);
    }
    let cache = &d.cache_strategy;
    if !cache.ttls.is_empty() || !cache.findings.is_empty() {
        md.push_str("### Cache strategy\n\n");
        if !cache.ttls.is_empty() || !cache.policy.is_empty() {
            md.push_str("| Data class | Policy strategy | Policy TTL | Measured TTLs |\n|---|---|---|---|\n");
            let mut classes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for row in &cache.policy {
                classes.entry(row.data_class.as_str()).or_default();
            }
            for ttl in &cache.ttls {
                let value = ttl.value.map_or_else(
                    || "no data".to_owned(),
                    |v| format!("{} {}", support::format_value(v), ttl.unit),
                );
                let name = ttl.cache.as_deref().unwrap_or("cache");
                classes
                    .entry(ttl.data_class.as_str())
                    .or_default()
                    .push(format!("{name} {value} ({})", ttl.status));
            }
            for (class, measured) in classes.iter().take(ROWS) {
                let policy = cache.policy.iter().find(|p| p.data_class == *class);
                let shown: Vec<&str> = measured.iter().take(5).map(String::as_str).collect();
                let mut measured_text = shown.join("; ");
                if measured.len() > shown.len() {
                    let _ = write!(measured_text, "; … {} more", measured.len() - shown.len());
                }
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} |",
                    cell(class),
                    cell(policy.and_then(|p| p.strategy.as_deref()).unwrap_or("—")),
                    cell(policy.and_then(|p| p.ttl.as_deref()).unwrap_or("—")),
                    if measured.is_empty() {
                        "not measured".to_owned()
                    } else {
                        cell(&measured_text)
                    }
                );
            }
            more(md, classes.len(), ROWS);
            md.push('\n');
        }
        plan_rows(md, "Cache findings", &cache.findings);
    }
}

fn checklist(md: &mut String, report: &Report) {
    let phases = &report.judgement.checklist;
    if phases.is_empty() {
        return;
    }
    let counts = &report.judgement.summary.checklist;
    let count = |key: &str| counts.get(key).copied().unwrap_or(0);
    let _ = writeln!(
        md,
        "<details><summary>Checklist: {} verified, {} violated, {} unknown</summary>\n",
        count("verified"),
        count("violated"),
        count("unknown")
    );
    md.push_str("| Phase | Item | State | Evidence |\n|---|---|---|---|\n");
    for phase in phases {
        for item in &phase.items {
            let state = match item.status {
                ItemStatus::Verified => "✅ verified",
                ItemStatus::Violated => "❌ violated",
                ItemStatus::Unknown => "❔ unknown",
            };
            let _ = writeln!(
                md,
                "| {} | {} | {state} | {} |",
                cell(&phase.phase),
                cell(&item.text),
                cell(&item.evidence.join("; "))
            );
        }
    }
    md.push_str("\n</details>\n\n");
}

/// The text cut at [`MAX_BYTES`] on a line boundary, with a marker.
fn truncate(mut md: String) -> String {
    const MARKER: &str = "\n… truncated: the summary reached its size limit; see the full report\n";
    if md.len() <= MAX_BYTES {
        return md;
    }
    let mut cut = MAX_BYTES - MARKER.len();
    while !md.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(newline) = md[..cut].rfind('\n') {
        cut = newline;
    }
    md.truncate(cut);
    md.push_str(MARKER);
    md
}

/// Write the summary.
pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(to_string(report).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_short_and_escaped() {
        let long = "a".repeat(1000);
        let shown = cell(&long);
        assert_eq!(shown.chars().count(), CELL + 1);
        assert_eq!(cell("x|y"), "x\\|y");
    }

    #[test]
    fn fences_outrun_backticks_inside() {
        assert_eq!(fence("CREATE INDEX i ON t (a);"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }

    #[test]
    fn truncation_keeps_the_cap() {
        let text = "line of text\n".repeat(200_000);
        let cut = truncate(text);
        assert!(cut.len() <= MAX_BYTES);
        assert!(cut.ends_with("see the full report\n"));
    }
}
