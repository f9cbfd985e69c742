//! GitLab Code Quality JSON: one issue per located finding and per failing
//! located metric. GitLab places every issue on a file line, so entries
//! without a span are left out (the JSON report keeps them).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use perfwarden_policy::Status;
use perfwarden_policy::i18n::{self, T};
use perfwarden_policy::model::Span;

use super::Report;
use super::support::{self, Fingerprints};

/// A Code Quality issue.
#[derive(Debug, Serialize)]
pub struct Issue {
    pub description: String,
    pub check_name: String,
    pub fingerprint: String,
    pub severity: &'static str,
    pub categories: [&'static str; 1],
    pub location: Location,
}

#[derive(Debug, Serialize)]
pub struct Location {
    pub path: String,
    pub lines: Lines,
}

#[derive(Debug, Serialize)]
pub struct Lines {
    pub begin: u32,
}

/// The Code Quality severity of a status.
pub fn severity(status: Status) -> &'static str {
    match status {
        Status::Alert => "critical",
        Status::AtRisk => "major",
        Status::Acceptable => "minor",
        Status::Met | Status::NoData => "info",
    }
}

/// The issues, in report order.
pub fn issues(report: &Report) -> Vec<Issue> {
    let judgement = &report.judgement;
    let mut fingerprints = Fingerprints::new(Path::new(&report.project.root));
    // GitLab keys issues by fingerprint: identical findings (same rule,
    // file and line text) get the occurrence number mixed in.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unique = |base: String| -> String {
        let count = seen.entry(base.clone()).or_insert(0);
        *count += 1;
        let digest = Sha256::digest(format!("{base}\0{count}"));
        hex::encode(&digest[..16])
    };
    let mut out = Vec::with_capacity(judgement.findings.len());
    for finding in &judgement.findings {
        let raw = &finding.finding;
        let Some(span) = &raw.span else { continue };
        let base = format!("{}\0{}", raw.rule, fingerprints.finding(finding));
        out.push(Issue {
            description: format!(
                "{} ({})",
                raw.message,
                i18n::status(finding.status, report.judgement.lang)
            ),
            check_name: raw.rule.clone(),
            fingerprint: unique(base),
            severity: severity(finding.status),
            categories: ["Performance"],
            location: location(span),
        });
    }
    for metric in &judgement.metrics {
        if !support::fails(metric.status) {
            continue;
        }
        let Some(span) = &metric.span else { continue };
        let check = metric
            .policy_ref
            .clone()
            .unwrap_or_else(|| metric.name.clone());
        let base = format!("{check}\0{}", fingerprints.metric(metric));
        out.push(Issue {
            description: format!(
                "{}: {}",
                metric.title.as_deref().unwrap_or(&metric.name),
                T::IsStatus.with(
                    report.judgement.lang,
                    &[
                        (
                            "what",
                            &support::metric_summary(metric, report.judgement.lang)
                        ),
                        (
                            "status",
                            &i18n::status(metric.status, report.judgement.lang)
                        ),
                    ],
                )
            ),
            check_name: check,
            fingerprint: unique(base),
            severity: severity(metric.status),
            categories: ["Performance"],
            location: location(span),
        });
    }
    out
}

fn location(span: &Span) -> Location {
    Location {
        path: span
            .path
            .replace('\\', "/")
            .trim_start_matches("./")
            .to_owned(),
        lines: Lines {
            begin: span.line.max(1),
        },
    }
}

/// Write the Code Quality report.
pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &issues(report))?;
    writeln!(out)
}
