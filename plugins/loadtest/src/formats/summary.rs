//! Tools that print only a summary: Artillery v1/v2, vegeta, autocannon,
//! oha (JSON), wrk/wrk2 and hey (text).

use serde_json::{Map, Value};

use super::{line_of, number};
use crate::model::{EndpointReport, Report, Stat};
use perfwarden_sdk::vocabulary::percentile_label;

/// Dispatch a JSON document that is not k6, JMeter or Gatling; `Ok(None)`
/// for JSON that is no load-test result.
pub fn parse_json(text: &str, root: &Value) -> Result<Option<Report>, String> {
    let has = |key: &str| root.get(key).is_some();
    if let Some(aggregate) = root.get("aggregate") {
        return Ok(Some(artillery(text, aggregate)));
    }
    if has("latencies") && has("status_codes") {
        return Ok(Some(vegeta(root)));
    }
    if has("latency") && has("requests") && has("non2xx") {
        return Ok(Some(autocannon(root)));
    }
    if has("summary") && has("latencyPercentiles") {
        return Ok(Some(oha(root)));
    }
    Ok(None)
}

fn report(source: &'static str, overall: EndpointReport, endpoints: Vec<EndpointReport>) -> Report {
    Report {
        source,
        endpoints,
        overall: Some(overall),
        thresholds: Vec::new(),
        skipped: Vec::new(),
        notes: Vec::new(),
        batches: Vec::new(),
        extra: Vec::new(),
    }
}

/// Latency stats from an object whose keys are `p95`/`p999`/`median`...
/// (Artillery), scaled to ms.
fn artillery_stats(values: &Map<String, Value>) -> Vec<Stat> {
    let mut stats = Vec::new();
    for (key, value) in values {
        let Some(v) = number(value) else { continue };
        let label = match key.as_str() {
            "min" | "max" => key.clone(),
            "mean" => "mean".into(),
            "median" => "p50".into(),
            // p50 duplicates median.
            "p50" => continue,
            // `p999` is the 99.9th percentile.
            "p999" => "p99.9".into(),
            other => match other.strip_prefix('p').and_then(|r| r.parse::<f64>().ok()) {
                Some(rank) => percentile_label(rank),
                None => continue,
            },
        };
        stats.push(Stat::new(label, v));
    }
    stats
}

