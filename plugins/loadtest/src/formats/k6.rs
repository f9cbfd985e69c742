//! k6: the legacy `--summary-export`, `handleSummary` data, the new
//! machine-readable summary, `--out json` NDJSON (also gzipped) and
//! `--out csv`.

use std::borrow::Cow;
use std::io::BufRead;

use memchr::memmem;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{for_each_line, line_of, line_of_after, number, parse_datetime_ms};
use crate::endpoints::EndpointNames;
use crate::histogram::Interpolation;
use crate::model::{Aggregator, Batch, EndpointReport, Report, Sample, Stat, Threshold};

const SOURCE: &str = "k6";

/// A k6 summary of any layout: `metrics` keyed by k6 metric names, or the
/// new summary's `results.metrics` array.
pub fn is_summary(root: &Value) -> bool {
    let named = |metrics: &Map<String, Value>| {
        metrics
            .keys()
            .any(|k| k.starts_with("http_req") || k == "iterations" || k == "checks")
    };
    match root.get("metrics") {
        Some(Value::Object(metrics)) => named(metrics),
        _ => root
            .pointer("/results/metrics")
            .and_then(Value::as_array)
            .is_some_and(|metrics| {
                metrics
                    .iter()
                    .any(|m| m.get("name").and_then(Value::as_str) == Some("http_req_duration"))
            }),
    }
}

/// A metric name split into its base and sub-metric tags:
/// `http_req_duration{name:GET /a,method:GET}`.
fn split_name(full: &str) -> (&str, Vec<(&str, &str)>) {
    let Some((base, rest)) = full.split_once('{') else {
        return (full, Vec::new());
    };
    let tags = rest
        .trim_end_matches('}')
        .split(',')
        .filter_map(|tag| tag.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    (base, tags)
}

/// Vocabulary label of a k6 trend statistic: `p(95)` -> `p95`, `med` ->
/// `p50`, `avg` -> `mean`; `None` for counts and rates.
fn stat_label(key: &str) -> Option<String> {
    match key {
        "med" => Some("p50".into()),
        "avg" => Some("mean".into()),
        "min" | "max" => Some(key.into()),
        _ => {
            let rank: f64 = key.strip_prefix("p(")?.strip_suffix(')')?.parse().ok()?;
            Some(perfwarden_sdk::vocabulary::percentile_label(rank))
        }
    }
}

struct Entry<'a> {
    name: &'a str,
    values: &'a Map<String, Value>,
    /// `(expression, failed)`.
    thresholds: Vec<(String, bool)>,
}

