//! Runtime metrics: Prometheus text exposition snapshots, and the generic
//! metrics file for anything else (an APM export, a batch job's report).
//!
//! # Generic metrics file
//!
//! JSON, either an array or `{"metrics": [...]}`, of
//! `{"name": "http.latency", "value": 231, "unit": "ms", "labels": {"percentile": "p95", "endpoint": "GET /users"}, "samples": 1200}`
//! (`labels` and `samples` optional); or CSV with the header
//! `name,value,unit,labels[,samples]` where `labels` is `key=value;key=value`.
//! Names are the vocabulary's (`perfwarden_sdk::vocabulary`); time units
//! (`ns`, `us`, `ms`, `s`, `min`) are converted to the vocabulary's unit of
//! the name, `%` to `ratio`, `items/s` and `items/h` to `items/min`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Metric, Span};
use serde_json::Value;

use super::{for_each_line, number};
use crate::endpoints::EndpointNames;
use crate::model::{EndpointReport, MAX_OF_MERGED, Report, Stat, samples_needed};

/// The vocabulary's unit of a metric name, for the names with one.
fn vocabulary_unit(name: &str) -> Option<&'static str> {
    Some(match name {
        vocabulary::HTTP_LATENCY | vocabulary::DB_QUERY_LATENCY => unit::MS,
        vocabulary::HTTP_THROUGHPUT => unit::REQ_PER_S,
        vocabulary::HTTP_ERROR_RATE
        | vocabulary::DB_POOL_USAGE
        | vocabulary::DB_CPU
        | vocabulary::CACHE_HIT_RATIO => unit::RATIO,
        vocabulary::HTTP_REQUESTS
        | vocabulary::DB_SLOW_QUERIES
        | vocabulary::DB_REPEATED_QUERIES
        | vocabulary::QUEUE_BACKLOG
        | vocabulary::RATE_LIMIT_LIMIT => unit::COUNT,
        vocabulary::BATCH_THROUGHPUT => unit::ITEMS_PER_MIN,
        vocabulary::DB_SLOW_QUERY_RATE => unit::PER_MIN,
        vocabulary::POOL_MIN | vocabulary::POOL_MAX => unit::CONNECTIONS,
        vocabulary::POOL_IDLE_TIMEOUT
        | vocabulary::CACHE_TTL
        | vocabulary::RATE_LIMIT_WINDOW
        | vocabulary::DB_STATEMENT_TIMEOUT
        | vocabulary::HTTP_CLIENT_TIMEOUT => unit::S,
        _ => return None,
    })
}

