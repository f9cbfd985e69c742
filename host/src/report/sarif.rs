//! SARIF 2.1.0 for GitHub code scanning: one run, the rules with their
//! docs, one result per finding and per failing metric.
//!
//! GitHub refuses results without a location, so findings and metrics
//! without a span are left out and counted in the run's properties
//! (`unlocated`); the JSON report keeps them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use perfwarden_policy::model::Span;
use perfwarden_policy::{JudgedFinding, JudgedMetric, Status};

use super::Report;
use super::support::{self, Fingerprints};

/// Where the schema lives; viewers use it to recognise the file.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Key of our fingerprint in `partialFingerprints` (versioned, so a change
/// of computation does not collide with old values).
const FINGERPRINT_KEY: &str = "perfwarden/v1";

/// The SARIF `level` of a status.
pub fn level(status: Status) -> &'static str {
    match status {
        Status::Alert => "error",
        Status::AtRisk => "warning",
        Status::Acceptable => "note",
        Status::Met | Status::NoData => "none",
    }
}

/// The SARIF log as a JSON value.
pub fn to_value(report: &Report) -> Value {
    let judgement = &report.judgement;
    let root = Path::new(&report.project.root);
    let mut fingerprints = Fingerprints::new(root);
    // A rule's default level is its policy entry's status, as judged.
    let mut entry_status: BTreeMap<&str, Status> = BTreeMap::new();
    for finding in &judgement.findings {
        entry_status
            .entry(finding.finding.policy_ref.as_str())
            .or_insert(finding.status);
    }
    let mut rules: BTreeMap<String, Value> = report
        .rules
        .iter()
        .map(|rule| {
            let status = entry_status.get(rule.policy_ref.as_str()).copied();
            let value = json!({
                "id": rule.id,
                "name": rule.name,
                "shortDescription": { "text": rule.summary },
                "fullDescription": { "text": format!("{} (policy: {})", rule.summary, rule.policy_ref) },
                "help": { "text": rule.docs, "markdown": rule.docs },
                "defaultConfiguration": { "level": status.map_or("warning", level) },
                "properties": { "tags": ["performance"], "policy_ref": rule.policy_ref },
            });
            (rule.id.clone(), value)
        })
        .collect();

    let mut results = Vec::with_capacity(judgement.findings.len());
    let mut unlocated = 0usize;
    for finding in &judgement.findings {
        let raw = &finding.finding;
        let Some(span) = &raw.span else {
            unlocated += 1;
            continue;
        };
        rules
            .entry(raw.rule.clone())
            .or_insert_with(|| fallback_rule(finding));
        results.push(finding_result(finding, span, fingerprints.finding(finding)));
    }
    for metric in &judgement.metrics {
        if !support::fails(metric.status) {
            continue;
        }
        let Some(span) = &metric.span else {
            unlocated += 1;
            continue;
        };
        let id = metric_rule_id(metric);
        rules
            .entry(id.clone())
            .or_insert_with(|| metric_rule(metric, &id));
        results.push(metric_result(
            metric,
            &id,
            span,
            fingerprints.metric(metric),
        ));
    }

    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules.into_values().collect::<Vec<_>>(),
                }
            },
            "results": results,
            "properties": {
                "score": judgement.score.overall,
                "policy": { "name": judgement.policy.name, "version": judgement.policy.version },
                "passed": report.verdict.passed,
                "unlocated": unlocated,
            },
        }],
    })
}

/// Write the SARIF log.
pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report))?;
    writeln!(out)
}

/// A rule seen in findings but not among the plugins' rule infos (a
/// finding of an undeclared rule): described from the finding.
fn fallback_rule(finding: &JudgedFinding) -> Value {
    let raw = &finding.finding;
    let description = finding
        .title
        .clone()
        .unwrap_or_else(|| raw.rule_name.clone());
    json!({
        "id": raw.rule,
        "name": raw.rule_name,
        "shortDescription": { "text": description },
        "fullDescription": { "text": format!("{description} (policy: {})", raw.policy_ref) },
        "help": { "text": description, "markdown": support::markdown_inline(&description) },
        "defaultConfiguration": { "level": level(finding.status) },
        "properties": { "tags": ["performance", finding.area], "policy_ref": raw.policy_ref },
    })
}

