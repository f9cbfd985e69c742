//! JMeter: JTL CSV (any column set and order, comma or tab, with or
//! without header), JTL XML, and the HTML dashboard's `statistics.json`.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use serde_json::Value;

use super::records::Records;
use super::{line_of, number, parse_datetime_ms};
use crate::endpoints::EndpointNames;
use crate::histogram::Interpolation;
use crate::model::{Aggregator, EndpointReport, Report, Sample, Stat};

const SOURCE: &str = "jmeter";

/// Columns of a headerless JTL: JMeter 5.x defaults, in order.
const DEFAULT_COLUMNS: [&str; 17] = [
    "timeStamp",
    "elapsed",
    "label",
    "responseCode",
    "responseMessage",
    "threadName",
    "dataType",
    "success",
    "failureMessage",
    "bytes",
    "sentBytes",
    "grpThreads",
    "allThreads",
    "URL",
    "Latency",
    "IdleTime",
    "Connect",
];

/// What a transaction controller writes as its parent sample's message.
const TRANSACTION_MESSAGE: &str = "Number of samples in transaction";

#[derive(Debug, Default)]
struct Columns {
    timestamp: Option<usize>,
    elapsed: usize,
    label: usize,
    code: Option<usize>,
    message: Option<usize>,
    success: Option<usize>,
    sample_count: Option<usize>,
    error_count: Option<usize>,
}

impl Columns {
    fn from_names<'a>(names: impl Iterator<Item = &'a str>) -> Option<Self> {
        let names: Vec<String> = names.map(|n| n.trim().to_ascii_lowercase()).collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        Some(Self {
            timestamp: find("timestamp"),
            elapsed: find("elapsed")?,
            label: find("label")?,
            code: find("responsecode"),
            message: find("responsemessage"),
            success: find("success"),
            sample_count: find("samplecount"),
            error_count: find("errorcount"),
        })
    }
}

/// A JTL CSV; `head` is the sniffed start of the file (delimiter, header).
pub fn parse_csv(
    reader: &mut dyn BufRead,
    head: &[u8],
    names: &EndpointNames,
) -> Result<Report, String> {
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let tabs = first_line.iter().filter(|&&b| b == b'\t').count();
    let commas = first_line.iter().filter(|&&b| b == b',').count();
    let delimiter = if tabs > commas { b'\t' } else { b',' };
    // Without a header, the first field is a timestamp (epoch ms or
    // formatted); anything else is a header, whatever its names.
    let first_field = String::from_utf8_lossy(first_line);
    let first_field = first_field
        .split(delimiter as char)
        .next()
        .unwrap_or("")
        .trim_matches('"');
    let has_header = timestamp_ms(first_field.as_bytes()).is_none();
    let mut records = Records::new(reader, delimiter);
    let read_failed = |err: std::io::Error| format!("read failed: {err}");
    let columns = if has_header {
        if !records.advance().map_err(read_failed)? {
            return Err("empty JTL".into());
        }
        let names: Vec<String> = records
            .iter()
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect();
        Columns::from_names(names.iter().map(String::as_str))
            .ok_or("JTL header lacks the `elapsed` or `label` column")?
    } else {
        Columns::from_names(DEFAULT_COLUMNS.into_iter())
            .ok_or("default JTL columns are incomplete")?
    };
    let mut agg = Aggregator::new(SOURCE, Interpolation::Weibull, names);
    while records.advance().map_err(read_failed)? {
        let line = records.line();
        // Fields stay bytes: numbers and flags need no UTF-8 check.
        let field = |i: Option<usize>| i.and_then(|i| records.get(i)).map(<[u8]>::trim_ascii);
        let Some(elapsed) = field(Some(columns.elapsed)).and_then(number_of) else {
            agg.skip(line, "`elapsed` is not a number");
            continue;
        };
        let sample = Sample {
            endpoint: records
                .get(columns.label)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or(""),
            method: None,
            elapsed_ms: elapsed,
            ok: field(columns.success).and_then(|s| match s {
                b"true" => Some(true),
                b"false" => Some(false),
                _ => None,
            }),
            status: field(columns.code).and_then(status_of),
            start_ms: field(columns.timestamp).and_then(timestamp_ms),
            count: field(columns.sample_count)
                .and_then(number_of)
                .map_or(1, |c| c as u64),
            errors: field(columns.error_count)
                .and_then(number_of)
                .map(|e| e as u64),
            line,
        };
        let message = columns.message.and_then(|i| records.get(i));
        if message.is_some_and(|m| m.starts_with(TRANSACTION_MESSAGE.as_bytes())) {
            agg.add_parent(&sample);
        } else {
            agg.add(&sample);
        }
    }
    let report = agg.finish();
    if report.overall.is_none() {
        return Err("no sample rows".into());
    }
    Ok(report)
}

