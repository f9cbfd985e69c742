//! LT002: a threshold of the load tool itself failed.

use perfwarden_sdk::{Finding, Output, Span, declare_rule};

use crate::model::Report;

declare_rule! {
    /// ## What it does
    /// Reports every threshold the load tool evaluated as failed (k6
    /// `thresholds`, in the legacy `--summary-export`, where `true` means
    /// failed, and in `handleSummary` data, where `ok: false` does).
    ///
    /// ## Why is this bad?
    /// The team wrote the threshold as its own latency or error budget,
    /// e.g. `p(95)<500`: a failure means users of that endpoint already wait
    /// longer (or fail more) than the budget allows. When the tool runs
    /// with `--no-thresholds` or its exit code is ignored in CI, the failure
    /// is otherwise lost.
    ///
    /// ## Example
    /// ```json
    /// "http_req_duration": { "p(95)": 812.4,
    ///   "thresholds": { "p(95)<500": true } }
    /// ```
    ///
    /// ## Use instead
    /// Fix the regression (query, cache, payload size) until the threshold
    /// passes, or change the threshold deliberately in review, never by
    /// ignoring the tool's verdict.
    pub static RULE = {
        id: "LT002",
        name: "load-test-threshold-failed",
        summary: "A threshold of the load-testing tool failed",
        policy: "load_test.thresholds",
    }
}

pub fn check(report: &Report, path: &str, out: &mut Output) {
    for threshold in report.thresholds.iter().filter(|t| t.failed) {
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "{} threshold `{}` on `{}` failed",
                    report.source, threshold.expression, threshold.metric
                ),
            )
            .span(Span::line(path, threshold.line.unwrap_or(1)))
            .evidence(format!("{}: {}", threshold.metric, threshold.expression)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Plugin;
    use perfwarden_sdk::testing::Tester;

    const LEGACY_FAILED: &str = r#"{"metrics": {
  "http_reqs": {"count": 2000, "rate": 66.6},
  "http_req_duration": {"avg": 420.1, "med": 380.0, "p(95)": 812.4, "max": 1500.2, "min": 12.0,
    "thresholds": {"p(95)<500": true}}
}}"#;

    const LEGACY_PASSED: &str = r#"{"metrics": {
  "http_reqs": {"count": 2000, "rate": 66.6},
  "http_req_duration": {"avg": 120.1, "med": 80.0, "p(95)": 312.4, "max": 900.2, "min": 12.0,
    "thresholds": {"p(95)<500": false}}
}}"#;

    const HANDLE_SUMMARY_FAILED: &str = r#"{"metrics": {
  "http_reqs": {"type": "counter", "contains": "default", "values": {"count": 2000, "rate": 66.6}},
  "http_req_failed": {"type": "rate", "contains": "default", "values": {"rate": 0.03, "passes": 60, "fails": 1940},
    "thresholds": {"rate<0.01": {"ok": false}}}
}}"#;

    const HANDLE_SUMMARY_PASSED: &str = r#"{"metrics": {
  "http_reqs": {"type": "counter", "contains": "default", "values": {"count": 2000, "rate": 66.6}},
  "http_req_failed": {"type": "rate", "contains": "default", "values": {"rate": 0.001, "passes": 2, "fails": 1998},
    "thresholds": {"rate<0.01": {"ok": true}}}
}}"#;

    #[test]
    fn test_rule() {
        Tester::new(Plugin).test_rule(
            &RULE,
            "k6/summary.json",
            &[LEGACY_PASSED, HANDLE_SUMMARY_PASSED],
            &[LEGACY_FAILED, HANDLE_SUMMARY_FAILED],
        );
    }

    #[test]
    fn finding_points_at_the_threshold_line() {
        let out = Tester::new(Plugin).run(&[("summary.json", LEGACY_FAILED)]);
        let finding = out
            .findings
            .iter()
            .find(|f| f.rule == "LT002")
            .expect("the failed threshold is reported");
        assert_eq!(finding.span.as_ref().map(|s| s.line), Some(4));
        assert_eq!(
            finding.message,
            "k6 threshold `p(95)<500` on `http_req_duration` failed"
        );
    }
}
