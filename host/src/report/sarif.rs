//! SARIF 2.1.0 for GitHub code scanning: one run, the rules with their
//! docs, one result per finding and per failing metric.
//!
//! GitHub refuses results without a location, so findings and metrics
//! without a span are left out and counted in the run's properties
//! (`unlocated`); the JSON report keeps them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use perfwarden_policy::i18n::{self, Lang, T};
use perfwarden_policy::model::{Confidence, Span};
use perfwarden_policy::{JudgedFinding, JudgedMetric, Status, Thresholds};

use super::Report;
use super::support::{self, Fingerprints};

/// Where the schema lives; viewers use it to recognise the file.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF `level` of a status.
pub fn level(status: Status) -> &'static str {
    match status {
        Status::Alert => "error",
        Status::AtRisk => "warning",
        Status::Acceptable => "note",
        Status::Met | Status::NoData => "none",
    }
}

// The log is written through borrowed structs rather than a
// `serde_json::Value` tree: a report of 100 000 findings would otherwise
// allocate a map and a string per key of every result.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    score: u8,
    policy: PolicyIdentity<'a>,
    passed: bool,
    unlocated: usize,
}

#[derive(Serialize)]
struct PolicyIdentity<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Text<'a> {
    text: Cow<'a, str>,
}

#[derive(Serialize)]
struct Help<'a> {
    text: Cow<'a, str>,
    markdown: Cow<'a, str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Help<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: DefaultConfiguration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: Vec<&'a str>,
    policy_ref: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    level: &'static str,
    message: Text<'a>,
    locations: [Location; 1],
    partial_fingerprints: PartialFingerprints,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
struct PartialFingerprints {
    /// Versioned, so a change of computation does not collide with old values.
    #[serde(rename = "perfwarden/v1")]
    fingerprint: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ResultProperties<'a> {
    Finding {
        status: Status,
        area: &'a str,
        plugin: &'a str,
        policy_ref: &'a str,
        confidence: Confidence,
        #[serde(skip_serializing_if = "Option::is_none")]
        evidence: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fix: Option<&'a str>,
    },
    Metric {
        status: Status,
        area: Option<&'a str>,
        plugin: Option<&'a str>,
        value: Option<f64>,
        unit: &'a str,
        labels: &'a BTreeMap<String, String>,
        thresholds: Option<&'a Thresholds>,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

/// Write the SARIF log.
pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let judgement = &report.judgement;
    let lang = judgement.lang;
    let root = Path::new(&report.project.root);
    let mut fingerprints = Fingerprints::new(root);
    // A rule's default level is its policy entry's status, as judged.
    let mut entry_status: BTreeMap<&str, Status> = BTreeMap::new();
    for finding in &judgement.findings {
        entry_status
            .entry(finding.finding.policy_ref.as_str())
            .or_insert(finding.status);
    }
    let mut rules: BTreeMap<&str, Rule<'_>> = report
        .rules
        .iter()
        .map(|rule| {
            let status = entry_status.get(rule.policy_ref.as_str()).copied();
            let value = Rule {
                id: &rule.id,
                name: &rule.name,
                short_description: Text {
                    text: Cow::Borrowed(&rule.summary),
                },
                full_description: Text {
                    text: Cow::Owned(T::PolicyRef.with(
                        lang,
                        &[("text", &rule.summary), ("entry", &rule.policy_ref)],
                    )),
                },
                help: Help {
                    text: Cow::Borrowed(&rule.docs),
                    markdown: Cow::Borrowed(&rule.docs),
                },
                help_uri: rule.help_uri.as_deref(),
                default_configuration: DefaultConfiguration {
                    level: status.map_or("warning", level),
                },
                properties: RuleProperties {
                    tags: vec!["performance"],
                    policy_ref: &rule.policy_ref,
                },
            };
            (rule.id.as_str(), value)
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
            .entry(raw.rule.as_str())
            .or_insert_with(|| fallback_rule(finding, lang));
        results.push(finding_result(
            finding,
            span,
            fingerprints.finding(finding),
            lang,
        ));
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
            .entry(id)
            .or_insert_with(|| metric_rule(metric, id, lang));
        results.push(metric_result(
            metric,
            id,
            span,
            fingerprints.metric(metric),
            lang,
        ));
    }

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: report.tool.name,
                    version: report.tool.version,
                    semantic_version: report.tool.version,
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: rules.into_values().collect(),
                },
            },
            results,
            properties: RunProperties {
                score: judgement.score.overall,
                policy: PolicyIdentity {
                    name: &judgement.policy.name,
                    version: &judgement.policy.version,
                },
                passed: report.verdict.passed,
                unlocated,
            },
        }],
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, &log)?;
    writeln!(out)?;
    out.flush()
}

