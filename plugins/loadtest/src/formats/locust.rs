//! Locust CSV: `_stats.csv` (the run's summary per endpoint) and
//! `_stats_history.csv` (one row per second while the test runs).
//!
//! Response times are in ms; Locust rounds them into buckets of about two
//! significant digits (147 -> 150, 3432 -> 3400) before computing
//! percentiles, which the `derivation` label states.

use std::collections::HashMap;
use std::io::BufRead;

use perfwarden_sdk::vocabulary::percentile_label;

use crate::model::{EndpointReport, MAX_ENDPOINTS, Report, Stat};

const SOURCE: &str = "locust";

/// `derivation` of a Locust percentile.
const ROUNDED: &str = "locust-rounded-buckets";

/// Locust `_stats.csv`: one row per endpoint plus `Aggregated`.
pub fn parse_stats(reader: &mut dyn BufRead) -> Result<Report, String> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|err| format!("invalid CSV header: {err}"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(kind), Some(name), Some(count), Some(failures)) = (
        column("Type"),
        column("Name"),
        column("Request Count"),
        column("Failure Count"),
    ) else {
        return Err("Locust CSV without Type/Name/Request Count/Failure Count".into());
    };
    let percentiles: Vec<(usize, f64)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| Some((i, h.strip_suffix('%')?.parse::<f64>().ok()?)))
        .collect();
    let (median, average, min, max, rps) = (
        column("Median Response Time"),
        column("Average Response Time"),
        column("Min Response Time"),
        column("Max Response Time"),
        column("Requests/s"),
    );
    let mut out = Report {
        source: SOURCE,
        ..Report::default()
    };
    let mut record = csv::StringRecord::new();
    // Locust rows are single lines after the header: count them (the csv
    // crate's record positions are off by one on these files).
    let mut line = 1u32;
    while csv
        .read_record(&mut record)
        .map_err(|err| format!("invalid CSV row: {err}"))?
    {
        line += 1;
        let line = Some(line);
        let get = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .and_then(|v| v.trim().parse::<f64>().ok())
        };
        let mut latency = Vec::new();
        for (i, rank) in &percentiles {
            // 100% is the maximum, reported below.
            if *rank < 100.0
                && let Some(v) = get(Some(*i))
            {
                latency.push(Stat::new(percentile_label(*rank), v).derived(ROUNDED));
            }
        }
        if percentiles.is_empty()
            && let Some(v) = get(median)
        {
            latency.push(Stat::new("p50", v));
        }
        for (label, column) in [("mean", average), ("min", min), ("max", max)] {
            if let Some(v) = get(column) {
                latency.push(Stat::new(label, v));
            }
        }
        let requests = get(Some(count));
        let endpoint = EndpointReport {
            endpoint: record.get(name).map(str::to_owned),
            method: record
                .get(kind)
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
            latency,
            requests: requests.map(|r| r as u64),
            throughput: get(rps),
            error_rate_tool: match (get(Some(failures)), requests) {
                (Some(f), Some(n)) if n > 0.0 => Some(f / n),
                _ => None,
            },
            line,
            ..EndpointReport::default()
        };
        if record.get(name) == Some("Aggregated") {
            out.overall = Some(EndpointReport {
                endpoint: None,
                method: None,
                ..endpoint
            });
        } else {
            out.endpoints.push(endpoint);
        }
    }
    if out.overall.is_none() && out.endpoints.is_empty() {
        return Err("no rows".into());
    }
    Ok(out)
}

/// One endpoint's (or `Aggregated`'s) rows of a history file: the last
/// one holds the run's totals, the first one the count throughput starts
/// from.
#[derive(Debug)]
struct Series {
    method: Option<String>,
    name: String,
    line: u32,
    first_time: f64,
    first_requests: f64,
    last_time: f64,
    requests: f64,
    failures: f64,
    /// Median, mean, min, max: always over the whole run.
    totals: [Option<f64>; 4],
    /// Parallel to the percentile columns.
    percentiles: Vec<Option<f64>>,
}