/// `200` -> 200; "Non HTTP response code: java.net..." -> 0 (transport
/// error); empty -> unknown.
fn status_of(code: &[u8]) -> Option<u16> {
    if code.is_empty() {
        return None;
    }
    Some(
        digits_value(code)
            .and_then(|n| u16::try_from(n).ok())
            .unwrap_or(0),
    )
}

/// A decimal number (`12`, `12.5`); whole numbers, what JMeter writes,
/// skip the float parser.
fn number_of(text: &[u8]) -> Option<f64> {
    match digits_value(text) {
        Some(n) => Some(n as f64),
        None => std::str::from_utf8(text).ok()?.parse().ok(),
    }
}

/// The value of 1 to 15 ASCII digits (exact in an f64).
fn digits_value(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 15 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0')))
}

/// Epoch ms, or a formatted timestamp (`jmeter.save.saveservice.timestamp_format`).
fn timestamp_ms(text: &[u8]) -> Option<f64> {
    let text = text.trim_ascii();
    number_of(text).or_else(|| parse_datetime_ms(std::str::from_utf8(text).ok()?))
}

/// An XML JTL: top-level `<httpSample>`/`<sample>` elements; nested ones
/// are sub-results (redirects, transaction children) already counted in
/// their parent.
pub fn parse_xml(reader: &mut dyn BufRead, names: &EndpointNames) -> Result<Report, String> {
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut agg = Aggregator::new(SOURCE, Interpolation::Weibull, names);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut line = 1u32;
    loop {
        let event = xml.read_event_into(&mut buf);
        match event {
            Ok(Event::Eof) => break,
            Ok(Event::Start(element)) => {
                if depth == 1 {
                    add_xml_sample(&mut agg, &element, line);
                }
                depth += 1;
            }
            Ok(Event::Empty(element)) => {
                if depth == 1 {
                    add_xml_sample(&mut agg, &element, line);
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(_) => {}
            Err(err) => {
                agg.skip(
                    line,
                    format!("invalid XML at byte {}: {err}", xml.buffer_position()),
                );
                break;
            }
        }
        // Lines for locations: the newlines of what was just read, text
        // between elements included.
        line = line.saturating_add(buf.iter().filter(|&&b| b == b'\n').count() as u32);
        buf.clear();
    }
    let report = agg.finish();
    if report.overall.is_none() {
        return Err(match report.skipped.first() {
            Some((_, why)) => why.clone(),
            None => "no sample elements".into(),
        });
    }
    Ok(report)
}

fn add_xml_sample(agg: &mut Aggregator, element: &BytesStart<'_>, line: u32) {
    if !matches!(element.name().as_ref(), b"httpSample" | b"sample") {
        return;
    }
    let attr = |key: &[u8]| -> Option<String> {
        element
            .try_get_attribute(key)
            .ok()
            .flatten()
            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
    };
    let Some(elapsed) = attr(b"t").and_then(|t| t.parse::<f64>().ok()) else {
        agg.skip(line, "sample without a numeric `t` attribute");
        return;
    };
    let label = attr(b"lb").unwrap_or_default();
    let message = attr(b"rm").unwrap_or_default();
    let sample = Sample {
        endpoint: &label,
        method: None,
        elapsed_ms: elapsed,
        ok: attr(b"s").map(|s| s == "true"),
        status: attr(b"rc").and_then(|c| status_of(c.trim().as_bytes())),
        start_ms: attr(b"ts").and_then(|ts| timestamp_ms(ts.as_bytes())),
        count: attr(b"sc").and_then(|c| c.parse().ok()).unwrap_or(1),
        errors: attr(b"ec").and_then(|c| c.parse().ok()),
        line,
    };
    if message.starts_with(TRANSACTION_MESSAGE) {
        agg.add_parent(&sample);
    } else {
        agg.add(&sample);
    }
}

/// The dashboard's `statistics.json`: `{label | "Total": {sampleCount, pct1ResTime, ...}}`.
pub fn is_statistics(root: &Value) -> bool {
    root.as_object().is_some_and(|map| {
        map.values()
            .any(|v| v.get("sampleCount").is_some() && v.get("pct1ResTime").is_some())
    })
}

/// The ranks of `pct1..3` are configured (`aggregate_rpt_pct1..3`) and not
/// written in the file: assume the defaults and say so.
const PCT_RANKS: [(&str, f64, &str); 3] = [
    ("pct1ResTime", 90.0, "assumed-rank:aggregate_rpt_pct1=90"),
    ("pct2ResTime", 95.0, "assumed-rank:aggregate_rpt_pct2=95"),
    ("pct3ResTime", 99.0, "assumed-rank:aggregate_rpt_pct3=99"),
];

pub fn parse_statistics(text: &str, root: &Value) -> Report {
    let mut report = Report {
        source: SOURCE,
        ..Report::default()
    };
    let Some(map) = root.as_object() else {
        return report;
    };
    for (key, stats) in map {
        let get = |field: &str| stats.get(field).and_then(number);
        let mut latency = Vec::new();
        for (field, label) in [
            ("medianResTime", "p50"),
            ("meanResTime", "mean"),
            ("minResTime", "min"),
            ("maxResTime", "max"),
        ] {
            if let Some(v) = get(field) {
                latency.push(Stat::new(label, v));
            }
        }
        for (field, rank, derivation) in PCT_RANKS {
            if let Some(v) = get(field) {
                latency.push(
                    Stat::new(perfwarden_sdk::vocabulary::percentile_label(rank), v)
                        .derived(derivation),
                );
            }
        }
        let requests = get("sampleCount").map(|c| c as u64);
        // `errorPct` is a percentage (0-100), the vocabulary wants a ratio.
        let error_rate = get("errorPct").map(|p| p / 100.0).or_else(|| {
            let errors = get("errorCount")?;
            let total = get("sampleCount").filter(|t| *t > 0.0)?;
            Some(errors / total)
        });
        let endpoint = EndpointReport {
            endpoint: (key != "Total").then(|| key.clone()),
            method: None,
            latency,
            requests,
            throughput: get("throughput"),
            error_rate_tool: error_rate,
            line: line_of(text, &format!("\"{key}\"")),
            ..EndpointReport::default()
        };
        if key == "Total" {
            report.overall = Some(endpoint);
        } else {
            report.endpoints.push(endpoint);
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::{number_of, status_of};

    #[test]
    fn numbers_take_the_integer_path_and_fall_back_to_the_float_parser() {
        assert_eq!(number_of(b"0"), Some(0.0));
        assert_eq!(number_of(b"1700000000123"), Some(1_700_000_000_123.0));
        assert_eq!(number_of(b"12.5"), Some(12.5));
        assert_eq!(number_of(b"1e3"), Some(1000.0));
        // 16 digits: past the exact fast path, still a number.
        assert_eq!(
            number_of(b"1234567890123456"),
            Some(1_234_567_890_123_456.0)
        );
        assert_eq!(number_of(b""), None);
        assert_eq!(number_of(b"12ms"), None);
        assert_eq!(number_of(b"\xff"), None);
    }

    #[test]
    fn status_codes_transport_errors_and_unknown() {
        assert_eq!(status_of(b"200"), Some(200));
        assert_eq!(
            status_of(b"Non HTTP response code: java.net.ConnectException"),
            Some(0)
        );
        assert_eq!(status_of(b"70000"), Some(0));
        assert_eq!(status_of(b""), None);
    }
}
