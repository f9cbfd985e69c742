//! Gatling: text `simulation.log` (2.x to 3.12 layouts) and the report's
//! `stats.json` / `global_stats.json` / `stats.js`.

use std::io::BufRead;

use serde_json::Value;

use super::{for_each_line, line_of, number};
use crate::histogram::Interpolation;
use crate::model::{Aggregator, EndpointReport, Report, Sample, Stat};

const SOURCE: &str = "gatling";

/// A text simulation.log: tab-separated records; the REQUEST layout changed
/// across versions (user id dropped in 3.4, four timestamps in early 2.x),
/// so fields are found from the `OK`/`KO` status backwards.
pub fn parse_log(reader: &mut dyn BufRead) -> Result<Report, String> {
    let mut agg = Aggregator::new(SOURCE, Interpolation::Linear);
    for_each_line(reader, |line, bytes| {
        let Ok(text) = std::str::from_utf8(bytes) else {
            agg.skip(line, "not UTF-8");
            return;
        };
        let fields: Vec<&str> = text.split('\t').collect();
        let Some(kind) = fields.iter().take(3).position(|f| *f == "REQUEST") else {
            return;
        };
        let record = &fields[kind + 1..];
        let numeric = |s: &str| s.parse::<f64>().ok();
        let Some(status) = record
            .iter()
            .enumerate()
            .skip(3)
            .position(|(i, f)| {
                matches!(*f, "OK" | "KO")
                    && numeric(record[i - 1]).is_some()
                    && numeric(record[i - 2]).is_some()
            })
            .map(|p| p + 3)
        else {
            agg.skip(line, "REQUEST record without start, end and OK/KO");
            return;
        };
        let end = numeric(record[status - 1]);
        // Early 2.x: request start, request end, response start, response end.
        let four = status >= 5
            && numeric(record[status - 3]).is_some()
            && numeric(record[status - 4]).is_some();
        let (start, name) = if four {
            (numeric(record[status - 4]), record[status - 5])
        } else {
            (numeric(record[status - 2]), record[status - 3])
        };
        let (Some(start), Some(end)) = (start, end) else {
            return;
        };
        agg.add(&Sample {
            endpoint: name,
            method: None,
            elapsed_ms: end - start,
            ok: Some(record[status] == "OK"),
            status: None,
            start_ms: Some(start),
            count: 1,
            errors: None,
            line,
        });
    })
    .map_err(|err| format!("read failed: {err}"))?;
    let report = agg.finish();
    if report.overall.is_none() {
        return Err("no REQUEST record".into());
    }
    Ok(report)
}

/// `stats.json` / `global_stats.json`: an object with `numberOfRequests`
/// and `percentiles1`, at the root or under `stats`.
pub fn is_stats(root: &Value) -> bool {
    let stats = root.get("stats").unwrap_or(root);
    stats.get("numberOfRequests").is_some() && stats.get("percentiles1").is_some()
}

/// Ranks of `percentiles1..4`: gatling.conf defaults, not in the file.
const PERCENTILE_RANKS: [(&str, f64, &str); 4] = [
    ("percentiles1", 50.0, "assumed-rank:percentile1=50"),
    ("percentiles2", 75.0, "assumed-rank:percentile2=75"),
    ("percentiles3", 95.0, "assumed-rank:percentile3=95"),
    ("percentiles4", 99.0, "assumed-rank:percentile4=99"),
];

fn endpoint_of(text: &str, name: Option<&str>, stats: &Value) -> EndpointReport {
    let total = |field: &str| {
        stats
            .get(field)
            .and_then(|v| v.get("total"))
            .and_then(number)
    };
    let mut latency = Vec::new();
    for (field, label) in [
        ("meanResponseTime", "mean"),
        ("minResponseTime", "min"),
        ("maxResponseTime", "max"),
    ] {
        if let Some(v) = total(field) {
            latency.push(Stat::new(label, v));
        }
    }
    for (field, rank, derivation) in PERCENTILE_RANKS {
        if let Some(v) = total(field) {
            latency.push(
                Stat::new(perfwarden_sdk::vocabulary::percentile_label(rank), v)
                    .derived(derivation),
            );
        }
    }
    let requests = total("numberOfRequests");
    let failed = stats
        .get("numberOfRequests")
        .and_then(|v| v.get("ko"))
        .and_then(number);
    EndpointReport {
        endpoint: name.map(str::to_owned),
        method: None,
        latency,
        requests: requests.map(|r| r as u64),
        throughput: total("meanNumberOfRequestsPerSecond"),
        error_rate_tool: match (failed, requests) {
            (Some(ko), Some(n)) if n > 0.0 => Some(ko / n),
            _ => None,
        },
        line: name.and_then(|n| line_of(text, &format!("\"{n}\""))),
        ..EndpointReport::default()
    }
}

fn collect_requests(text: &str, node: &Value, out: &mut Vec<EndpointReport>) {
    let Some(contents) = node.get("contents").and_then(Value::as_object) else {
        return;
    };
    for child in contents.values() {
        if child.get("type").and_then(Value::as_str) == Some("REQUEST") {
            let name = child.get("name").and_then(Value::as_str);
            if let Some(stats) = child.get("stats") {
                out.push(endpoint_of(text, name.or(Some("")), stats));
            }
        }
        collect_requests(text, child, out);
    }
}

pub fn parse_stats(text: &str, root: &Value) -> Report {
    let stats = root.get("stats").unwrap_or(root);
    let mut endpoints = Vec::new();
    collect_requests(text, root, &mut endpoints);
    let mut overall = endpoint_of(text, None, stats);
    overall.line = Some(1);
    Report {
        source: SOURCE,
        endpoints,
        overall: Some(overall),
        thresholds: Vec::new(),
        skipped: Vec::new(),
        batches: Vec::new(),
        extra: Vec::new(),
    }
}

/// `stats.js`: `var stats = { type: "GROUP", ... }` — a JavaScript object
/// literal with bare keys; quote them to read it as JSON.
pub fn stats_js_to_json(text: &str) -> Option<String> {
    let start = text.find('{')?;
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut chars = text[start..].char_indices().peekable();
    let mut in_string = false;
    let mut escaped = false;
    let mut ident = String::new();
    while let Some((_, c)) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
            ident.push(c);
            continue;
        }
        if !ident.is_empty() {
            // A bare identifier followed by `:` is a key.
            let mut lookahead = chars.clone();
            let mut next = Some(c);
            while next.is_some_and(char::is_whitespace) {
                next = lookahead.next().map(|(_, n)| n);
            }
            if next == Some(':') {
                out.push('"');
                out.push_str(&ident);
                out.push('"');
            } else {
                out.push_str(&ident);
            }
            ident.clear();
        }
        match c {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push(c);
                    return Some(out);
                }
            }
            _ => {}
        }
        out.push(c);
    }
    None
}
