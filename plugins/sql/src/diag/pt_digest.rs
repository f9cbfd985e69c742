//! pt-query-digest `--output json` reports: the global query-time
//! distribution, per-class latency, and slow queries from the histograms.

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Confidence, Context, Metric, Output, Span};
use serde_json::Value;

use super::{short, threshold_label};
use crate::rules::slow_query;

/// pt-query-digest's `Query_time` histogram buckets start at 1 us, 10 us,
/// ..., 1 s (index 6) and 10 s+ (index 7).
const ONE_SECOND_BUCKET: usize = 6;

pub(crate) fn analyze(cx: &Context, path: &str, slow_ms: f64, out: &mut Output) {
    let value: Value = match cx.read(path).map(|b| serde_json::from_slice::<Value>(&b)) {
        Ok(Ok(value)) => value,
        Ok(Err(err)) => {
            out.note(
                format!("{path}: pt-query-digest JSON does not parse: {err}"),
                Some(Span::file(path)),
            );
            return;
        }
        Err(err) => {
            out.note(format!("cannot read {path}: {err}"), Some(Span::file(path)));
            return;
        }
    };
    // Values are strings of seconds in pt-query-digest's JSON.
    let seconds = |v: Option<&Value>| -> Option<f64> {
        let v = v?;
        v.as_f64().or_else(|| v.as_str()?.parse().ok())
    };
    let span = Span::file(path);
    let global = &value["global"];
    let count = seconds(global.get("query_count")).map(|c| c as u64);
    let time = &global["metrics"]["Query_time"];
    for (key, percentile) in [("median", "p50"), ("pct_95", "p95"), ("max", "max")] {
        if let Some(s) = seconds(time.get(key)) {
            let mut metric = Metric::new(vocabulary::DB_QUERY_LATENCY, s * 1000.0, unit::MS)
                .label(label::PERCENTILE, percentile)
                .label(label::SOURCE, "pt-query-digest")
                .span(span.clone());
            if let Some(n) = count {
                metric = metric.samples(n);
            }
            out.metric(metric);
        }
    }
    let classes = value["classes"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut slow_total = 0u64;
    for class in classes {
        let fingerprint = class["fingerprint"].as_str().unwrap_or("?");
        let calls = seconds(class.get("query_count")).unwrap_or(0.0) as u64;
        let times = &class["metrics"]["Query_time"];
        if let Some(p95) = seconds(times.get("pct_95")) {
            out.metric(
                Metric::new(vocabulary::DB_QUERY_LATENCY, p95 * 1000.0, unit::MS)
                    .label(label::PERCENTILE, "p95")
                    .label(label::STATEMENT, short(fingerprint))
                    .label(label::SOURCE, "pt-query-digest")
                    .samples(calls)
                    .span(span.clone()),
            );
        }
        let histogram: Vec<u64> = class["histograms"]["Query_time"]
            .as_array()
            .map(|b| b.iter().map(|n| n.as_u64().unwrap_or(0)).collect())
            .unwrap_or_default();
        slow_total += histogram.iter().skip(ONE_SECOND_BUCKET).sum::<u64>();
        if let Some(max) = seconds(times.get("max")).map(|s| s * 1000.0)
            && max > slow_ms
        {
            let example = class["example"]["query"].as_str().unwrap_or(fingerprint);
            out.push(slow_query::finding(
                path,
                example,
                calls,
                max,
                slow_ms,
                Confidence::High,
            ));
        }
    }
    // The histogram resolves 1 s exactly; other thresholds have no count.
    if slow_ms == 1000.0 && !classes.is_empty() {
        let mut metric = Metric::new(vocabulary::DB_SLOW_QUERIES, slow_total as f64, unit::COUNT)
            .label(label::THRESHOLD, threshold_label(slow_ms))
            .label(label::SOURCE, "pt-query-digest")
            .span(span);
        if let Some(n) = count {
            metric = metric.samples(n);
        }
        out.metric(metric);
    }
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;
    use perfwarden_sdk::vocabulary::{DB_QUERY_LATENCY, DB_SLOW_QUERIES};

    use crate::Sql;

    #[test]
    fn real_digest() {
        let path = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/pt_query_digest_json/percona_percona-toolkit__pt-query-digest_samples_json_slow002.json.txt"
        ));
        let out = Tester::new(Sql).run_files(&[("mysql/digest.json", path)]);
        let get = |p: &str| {
            out.metrics
                .iter()
                .find(|m| {
                    m.name == DB_QUERY_LATENCY
                        && m.label_value("percentile") == Some(p)
                        && m.label_value("statement").is_none()
                })
                .map(|m| (m.value, m.samples))
        };
        assert_eq!(get("p95"), Some((705.093, Some(8))));
        assert_eq!(get("p50"), Some((0.516, Some(8))));
        assert_eq!(get("max"), Some((726.052, Some(8))));
        let slow = out
            .metrics
            .iter()
            .find(|m| m.name == DB_SLOW_QUERIES)
            .expect("slow count");
        assert_eq!(slow.value, 0.0);
        assert!(out.findings.is_empty());
    }
}
