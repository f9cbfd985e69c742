//! `perfwarden compare`: the regression gate between two sets of JSON
//! reports (before and after a change).
//!
//! A metric regresses when it moved the wrong way by more than its policy
//! tolerance (`[regression]`) *and* more than the run-to-run spread of the
//! runs given on either side, so noise does not fail a build. Findings are
//! matched by fingerprint (rule, path, normalised source line): new ones are
//! regressions, fixed ones are reported.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use perfwarden_policy::Policy;
use perfwarden_policy::i18n::{Lang, T};

#[derive(Debug, Deserialize)]
struct ReportView {
    /// Required: tells a perfwarden report from any other JSON.
    schema_version: u32,
    #[serde(default)]
    metrics: Vec<MetricView>,
    #[serde(default)]
    findings: Vec<FindingView>,
}

#[derive(Debug, Deserialize)]
struct MetricView {
    name: String,
    value: Option<f64>,
    unit: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    thresholds: Option<ThresholdsView>,
}

#[derive(Debug, Deserialize)]
struct ThresholdsView {
    direction: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingRef {
    pub rule: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct FindingView {
    rule: String,
    message: String,
    span: Option<SpanView>,
    fingerprint: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SpanView {
    path: String,
    line: u32,
}

/// A metric that moved beyond its tolerance and the noise.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MetricChange {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub unit: String,
    /// Median of the old runs.
    pub old: f64,
    /// Median of the new runs.
    pub new: f64,
    /// How much worse, as a ratio of `old` (negative: better).
    pub worse_by: f64,
    /// The policy tolerance applied.
    pub tolerance: f64,
    /// Largest run-to-run spread seen on either side, as a ratio.
    pub spread: f64,
}

/// The comparison.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Comparison {
    pub regressions: Vec<MetricChange>,
    pub improvements: Vec<MetricChange>,
    /// Metrics compared that stayed within tolerance or noise.
    pub unchanged: usize,
    pub new_findings: Vec<FindingRef>,
    pub fixed_findings: Vec<FindingRef>,
}

impl Comparison {
    /// Whether the change made things worse.
    pub fn regressed(&self) -> bool {
        !self.regressions.is_empty() || !self.new_findings.is_empty()
    }
}

/// A report file that cannot be compared.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CompareError {
    path: String,
    message: String,
}