fn artillery(text: &str, aggregate: &Value) -> Report {
    let line = line_of(text, "\"aggregate\"");
    if let Some(latency) = aggregate.get("latency").and_then(Value::as_object) {
        // v1: latency in ms, `requestsCompleted`, `rps.mean`, `errors`, `codes`.
        let requests = aggregate.get("requestsCompleted").and_then(number);
        let errors: f64 = aggregate
            .get("errors")
            .and_then(Value::as_object)
            .map_or(0.0, |e| {
                e.values().filter_map(number).fold(0.0, |a, b| a + b)
            });
        let bad_codes: f64 =
            aggregate
                .get("codes")
                .and_then(Value::as_object)
                .map_or(0.0, |codes| {
                    codes
                        .iter()
                        .filter(|(code, _)| code.parse::<u16>().is_ok_and(|c| c >= 400))
                        .filter_map(|(_, n)| number(n))
                        .fold(0.0, |a, b| a + b)
                });
        let attempts = requests.map(|r| r + errors);
        let overall = EndpointReport {
            latency: artillery_stats(latency),
            requests: requests.map(|r| r as u64),
            throughput: aggregate.pointer("/rps/mean").and_then(number),
            error_rate_tool: attempts.filter(|a| *a > 0.0).map(|a| errors / a),
            error_rate_status: attempts
                .filter(|a| *a > 0.0)
                .map(|a| (errors + bad_codes) / a),
            line,
            ..EndpointReport::default()
        };
        return report("artillery", overall, Vec::new());
    }
    // v2: counters / rates / summaries (histograms in early builds).
    let counters = aggregate.get("counters").and_then(Value::as_object);
    let counter = |key: &str| counters.and_then(|c| c.get(key)).and_then(number);
    let summaries = aggregate
        .get("summaries")
        .or_else(|| aggregate.get("histograms"))
        .and_then(Value::as_object);
    let requests = counter("http.requests");
    let errors: f64 = counters.map_or(0.0, |c| {
        c.iter()
            .filter(|(k, _)| k.starts_with("errors."))
            .filter_map(|(_, v)| number(v))
            .fold(0.0, |a, b| a + b)
    });
    let bad_codes: f64 = counters.map_or(0.0, |c| {
        c.iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("http.codes.")?.parse::<u16>().ok()?, v)))
            .filter(|(code, _)| *code >= 400)
            .filter_map(|(_, v)| number(v))
            .fold(0.0, |a, b| a + b)
    });
    let mut endpoints = Vec::new();
    const BY_ENDPOINT: &str = "plugins.metrics-by-endpoint.response_time.";
    for (key, values) in summaries.into_iter().flatten() {
        let (Some(name), Some(values)) = (key.strip_prefix(BY_ENDPOINT), values.as_object()) else {
            continue;
        };
        let prefix = format!("plugins.metrics-by-endpoint.{name}.codes.");
        let (mut total, mut bad) = (0.0, 0.0);
        for (k, v) in counters.into_iter().flatten() {
            if let (Some(code), Some(n)) = (k.strip_prefix(&prefix), number(v)) {
                total += n;
                bad += if code.parse::<u16>().is_ok_and(|c| c >= 400) {
                    n
                } else {
                    0.0
                };
            }
        }
        endpoints.push(EndpointReport {
            endpoint: Some(name.to_owned()),
            latency: artillery_stats(values),
            requests: values.get("count").and_then(number).map(|c| c as u64),
            error_rate_status: (total > 0.0).then(|| bad / total),
            line: line_of(text, &format!("\"{key}\"")),
            ..EndpointReport::default()
        });
    }
    let span_s = match (
        aggregate.get("firstCounterAt").and_then(number),
        aggregate.get("lastCounterAt").and_then(number),
    ) {
        (Some(first), Some(last)) if last > first => Some((last - first) / 1000.0),
        _ => None,
    };
    let overall = EndpointReport {
        latency: summaries
            .and_then(|s| s.get("http.response_time"))
            .and_then(Value::as_object)
            .map(artillery_stats)
            .unwrap_or_default(),
        requests: requests.map(|r| r as u64),
        throughput: match (requests, span_s) {
            (Some(n), Some(s)) => Some(n / s),
            _ => aggregate
                .pointer("/rates/http.request_rate")
                .and_then(number),
        },
        error_rate_tool: requests.filter(|r| *r > 0.0).map(|r| errors / r),
        error_rate_status: requests
            .filter(|r| *r > 0.0)
            .map(|r| (errors + bad_codes) / r),
        line,
        ..EndpointReport::default()
    };
    report("artillery", overall, endpoints)
}

/// vegeta `report -type=json`: durations in nanoseconds, `success` ratio.
fn vegeta(root: &Value) -> Report {
    let mut latency = Vec::new();
    if let Some(values) = root.get("latencies").and_then(Value::as_object) {
        for (key, value) in values {
            let Some(ns) = number(value) else { continue };
            let label = match key.as_str() {
                "mean" | "min" | "max" => key.clone(),
                other => match other
                    .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse::<f64>()
                {
                    Ok(rank) => percentile_label(rank),
                    // `total` is the sum of all latencies, not a statistic.
                    Err(_) => continue,
                },
            };
            latency.push(Stat::new(label, ns / 1e6));
        }
    }
    let requests = root.get("requests").and_then(number);
    let codes = root.get("status_codes").and_then(Value::as_object);
    let bad: f64 = codes.map_or(0.0, |c| {
        c.iter()
            .filter(|(code, _)| code.parse::<u16>().is_ok_and(|c| c == 0 || c >= 400))
            .filter_map(|(_, n)| number(n))
            .fold(0.0, |a, b| a + b)
    });
    let overall = EndpointReport {
        latency,
        requests: requests.map(|r| r as u64),
        // `rate` is the attack rate; `throughput` counts successes only.
        throughput: root.get("rate").and_then(number),
        error_rate_tool: root.get("success").and_then(number).map(|s| 1.0 - s),
        error_rate_status: requests.filter(|r| *r > 0.0).map(|r| bad / r),
        line: Some(1),
        ..EndpointReport::default()
    };
    report("vegeta", overall, Vec::new())
}

