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

use perfwarden_policy::i18n::{self, Lang, T};
use perfwarden_policy::model::Span;
use perfwarden_policy::{ItemStatus, Status};

use super::Report;
use super::deliverables::PlanItem;
use super::support::{self, capitalized, markdown_inline};

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

fn status_mark(status: Status, lang: Lang) -> String {
    let mark = match status {
        Status::Alert => "🔴",
        Status::AtRisk => "🟠",
        Status::Acceptable => "🔵",
        Status::Met => "🟢",
        Status::NoData => "⚪",
    };
    format!("{mark} {}", i18n::status(status, lang))
}

fn at(span: Option<&Span>) -> String {
    span.map_or_else(
        || "—".to_owned(),
        |s| cell(&format!("{}:{}", s.path, s.line)),
    )
}

fn more(md: &mut String, total: usize, shown: usize, lang: Lang) {
    if total > shown {
        let _ = writeln!(md, "\n{}", T::More.with(lang, &[("n", &(total - shown))]));
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
    let lang = j.lang;
    let mut md = String::new();
    let fail_on = support::fail_on_text(report);
    let verdict = if report.verdict.passed {
        format!("{} (fail-on {fail_on})", T::Passing.get(lang))
    } else {
        format!("**{}** (fail-on {fail_on})", T::Failing.get(lang))
    };
    let _ = writeln!(
        md,
        "## {}\n",
        T::MdHeading.with(lang, &[("score", &j.score.overall), ("verdict", &verdict)])
    );
    let _ = writeln!(
        md,
        "{}\n",
        T::MdCounts.with(
            lang,
            &[
                ("name", &cell(&j.policy.name)),
                ("version", &cell(&j.policy.version)),
                ("findings", &j.summary.findings),
                ("metrics", &j.summary.metrics),
                ("escalations", &j.summary.escalations),
                ("errors", &j.summary.plugin_errors),
            ],
        )
    );

    let worst = support::worst_status_per_area(j);
    if !worst.is_empty() {
        let _ = writeln!(md, "{}\n|---|---:|---|---:|---:|", T::MdAreaTable.get(lang));
        for (area, status) in &worst {
            let score = j.score.areas.get(*area);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                cell(i18n::area(area, lang)),
                score.map_or_else(|| "—".to_owned(), |s| s.score.to_string()),
                status_mark(*status, lang),
                score.map_or(0, |s| s.findings),
                score.map_or(0, |s| s.metrics),
            );
        }
        md.push('\n');
    }

    if !j.escalations.is_empty() {
        let _ = writeln!(md, "### {}\n", capitalized(T::Escalations.get(lang)));
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
                let more = T::More.with(lang, &[("n", &(escalation.evidence.len() - 5))]);
                let _ = writeln!(md, "  - {more}");
            }
        }
        more(&mut md, j.escalations.len(), ROWS, lang);
        md.push('\n');
    }

    let failing_findings: Vec<usize> = support::worst_first(&j.findings, |f| f.status)
        .into_iter()
        .filter(|&i| support::fails(j.findings[i].status))
        .collect();
    if !failing_findings.is_empty() {
        let _ = writeln!(
            md,
            "### {}\n\n{}\n|---|---|---|---|",
            capitalized(T::WorstFindings.get(lang)),
            T::MdFindingTable.get(lang)
        );
        for &i in failing_findings.iter().take(ROWS) {
            let f = &j.findings[i];
            let _ = writeln!(
                md,
                "| {} | {} {} | {} | {} |",
                status_mark(f.status, lang),
                cell(&f.finding.rule),
                cell(&f.finding.rule_name),
                at(f.finding.span.as_ref()),
                cell(&f.finding.message)
            );
        }
        more(&mut md, failing_findings.len(), ROWS, lang);
        md.push('\n');
    }

    let failing_metrics: Vec<usize> = support::worst_first(&j.metrics, |m| m.status)
        .into_iter()
        .filter(|&i| support::fails(j.metrics[i].status))
        .collect();
    if !failing_metrics.is_empty() {
        let _ = writeln!(
            md,
            "### {}\n\n{}\n|---|---|---:|---|",
            capitalized(T::WorstMetrics.get(lang)),
            T::MdMetricTable.get(lang)
        );
        for &i in failing_metrics.iter().take(ROWS) {
            let m = &j.metrics[i];
            let thresholds = m
                .thresholds
                .as_ref()
                .map(|t| support::thresholds_text(t, &m.unit, lang))
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                status_mark(m.status, lang),
                cell(&support::metric_label(m)),
                cell(&support::metric_value(m, lang)),
                cell(&thresholds)
            );
        }
        more(&mut md, failing_metrics.len(), ROWS, lang);
        md.push('\n');
    }
    let no_data = j
        .metrics
        .iter()
        .filter(|m| m.status == Status::NoData)
        .count();
    if no_data > 0 {
        let _ = writeln!(md, "{}\n", T::MdNoDataCount.with(lang, &[("n", &no_data)]));
    }

    deliverables(&mut md, report);
    checklist(&mut md, report);

    let failed: Vec<_> = report
        .plugins
        .iter()
        .filter(|p| p.status.is_failure())
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(md, "### {}\n", T::PluginErrors.get(lang));
        for plugin in failed.iter().take(ROWS) {
            let status = support::plugin_status_name(plugin.status);
            let _ = writeln!(
                md,
                "- {} ({}): {}",
                cell(&plugin.name),
                status,
                cell(plugin.error.as_deref().unwrap_or(T::NoDetail.get(lang)))
            );
        }
        more(&mut md, failed.len(), ROWS, lang);
        md.push('\n');
    }
    truncate(md, lang)
}