/// Locust `_stats_history.csv`, found by its header: Timestamp, User
/// Count, Type, Name, current Requests/s and Failures/s, percentile
/// columns, then `Total Request Count`, `Total Failure Count`, `Total
/// Median/Average/Min/Max Response Time` (0.13-0.14: `"Type","Name",
/// "Timestamp","# requests","# failures",...,"Median response time"`).
///
/// The last row of each endpoint is its cumulative result, named like the
/// `_stats.csv` row (`Aggregated` = overall). Throughput is the requests
/// completed between the file's first and last timestamp over that span
/// (whole seconds: +-1 s on the span); `Requests/s` is Locust's current
/// rate and not used. The percentile columns cover the whole run only in
/// the 1.2+ layout without `--csv-full-history` (only `Aggregated` rows):
/// with it, Locust 2.2+ writes its ~10 s window percentiles there
/// (locustio/locust#1873), and 0.13-1.1 always did; then only the run's
/// median is reported, and a note says why.
pub fn parse_history(reader: &mut dyn BufRead) -> Result<Report, String> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|err| format!("invalid CSV header: {err}"))?
        .clone();
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let (Some(timestamp), Some(name), Some(requests), Some(failures)) = (
        column(&["Timestamp"]),
        column(&["Name"]),
        column(&["Total Request Count", "# requests"]),
        column(&["Total Failure Count", "# failures"]),
    ) else {
        return Err(
            "Locust history CSV without Timestamp/Name/Total Request Count/Total Failure Count"
                .into(),
        );
    };
    let (kind, users) = (column(&["Type"]), column(&["User Count"]));
    let totals = [
        column(&["Total Median Response Time", "Median response time"]),
        column(&["Total Average Response Time", "Average response time"]),
        column(&["Total Min Response Time", "Min response time"]),
        column(&["Total Max Response Time", "Max response time"]),
    ];
    let percentile_columns: Vec<(usize, f64)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| Some((i, h.trim().strip_suffix('%')?.parse::<f64>().ok()?)))
        .filter(|(_, rank)| *rank < 100.0)
        .collect();
    // 0.13-1.1 wrote window percentiles; 1.0-1.1 are told by `99.999%`.
    let run_percentile_layout =
        column(&["Total Request Count"]).is_some() && column(&["99.999%"]).is_none();

    let mut index: HashMap<(Option<String>, String), usize> = HashMap::new();
    let mut series: Vec<Series> = Vec::new();
    let mut report = Report {
        source: SOURCE,
        ..Report::default()
    };
    let mut start = f64::INFINITY;
    let mut peak_users: Option<u64> = None;
    let mut dropped = 0u64;
    let mut record = csv::StringRecord::new();
    // Rows are single lines after the header (see `parse_stats`).
    let mut line = 1u32;
    while csv
        .read_record(&mut record)
        .map_err(|err| format!("invalid CSV row: {err}"))?
    {
        line += 1;
        let get = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        let (Some(time), Some(total), Some(failed), Some(endpoint)) = (
            get(Some(timestamp)),
            get(Some(requests)),
            get(Some(failures)),
            record.get(name),
        ) else {
            if report.skipped.len() < 20 {
                report.skipped.push((
                    line,
                    "a row needs a numeric Timestamp, request and failure count".into(),
                ));
            }
            continue;
        };
        start = start.min(time);
        if let Some(n) = get(users) {
            peak_users = peak_users.max(Some(n as u64));
        }
        // 0.13 wrote the aggregate's missing method as `None`.
        let method = kind
            .and_then(|i| record.get(i))
            .filter(|k| !k.is_empty() && *k != "None")
            .map(str::to_owned);
        let key = (method, endpoint.to_owned());
        let slot = match index.get(&key) {
            Some(&slot) => slot,
            None if series.len() < MAX_ENDPOINTS => {
                series.push(Series {
                    method: key.0.clone(),
                    name: key.1.clone(),
                    line,
                    first_time: time,
                    first_requests: total,
                    last_time: time,
                    requests: total,
                    failures: failed,
                    totals: [None; 4],
                    percentiles: Vec::new(),
                });
                index.insert(key, series.len() - 1);
                series.len() - 1
            }
            None => {
                dropped += 1;
                continue;
            }
        };
        let s = &mut series[slot];
        s.last_time = time;
        s.requests = total;
        s.failures = failed;
        s.totals = totals.map(get);
        s.percentiles = percentile_columns
            .iter()
            .map(|(i, _)| get(Some(*i)))
            .collect();
    }
    if series.is_empty() {
        return Err("no rows".into());
    }
    if dropped > 0 {
        report.skipped.push((
            1,
            format!("more than {MAX_ENDPOINTS} endpoints: {dropped} rows not read"),
        ));
    }
    let full_history = series.iter().any(|s| s.name != "Aggregated");
    let run_percentiles = run_percentile_layout && !full_history;
    if !run_percentiles && !percentile_columns.is_empty() {
        report.notes.push((
            1,
            "the history's percentile columns may cover only Locust's last ~10 s (written so with `--csv-full-history` since 2.2, and always in 0.13-1.1): only each endpoint's run median is reported from them; `_stats.csv` has the run's percentiles".into(),
        ));
    }
    for s in series {
        let [median, mean, min, max] = s.totals;
        let mut latency = Vec::new();
        if s.requests > 0.0 {
            if run_percentiles {
                for ((_, rank), value) in percentile_columns.iter().zip(&s.percentiles) {
                    if let Some(v) = value {
                        latency.push(Stat::new(percentile_label(*rank), *v).derived(ROUNDED));
                    }
                }
            } else if let Some(v) = median {
                latency.push(Stat::new("p50", v).derived(ROUNDED));
            }
            for (label, value) in [("mean", mean), ("min", min), ("max", max)] {
                if let Some(v) = value {
                    latency.push(Stat::new(label, v));
                }
            }
        }
        // An endpoint first seen after the first timestamp had no request
        // at it: Locust creates an endpoint's row with its first request.
        let baseline = if s.first_time == start {
            s.first_requests
        } else {
            0.0
        };
        let span = s.last_time - start;
        let overall = s.name == "Aggregated";
        let endpoint = EndpointReport {
            endpoint: (!overall).then_some(s.name),
            method: s.method,
            latency,
            requests: Some(s.requests as u64),
            throughput: (span > 0.0).then(|| (s.requests - baseline) / span),
            error_rate_tool: (s.requests > 0.0).then(|| s.failures / s.requests),
            line: Some(s.line),
            peak_users: peak_users.filter(|_| overall),
            ..EndpointReport::default()
        };
        if overall {
            report.overall = Some(EndpointReport {
                method: None,
                ..endpoint
            });
        } else {
            report.endpoints.push(endpoint);
        }
    }
    Ok(report)
}