/// Milliseconds in one `unit` of time.
fn time_unit_ms(unit: &str) -> Option<f64> {
    Some(match unit {
        "ns" => 1e-6,
        "us" | "µs" => 1e-3,
        "ms" => 1.0,
        "s" | "sec" | "secs" | "seconds" => 1000.0,
        "min" | "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    })
}

/// `value unit` in the vocabulary unit of `name`, or an error naming the
/// mismatch (a value is never reported in a unit it was not measured in).
fn normalise(name: &str, value: f64, from: &str) -> Result<(f64, String), String> {
    let from = from.trim();
    let Some(to) = vocabulary_unit(name) else {
        return Ok((value, from.to_owned()));
    };
    if from == to {
        return Ok((value, to.to_owned()));
    }
    let converted = match (from, to) {
        (_, unit::MS | unit::S) => {
            let ms = time_unit_ms(from).map(|scale| value * scale);
            ms.map(|ms| if to == unit::S { ms / 1000.0 } else { ms })
        }
        ("%" | "percent", unit::RATIO) => Some(value / 100.0),
        ("items/s", unit::ITEMS_PER_MIN) => Some(value * 60.0),
        ("items/h", unit::ITEMS_PER_MIN) => Some(value / 60.0),
        ("per-s", unit::PER_MIN) => Some(value * 60.0),
        ("rps" | "req/sec", unit::REQ_PER_S) => Some(value),
        _ => None,
    };
    converted
        .map(|v| (v, to.to_owned()))
        .ok_or_else(|| format!("`{name}` is measured in `{to}`, not `{from}`"))
}

fn generic_metric(
    name: &str,
    value: f64,
    unit: &str,
    labels: impl IntoIterator<Item = (String, String)>,
    samples: Option<u64>,
    span: Span,
) -> Result<Metric, String> {
    if !value.is_finite() {
        return Err(format!("`{name}` has no finite value"));
    }
    let (value, unit) = normalise(name, value, unit)?;
    let mut metric = Metric::new(name, value, unit).span(span);
    for (k, v) in labels {
        metric = metric.label(k, v);
    }
    if metric.label_value(label::SOURCE).is_none() {
        metric = metric.label(label::SOURCE, "generic");
    }
    Ok(match samples {
        Some(n) => metric.samples(n),
        None => metric,
    })
}

/// `{"metrics": [{name, value, unit, ...}]}` or a bare array of them.
pub fn is_generic_json(root: &Value) -> bool {
    let list = root.get("metrics").unwrap_or(root);
    list.as_array().is_some_and(|items| {
        !items.is_empty()
            && items.iter().all(|m| {
                m.get("name").is_some() && m.get("value").is_some() && m.get("unit").is_some()
            })
    })
}

pub fn parse_generic_json(text: &str, root: &Value, path: &str) -> Report {
    let mut report = Report {
        source: "generic",
        ..Report::default()
    };
    let items = root
        .get("metrics")
        .unwrap_or(root)
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut search_from = 0;
    for item in items {
        let name = item.get("name").and_then(Value::as_str).unwrap_or("");
        // Entries appear in file order: find each after the previous one.
        let line = text[search_from..]
            .find(&format!("\"{name}\""))
            .map(|at| {
                search_from += at + 1;
                text[..search_from].bytes().filter(|&b| b == b'\n').count() as u32 + 1
            })
            .unwrap_or(1);
        let labels = item
            .get("labels")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                (k.clone(), v)
            });
        let result = match (
            number(item.get("value").unwrap_or(&Value::Null)),
            item.get("unit").and_then(Value::as_str),
        ) {
            (Some(value), Some(unit)) if !name.is_empty() => generic_metric(
                name,
                value,
                unit,
                labels,
                item.get("samples").and_then(Value::as_u64),
                Span::line(path, line),
            ),
            _ => Err("an entry needs a name, a numeric value and a unit".into()),
        };
        match result {
            Ok(metric) => report.extra.push(metric),
            Err(why) => report.skipped.push((line, why)),
        }
    }
    report
}

/// The generic CSV: header `name,value,unit,labels[,samples]`.
pub fn parse_generic_csv(reader: &mut dyn BufRead, path: &str) -> Result<Report, String> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|err| format!("invalid CSV header: {err}"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(name), Some(value), Some(unit_col)) =
        (column("name"), column("value"), column("unit"))
    else {
        return Err("generic metrics CSV needs `name,value,unit` columns".into());
    };
    let (labels_col, samples_col) = (column("labels"), column("samples"));
    let mut report = Report {
        source: "generic",
        ..Report::default()
    };
    let mut record = csv::StringRecord::new();
    let mut line = 1u32;
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => return Err(format!("invalid CSV: {err}")),
        }
        line = record.position().map_or(line + 1, |p| p.line() as u32);
        let labels = labels_col
            .and_then(|i| record.get(i))
            .unwrap_or("")
            .split(';')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()));
        let result = match (
            record.get(name).filter(|n| !n.is_empty()),
            record.get(value).and_then(|v| v.parse::<f64>().ok()),
            record.get(unit_col),
        ) {
            (Some(name), Some(value), Some(unit)) => generic_metric(
                name,
                value,
                unit,
                labels,
                samples_col
                    .and_then(|i| record.get(i))
                    .and_then(|s| s.parse().ok()),
                Span::line(path, line),
            ),
            _ => Err("a row needs a name, a numeric value and a unit".into()),
        };
        match result {
            Ok(metric) => report.extra.push(metric),
            Err(why) => report.skipped.push((line, why)),
        }
    }
    if report.extra.is_empty() && report.skipped.is_empty() {
        return Err("no metric rows".into());
    }
    Ok(report)
}

/// One Prometheus sample line.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
    line: u32,
}