fn plan_rows(md: &mut String, title: T, items: &[PlanItem], lang: Lang) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(md, "**{}** ({})\n", title.get(lang), items.len());
    for item in items.iter().take(ROWS) {
        let _ = writeln!(
            md,
            "- {} {}: {}",
            status_mark(item.status, lang),
            T::At.with(
                lang,
                &[
                    ("what", &cell(&item.rule)),
                    ("location", &at(item.span.as_ref()))
                ],
            ),
            cell(&item.message)
        );
    }
    more(md, items.len(), ROWS, lang);
    md.push('\n');
}

fn deliverables(md: &mut String, report: &Report) {
    let d = &report.deliverables;
    let lang = report.judgement.lang;
    let plan = &d.query_plan;
    if !plan.n_plus_one.is_empty() || !plan.indexes.is_empty() || !plan.pagination.is_empty() {
        let _ = writeln!(md, "### {}\n", capitalized(T::QueryPlan.get(lang)));
        plan_rows(md, T::PlanNPlusOne, &plan.n_plus_one, lang);
        plan_rows(md, T::PlanIndexes, &plan.indexes, lang);
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
            more(md, plan.create_index.len(), statements.len(), lang);
            md.push('\n');
        }
        plan_rows(md, T::PlanPagination, &plan.pagination, lang);
    }
    let cache = &d.cache_strategy;
    if !cache.ttls.is_empty() || !cache.findings.is_empty() {
        let _ = writeln!(md, "### {}\n", capitalized(T::CacheStrategy.get(lang)));
        if !cache.ttls.is_empty() || !cache.policy.is_empty() {
            let _ = writeln!(md, "{}\n|---|---|---|---|", T::MdCacheTable.get(lang));
            let mut classes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for row in &cache.policy {
                classes.entry(row.data_class.as_str()).or_default();
            }
            for ttl in &cache.ttls {
                let value = ttl.value.map_or_else(
                    || T::NoData.get(lang).to_owned(),
                    |v| format!("{} {}", support::format_value(v), ttl.unit),
                );
                let name = ttl.cache.as_deref().unwrap_or("cache");
                classes
                    .entry(ttl.data_class.as_str())
                    .or_default()
                    .push(format!(
                        "{name} {value} ({})",
                        i18n::status(ttl.status, lang)
                    ));
            }
            for (class, measured) in classes.iter().take(ROWS) {
                let policy = cache.policy.iter().find(|p| p.data_class == *class);
                let shown: Vec<&str> = measured.iter().take(5).map(String::as_str).collect();
                let mut measured_text = shown.join("; ");
                if measured.len() > shown.len() {
                    let more = T::More.with(lang, &[("n", &(measured.len() - shown.len()))]);
                    let _ = write!(measured_text, "; {more}");
                }
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} |",
                    cell(class),
                    cell(policy.and_then(|p| p.strategy.as_deref()).unwrap_or("—")),
                    cell(policy.and_then(|p| p.ttl.as_deref()).unwrap_or("—")),
                    if measured.is_empty() {
                        T::NotMeasured.get(lang).to_owned()
                    } else {
                        cell(&measured_text)
                    }
                );
            }
            more(md, classes.len(), ROWS, lang);
            md.push('\n');
        }
        plan_rows(md, T::CacheFindings, &cache.findings, lang);
    }
}

fn checklist(md: &mut String, report: &Report) {
    let phases = &report.judgement.checklist;
    if phases.is_empty() {
        return;
    }
    let lang = report.judgement.lang;
    let counts = &report.judgement.summary.checklist;
    let count = |key: &str| counts.get(key).copied().unwrap_or(0);
    let summary = T::MdChecklistSummary.with(
        lang,
        &[
            ("verified", &count("verified")),
            ("violated", &count("violated")),
            ("unknown", &count("unknown")),
        ],
    );
    let _ = writeln!(md, "<details><summary>{summary}</summary>\n");
    let _ = writeln!(md, "{}\n|---|---|---|---|", T::MdChecklistTable.get(lang));
    for phase in phases {
        for item in &phase.items {
            let mark = match item.status {
                ItemStatus::Verified => "✅",
                ItemStatus::Violated => "❌",
                ItemStatus::Unknown => "❔",
            };
            let state = format!("{mark} {}", i18n::item_status(item.status, lang));
            let _ = writeln!(
                md,
                "| {} | {} | {state} | {} |",
                cell(i18n::area(&phase.phase, lang)),
                cell(&item.text),
                cell(&item.evidence.join("; "))
            );
        }
    }
    md.push_str("\n</details>\n\n");
}

/// The text cut at [`MAX_BYTES`] on a line boundary, with a marker.
fn truncate(mut md: String, lang: Lang) -> String {
    if md.len() <= MAX_BYTES {
        return md;
    }
    let marker = format!("\n{}\n", T::Truncated.get(lang));
    let mut cut = MAX_BYTES - marker.len();
    while !md.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(newline) = md[..cut].rfind('\n') {
        cut = newline;
    }
    md.truncate(cut);
    md.push_str(&marker);
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
        let cut = truncate(text, Lang::En);
        assert!(cut.len() <= MAX_BYTES);
        assert!(cut.ends_with("see the full report\n"));
    }
}