fn load(path: &Path) -> Result<ReportView, CompareError> {
    let error = |message: String| CompareError {
        path: path.display().to_string(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|err| error(err.to_string()))?;
    let report: ReportView = serde_json::from_slice(&bytes)
        .map_err(|err| error(format!("not a perfwarden JSON report: {err}")))?;
    if report.schema_version != crate::report::SCHEMA_VERSION {
        return Err(error(format!(
            "report schema {}, this perfwarden compares schema {}",
            report.schema_version,
            crate::report::SCHEMA_VERSION
        )));
    }
    Ok(report)
}

/// Which way is better for a metric: from the policy band that judged it,
/// else from the vocabulary. `None`: not comparable (e.g. a pool size).
fn lower_is_better(metric: &MetricView) -> Option<bool> {
    match metric
        .thresholds
        .as_ref()
        .and_then(|t| t.direction.as_deref())
    {
        Some("lower") => return Some(true),
        Some("higher") => return Some(false),
        _ => {}
    }
    match metric.name.as_str() {
        "http.throughput" | "batch.throughput" | "cache.hit_ratio" => Some(false),
        "http.latency"
        | "http.error_rate"
        | "db.query.latency"
        | "db.slow_queries"
        | "db.slow_query_rate"
        | "db.repeated_queries"
        | "db.pool.usage"
        | "db.cpu"
        | "queue.backlog" => Some(true),
        _ => None,
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

fn spread(values: &[f64], center: f64) -> f64 {
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    if center.abs() > f64::EPSILON {
        (max - min) / center.abs()
    } else {
        0.0
    }
}

type MetricKey = (String, Vec<(String, String)>);

/// Measured values per metric across runs, with the metric's direction.
fn collect(reports: &[ReportView]) -> BTreeMap<MetricKey, (Vec<f64>, String, bool)> {
    let mut values: BTreeMap<MetricKey, (Vec<f64>, String, bool)> = BTreeMap::new();
    for report in reports {
        for metric in &report.metrics {
            let (Some(value), Some(lower)) = (metric.value, lower_is_better(metric)) else {
                continue;
            };
            let key = (
                metric.name.clone(),
                metric.labels.clone().into_iter().collect(),
            );
            values
                .entry(key)
                .or_insert_with(|| (Vec::new(), metric.unit.clone(), lower))
                .0
                .push(value);
        }
    }
    values
}

fn finding_keys(report: &ReportView) -> BTreeMap<(String, String, String), Vec<FindingRef>> {
    let mut keys: BTreeMap<(String, String, String), Vec<FindingRef>> = BTreeMap::new();
    for finding in &report.findings {
        let path = finding.span.as_ref().map(|s| s.path.clone());
        let identity = finding
            .fingerprint
            .clone()
            .unwrap_or_else(|| finding.message.clone());
        keys.entry((
            finding.rule.clone(),
            path.clone().unwrap_or_default(),
            identity,
        ))
        .or_default()
        .push(FindingRef {
            rule: finding.rule.clone(),
            message: finding.message.clone(),
            path,
            line: finding.span.as_ref().map(|s| s.line),
        });
    }
    keys
}

/// Compare `old` runs with `new` runs (the last report of each side gives
/// the findings).
pub fn compare(old: &[&Path], new: &[&Path], policy: &Policy) -> Result<Comparison, CompareError> {
    let old: Vec<ReportView> = old.iter().map(|p| load(p)).collect::<Result<_, _>>()?;
    let new: Vec<ReportView> = new.iter().map(|p| load(p)).collect::<Result<_, _>>()?;
    let mut comparison = Comparison::default();

    let old_values = collect(&old);
    let new_values = collect(&new);
    for (key, (mut before, unit, lower)) in old_values {
        let Some((after, _, _)) = new_values.get(&key) else {
            continue;
        };
        let mut after = after.clone();
        let old_center = median(&mut before);
        let new_center = median(&mut after);
        let noise = spread(&before, old_center).max(spread(&after, new_center));
        let delta = if lower {
            new_center - old_center
        } else {
            old_center - new_center
        };
        let worse_by = if old_center.abs() > f64::EPSILON {
            delta / old_center.abs()
        } else if delta > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        let tolerance = policy.regression_tolerance(&key.0);
        let change = MetricChange {
            name: key.0.clone(),
            labels: key.1.into_iter().collect(),
            unit,
            old: old_center,
            new: new_center,
            worse_by,
            tolerance,
            spread: noise,
        };
        let bar = tolerance.max(noise);
        if worse_by > bar {
            comparison.regressions.push(change);
        } else if worse_by < -bar {
            comparison.improvements.push(change);
        } else {
            comparison.unchanged += 1;
        }
    }

    if let (Some(old_last), Some(new_last)) = (old.last(), new.last()) {
        let before = finding_keys(old_last);
        let after = finding_keys(new_last);
        for (key, found) in &after {
            let known = before.get(key).map_or(0, Vec::len);
            comparison
                .new_findings
                .extend(found.iter().skip(known).cloned());
        }
        for (key, found) in &before {
            let still = after.get(key).map_or(0, Vec::len);
            comparison
                .fixed_findings
                .extend(found.iter().skip(still).cloned());
        }
    }
    comparison
        .regressions
        .sort_by(|a, b| b.worse_by.total_cmp(&a.worse_by));
    comparison
        .improvements
        .sort_by(|a, b| a.worse_by.total_cmp(&b.worse_by));
    Ok(comparison)
}

fn describe(change: &MetricChange, lang: Lang) -> String {
    let labels: Vec<String> = change
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let percent = if change.worse_by.is_finite() {
        format!("{:+.1} %", change.worse_by * 100.0)
    } else {
        T::CompareNew.get(lang).into()
    };
    T::CompareChange.with(
        lang,
        &[
            ("metric", &change.name),
            ("labels", &labels.join(", ")),
            ("old", &format!("{:.3}", change.old)),
            ("new", &format!("{:.3}", change.new)),
            ("unit", &change.unit),
            ("percent", &percent),
            ("tolerance", &format!("{:.0}", change.tolerance * 100.0)),
            ("noise", &format!("{:.1}", change.spread * 100.0)),
        ],
    )
}

fn describe_finding(finding: &FindingRef) -> String {
    let at = match (&finding.path, finding.line) {
        (Some(path), Some(line)) => format!("{path}:{line} "),
        _ => String::new(),
    };
    format!("{at}{} {}", finding.rule, finding.message)
}

/// Human summary of a comparison.
pub fn render(comparison: &Comparison, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let describe = |change: &MetricChange| describe(change, lang);
    let sections: [(T, Vec<String>); 4] = [
        (
            T::Regressions,
            comparison.regressions.iter().map(describe).collect(),
        ),
        (
            T::NewFindings,
            comparison
                .new_findings
                .iter()
                .map(describe_finding)
                .collect(),
        ),
        (
            T::Improvements,
            comparison.improvements.iter().map(describe).collect(),
        ),
        (
            T::FixedFindings,
            comparison
                .fixed_findings
                .iter()
                .map(describe_finding)
                .collect(),
        ),
    ];
    for (title, lines) in sections {
        if lines.is_empty() {
            continue;
        }
        writeln!(out, "{} ({})", title.get(lang), lines.len())?;
        for line in lines {
            writeln!(out, "  {line}")?;
        }
    }
    let verdict = if comparison.regressed() {
        T::Regressed
    } else {
        T::NoRegression
    };
    let summary = T::CompareSummary.with(
        lang,
        &[
            ("n", &comparison.unchanged),
            ("verdict", &verdict.get(lang)),
        ],
    );
    writeln!(out, "{summary}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(
        dir: &Path,
        name: &str,
        p95: f64,
        rps: f64,
        findings: &[(&str, &str)],
    ) -> std::path::PathBuf {
        let findings: Vec<serde_json::Value> = findings
            .iter()
            .map(|(rule, fp)| serde_json::json!({"rule": rule, "message": "m", "span": {"path": "q.sql", "line": 3}, "fingerprint": fp}))
            .collect();
        let json = serde_json::json!({
            "schema_version": 1,
            "metrics": [
                {"name": "http.latency", "value": p95, "unit": "ms", "labels": {"percentile": "p95", "endpoint": "GET /a"}, "thresholds": {"direction": "lower"}},
                {"name": "http.throughput", "value": rps, "unit": "req/s", "labels": {"endpoint": "GET /a"}},
                {"name": "pool.max", "value": 10.0, "unit": "connections", "labels": {}},
                {"name": "http.latency", "value": null, "unit": "ms", "labels": {"percentile": "p99"}}
            ],
            "findings": findings,
        });
        let path = dir.join(name);
        std::fs::write(&path, json.to_string()).unwrap();
        path
    }

    #[test]
    fn worse_beyond_tolerance_is_a_regression_and_within_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let policy = Policy::default_policy();
        let old = report(
            dir.path(),
            "old.json",
            200.0,
            1000.0,
            &[("SQL001", "a"), ("SQL002", "b")],
        );
        let new = report(
            dir.path(),
            "new.json",
            240.0,
            980.0,
            &[("SQL001", "a"), ("SQL003", "c")],
        );
        let comparison = compare(&[&old], &[&new], &policy).unwrap();
        assert_eq!(comparison.regressions.len(), 1, "{comparison:#?}");
        assert_eq!(comparison.regressions[0].name, "http.latency");
        assert!((comparison.regressions[0].worse_by - 0.2).abs() < 1e-9);
        assert_eq!(
            comparison.unchanged, 1,
            "throughput -2 % is within its 5 % tolerance"
        );
        assert_eq!(comparison.new_findings.len(), 1);
        assert_eq!(comparison.new_findings[0].rule, "SQL003");
        assert_eq!(comparison.fixed_findings[0].rule, "SQL002");
        assert!(comparison.regressed());

        let rendered = |lang| {
            let mut out = Vec::new();
            render(&comparison, lang, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let english = rendered(Lang::En);
        assert!(english.contains("regressions (1)"), "{english}");
        assert!(english.ends_with("· REGRESSED\n"), "{english}");
        let french = rendered(Lang::Fr);
        assert!(french.contains("régressions (1)"), "{french}");
        assert!(french.contains("nouveaux constats (1)"), "{french}");
        assert!(french.ends_with("· RÉGRESSION\n"), "{french}");
    }

    #[test]
    fn change_within_run_to_run_spread_is_noise() {
        let dir = tempfile::tempdir().unwrap();
        let policy = Policy::default_policy();
        // Old runs spread 180..260 ms around 200: a new 240 ms is noise.
        let old: Vec<_> = [180.0, 200.0, 260.0]
            .iter()
            .enumerate()
            .map(|(i, p95)| report(dir.path(), &format!("old{i}.json"), *p95, 1000.0, &[]))
            .collect();
        let new = report(dir.path(), "new.json", 240.0, 1000.0, &[]);
        let old_refs: Vec<&Path> = old.iter().map(|p| p.as_path()).collect();
        let comparison = compare(&old_refs, &[&new], &policy).unwrap();
        assert!(comparison.regressions.is_empty(), "{comparison:#?}");
        assert!(!comparison.regressed());

        let faster = report(dir.path(), "faster.json", 100.0, 1000.0, &[]);
        let comparison = compare(&old_refs, &[&faster], &policy).unwrap();
        assert_eq!(comparison.improvements.len(), 1);
    }

    #[test]
    fn unreadable_report_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "[]").unwrap();
        let err = compare(&[&bad], &[&bad], &Policy::default_policy()).unwrap_err();
        assert!(
            err.to_string().contains("not a perfwarden JSON report"),
            "{err}"
        );
    }
}