/// `name{a="x",b="y"} 1.5 [timestamp]`.
fn parse_sample(text: &str, line: u32) -> Result<Sample, String> {
    let name_end = text
        .find(|c: char| c == '{' || c.is_whitespace())
        .ok_or("a sample needs a value")?;
    let name = text[..name_end].to_owned();
    let mut rest = &text[name_end..];
    let mut labels = Vec::new();
    if let Some(body) = rest.strip_prefix('{') {
        let mut chars = body.char_indices();
        let mut key = String::new();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '}' => {
                    end = Some(i + 1);
                    break;
                }
                ',' | ' ' => {}
                '=' => {
                    if chars.next().map(|(_, q)| q) != Some('"') {
                        return Err(format!("label `{key}` value is not quoted"));
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '\\')) => match chars.next() {
                                Some((_, 'n')) => value.push('\n'),
                                Some((_, other)) => value.push(other),
                                None => return Err("unterminated label value".into()),
                            },
                            Some((_, '"')) => break,
                            Some((_, other)) => value.push(other),
                            None => return Err("unterminated label value".into()),
                        }
                    }
                    labels.push((std::mem::take(&mut key), value));
                }
                other => key.push(other),
            }
        }
        let end = end.ok_or("unterminated label set")?;
        rest = &body[end..];
    }
    let value_text = rest
        .split_whitespace()
        .next()
        .ok_or("a sample needs a value")?;
    let value = match value_text {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other
            .parse()
            .map_err(|_| format!("`{other}` is not a number"))?,
    };
    Ok(Sample {
        name,
        labels,
        value,
        line,
    })
}

const ENDPOINT_LABELS: [&str; 6] = ["route", "path", "handler", "uri", "endpoint", "url"];
const METHOD_LABELS: [&str; 2] = ["method", "verb"];
const STATUS_LABELS: [&str; 3] = ["status", "code", "status_code"];

fn label_of<'a>(labels: &'a [(String, String)], keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| labels.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str()))
}

/// Whether a histogram family is HTTP response time, and its scale to ms.
fn http_latency_scale(family: &str) -> Option<f64> {
    let http = family.contains("http") || family.contains("request");
    let time =
        family.contains("duration") || family.contains("latency") || family.contains("seconds");
    if !(http && time) {
        return None;
    }
    if family.contains("milliseconds") || family.ends_with("_ms") {
        Some(1.0)
    } else if family.contains("seconds") {
        Some(1000.0)
    } else {
        // A latency histogram without a unit in its name: unknown scale.
        None
    }
}

/// `histogram_quantile`: linear interpolation inside the bucket holding
/// the rank; the `+Inf` bucket answers with the highest finite bound.
fn bucket_quantile(buckets: &[(f64, f64)], q: f64) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut previous = (0.0, 0.0);
    for &(bound, cumulative) in buckets {
        if cumulative >= rank {
            if bound.is_infinite() {
                return Some(previous.0);
            }
            // The first bucket starts at 0, as in Prometheus.
            let lower = previous.0;
            let in_bucket = cumulative - previous.1;
            let fraction = if in_bucket > 0.0 {
                (rank - previous.1) / in_bucket
            } else {
                1.0
            };
            return Some(lower + (bound - lower) * fraction);
        }
        previous = (bound, cumulative);
    }
    None
}

#[derive(Debug, Default)]
struct Series {
    buckets: BTreeMap<u64, (f64, f64)>,
    /// Summary quantile (bits of `q`) -> (highest value, series that gave it).
    quantiles: BTreeMap<u64, (f64, usize)>,
    /// Raw summary series (family and labels) folded into this one.
    summaries: BTreeSet<String>,
    naming: Option<&'static str>,
    sum: Option<f64>,
    count: Option<f64>,
    requests: f64,
    errors: f64,
    has_status: bool,
    line: u32,
}

type Key = (Option<String>, Option<String>);