/// Metrics are judged by policy rows: the row is the rule.
fn metric_rule_id(metric: &JudgedMetric) -> String {
    metric
        .policy_ref
        .clone()
        .unwrap_or_else(|| metric.name.clone())
}

fn metric_rule(metric: &JudgedMetric, id: &str) -> Value {
    let title = metric.title.clone().unwrap_or_else(|| metric.name.clone());
    let help = match &metric.thresholds {
        Some(t) => format!(
            "{title}: the policy row `{id}` judges {} ({}).",
            metric.name,
            support::thresholds_text(t, &metric.unit)
        ),
        None => format!("{title}: the policy row `{id}` judges {}.", metric.name),
    };
    json!({
        "id": id,
        "name": title,
        "shortDescription": { "text": title },
        "fullDescription": { "text": help },
        "help": { "text": help, "markdown": support::markdown_inline(&help) },
        "defaultConfiguration": { "level": "warning" },
        "properties": {
            "tags": ["performance", "metric", metric.area.as_deref().unwrap_or("other")],
            "policy_ref": id,
        },
    })
}

fn finding_result(finding: &JudgedFinding, span: &Span, fingerprint: String) -> Value {
    let raw = &finding.finding;
    let mut properties = json!({
        "status": finding.status.as_str(),
        "area": finding.area,
        "plugin": raw.plugin,
        "policy_ref": raw.policy_ref,
        "confidence": raw.confidence,
    });
    if let Some(object) = properties.as_object_mut() {
        if let Some(evidence) = &raw.evidence {
            object.insert("evidence".into(), json!(evidence));
        }
        if let Some(fix) = &raw.fix {
            object.insert("fix".into(), json!(fix));
        }
    }
    let text = match &raw.fix {
        Some(fix) => format!("{}\nFix: {fix}", raw.message),
        None => raw.message.clone(),
    };
    json!({
        "ruleId": raw.rule,
        "level": level(finding.status),
        "message": { "text": text },
        "locations": [location(span)],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
        "properties": properties,
    })
}

fn metric_result(metric: &JudgedMetric, id: &str, span: &Span, fingerprint: String) -> Value {
    let title = metric.title.as_deref().unwrap_or(&metric.name);
    json!({
        "ruleId": id,
        "level": level(metric.status),
        "message": {
            "text": format!("{title}: {} is {}", support::metric_summary(metric), metric.status),
        },
        "locations": [location(span)],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
        "properties": {
            "status": metric.status.as_str(),
            "area": metric.area,
            "plugin": metric.plugin,
            "value": metric.value,
            "unit": metric.unit,
            "labels": metric.labels,
            "thresholds": metric.thresholds,
        },
    })
}

fn location(span: &Span) -> Value {
    // SARIF lines and columns start at 1 and the end column is exclusive;
    // spans are 1-based with an inclusive end. Plugins may send 0 for
    // "unknown", which SARIF rejects: clamp.
    let start_line = span.line.max(1);
    let start_column = span.column.max(1);
    let end_line = span.end_line.max(start_line);
    let end_column = if end_line == start_line {
        span.end_column.max(start_column) + 1
    } else {
        span.end_column.max(1) + 1
    };
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": relative_uri(&span.path), "uriBaseId": "%SRCROOT%" },
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            },
        }
    })
}

/// A project-relative path as a relative URI reference: forward slashes,
/// no leading `./` or `/`, and everything but unreserved characters and
/// `/` percent-encoded.
pub fn relative_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./").trim_start_matches('/');
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(relative_uri("./src/a b#1.js"), "src/a%20b%231.js");
        assert_eq!(relative_uri("sql\\é.sql"), "sql/%C3%A9.sql");
    }

    #[test]
    fn levels_follow_statuses() {
        assert_eq!(level(Status::Alert), "error");
        assert_eq!(level(Status::AtRisk), "warning");
        assert_eq!(level(Status::Acceptable), "note");
        assert_eq!(level(Status::Met), "none");
    }

    #[test]
    fn regions_are_one_based_with_an_exclusive_end() {
        let span = Span {
            path: "a.sql".into(),
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 4,
        };
        let region = &location(&span)["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 1);
        assert_eq!(region["startColumn"], 1);
        assert_eq!(region["endLine"], 1);
        assert_eq!(region["endColumn"], 5);
    }
}
