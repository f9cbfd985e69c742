//! LT001: a percentile backed by too few samples.

use perfwarden_sdk::{Finding, Output, Span, declare_rule};

use crate::model::{Report, Stat, samples_needed};

declare_rule! {
    /// ## What it does
    /// Flags load-test results where an endpoint (or the whole run) has too
    /// few samples for a percentile the policy judges: p99 needs at least
    /// 100 samples, p99.9 at least 1,000 (one sample past the rank).
    ///
    /// ## Why is this bad?
    /// With 70 samples, "p99" is just the slowest request, and p99.9 does
    /// not exist: the tail latency the policy gates on (p99 < 1 s, p99.9)
    /// is unmeasured, so a regression of several hundred milliseconds in the
    /// tail passes CI unseen. Percentiles computed from raw samples are
    /// withheld (reported as `no-data`) rather than guessed.
    ///
    /// ## Example
    /// A JMeter plan with 1 thread and 70 iterations per request, or a k6
    /// smoke test (`vus: 1, duration: '10s'`) used as the performance gate.
    ///
    /// ## Use instead
    /// Run the gating test long enough for every endpoint to reach 1,000
    /// samples (e.g. `vus: 20, duration: '2m'` at 10 req/s per endpoint),
    /// or gate only on the percentiles the sample count supports.
    pub static RULE = {
        id: "LT001",
        name: "too-few-samples-for-percentile",
        summary: "A latency percentile is backed by too few samples to mean anything",
        policy: "load_test.sample_size",
    }
}

/// Percentiles the default policy judges; lower ranks are not gated on,
/// and higher ones (p99.99) are the tool's extra detail.
const JUDGED: [&str; 3] = ["p95", "p99", "p99.9"];

pub fn check(report: &Report, path: &str, out: &mut Output) {
    for endpoint in report.all() {
        let Some(n) = endpoint.requests else {
            continue;
        };
        let short: Vec<(&str, u64)> = JUDGED
            .iter()
            .filter_map(|label| Some((*label, samples_needed(Stat::rank(label)?))))
            .filter(|(_, needed)| n < *needed)
            .collect();
        if short.is_empty() {
            continue;
        }
        let what = endpoint.endpoint.as_deref().unwrap_or("the whole run");
        let list: Vec<String> = short
            .iter()
            .map(|(label, needed)| format!("{label} (needs {needed})"))
            .collect();
        out.push(
            Finding::new(
                &RULE,
                format!(
                    "{} {what}: {n} samples cannot support {}",
                    report.source,
                    list.join(", ")
                ),
            )
            .span(Span::line(path, endpoint.line.unwrap_or(1)))
            .evidence(format!("samples={n}"))
            .fix("Run the load test longer or with more users so each endpoint reaches 1,000 samples"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Plugin;
    use perfwarden_sdk::testing::Tester;

    fn jtl(rows: usize) -> String {
        let mut text = String::from("timeStamp,elapsed,label,responseCode,success\n");
        for i in 0..rows {
            text.push_str(&format!(
                "{},{},GET /api/products,200,true\n",
                1_700_000_000_000u64 + i as u64 * 10,
                20 + i % 7
            ));
        }
        text
    }

    #[test]
    fn test_rule() {
        let enough = jtl(1000);
        let few = jtl(99);
        let small_summary = r#"{"Total":{"transaction":"Total","sampleCount":70,"errorCount":0,"errorPct":0.0,"meanResTime":211.6,"medianResTime":208.0,"minResTime":203.0,"maxResTime":237.0,"pct1ResTime":220.9,"pct2ResTime":222.0,"pct3ResTime":237.0,"throughput":0.59}}"#;
        Tester::new(Plugin).test_rule(
            &RULE,
            "results/run.jtl",
            &[&enough, "not a result file"],
            &[&few, small_summary],
        );
    }

    #[test]
    fn withheld_percentiles_are_named_with_their_need() {
        let out = Tester::new(Plugin).run(&[("run.jtl", &jtl(150))]);
        let findings: Vec<_> = out.findings.iter().filter(|f| f.rule == "LT001").collect();
        // The endpoint and the whole run, each short of p99.9 only.
        assert_eq!(findings.len(), 2);
        assert!(
            findings[0]
                .message
                .contains("150 samples cannot support p99.9 (needs 1000)")
        );
        assert!(!findings[0].message.contains("p99 "));
        // The withheld percentile is absent, never 0.
        assert!(
            !out.metrics
                .iter()
                .any(|m| m.label_value("percentile") == Some("p99.9"))
        );
        assert!(
            out.metrics
                .iter()
                .any(|m| m.label_value("percentile") == Some("p99"))
        );
    }
}
