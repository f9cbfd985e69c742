//! JUnit XML, which every CI shows as tests: one test suite per area, one
//! test case per policy check (each metric and each finding). Met and
//! acceptable pass, at-risk and alert fail with the measured value and the
//! threshold, no-data is skipped. Failed plugins are errors in a `plugins`
//! suite, so a broken analyzer never looks like a clean pass.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use perfwarden_policy::i18n::{self, Lang, T};
use perfwarden_policy::{JudgedFinding, JudgedMetric, Status};

use super::Report;
use super::support::{self, markup_escape};

/// One test case, before writing.
struct Case {
    classname: String,
    name: String,
    outcome: Outcome,
}

enum Outcome {
    Pass,
    Failure {
        kind: Status,
        message: String,
        body: String,
    },
    Skipped(String),
    Error(String),
}

#[derive(Default)]
struct Suite {
    cases: Vec<Case>,
    failures: usize,
    skipped: usize,
    errors: usize,
}

impl Suite {
    fn push(&mut self, case: Case) {
        match case.outcome {
            Outcome::Pass => {}
            Outcome::Failure { .. } => self.failures += 1,
            Outcome::Skipped(_) => self.skipped += 1,
            Outcome::Error(_) => self.errors += 1,
        }
        self.cases.push(case);
    }
}

fn metric_case(metric: &JudgedMetric, lang: Lang) -> Case {
    let area = metric.area.as_deref().unwrap_or("other");
    let check = metric.policy_ref.as_deref().unwrap_or(&metric.name);
    let outcome = match metric.status {
        Status::Met | Status::Acceptable => Outcome::Pass,
        Status::NoData => Outcome::Skipped(
            metric
                .note
                .clone()
                .unwrap_or_else(|| T::NoData.get(lang).to_owned()),
        ),
        status @ (Status::AtRisk | Status::Alert) => {
            let thresholds = metric
                .thresholds
                .as_ref()
                .map(|t| support::thresholds_text(t, &metric.unit, lang))
                .unwrap_or_default();
            let mut body =
                T::JunitMeasured.with(lang, &[("value", &support::metric_value(metric, lang))]);
            body.push('\n');
            if !thresholds.is_empty() {
                let _ = writeln!(
                    body,
                    "{}",
                    T::JunitThreshold.with(lang, &[("thresholds", &thresholds)])
                );
            }
            if let Some(span) = &metric.span {
                let at = format!("{}:{}", span.path, span.line);
                let _ = writeln!(body, "{}", T::JunitAt.with(lang, &[("at", &at)]));
            }
            if let Some(plugin) = &metric.plugin {
                let _ = writeln!(body, "{}", T::JunitPlugin.with(lang, &[("plugin", plugin)]));
            }
            Outcome::Failure {
                kind: status,
                message: format!(
                    "{} = {} ({}; {thresholds})",
                    support::metric_label(metric),
                    support::metric_value(metric, lang),
                    i18n::status(status, lang)
                ),
                body,
            }
        }
    };
    Case {
        classname: format!("perfwarden.{area}.{check}"),
        name: support::metric_label(metric),
        outcome,
    }
}

fn finding_case(finding: &JudgedFinding, lang: Lang) -> Case {
    let raw = &finding.finding;
    let at = raw
        .span
        .as_ref()
        .map(|s| format!("{}:{}:{}", s.path, s.line, s.column))
        .unwrap_or_else(|| T::Project.get(lang).to_owned());
    let outcome = if support::fails(finding.status) {
        let mut body = T::JunitFindingBody.with(
            lang,
            &[
                ("message", &raw.message),
                ("rule", &raw.rule),
                ("name", &raw.rule_name),
                ("plugin", &raw.plugin),
                ("entry", &raw.policy_ref),
                ("status", &i18n::status(finding.status, lang)),
                ("at", &at),
            ],
        );
        body.push('\n');
        if let Some(evidence) = &raw.evidence {
            let _ = writeln!(
                body,
                "{}",
                T::JunitEvidence.with(lang, &[("evidence", evidence)])
            );
        }
        if let Some(fix) = &raw.fix {
            let _ = writeln!(body, "{}", T::JunitFix.with(lang, &[("fix", fix)]));
        }
        Outcome::Failure {
            kind: finding.status,
            message: raw.message.clone(),
            body,
        }
    } else {
        Outcome::Pass
    };
    Case {
        classname: format!("perfwarden.{}.{}", finding.area, raw.policy_ref),
        name: T::At.with(
            lang,
            &[
                ("what", &format!("{} {}", raw.rule, raw.rule_name)),
                ("location", &at),
            ],
        ),
        outcome,
    }
}

/// Write the JUnit report.
pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let judgement = &report.judgement;
    let mut suites: BTreeMap<String, Suite> = BTreeMap::new();
    for metric in &judgement.metrics {
        let area = metric.area.clone().unwrap_or_else(|| "other".to_owned());
        suites
            .entry(area)
            .or_default()
            .push(metric_case(metric, judgement.lang));
    }
    for finding in &judgement.findings {
        suites
            .entry(finding.area.clone())
            .or_default()
            .push(finding_case(finding, judgement.lang));
    }
    let mut plugins = Suite::default();
    for plugin in &report.plugins {
        let outcome = if plugin.status.is_failure() {
            Outcome::Error(
                plugin
                    .error
                    .clone()
                    .unwrap_or_else(|| serde_json::to_string(&plugin.status).unwrap_or_default()),
            )
        } else {
            Outcome::Pass
        };
        plugins.push(Case {
            classname: "perfwarden.plugins".to_owned(),
            name: plugin.name.clone(),
            outcome,
        });
    }
    if !plugins.cases.is_empty() {
        suites.insert("plugins".to_owned(), plugins);
    }

    let (tests, failures, skipped, errors) =
        suites.values().fold((0, 0, 0, 0), |(t, f, s, e), suite| {
            (
                t + suite.cases.len(),
                f + suite.failures,
                s + suite.skipped,
                e + suite.errors,
            )
        });
    let time = report.duration_ms as f64 / 1000.0;
    let mut xml = String::with_capacity(256 + tests * 200);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"perfwarden\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">"
    );
    for (name, suite) in &suites {
        xml.push_str("  <testsuite name=\"");
        markup_escape(name, &mut xml);
        let _ = writeln!(
            xml,
            "\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            suite.cases.len(),
            suite.failures,
            suite.errors,
            suite.skipped
        );
        for case in &suite.cases {
            write_case(&mut xml, case);
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())
}

fn write_case(xml: &mut String, case: &Case) {
    xml.push_str("    <testcase classname=\"");
    markup_escape(&case.classname, xml);
    xml.push_str("\" name=\"");
    markup_escape(&case.name, xml);
    xml.push('"');
    match &case.outcome {
        Outcome::Pass => xml.push_str("/>\n"),
        Outcome::Failure {
            kind,
            message,
            body,
        } => {
            let _ = write!(
                xml,
                ">\n      <failure type=\"{}\" message=\"",
                kind.as_str()
            );
            markup_escape(message, xml);
            xml.push_str("\">");
            markup_escape(body, xml);
            xml.push_str("</failure>\n    </testcase>\n");
        }
        Outcome::Skipped(message) => {
            xml.push_str(">\n      <skipped message=\"");
            markup_escape(message, xml);
            xml.push_str("\"/>\n    </testcase>\n");
        }
        Outcome::Error(message) => {
            xml.push_str(">\n      <error message=\"");
            markup_escape(message, xml);
            xml.push_str("\"/>\n    </testcase>\n");
        }
    }
}
