//! Gatling: text `simulation.log` (2.x to 3.12 layouts), binary
//! `simulation.log` (3.13+) and the report's `stats.json` /
//! `global_stats.json` / `stats.js`.

use std::collections::HashMap;
use std::io::{self, BufRead};

use serde_json::Value;

use super::{for_each_line, line_of, number};
use crate::endpoints::EndpointNames;
use crate::histogram::Interpolation;
use crate::model::{Aggregator, EndpointReport, Report, Sample, Stat};

const SOURCE: &str = "gatling";

/// A text simulation.log: tab-separated records; the REQUEST layout changed
/// across versions (user id dropped in 3.4, four timestamps in early 2.x),
/// so fields are found from the `OK`/`KO` status backwards.
pub fn parse_log(reader: &mut dyn BufRead, names: &EndpointNames) -> Result<Report, String> {
    let mut agg = Aggregator::new(SOURCE, Interpolation::Linear, names);
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

/// Record types of the binary log (Gatling's `RecordHeader.scala`).
const RECORD_RUN: u8 = 0;
const RECORD_REQUEST: u8 = 1;
const RECORD_USER: u8 = 2;
const RECORD_GROUP: u8 = 3;
const RECORD_ERROR: u8 = 4;

/// Longest string or list a sane log holds; past it the bytes are not a
/// Gatling log (or are corrupt), and nothing that large is allocated.
const MAX_LEN: i32 = 1 << 20;

/// Whether the bytes start like a binary simulation.log: a RUN record
/// whose first string is the Gatling version, Latin-1 coded.
pub fn is_binary_log(head: &[u8]) -> bool {
    let Some((&RECORD_RUN, rest)) = head.split_first() else {
        return false;
    };
    let Some(len) = rest
        .get(..4)
        .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    else {
        return false;
    };
    let Ok(len) = usize::try_from(len) else {
        return false;
    };
    let version = rest.get(4..4 + len);
    (1..=64).contains(&len)
        && version.is_some_and(|v| {
            v[0].is_ascii_digit()
                && v.iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        })
        && rest.get(4 + len) == Some(&0)
}

/// Reads the big-endian values Gatling's `BufferedFileChannelWriter`
/// writes (a `java.nio.ByteBuffer`, big-endian by default).
struct BinaryReader<'r> {
    reader: &'r mut dyn BufRead,
    offset: u64,
    /// Cached strings by index; only request names are kept (other cached
    /// strings are error messages and groups, not reported), which bounds
    /// memory by the number of distinct strings, not their size.
    strings: HashMap<i32, Box<str>>,
    buf: Vec<u8>,
}

impl BinaryReader<'_> {
    fn bytes(&mut self, n: usize) -> io::Result<&[u8]> {
        self.buf.resize(n, 0);
        self.reader.read_exact(&mut self.buf)?;
        self.offset += n as u64;
        Ok(&self.buf)
    }

    /// The next byte, or `None` at the end of the file.
    fn next_record(&mut self) -> io::Result<Option<u8>> {
        let mut byte = [0u8];
        match self.reader.read(&mut byte)? {
            0 => Ok(None),
            _ => {
                self.offset += 1;
                Ok(Some(byte[0]))
            }
        }
    }

    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    fn i32(&mut self) -> io::Result<i32> {
        let b = self.bytes(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i64(&mut self) -> io::Result<i64> {
        let b = self.bytes(8)?;
        let mut be = [0u8; 8];
        be.copy_from_slice(b);
        Ok(i64::from_be_bytes(be))
    }

    fn len(&mut self) -> io::Result<usize> {
        let len = self.i32()?;
        if !(0..=MAX_LEN).contains(&len) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("length {len} at byte {}", self.offset - 4),
            ));
        }
        Ok(len as usize)
    }

    /// `writeString`: length; if not 0, the `String`'s internal bytes and
    /// its coder (0 Latin-1, 1 UTF-16 in the JVM's native order, little
    /// endian on x86-64 and aarch64). `keep = false` skips the text.
    fn string(&mut self, keep: bool) -> io::Result<String> {
        let len = self.len()?;
        if len == 0 {
            return Ok(String::new());
        }
        // The value and its coder byte in one read.
        let value_and_coder = self.bytes(len + 1)?;
        if !keep {
            return Ok(String::new());
        }
        let (value, coder) = (&value_and_coder[..len], value_and_coder[len]);
        Ok(match coder {
            0 => value.iter().map(|&b| char::from(b)).collect(),
            _ => {
                let units = value
                    .chunks_exact(2)
                    .map(|u| u16::from_le_bytes([u[0], u[1]]));
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect()
            }
        })
    }

    /// `writeCachedString`: a positive index followed by the string the
    /// first time, the negated index after.
    fn cached(&mut self, keep: bool) -> io::Result<Box<str>> {
        let index = self.i32()?;
        if index >= 0 {
            let text: Box<str> = self.string(keep)?.into();
            self.strings.insert(index, text.clone());
            return Ok(text);
        }
        self.strings
            .get(&index.saturating_neg())
            .cloned()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "string #{} used before it was written",
                        index.saturating_neg()
                    ),
                )
            })
    }

    fn groups(&mut self) -> io::Result<()> {
        let n = self.len()?;
        for _ in 0..n {
            self.cached(false)?;
        }
        Ok(())
    }
}