/// autocannon `--json`: latency in ms with `p97_5`-style keys.
fn autocannon(root: &Value) -> Report {
    let mut latency = Vec::new();
    if let Some(values) = root.get("latency").and_then(Value::as_object) {
        for (key, value) in values {
            let Some(v) = number(value) else { continue };
            let label = match key.as_str() {
                "mean" | "min" | "max" => key.clone(),
                other => match other.strip_prefix('p').map(|r| r.replace('_', ".")) {
                    Some(rank) => match rank.parse::<f64>() {
                        Ok(rank) => percentile_label(rank),
                        Err(_) => continue,
                    },
                    None => continue,
                },
            };
            latency.push(Stat::new(label, v));
        }
    }
    let requests = root.pointer("/requests/total").and_then(number);
    let errors = root.get("errors").and_then(number).unwrap_or(0.0)
        + root.get("timeouts").and_then(number).unwrap_or(0.0);
    let non2xx = root.get("non2xx").and_then(number).unwrap_or(0.0);
    let attempts = requests.map(|r| r + errors).filter(|a| *a > 0.0);
    let duration = root.get("duration").and_then(number).filter(|d| *d > 0.0);
    let overall = EndpointReport {
        endpoint: None,
        latency,
        requests: requests.map(|r| r as u64),
        throughput: match (requests, duration) {
            (Some(n), Some(d)) => Some(n / d),
            _ => root.pointer("/requests/average").and_then(number),
        },
        error_rate_tool: attempts.map(|a| errors / a),
        error_rate_status: attempts.map(|a| (errors + non2xx) / a),
        line: Some(1),
        ..EndpointReport::default()
    };
    report("autocannon", overall, Vec::new())
}

/// oha `--output-format json`: seconds; `successRate` 0..1.
fn oha(root: &Value) -> Report {
    let mut latency = Vec::new();
    if let Some(values) = root.get("latencyPercentiles").and_then(Value::as_object) {
        for (key, value) in values {
            let (Some(rank), Some(s)) = (
                key.strip_prefix('p').and_then(|r| r.parse::<f64>().ok()),
                number(value),
            ) else {
                continue;
            };
            latency.push(Stat::new(percentile_label(rank), s * 1000.0));
        }
    }
    let summary = root.get("summary");
    for (key, label) in [("average", "mean"), ("fastest", "min"), ("slowest", "max")] {
        if let Some(s) = summary.and_then(|s| s.get(key)).and_then(number) {
            latency.push(Stat::new(label, s * 1000.0));
        }
    }
    let codes = root
        .get("statusCodeDistribution")
        .and_then(Value::as_object);
    let responses: f64 = codes.map_or(0.0, |c| {
        c.values().filter_map(number).fold(0.0, |a, b| a + b)
    });
    let bad: f64 = codes.map_or(0.0, |c| {
        c.iter()
            .filter(|(code, _)| code.parse::<u16>().is_ok_and(|c| c >= 400))
            .filter_map(|(_, n)| number(n))
            .fold(0.0, |a, b| a + b)
    });
    let errors: f64 = root
        .get("errorDistribution")
        .and_then(Value::as_object)
        .map_or(0.0, |e| {
            e.values().filter_map(number).fold(0.0, |a, b| a + b)
        });
    let total = responses + errors;
    let overall = EndpointReport {
        latency,
        requests: (total > 0.0).then_some(total as u64),
        throughput: summary
            .and_then(|s| s.get("requestsPerSec"))
            .and_then(number),
        error_rate_tool: summary
            .and_then(|s| s.get("successRate"))
            .and_then(number)
            .map(|s| 1.0 - s),
        error_rate_status: (total > 0.0).then(|| (errors + bad) / total),
        line: Some(1),
        ..EndpointReport::default()
    };
    report("oha", overall, Vec::new())
}

/// `42.28ms`, `1.20s`, `850.00us`, `2.00m` -> ms.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (value, unit) = text.split_at(split);
    let value: f64 = value.parse().ok()?;
    let scale = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return None,
    };
    Some(value * scale)
}