fn entries(root: &Value) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    if let Some(Value::Object(metrics)) = root.get("metrics") {
        for (name, metric) in metrics {
            let Value::Object(body) = metric else {
                continue;
            };
            match body.get("values") {
                // handleSummary: {type, contains, values, thresholds: {expr: {ok}}}.
                Some(Value::Object(values)) => {
                    let thresholds = body
                        .get("thresholds")
                        .and_then(Value::as_object)
                        .map(|t| {
                            t.iter()
                                .filter_map(|(expr, v)| {
                                    let ok = v.get("ok").and_then(Value::as_bool)?;
                                    Some((expr.clone(), !ok))
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    out.push(Entry {
                        name,
                        values,
                        thresholds,
                    });
                }
                // Legacy export: flat values; `thresholds: {expr: true}`
                // means the threshold FAILED (the inverse of `ok`).
                _ => {
                    let thresholds = body
                        .get("thresholds")
                        .and_then(Value::as_object)
                        .map(|t| {
                            t.iter()
                                .filter_map(|(expr, v)| Some((expr.clone(), v.as_bool()?)))
                                .collect()
                        })
                        .unwrap_or_default();
                    out.push(Entry {
                        name,
                        values: body,
                        thresholds,
                    });
                }
            }
        }
    } else if let Some(metrics) = root.pointer("/results/metrics").and_then(Value::as_array) {
        for metric in metrics {
            let (Some(name), Some(Value::Object(values))) = (
                metric.get("name").and_then(Value::as_str),
                metric.get("values"),
            ) else {
                continue;
            };
            out.push(Entry {
                name,
                values,
                thresholds: Vec::new(),
            });
        }
    }
    out
}

/// Any k6 summary layout.
pub fn parse_summary(text: &str, root: &Value) -> Report {
    let mut overall = EndpointReport::default();
    let mut endpoints: Vec<EndpointReport> = Vec::new();
    let mut thresholds = Vec::new();
    let mut trend_count = None;
    let mut batches = Vec::new();
    for entry in entries(root) {
        for (expression, failed) in &entry.thresholds {
            thresholds.push(Threshold {
                metric: entry.name.to_owned(),
                expression: expression.clone(),
                failed: *failed,
                line: line_of_after(
                    text,
                    &format!("\"{}\"", entry.name),
                    &format!("\"{expression}\""),
                ),
            });
        }
        let (base, tags) = split_name(entry.name);
        // A custom counter of processed items (`import_items`): the batch
        // rate, per second over the whole run in k6.
        if base.contains("items")
            && let (Some(count), Some(rate)) = (
                entry.values.get("count").and_then(number),
                entry.values.get("rate").and_then(number),
            )
        {
            batches.push(Batch {
                job: entry.name.to_owned(),
                per_minute: rate * 60.0,
                items: Some(count as u64),
                line: line_of(text, &format!("\"{}\"", entry.name)),
            });
            continue;
        }
        let endpoint_tag = tags
            .iter()
            .find(|(k, _)| *k == "name" || *k == "url")
            .map(|(_, v)| *v);
        let method = tags.iter().find(|(k, _)| *k == "method").map(|(_, v)| *v);
        let target = match (tags.is_empty(), endpoint_tag) {
            (true, _) => &mut overall,
            (false, Some(endpoint)) => {
                let at = endpoints.iter().position(|e| {
                    e.endpoint.as_deref() == Some(endpoint) && e.method.as_deref() == method
                });
                let at = at.unwrap_or_else(|| {
                    endpoints.push(EndpointReport {
                        endpoint: Some(endpoint.to_owned()),
                        method: method.map(str::to_owned),
                        line: line_of(text, &format!("\"{}\"", entry.name)),
                        ..EndpointReport::default()
                    });
                    endpoints.len() - 1
                });
                &mut endpoints[at]
            }
            // Sub-metrics by status, scenario or expected_response are not
            // endpoints: they would double count.
            (false, None) => continue,
        };
        let value = |key: &str| entry.values.get(key).and_then(number);
        match base {
            "http_req_duration" => {
                for (key, v) in entry.values {
                    if let (Some(label), Some(v)) = (stat_label(key), number(v)) {
                        target.latency.push(Stat::new(label, v));
                    }
                }
                if let Some(count) = value("count") {
                    if tags.is_empty() {
                        trend_count = Some(count as u64);
                    } else {
                        target.requests = target.requests.or(Some(count as u64));
                    }
                }
                if target.line.is_none() {
                    target.line = line_of(text, &format!("\"{}\"", entry.name));
                }
            }
            "http_reqs" => {
                target.requests = value("count").map(|c| c as u64);
                target.throughput = value("rate");
            }
            // `rate` in handleSummary, renamed `value` in the legacy export.
            "http_req_failed" => target.error_rate_tool = value("rate").or(value("value")),
            _ => {}
        }
    }
    overall.requests = overall.requests.or(trend_count);
    for report in endpoints.iter_mut().chain([&mut overall]) {
        report.latency.sort_by(|a, b| a.label.cmp(&b.label));
    }
    let has_overall = !overall.latency.is_empty() || overall.requests.is_some();
    Report {
        source: SOURCE,
        endpoints,
        overall: has_overall.then_some(overall),
        thresholds,
        skipped: Vec::new(),
        notes: Vec::new(),
        batches,
        extra: Vec::new(),
    }
}

#[derive(Deserialize)]
struct NdjsonLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    metric: Cow<'a, str>,
    #[serde(borrow)]
    data: Option<PointData<'a>>,
}

#[derive(Deserialize)]
struct PointData<'a> {
    #[serde(borrow, default, deserialize_with = "borrowed")]
    time: Option<Cow<'a, str>>,
    #[serde(default)]
    value: Option<f64>,
    #[serde(borrow, default)]
    tags: Option<Tags<'a>>,
}

#[derive(Deserialize, Default)]
struct Tags<'a> {
    #[serde(borrow, default, deserialize_with = "borrowed")]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed")]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed")]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed")]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed")]
    expected_response: Option<Cow<'a, str>>,
}

/// An optional string borrowed from the line unless it has escapes: serde
/// borrows a `Cow` only when it is the field itself, and `Option<Cow>`
/// came out owned, six allocations per sample.
fn borrowed<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    #[derive(Deserialize)]
    struct Text<'a>(#[serde(borrow)] Cow<'a, str>);
    Ok(Option::<Text<'de>>::deserialize(deserializer)?.map(|text| text.0))
}

fn status_of(text: Option<&str>) -> Option<u16> {
    text.and_then(|s| s.parse().ok())
}