/// A binary simulation.log (Gatling 3.13+), read with the record layout of
/// Gatling's own writer and reader (gatling/gatling:
/// `gatling-core/src/main/scala/io/gatling/core/stats/writer/LogFileDataWriter.scala`,
/// `.../writer/RecordHeader.scala`,
/// `gatling-charts/src/main/scala/io/gatling/charts/stats/LogFileReader.scala`):
/// one type byte per record, then
/// - RUN: version, simulation class (strings), start (i64 epoch ms),
///   description, scenario count + names, assertion count + (i32 length,
///   boopickle bytes);
/// - REQUEST: group count + cached names, cached request name, start and
///   end (i32 ms after the run start), OK (bool byte), cached message;
/// - USER: scenario index, start (bool), time; GROUP: groups, start, end,
///   cumulated response time, OK; ERROR: cached message, time.
///
/// A log cut short (a crashed run) keeps the records before the cut, as
/// Gatling's reader does, and says so.
pub fn parse_binary_log(reader: &mut dyn BufRead, names: &EndpointNames) -> Result<Report, String> {
    let mut agg = Aggregator::new(SOURCE, Interpolation::Linear, names);
    let mut bin = BinaryReader {
        reader,
        offset: 0,
        strings: HashMap::new(),
        buf: Vec::new(),
    };
    let (mut users, mut peak_users) = (0i64, 0i64);
    let mut run = || -> io::Result<()> {
        if bin.next_record()? != Some(RECORD_RUN) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "no RUN record first",
            ));
        }
        bin.string(false)?;
        bin.string(false)?;
        let start = bin.i64()? as f64;
        bin.string(false)?;
        for _ in 0..bin.len()? {
            bin.string(false)?;
        }
        for _ in 0..bin.len()? {
            let len = bin.len()?;
            bin.bytes(len)?;
        }
        while let Some(kind) = bin.next_record()? {
            match kind {
                RECORD_REQUEST => {
                    bin.groups()?;
                    let name = bin.cached(true)?;
                    let (from, to) = (f64::from(bin.i32()?), f64::from(bin.i32()?));
                    let ok = bin.u8()? != 0;
                    bin.cached(false)?;
                    agg.add(&Sample {
                        endpoint: &name,
                        method: None,
                        elapsed_ms: to - from,
                        ok: Some(ok),
                        status: None,
                        start_ms: Some(start + from),
                        count: 1,
                        errors: None,
                        line: 1,
                    });
                }
                RECORD_USER => {
                    bin.i32()?;
                    users += if bin.u8()? != 0 { 1 } else { -1 };
                    peak_users = peak_users.max(users);
                    bin.i32()?;
                }
                RECORD_GROUP => {
                    bin.groups()?;
                    bin.bytes(13)?;
                }
                RECORD_ERROR => {
                    bin.cached(false)?;
                    bin.i32()?;
                }
                other => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("record type {other} at byte {}", bin.offset - 1),
                    ));
                }
            }
        }
        Ok(())
    };
    let outcome = run();
    let mut report = agg.finish();
    match outcome {
        Ok(()) => {}
        Err(err) if report.overall.is_none() => return Err(format!("not readable: {err}")),
        Err(err) => {
            let why = if err.kind() == io::ErrorKind::UnexpectedEof {
                "the log ends inside a record (run cut short?)".to_owned()
            } else {
                format!("unreadable past {err}")
            };
            report
                .notes
                .push((1, format!("{why}: the records before it are reported")));
        }
    }
    let Some(overall) = report.overall.as_mut() else {
        return Err("no REQUEST record".into());
    };
    overall.peak_users = u64::try_from(peak_users).ok().filter(|n| *n > 0);
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
        notes: Vec::new(),
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