/// wrk / wrk2 console output.
pub fn parse_wrk(text: &str) -> Result<Report, String> {
    let mut overall = EndpointReport {
        line: Some(1),
        ..EndpointReport::default()
    };
    let mut in_distribution = false;
    let mut errors = 0.0;
    let mut non2xx = 0.0;
    for line in text.lines() {
        let trimmed = line.trim();
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        if trimmed.starts_with("Latency Distribution") {
            in_distribution = true;
            continue;
        }
        if in_distribution {
            // `50%   40.25ms` (wrk) or `50.000%   1.23ms` (wrk2).
            match words.as_slice() {
                [rank, value] if rank.ends_with('%') => {
                    if let (Ok(rank), Some(ms)) = (
                        rank.trim_end_matches('%').parse::<f64>(),
                        duration_ms(value),
                    ) {
                        overall.latency.push(Stat::new(percentile_label(rank), ms));
                    }
                    continue;
                }
                _ => in_distribution = false,
            }
        }
        match words.as_slice() {
            ["Latency", avg, _, max, ..] if overall.latency.iter().all(|s| s.label != "mean") => {
                if let (Some(avg), Some(max)) = (duration_ms(avg), duration_ms(max)) {
                    overall.latency.push(Stat::new("mean", avg));
                    overall.latency.push(Stat::new("max", max));
                }
            }
            [count, "requests", "in", ..] => overall.requests = count.parse().ok(),
            ["Requests/sec:", rps] => overall.throughput = rps.parse().ok(),
            ["Socket", "errors:", rest @ ..] => {
                // `connect 0, read 0, write 0, timeout 12`
                errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<f64>().ok())
                    .fold(0.0, |a, b| a + b);
            }
            ["Non-2xx", "or", "3xx", "responses:", n] => non2xx = n.parse().unwrap_or(0.0),
            _ => {}
        }
    }
    let Some(requests) = overall.requests.filter(|n| *n > 0) else {
        return Err("no `N requests in` line".into());
    };
    let n = requests as f64;
    overall.error_rate_tool = Some(errors / n);
    overall.error_rate_status = Some((errors + non2xx) / n);
    Ok(report("wrk", overall, Vec::new()))
}

/// hey console output (seconds).
pub fn parse_hey(text: &str) -> Result<Report, String> {
    let mut overall = EndpointReport {
        line: Some(1),
        ..EndpointReport::default()
    };
    let mut section = "";
    let mut total_s = None;
    let mut statuses = (0.0, 0.0);
    let mut errors = 0.0;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.ends_with(':') && !trimmed.chars().any(|c| c.is_ascii_digit()) {
            section = trimmed;
            continue;
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        match (section, words.as_slice()) {
            ("Summary:", ["Total:", s, "secs"]) => total_s = s.parse::<f64>().ok(),
            ("Summary:", ["Slowest:", s, "secs"]) => push_secs(&mut overall, "max", s),
            ("Summary:", ["Fastest:", s, "secs"]) => push_secs(&mut overall, "min", s),
            ("Summary:", ["Average:", s, "secs"]) => push_secs(&mut overall, "mean", s),
            ("Summary:", ["Requests/sec:", rps]) => overall.throughput = rps.parse().ok(),
            ("Latency distribution:", [rank, "in", s, "secs"]) => {
                if let Ok(rank) = rank
                    .trim_end_matches("%%")
                    .trim_end_matches('%')
                    .parse::<f64>()
                {
                    push_secs(&mut overall, &percentile_label(rank), s);
                }
            }
            ("Status code distribution:", [code, n, "responses"]) => {
                let code: u16 = code.trim_matches(['[', ']']).parse().unwrap_or(0);
                let n: f64 = n.parse().unwrap_or(0.0);
                statuses.0 += n;
                if code >= 400 {
                    statuses.1 += n;
                }
            }
            ("Error distribution:", [n, ..]) => {
                errors += n.trim_matches(['[', ']']).parse::<f64>().unwrap_or(0.0);
            }
            _ => {}
        }
    }
    let total = statuses.0 + errors;
    if total == 0.0 {
        return Err("no status code distribution".into());
    }
    overall.requests = Some(total as u64);
    // hey counts only transport failures as errors; 5xx are "responses".
    overall.error_rate_tool = Some(errors / total);
    overall.error_rate_status = Some((errors + statuses.1) / total);
    if overall.throughput.is_none() {
        overall.throughput = total_s.filter(|s| *s > 0.0).map(|s| total / s);
    }
    Ok(report("hey", overall, Vec::new()))
}

fn push_secs(report: &mut EndpointReport, label: &str, seconds: &str) {
    if let Ok(s) = seconds.parse::<f64>() {
        report.latency.push(Stat::new(label, s * 1000.0));
    }
}