/// `--out json`: one JSON object per line; only `http_req_duration`
/// points are samples (the other metrics repeat the same requests).
pub fn parse_ndjson(reader: &mut dyn BufRead, names: &EndpointNames) -> Result<Report, String> {
    let mut agg = Aggregator::new(SOURCE, Interpolation::Linear, names);
    let finder = memmem::Finder::new(b"\"http_req_duration\"");
    let mut failures = 0u64;
    for_each_line(reader, |line, bytes| {
        // Cheap pre-filter: most lines belong to other metrics.
        if finder.find(bytes).is_none() {
            return;
        }
        // One UTF-8 check per line: `from_str` then trusts every string in
        // it, where `from_slice` checks each one on its own.
        let parsed: serde_json::Result<NdjsonLine<'_>> = match std::str::from_utf8(bytes) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(bytes),
        };
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(err) => {
                failures += 1;
                agg.skip(line, format!("invalid JSON: {err}"));
                return;
            }
        };
        if parsed.kind != "Point" || parsed.metric != "http_req_duration" {
            return;
        }
        let Some(data) = parsed.data else { return };
        let Some(value) = data.value else {
            agg.skip(line, "point without a value");
            return;
        };
        let tags = data.tags.unwrap_or_default();
        let endpoint = tags.name.as_deref().or(tags.url.as_deref()).unwrap_or("");
        agg.add(&Sample {
            endpoint,
            method: tags.method.as_deref(),
            elapsed_ms: value,
            ok: tags.expected_response.as_deref().map(|e| e == "true"),
            status: status_of(tags.status.as_deref()),
            // k6 stamps a sample when the request ends.
            start_ms: data
                .time
                .as_deref()
                .and_then(parse_datetime_ms)
                .map(|end| end - value),
            count: 1,
            errors: None,
            line,
        });
    })
    .map_err(|err| format!("read failed: {err}"))?;
    let report = agg.finish();
    if report.overall.is_none() {
        return Err(if failures > 0 {
            format!("no readable http_req_duration point ({failures} invalid lines)")
        } else {
            "no http_req_duration point: not an HTTP test".to_owned()
        });
    }
    Ok(report)
}

/// `--out csv`: `metric_name,timestamp,metric_value,...` with tag columns.
pub fn parse_csv(reader: &mut dyn BufRead, names: &EndpointNames) -> Result<Report, String> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let headers = csv
        .byte_headers()
        .map_err(|err| format!("invalid CSV header: {err}"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name.as_bytes());
    let (Some(metric), Some(value)) = (column("metric_name"), column("metric_value")) else {
        return Err("k6 CSV without metric_name/metric_value columns".into());
    };
    let (timestamp, expected, method, name, status, url) = (
        column("timestamp"),
        column("expected_response"),
        column("method"),
        column("name"),
        column("status"),
        column("url"),
    );
    let mut agg = Aggregator::new(SOURCE, Interpolation::Linear, names);
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line() as u32);
                agg.skip(line, format!("invalid CSV: {err}"));
                continue;
            }
        }
        if record.get(metric) != Some(b"http_req_duration".as_slice()) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line() as u32);
        let field = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .and_then(|b| std::str::from_utf8(b).ok())
                .filter(|s| !s.is_empty())
        };
        let Some(elapsed) = field(Some(value)).and_then(|v| v.parse::<f64>().ok()) else {
            agg.skip(line, "metric_value is not a number");
            continue;
        };
        let end = field(timestamp).and_then(|t| t.parse::<f64>().ok());
        agg.add(&Sample {
            endpoint: field(name).or(field(url)).unwrap_or(""),
            method: field(method),
            elapsed_ms: elapsed,
            ok: field(expected).map(|e| e == "true"),
            status: status_of(field(status)),
            start_ms: end.map(|s| s * 1000.0 - elapsed),
            count: 1,
            errors: None,
            line,
        });
    }
    let report = agg.finish();
    if report.overall.is_none() {
        return Err("no http_req_duration row: not an HTTP test".into());
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_tags_with_escapes_or_missing_still_count() {
        let lines = concat!(
            r#"{"metric":"http_req_duration","type":"Point","data":{"time":"2023-11-14T22:13:20.5Z","value":12.5,"tags":{"name":"\/api\/users","method":"GET","status":"200","expected_response":"true"}}}"#,
            "\n",
            r#"{"metric":"http_req_duration","type":"Point","data":{"time":"2023-11-14T22:13:21Z","value":30,"tags":{"name":"/api/users","method":"GET","status":"503","expected_response":"false"}}}"#,
            "\n",
            r#"{"metric":"http_req_duration","type":"Point","data":{"value":7}}"#,
            "\n",
        );
        let mut reader = lines.as_bytes();
        let report = parse_ndjson(&mut reader, &EndpointNames::default()).expect("parses");
        let overall = report.overall.expect("samples");
        assert_eq!(overall.requests, Some(3));
        // The escaped and the plain name are one endpoint.
        let users = report
            .endpoints
            .iter()
            .find(|e| e.endpoint.as_deref() == Some("/api/users"))
            .expect("/api/users");
        assert_eq!(users.requests, Some(2));
        assert_eq!(users.method.as_deref(), Some("GET"));
        assert_eq!(users.error_rate_status, Some(0.5));
        assert_eq!(users.error_rate_tool, Some(0.5));
    }
}