/// A Prometheus text exposition snapshot.
///
/// HTTP latency comes from histograms (percentiles interpolated inside
/// buckets, as `histogram_quantile` does, and labelled so) or summaries
/// (`x{quantile="0.95"}`: the quantiles the client measured, as they are;
/// client_golang and prom-client compute them over their own sliding
/// window). Both give the mean from `_sum / _count` and the request count
/// from `_count`. Series are filed under their [`EndpointNames`] name:
/// histogram buckets of one name merge exactly, summary quantiles as the
/// highest of the merged series (`derivation = max-of-merged`).
pub fn parse_prometheus(
    reader: &mut dyn BufRead,
    path: &str,
    names: &EndpointNames,
) -> Result<Report, String> {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = Vec::new();
    let mut report = Report {
        source: "prometheus",
        ..Report::default()
    };
    for_each_line(reader, |line, bytes| {
        let text = String::from_utf8_lossy(bytes);
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("# TYPE ") {
            let mut words = rest.split_whitespace();
            if let (Some(name), Some(kind)) = (words.next(), words.next()) {
                types.insert(name.to_owned(), kind.to_owned());
            }
            return;
        }
        if text.is_empty() || text.starts_with('#') {
            return;
        }
        match parse_sample(text, line) {
            Ok(sample) => samples.push(sample),
            Err(why) => {
                if report.skipped.len() < 20 {
                    report.skipped.push((line, why));
                }
            }
        }
    })
    .map_err(|err| format!("read failed: {err}"))?;
    if samples.is_empty() {
        return Err("no samples".into());
    }

    // HTTP latency histograms and summaries and request counters, per
    // endpoint and overall.
    let mut series: BTreeMap<Key, Series> = BTreeMap::new();
    let mut overall = Series::default();
    let mut scale = None;
    for sample in &samples {
        let family = sample
            .name
            .strip_suffix("_bucket")
            .or_else(|| sample.name.strip_suffix("_sum"))
            .or_else(|| sample.name.strip_suffix("_count"))
            .unwrap_or(&sample.name);
        let is_histogram = types.get(family).is_some_and(|t| t == "histogram")
            || (sample.name.ends_with("_bucket") && label_of(&sample.labels, &["le"]).is_some());
        let quantile = label_of(&sample.labels, &["quantile"]);
        let is_summary = types.get(family).is_some_and(|t| t == "summary")
            || (quantile.is_some() && family == sample.name);
        let (endpoint, naming) = match label_of(&sample.labels, &ENDPOINT_LABELS) {
            Some(raw) => {
                let (name, naming) = names.name(raw);
                (Some(name), naming)
            }
            None => (None, None),
        };
        let key: Key = (
            endpoint,
            label_of(&sample.labels, &METHOD_LABELS).map(str::to_owned),
        );
        if (is_histogram || is_summary)
            && let Some(family_scale) = http_latency_scale(family)
        {
            if scale.is_some_and(|s| s != family_scale) {
                continue;
            }
            scale = Some(family_scale);
            // One summary series: its family and labels, without `quantile`.
            let summary_id = is_summary.then(|| {
                let mut id = family.to_owned();
                for (k, v) in sample.labels.iter().filter(|(k, _)| k != "quantile") {
                    id.push_str(&format!(",{k}={v}"));
                }
                id
            });
            for target in [series.entry(key).or_default(), &mut overall] {
                if target.line == 0 {
                    target.line = sample.line;
                    target.naming = naming;
                }
                if let Some(id) = &summary_id {
                    target.summaries.insert(id.clone());
                }
                if let (true, Some(q)) = (is_summary, quantile) {
                    // NaN: a quantile with no observation in the window.
                    let Some(q) = q.parse::<f64>().ok().filter(|q| (0.0..=1.0).contains(q)) else {
                        continue;
                    };
                    if !sample.value.is_finite() {
                        continue;
                    }
                    let slot = target.quantiles.entry(q.to_bits()).or_insert((f64::MIN, 0));
                    slot.0 = slot.0.max(sample.value);
                    slot.1 += 1;
                } else if sample.name.ends_with("_bucket") {
                    let Some(le) = label_of(&sample.labels, &["le"]).and_then(|le| match le {
                        "+Inf" | "Inf" => Some(f64::INFINITY),
                        other => other.parse::<f64>().ok(),
                    }) else {
                        continue;
                    };
                    let slot = target.buckets.entry(le.to_bits()).or_insert((le, 0.0));
                    slot.1 += sample.value;
                } else if sample.name.ends_with("_sum") {
                    *target.sum.get_or_insert(0.0) += sample.value;
                } else if sample.name.ends_with("_count") {
                    *target.count.get_or_insert(0.0) += sample.value;
                }
            }
        } else if types.get(&sample.name).is_none_or(|t| t == "counter")
            && sample.name.contains("http")
            && sample.name.contains("requests")
            && sample.name.ends_with("_total")
            && let Some(status) = label_of(&sample.labels, &STATUS_LABELS)
        {
            let failed = status.starts_with('4')
                || status.starts_with('5')
                || status.parse::<u16>().is_ok_and(|s| s == 0 || s >= 400);
            for target in [series.entry(key).or_default(), &mut overall] {
                if target.line == 0 {
                    target.line = sample.line;
                    target.naming = naming;
                }
                target.has_status = true;
                target.requests += sample.value;
                if failed {
                    target.errors += sample.value;
                }
            }
        }
    }
    let scale = scale.unwrap_or(1.0);
    let to_report = |key: Option<&Key>, s: &Series| -> EndpointReport {
        // Buckets sorted by bound: the map keys are bit patterns, which do
        // not order negative bounds, so sort by value.
        let mut buckets: Vec<(f64, f64)> = s.buckets.values().copied().collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total = buckets.last().map(|b| b.1).or(s.count);
        let mut latency = Vec::new();
        let mut withheld = Vec::new();
        // Summary quantiles are reported as measured, each only when every
        // merged series has it (else the highest is no bound).
        let merged = s.summaries.len();
        for (bits, (value, parts)) in &s.quantiles {
            if buckets.is_empty() && *parts == merged {
                let stat = Stat::new(
                    vocabulary::percentile_label(f64::from_bits(*bits) * 100.0),
                    value * scale,
                );
                latency.push(if merged > 1 {
                    stat.derived(MAX_OF_MERGED)
                } else {
                    stat
                });
            }
        }
        for rank in [50.0, 90.0, 95.0, 99.0, 99.9] {
            if buckets.is_empty() {
                break;
            }
            let name = vocabulary::percentile_label(rank);
            if total.is_some_and(|t| t < samples_needed(rank) as f64) {
                withheld.push(name);
                continue;
            }
            if let Some(v) = bucket_quantile(&buckets, rank / 100.0) {
                latency.push(Stat::new(name, v * scale).derived("bucket-interpolation"));
            }
        }
        if let (Some(sum), Some(count)) = (s.sum, s.count.filter(|c| *c > 0.0)) {
            latency.push(Stat::new("mean", sum / count * scale));
        }
        EndpointReport {
            endpoint: key.and_then(|k| k.0.clone()),
            method: key.and_then(|k| k.1.clone()),
            latency,
            requests: total
                .or(s.has_status.then_some(s.requests))
                .map(|t| t as u64),
            error_rate_status: (s.has_status && s.requests > 0.0).then(|| s.errors / s.requests),
            withheld,
            line: Some(s.line.max(1)),
            naming: key.and(s.naming),
            ..EndpointReport::default()
        }
    };
    for (key, s) in &series {
        // Series without an endpoint label are already in the overall numbers.
        if key.0.is_some() {
            report.endpoints.push(to_report(Some(key), s));
        }
    }
    if overall.line > 0 {
        report.overall = Some(to_report(None, &overall));
    }
    report.extra = runtime_metrics(&samples, &types, path);
    if report.overall.is_none() && report.extra.is_empty() {
        return Err(
            "no HTTP latency histogram, request counter, cache, pool or queue metric".into(),
        );
    }
    Ok(report)
}

