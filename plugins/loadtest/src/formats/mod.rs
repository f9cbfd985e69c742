//! Result formats: detection by content, and one parser module per tool.

pub mod gatling;
pub mod jmeter;
pub mod k6;
pub mod locust;
pub mod metrics;
mod records;
pub mod summary;

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use perfwarden_sdk::Context;
use serde::Deserialize;
use serde_json::Value;

use crate::model::Report;

/// Bytes sniffed to recognise a format.
pub const SNIFF_LEN: u32 = 8192;

/// JSON summaries are small; a larger "summary" is read no further.
pub const MAX_SUMMARY_BYTES: u64 = 256 << 20;

/// A recognised result format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// One JSON document (k6 summaries, JMeter statistics.json, Gatling
    /// stats.json, Artillery, oha, autocannon, vegeta); the document's keys
    /// pick the parser.
    Json,
    K6Ndjson,
    K6Csv,
    JmeterCsv,
    JmeterXml,
    GatlingLog,
    GatlingBinaryLog,
    GatlingStatsJs,
    Wrk,
    Hey,
    LocustCsv,
    LocustHistory,
    Prometheus,
    GenericCsv,
}

impl Format {
    /// Whether the parser files samples under their endpoint names itself
    /// (raw samples merge exactly); summaries are named afterwards.
    pub fn names_while_parsing(self) -> bool {
        matches!(
            self,
            Self::K6Ndjson
                | Self::K6Csv
                | Self::JmeterCsv
                | Self::JmeterXml
                | Self::GatlingLog
                | Self::GatlingBinaryLog
                | Self::Prometheus
        )
    }

    /// Human name for notes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "JSON result",
            Self::K6Ndjson => "k6 NDJSON output",
            Self::K6Csv => "k6 CSV output",
            Self::JmeterCsv => "JMeter CSV JTL",
            Self::JmeterXml => "JMeter XML JTL",
            Self::GatlingLog => "Gatling simulation.log",
            Self::GatlingBinaryLog => "Gatling binary simulation.log",
            Self::GatlingStatsJs => "Gatling stats.js",
            Self::Wrk => "wrk output",
            Self::Hey => "hey output",
            Self::LocustCsv => "Locust stats CSV",
            Self::LocustHistory => "Locust stats history CSV",
            Self::Prometheus => "Prometheus snapshot",
            Self::GenericCsv => "generic metrics CSV",
        }
    }
}

/// What the first bytes of a file say, or `None` for a file that is not a
/// load-test result (ignored silently: the patterns are broad).
pub fn sniff(head: &[u8]) -> Option<Format> {
    if gatling::is_binary_log(head) {
        return Some(Format::GatlingBinaryLog);
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let first_line = text.lines().next().unwrap_or("");
    if text.starts_with('[') {
        // Only the generic metrics file is a top-level array.
        return Some(Format::Json);
    }
    if text.starts_with('{') {
        return Some(if is_k6_ndjson_line(first_line) {
            Format::K6Ndjson
        } else {
            Format::Json
        });
    }
    if text.starts_with('<') {
        return text.contains("<testResults").then_some(Format::JmeterXml);
    }
    if text.starts_with("var stats") {
        return Some(Format::GatlingStatsJs);
    }
    if first_line.starts_with("RUN\t") {
        return Some(Format::GatlingLog);
    }
    if text.starts_with("Running ") && text.contains("Thread Stats") {
        return Some(Format::Wrk);
    }
    if text.starts_with("Summary:") && text.contains("Requests/sec:") {
        return Some(Format::Hey);
    }
    if text.starts_with("# HELP ") || text.starts_with("# TYPE ") {
        return Some(Format::Prometheus);
    }
    let header = first_line.to_ascii_lowercase();
    if header.starts_with("name,value,unit") {
        return Some(Format::GenericCsv);
    }
    if header.starts_with("metric_name,timestamp,metric_value") {
        return Some(Format::K6Csv);
    }
    // History files first: 0.13's also starts with `"Type","Name"`.
    let unquoted = header.replace('"', "");
    if unquoted.starts_with("timestamp,user count,type,name,")
        || unquoted.starts_with("type,name,timestamp,# requests,")
    {
        return Some(Format::LocustHistory);
    }
    if unquoted.starts_with("type,name,request count") {
        return Some(Format::LocustCsv);
    }
    // A JTL header with a column renamed or missing still names several
    // JMeter columns: recognise it, so the parser can say what is wrong.
    let jtl_columns = ["elapsed", "label", "responsecode", "success", "threadname"];
    if header.contains("timestamp") && jtl_columns.iter().any(|c| header.contains(c)) {
        return Some(Format::JmeterCsv);
    }
    // A JTL written without its header line: epoch-ms timestamp, elapsed.
    let mut fields = first_line.split([',', '\t']);
    let stamp = fields.next().unwrap_or("");
    let elapsed = fields.next().unwrap_or("");
    if stamp.len() == 13
        && stamp.bytes().all(|b| b.is_ascii_digit())
        && !elapsed.is_empty()
        && elapsed.bytes().all(|b| b.is_ascii_digit())
    {
        return Some(Format::JmeterCsv);
    }
    None
}

fn is_k6_ndjson_line(line: &str) -> bool {
    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "type")]
        kind: String,
        metric: String,
    }
    serde_json::from_str::<Head>(line)
        .is_ok_and(|h| !h.metric.is_empty() && matches!(h.kind.as_str(), "Metric" | "Point"))
}