/// A rule seen in findings but not among the plugins' rule infos (a
/// finding of an undeclared rule): described from the finding.
fn fallback_rule(finding: &JudgedFinding, lang: Lang) -> Rule<'_> {
    let raw = &finding.finding;
    let description = finding.title.as_deref().unwrap_or(&raw.rule_name);
    Rule {
        id: &raw.rule,
        name: &raw.rule_name,
        short_description: Text {
            text: Cow::Borrowed(description),
        },
        full_description: Text {
            text: Cow::Owned(
                T::PolicyRef.with(lang, &[("text", &description), ("entry", &raw.policy_ref)]),
            ),
        },
        help: Help {
            text: Cow::Borrowed(description),
            markdown: Cow::Owned(support::markdown_inline(description)),
        },
        help_uri: None,
        default_configuration: DefaultConfiguration {
            level: level(finding.status),
        },
        properties: RuleProperties {
            tags: vec!["performance", &finding.area],
            policy_ref: &raw.policy_ref,
        },
    }
}

/// Metrics are judged by policy rows: the row is the rule.
fn metric_rule_id(metric: &JudgedMetric) -> &str {
    metric.policy_ref.as_deref().unwrap_or(&metric.name)
}

fn metric_rule<'a>(metric: &'a JudgedMetric, id: &'a str, lang: Lang) -> Rule<'a> {
    let title = metric.title.as_deref().unwrap_or(&metric.name);
    let thresholds = metric.thresholds.as_ref().map_or_else(String::new, |t| {
        format!(" ({})", support::thresholds_text(t, &metric.unit, lang))
    });
    let help = T::PolicyRowJudges.with(
        lang,
        &[
            ("title", &title),
            ("row", &id),
            ("metric", &metric.name),
            ("thresholds", &thresholds),
        ],
    );
    let markdown = support::markdown_inline(&help);
    Rule {
        id,
        name: title,
        short_description: Text {
            text: Cow::Borrowed(title),
        },
        full_description: Text {
            text: Cow::Owned(help.clone()),
        },
        help: Help {
            text: Cow::Owned(help),
            markdown: Cow::Owned(markdown),
        },
        help_uri: None,
        default_configuration: DefaultConfiguration { level: "warning" },
        properties: RuleProperties {
            tags: vec![
                "performance",
                "metric",
                metric.area.as_deref().unwrap_or("other"),
            ],
            policy_ref: id,
        },
    }
}

fn finding_result<'a>(
    finding: &'a JudgedFinding,
    span: &'a Span,
    fingerprint: String,
    lang: Lang,
) -> SarifResult<'a> {
    let raw = &finding.finding;
    let text = match &raw.fix {
        Some(fix) => Cow::Owned(format!("{}\n{}: {fix}", raw.message, T::Fix.get(lang))),
        None => Cow::Borrowed(raw.message.as_str()),
    };
    SarifResult {
        rule_id: &raw.rule,
        level: level(finding.status),
        message: Text { text },
        locations: [location(span)],
        partial_fingerprints: PartialFingerprints { fingerprint },
        properties: ResultProperties::Finding {
            status: finding.status,
            area: &finding.area,
            plugin: &raw.plugin,
            policy_ref: &raw.policy_ref,
            confidence: raw.confidence,
            evidence: raw.evidence.as_deref(),
            fix: raw.fix.as_deref(),
        },
    }
}

fn metric_result<'a>(
    metric: &'a JudgedMetric,
    id: &'a str,
    span: &'a Span,
    fingerprint: String,
    lang: Lang,
) -> SarifResult<'a> {
    let title = metric.title.as_deref().unwrap_or(&metric.name);
    SarifResult {
        rule_id: id,
        level: level(metric.status),
        message: Text {
            text: Cow::Owned(format!(
                "{title}: {}",
                T::IsStatus.with(
                    lang,
                    &[
                        ("what", &support::metric_summary(metric, lang)),
                        ("status", &i18n::status(metric.status, lang)),
                    ],
                )
            )),
        },
        locations: [location(span)],
        partial_fingerprints: PartialFingerprints { fingerprint },
        properties: ResultProperties::Metric {
            status: metric.status,
            area: metric.area.as_deref(),
            plugin: metric.plugin.as_deref(),
            value: metric.value,
            unit: &metric.unit,
            labels: &metric.labels,
            thresholds: metric.thresholds.as_ref(),
        },
    }
}

fn location(span: &Span) -> Location {
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
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: relative_uri(&span.path),
                uri_base_id: "%SRCROOT%",
            },
            region: Region {
                start_line,
                start_column,
                end_line,
                end_column,
            },
        },
    }
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
        let region = location(&span).physical_location.region;
        assert_eq!(region.start_line, 1);
        assert_eq!(region.start_column, 1);
        assert_eq!(region.end_line, 1);
        assert_eq!(region.end_column, 5);
    }
}