/// Active and max connections of one pool, and where they were read.
type PoolGauges = (Option<f64>, Option<f64>, u32);

/// Cache hit ratios (hits / misses counters), pool usage (active / max
/// gauges) and queue backlogs (queue size gauges).
fn runtime_metrics(
    samples: &[Sample],
    types: &BTreeMap<String, String>,
    path: &str,
) -> Vec<Metric> {
    let mut out = Vec::new();
    // (name prefix, labels) -> (hits, misses, line)
    let mut caches: BTreeMap<(String, String), (f64, f64, u32)> = BTreeMap::new();
    let mut pools: BTreeMap<(String, String), PoolGauges> = BTreeMap::new();
    for sample in samples {
        let name = sample.name.as_str();
        let kind = types
            .get(name.trim_end_matches("_total"))
            .or_else(|| types.get(name));
        let labels_text: String = sample
            .labels
            .iter()
            .filter(|(k, _)| k != "le")
            .map(|(k, v)| format!("{k}={v},"))
            .collect();
        if name.contains("cache") && kind.is_none_or(|k| k == "counter") {
            let cache = label_of(&sample.labels, &["cache", "name"]).unwrap_or("");
            for (needle, is_hit) in [("hit", true), ("miss", false)] {
                if let Some(at) = name.find(needle) {
                    let prefix = name[..at].to_owned();
                    let entry = caches
                        .entry((prefix, format!("{cache}|{labels_text}")))
                        .or_insert((0.0, 0.0, sample.line));
                    if is_hit {
                        entry.0 += sample.value;
                    } else {
                        entry.1 += sample.value;
                    }
                    break;
                }
            }
        }
        if kind.is_none_or(|k| k == "gauge") {
            for (suffix, is_active) in [("_connections_active", true), ("_connections_max", false)]
            {
                if let Some(prefix) = name.strip_suffix(suffix) {
                    let entry = pools
                        .entry((prefix.to_owned(), labels_text.clone()))
                        .or_insert((None, None, sample.line));
                    if is_active {
                        entry.0 = Some(sample.value);
                    } else {
                        entry.1 = Some(sample.value);
                    }
                }
            }
            let queue_word = [
                "_waiting", "_backlog", "_depth", "_size", "_length", "_pending",
            ];
            if name.contains("queue") && queue_word.iter().any(|w| name.contains(w)) {
                let queue = label_of(&sample.labels, &["queue", "name"]).unwrap_or(name);
                out.push(
                    Metric::new(vocabulary::QUEUE_BACKLOG, sample.value, unit::COUNT)
                        .label(label::QUEUE, queue)
                        .label(label::SOURCE, "prometheus")
                        .span(Span::line(path, sample.line)),
                );
            }
        }
    }
    for ((prefix, key), (hits, misses, line)) in caches {
        let lookups = hits + misses;
        if lookups <= 0.0 {
            continue;
        }
        let cache = key
            .split('|')
            .next()
            .filter(|c| !c.is_empty())
            .unwrap_or(prefix.trim_end_matches('_'));
        out.push(
            Metric::new(vocabulary::CACHE_HIT_RATIO, hits / lookups, unit::RATIO)
                .label(label::CACHE, cache)
                .label(label::SOURCE, "prometheus")
                .samples(lookups as u64)
                .span(Span::line(path, line)),
        );
    }
    for ((prefix, labels), (active, max, line)) in pools {
        let (Some(active), Some(max)) = (active, max.filter(|m| *m > 0.0)) else {
            continue;
        };
        let pool = labels
            .split(',')
            .find_map(|kv| kv.strip_prefix("pool="))
            .unwrap_or(&prefix);
        out.push(
            Metric::new(vocabulary::DB_POOL_USAGE, active / max, unit::RATIO)
                .label("pool", pool)
                .label(label::SOURCE, "prometheus")
                .span(Span::line(path, line)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_quantiles_interpolate_like_histogram_quantile() {
        let buckets = [
            (0.1, 50.0),
            (0.5, 90.0),
            (1.0, 100.0),
            (f64::INFINITY, 100.0),
        ];
        assert_eq!(bucket_quantile(&buckets, 0.5), Some(0.1));
        // Rank 95 is halfway through the (0.5, 1.0] bucket.
        assert_eq!(bucket_quantile(&buckets, 0.95), Some(0.75));
        let overflow = [(0.1, 10.0), (f64::INFINITY, 20.0)];
        assert_eq!(bucket_quantile(&overflow, 0.99), Some(0.1));
        assert_eq!(bucket_quantile(&[], 0.5), None);
    }

    #[test]
    fn units_normalise_to_the_vocabulary() {
        assert_eq!(
            normalise("http.latency", 0.25, "s"),
            Ok((250.0, "ms".into()))
        );
        assert_eq!(
            normalise("cache.hit_ratio", 87.0, "%"),
            Ok((0.87, "ratio".into()))
        );
        assert_eq!(normalise("cache.ttl", 5.0, "min"), Ok((300.0, "s".into())));
        assert!(normalise("http.latency", 3.0, "bytes").is_err());
        assert_eq!(
            normalise("app.custom", 3.0, "widgets"),
            Ok((3.0, "widgets".into()))
        );
    }

    #[test]
    fn samples_parse_with_escaped_labels() {
        let sample = parse_sample(
            r#"http_requests_total{route="/a\"b",code="200"} 12 1700000000"#,
            3,
        )
        .expect("valid sample");
        assert_eq!(sample.labels[0], ("route".into(), "/a\"b".into()));
        assert_eq!(sample.value, 12.0);
        assert!(parse_sample("broken{a=1} 2", 1).is_err());
    }
}