/// Opens an artifact as a buffered stream, decompressing gzip on the fly.
pub fn open<'a>(cx: &'a Context, path: &str, gzip: bool) -> Box<dyn BufRead + 'a> {
    let reader = cx.open(path);
    if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(reader),
        ))
    } else {
        Box::new(reader)
    }
}

/// Whether the bytes start with the gzip magic number.
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// The first `len` decompressed bytes of a gzip stream.
pub fn gunzip_head(compressed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    // A truncated head is expected (we only fetched the first bytes), so a
    // read error past what was decoded is not an error here.
    let _ = MultiGzDecoder::new(compressed)
        .take(len as u64)
        .read_to_end(&mut out);
    out
}

/// Parse a whole document: dispatch on its keys.
pub fn parse_json(text: &str, path: &str) -> Result<Option<Report>, String> {
    let root: Value = serde_json::from_str(text).map_err(|err| format!("invalid JSON: {err}"))?;
    if k6::is_summary(&root) {
        return Ok(Some(k6::parse_summary(text, &root)));
    }
    if jmeter::is_statistics(&root) {
        return Ok(Some(jmeter::parse_statistics(text, &root)));
    }
    if gatling::is_stats(&root) {
        return Ok(Some(gatling::parse_stats(text, &root)));
    }
    if metrics::is_generic_json(&root) {
        return Ok(Some(metrics::parse_generic_json(text, &root, path)));
    }
    summary::parse_json(text, &root)
}

/// 1-based line of the first occurrence of `needle`.
pub fn line_of(text: &str, needle: &str) -> Option<u32> {
    line_of_after(text, "", needle)
}

/// 1-based line of the first `needle` after the first `anchor` (e.g. a
/// threshold expression inside its own metric's object).
pub fn line_of_after(text: &str, anchor: &str, needle: &str) -> Option<u32> {
    let from = text.find(anchor)?;
    let at = from + text[from..].find(needle)?;
    Some(text[..at].bytes().filter(|&b| b == b'\n').count() as u32 + 1)
}

/// Call `f(line_number, bytes)` for each line, without its line break.
/// Lines are handed straight from the reader's buffer; only one that
/// straddles two fills is copied, so memory stays bounded whatever the
/// file size.
pub fn for_each_line(reader: &mut dyn BufRead, mut f: impl FnMut(u32, &[u8])) -> io::Result<()> {
    let mut straddling = Vec::new();
    let mut line = 0u32;
    loop {
        let available = fill_buf(reader)?;
        if available.is_empty() {
            if !straddling.is_empty() {
                f(line.saturating_add(1), without_line_break(&straddling));
            }
            return Ok(());
        }
        let mut start = 0;
        for newline in memchr::memchr_iter(b'\n', available) {
            line = line.saturating_add(1);
            if straddling.is_empty() {
                f(line, without_line_break(&available[start..newline]));
            } else {
                straddling.extend_from_slice(&available[start..newline]);
                f(line, without_line_break(&straddling));
                straddling.clear();
            }
            start = newline + 1;
        }
        straddling.extend_from_slice(&available[start..]);
        let used = available.len();
        reader.consume(used);
    }
}

/// `reader.fill_buf()`, retried when a read is interrupted (as
/// `read_until` does).
fn fill_buf(reader: &mut dyn BufRead) -> io::Result<&[u8]> {
    while let Err(err) = reader.fill_buf() {
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    // Hands back what that call buffered; only at the end of the input,
    // where the buffer is empty, does it read (and find nothing) again.
    reader.fill_buf()
}

fn without_line_break(mut bytes: &[u8]) -> &[u8] {
    while let Some((b'\n' | b'\r', rest)) = bytes.split_last() {
        bytes = rest;
    }
    bytes
}

/// Append the next line of `reader` (its `\n` included) to `buf`, like
/// `read_until(b'\n', buf)`: the number of bytes read, 0 at the end.
/// `memchr` finds the line break with SIMD where the standard library
/// scans a word at a time; sample files are millions of short lines.
pub fn read_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut read = 0;
    loop {
        let available = fill_buf(reader)?;
        let (done, used) = match memchr::memchr(b'\n', available) {
            Some(at) => (true, at + 1),
            None => (available.is_empty(), available.len()),
        };
        buf.extend_from_slice(&available[..used]);
        reader.consume(used);
        read += used;
        if done {
            return Ok(read);
        }
    }
}

/// `10^n` for the fraction digits a timestamp keeps (`powi` is a call in wasm).
const POWERS_OF_TEN: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/// Epoch milliseconds of `YYYY-MM-DD[T ]hh:mm:ss[.fff][Z|±hh:mm]` (also
/// `/` as date separator); `None` for anything else.
pub fn parse_datetime_ms(text: &str) -> Option<f64> {
    let bytes = text.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = bytes.get(range).filter(|d| !d.is_empty())?;
        digits.iter().try_fold(0i64, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
        })
    };
    let year = num(0..4)?;
    let month = num(5..7)?;
    let day = num(8..10)?;
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !matches!(bytes.get(4), Some(b'-' | b'/')) || !matches!(bytes.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let mut at = 19;
    let mut fraction = 0.0;
    if bytes.get(at) == Some(&b'.') || bytes.get(at) == Some(&b',') {
        let start = at + 1;
        at = start;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        // Digits past the nanosecond cannot move a millisecond timestamp.
        let digits = &bytes[start..at.min(start + 9)];
        let scaled = digits
            .iter()
            .fold(0u64, |n, &b| n * 10 + u64::from(b - b'0'));
        fraction = scaled as f64 / POWERS_OF_TEN[digits.len()];
    }
    let offset_minutes = match bytes.get(at) {
        Some(sign @ (b'+' | b'-')) => {
            let h = num(at + 1..at + 3)?;
            let m = num(at + 4..at + 6).or_else(|| num(at + 3..at + 5))?;
            let total = h * 60 + m;
            if *sign == b'+' { total } else { -total }
        }
        _ => 0,
    };
    let days = days_from_civil(year, month, day)?;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some((seconds as f64 + fraction) * 1000.0)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// A JSON number, or a number in a string (Gatling's stats.js, some
/// exports); `None` for `-`, `NaN`, null and anything else.
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let cleaned: String = s.chars().filter(|c| !matches!(c, ' ' | ',')).collect();
            cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_parse_with_offsets_and_fractions() {
        assert_eq!(parse_datetime_ms("1970-01-01T00:00:01Z"), Some(1000.0));
        assert_eq!(
            parse_datetime_ms("2014-02-24 07:42:21.256"),
            Some(1_393_227_741_256.0)
        );
        let k6 = parse_datetime_ms("2023-09-08T21:03:10.549397854+02:00").map(f64::round);
        assert_eq!(k6, Some(1_694_199_790_549.0));
        // Past nanoseconds, digits are dropped, not misread.
        assert_eq!(
            parse_datetime_ms("1970-01-01T00:00:01.2500000000009Z"),
            Some(1250.0)
        );
        assert_eq!(parse_datetime_ms("1970-01-01T00:00:01.Z"), Some(1000.0));
        assert_eq!(parse_datetime_ms("1970-01-01T00:0x:01Z"), None);
        assert_eq!(parse_datetime_ms("yesterday"), None);
        assert_eq!(parse_datetime_ms("2014-13-24 07:42:21"), None);
    }

    #[test]
    fn lines_span_reader_buffers_and_keep_a_missing_last_break() {
        let text = b"first line\r\nsecond, longer than a buffer\n\nlast";
        let mut reader = io::BufReader::with_capacity(4, &text[..]);
        let mut lines = Vec::new();
        for_each_line(&mut reader, |n, bytes| {
            lines.push((n, String::from_utf8_lossy(bytes).into_owned()));
        })
        .unwrap();
        let expected = [
            (1, "first line"),
            (2, "second, longer than a buffer"),
            (3, ""),
            (4, "last"),
        ];
        assert_eq!(
            lines,
            expected.map(|(n, l)| (n, l.to_owned())),
            "lines as read_until splits them"
        );
        let mut buf = Vec::new();
        let mut reader = io::BufReader::with_capacity(3, &b"ab\ncd"[..]);
        assert_eq!(read_line(&mut reader, &mut buf).unwrap(), 3);
        assert_eq!(read_line(&mut reader, &mut buf).unwrap(), 2);
        assert_eq!(read_line(&mut reader, &mut buf).unwrap(), 0);
        assert_eq!(buf, b"ab\ncd");
    }

    #[test]
    fn sniffing_ignores_unrelated_files() {
        assert_eq!(sniff(b"hello world"), None);
        assert_eq!(sniff(b"<html></html>"), None);
        assert_eq!(sniff(b"a,b,c\n1,2,3"), None);
        assert_eq!(sniff(b"{\"name\": 1}"), Some(Format::Json));
        assert_eq!(
            sniff(b"1535636052585,6479,home,200,OK,t 1-1,text,true"),
            Some(Format::JmeterCsv)
        );
    }

    #[test]
    fn sniffing_tells_locust_history_and_gatling_binary_logs() {
        assert_eq!(
            sniff(b"Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%"),
            Some(Format::LocustHistory)
        );
        assert_eq!(
            sniff(b"\"Type\",\"Name\",\"Timestamp\",\"# requests\",\"# failures\""),
            Some(Format::LocustHistory)
        );
        assert_eq!(
            sniff(b"\"Type\",\"Name\",\"Request Count\",\"Failure Count\""),
            Some(Format::LocustCsv)
        );
        let mut log = vec![0, 0, 0, 0, 6];
        log.extend_from_slice(b"3.13.1\0\0\0\0\x05Basic\0");
        assert_eq!(sniff(&log), Some(Format::GatlingBinaryLog));
        // A NUL-led file that is no Gatling log (length or version wrong).
        assert_eq!(sniff(&[0, 0, 0, 0, 200, b'3']), None);
        assert_eq!(sniff(&[0, 0, 0, 0, 3, b'a', b'b', b'c', 0]), None);
    }

    #[test]
    fn numbers_accept_padded_strings() {
        assert_eq!(number(&Value::from("   92,163")), Some(92_163.0));
        assert_eq!(number(&Value::from("-")), None);
        assert_eq!(number(&Value::from(1.5)), Some(1.5));
    }
}
