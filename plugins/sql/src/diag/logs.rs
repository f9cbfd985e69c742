//! Query logs, streamed line by line: PostgreSQL stderr logs
//! (`log_min_duration_statement`: `duration: ... ms  statement|execute`, and
//! auto_explain `plan:` entries), PostgreSQL csvlog, and MySQL slow query
//! logs (5.0 to 8.0, Percona Server's extra `#` fields).

use std::collections::HashMap;
use std::io::BufRead;

use perfwarden_sdk::{Context, Output, Span};

use super::{Executions, normalise_statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogFormat {
    PgStderr,
    PgCsv,
    MySqlSlow,
}

pub(crate) fn sniff(head: &str) -> Option<LogFormat> {
    if head.contains("# Query_time:") {
        return Some(LogFormat::MySqlSlow);
    }
    let line = head.lines().find(|l| l.contains("duration: "))?;
    if !starts_with_timestamp(line) {
        return None;
    }
    if line.contains(",\"LOG\",") || line.contains(",LOG,") {
        Some(LogFormat::PgCsv)
    } else if line.contains("LOG:  duration: ") {
        Some(LogFormat::PgStderr)
    } else {
        None
    }
}

pub(crate) fn analyze(cx: &Context, path: &str, format: LogFormat, slow_ms: f64, out: &mut Output) {
    let mut executions = Executions::default();
    let result = match format {
        LogFormat::PgStderr => pg_stderr(cx, path, slow_ms, &mut executions),
        LogFormat::PgCsv => pg_csv(cx, path, slow_ms, &mut executions),
        LogFormat::MySqlSlow => mysql_slow(cx, path, slow_ms, &mut executions),
    };
    if let Err(err) = result {
        out.note(
            format!("{path}: log reading stopped: {err}"),
            Some(Span::file(path)),
        );
    }
    let source = match format {
        LogFormat::PgStderr | LogFormat::PgCsv => "postgres-log",
        LogFormat::MySqlSlow => "mysql-slow-log",
    };
    executions.report(path, source, slow_ms, out);
}

/// Lines as text, whatever their encoding (logs mix client encodings).
fn for_each_line(cx: &Context, path: &str, mut f: impl FnMut(&str)) -> std::io::Result<()> {
    let mut reader = std::io::BufReader::new(cx.open(path));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&buf);
        f(line.trim_end_matches(['\n', '\r']));
    }
}

/// One logged execution being assembled (its statement may span lines).
struct Pending {
    ms: f64,
    timestamp: Option<f64>,
    session: String,
    statement: Option<String>,
    /// An auto_explain `plan:` entry: the statement is its `Query Text`.
    plan: bool,
    /// A text-format `Query Text` still taking lines: a multi-line query
    /// runs until the plan's root node or `Query Parameters`.
    query_open: bool,
}

/// A server with both `log_min_duration_statement` and auto_explain logs
/// one execution twice: the plan when the executor ends, then the
/// `duration: ... statement:` line. A plan waits per session for the entry
/// after it; a statement entry with the same text replaces it, so each
/// execution is counted once, with the statement's (whole) duration.
#[derive(Default)]
struct Plans {
    held: HashMap<String, Pending>,
}

impl Plans {
    fn settle(&mut self, done: Pending, slow_ms: f64, executions: &mut Executions) {
        if let Some(plan) = self.held.remove(&done.session) {
            let same = match (&plan.statement, &done.statement) {
                (Some(a), Some(b)) if !done.plan => {
                    normalise_statement(a) == normalise_statement(b)
                }
                _ => false,
            };
            if !same {
                record(plan, slow_ms, executions);
            }
        }
        if done.plan {
            self.held.insert(done.session.clone(), done);
        } else {
            record(done, slow_ms, executions);
        }
    }

    fn finish(self, slow_ms: f64, executions: &mut Executions) {
        let mut held: Vec<Pending> = self.held.into_values().collect();
        // Deterministic order for the metrics built from them.
        held.sort_by(|a, b| a.session.cmp(&b.session));
        for plan in held {
            record(plan, slow_ms, executions);
        }
    }
}

fn record(done: Pending, slow_ms: f64, executions: &mut Executions) {
    executions.record(
        done.ms,
        done.timestamp,
        &done.session,
        done.statement.as_deref(),
        slow_ms,
    );
}

fn pg_stderr(
    cx: &Context,
    path: &str,
    slow_ms: f64,
    executions: &mut Executions,
) -> std::io::Result<()> {
    let mut pending: Option<Pending> = None;
    let mut plans = Plans::default();
    for_each_line(cx, path, |line| {
        if !starts_with_timestamp(line) {
            // A continuation of a multi-line statement (DETAIL parameter
            // lines begin with a timestamp and end the statement).
            match pending.as_mut() {
                Some(p) if p.plan && p.statement.is_none() => {
                    if let Some((text, open)) = query_text(line.trim()) {
                        p.statement = Some(text);
                        p.query_open = open;
                    }
                }
                Some(p) if p.plan => {
                    if let (true, Some(text)) = (p.query_open, p.statement.as_mut()) {
                        // auto_explain always prints costs: the root node's
                        // line has them; a query's own line practically never.
                        if line.contains("(cost=")
                            || line.trim_start().starts_with("Query Parameters: ")
                        {
                            p.query_open = false;
                        } else {
                            text.push('\n');
                            text.push_str(line);
                        }
                    }
                }
                Some(Pending {
                    statement: Some(statement),
                    ..
                }) => {
                    statement.push('\n');
                    statement.push_str(line);
                }
                _ => {}
            }
            return;
        }
        if let Some(done) = pending.take() {
            plans.settle(done, slow_ms, executions);
        }
        let Some(at) = line.find("LOG:  duration: ") else {
            return;
        };
        let rest = &line[at + "LOG:  duration: ".len()..];
        let Some((ms, message)) = rest.split_once(" ms") else {
            return;
        };
        let Ok(ms) = ms.trim().parse::<f64>() else {
            return;
        };
        let message = message.trim_start();
        // parse/bind are phases of an execution logged on its own line.
        if message.starts_with("parse ") || message.starts_with("bind ") {
            return;
        }
        let statement = message
            .strip_prefix("statement: ")
            .or_else(|| {
                message
                    .strip_prefix("execute ")
                    .and_then(|m| m.split_once(": ").map(|(_, s)| s))
            })
            .map(str::to_owned);
        pending = Some(Pending {
            ms,
            timestamp: timestamp(line),
            session: pg_session(&line[..at]),
            plan: statement.is_none() && message.starts_with("plan:"),
            statement,
            query_open: false,
        });
    })?;
    if let Some(done) = pending {
        plans.settle(done, slow_ms, executions);
    }
    plans.finish(slow_ms, executions);
    Ok(())
}

/// The statement of an auto_explain plan line, in text (`Query Text: ...`,
/// which may go on over the next lines: `true`) or JSON (`"Query Text":
/// "...",`, whole) format.
fn query_text(line: &str) -> Option<(String, bool)> {
    if let Some(text) = line.strip_prefix("Query Text: ") {
        return Some((text.to_owned(), true));
    }
    let json = line.strip_prefix("\"Query Text\": ")?.trim_end_matches(',');
    Some((serde_json::from_str::<String>(json).ok()?, false))
}

/// The process id of a `log_line_prefix` such as `... [4913] user=...`.
fn pg_session(prefix: &str) -> String {
    prefix
        .split('[')
        .skip(1)
        .find_map(|p| {
            let (id, _) = p.split_once(']')?;
            (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_owned())
        })
        .unwrap_or_default()
}

fn pg_csv(
    cx: &Context,
    path: &str,
    slow_ms: f64,
    executions: &mut Executions,
) -> std::io::Result<()> {
    // csvlog columns: log_time, ..., session_id (5), ..., message (13).
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(cx.open(path));
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(std::io::Error::other)?
    {
        let field =
            |i: usize| String::from_utf8_lossy(record.get(i).unwrap_or_default()).into_owned();
        let message = field(13);
        let Some(rest) = message.strip_prefix("duration: ") else {
            continue;
        };
        let Some((ms, message)) = rest.split_once(" ms") else {
            continue;
        };
        let Ok(ms) = ms.trim().parse::<f64>() else {
            continue;
        };
        let message = message.trim_start();
        if message.starts_with("parse ") || message.starts_with("bind ") {
            continue;
        }
        let statement = message.strip_prefix("statement: ").or_else(|| {
            message
                .strip_prefix("execute ")
                .and_then(|m| m.split_once(": ").map(|(_, s)| s))
        });
        executions.record(ms, timestamp(&field(0)), &field(5), statement, slow_ms);
    }
    Ok(())
}

fn mysql_slow(
    cx: &Context,
    path: &str,
    slow_ms: f64,
    executions: &mut Executions,
) -> std::io::Result<()> {
    let mut session = String::new();
    let mut time: Option<f64> = None;
    let mut pending: Option<Pending> = None;
    let flush = |pending: &mut Option<Pending>, executions: &mut Executions| {
        if let Some(done) = pending.take() {
            executions.record(
                done.ms,
                done.timestamp,
                &done.session,
                done.statement.as_deref(),
                slow_ms,
            );
        }
    };
    for_each_line(cx, path, |line| {
        if let Some(header) = line.strip_prefix("# ") {
            if pending.as_ref().is_some_and(|p| p.statement.is_some()) {
                flush(&mut pending, executions);
            }
            if let Some(t) = header.strip_prefix("Time: ") {
                time = mysql_time(t.trim());
            }
            for (key, value) in fields(header) {
                match key {
                    "Id" | "Thread_id" => value.clone_into(&mut session),
                    "Query_time" => {
                        flush(&mut pending, executions);
                        if let Ok(seconds) = value.parse::<f64>() {
                            pending = Some(Pending {
                                ms: seconds * 1000.0,
                                timestamp: time,
                                session: session.clone(),
                                statement: None,
                                plan: false,
                                query_open: false,
                            });
                        }
                    }
                    _ => {}
                }
            }
            return;
        }
        let Some(p) = pending.as_mut() else {
            return;
        };
        let trimmed = line.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("set ") && lower.contains("timestamp=") {
            if let Some(ts) = lower
                .split("timestamp=")
                .nth(1)
                .and_then(|v| v.trim_end_matches(';').split(',').next())
                .and_then(|v| v.parse::<f64>().ok())
            {
                p.timestamp = Some(ts);
            }
        } else {
            // `use db;` before the statement selects the schema; it is not the query.
            let schema_switch = lower.starts_with("use ") && p.statement.is_none();
            if trimmed.is_empty() || schema_switch {
                return;
            }
            let statement = p.statement.get_or_insert_with(String::new);
            if !statement.is_empty() {
                statement.push('\n');
            }
            statement.push_str(trimmed);
        }
    })?;
    flush(&mut pending, executions);
    Ok(())
}

/// `Key: value` pairs of a slow-log comment line.
fn fields(header: &str) -> Vec<(&str, &str)> {
    let words: Vec<&str> = header.split_whitespace().collect();
    words
        .windows(2)
        .filter_map(|w| Some((w[0].strip_suffix(':')?, w[1])))
        .collect()
}

fn starts_with_timestamp(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[13] == b':'
}

/// `YYYY-MM-DD HH:MM:SS[.fff]` (or `T` separated) as seconds since the
/// epoch, ignoring the zone: only differences within one log are used.
fn timestamp(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = if b.get(19) == Some(&b'.') {
        let digits: String = text[20..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        format!("0.{digits}").parse::<f64>().unwrap_or(0.0)
    } else {
        0.0
    };
    Some((days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s) as f64 + frac)
}

/// MySQL 5.0-5.6 `071218 11:48:27` or 5.7+ ISO `2016-07-20T18:13:25.698433Z`.
fn mysql_time(text: &str) -> Option<f64> {
    if text.len() >= 19 && text.as_bytes()[4] == b'-' {
        return timestamp(text);
    }
    // 5.0/5.1 pad the hour with a space: `071218  1:48:27`.
    let mut parts = text.split_whitespace();
    let (date, time) = (parts.next()?, parts.next()?);
    if date.len() != 6 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let iso = format!(
        "20{}-{}-{} {time:0>8}",
        &date[0..2],
        &date[2..4],
        &date[4..6]
    );
    timestamp(&iso)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;
    use perfwarden_sdk::vocabulary::{DB_QUERY_LATENCY, DB_SLOW_QUERIES, DB_SLOW_QUERY_RATE};

    use super::{mysql_time, timestamp};
    use crate::Sql;

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/")).join(name)
    }

    fn metric(
        out: &perfwarden_sdk::Output,
        name: &str,
        percentile: Option<&str>,
    ) -> Option<(f64, Option<u64>)> {
        out.metrics
            .iter()
            .find(|m| m.name == name && m.label_value("percentile") == percentile)
            .map(|m| (m.value, m.samples))
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp("1970-01-02 00:00:01.5 UTC"), Some(86_401.5));
        assert_eq!(
            mysql_time("071218 11:48:27"),
            timestamp("2007-12-18 11:48:27")
        );
        assert_eq!(
            mysql_time("2016-07-20T18:13:25.698433Z").map(f64::floor),
            timestamp("2016-07-20 18:13:25")
        );
    }

    #[test]
    fn real_postgres_logs() {
        let stmt = fixture("postgres_logs/darold_pgbadger__t_fixtures_stmt_type.log");
        let out = Tester::new(Sql).run_files(&[("pg/stmt_type.log", &stmt)]);
        // 12 `statement:` durations, the largest 9.109 ms.
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p95")),
            Some((9.109, Some(12)))
        );
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p50")),
            Some((1.690, Some(12)))
        );
        assert_eq!(metric(&out, DB_SLOW_QUERIES, None), Some((0.0, Some(12))));
        // 20 s of log: too short for a per-minute rate.
        assert_eq!(metric(&out, DB_SLOW_QUERY_RATE, None), None);

        let multi = fixture("postgres_logs/darold_pgbadger__t_fixtures_multiline_param.log");
        let out = Tester::new(Sql).run_files(&[("pg/multi.log", &multi)]);
        // 3 statements + 2 executes; parse/bind lines are phases, not queries.
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p95")),
            Some((124.928, Some(5)))
        );
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p50")),
            Some((0.211, Some(5)))
        );
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    #[test]
    fn real_mysql_slow_logs() {
        let v57 = fixture("mysql_slowlog/percona_percona-toolkit__slowlogs_mysql5.7.log");
        let out = Tester::new(Sql).run_files(&[("mysql/slow.log", &v57)]);
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p95")),
            Some((3.464, Some(2)))
        );
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p50")),
            Some((0.241, Some(2)))
        );

        let percona = fixture("mysql_slowlog/percona_percona-toolkit__slowlogs_slow002.txt");
        let out = Tester::new(Sql).run_files(&[("mysql/slow002.txt", &percona)]);
        // 8 entries; the update ... join took 0.726052 s.
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p95")),
            Some((726.052, Some(8)))
        );
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p50")),
            Some((0.53, Some(8)))
        );
        assert_eq!(metric(&out, DB_SLOW_QUERIES, None), Some((0.0, Some(8))));
    }

    #[test]
    fn slow_queries_rate_and_non_utf8() {
        let mut log = Vec::new();
        for minute in 0..3 {
            log.extend_from_slice(
                format!("2024-03-01 10:0{minute}:00.000 UTC [9] LOG:  duration: 1500.0 ms  statement: SELECT id FROM orders WHERE note = '")
                    .as_bytes(),
            );
            // Latin-1 bytes, not UTF-8.
            log.extend_from_slice(b"\xE9t\xE9'\n");
        }
        log.extend_from_slice(b"2024-03-01 10:02:00.000 UTC [9] LOG:  duration: 2.0 ms  statement: SELECT 1\n\xff\xfe\n");
        let out = Tester::new(Sql)
            .try_run_bytes(&[("pg.log", &log)])
            .expect("runs");
        assert_eq!(metric(&out, DB_SLOW_QUERIES, None), Some((3.0, Some(4))));
        assert_eq!(metric(&out, DB_SLOW_QUERY_RATE, None), Some((1.5, Some(4))));
        assert_eq!(
            out.findings.iter().filter(|f| f.rule == "SQL034").count(),
            1
        );
    }

    #[test]
    fn auto_explain_plans_count_with_their_query_text() {
        let log = "2024-03-01 10:00:00.000 UTC [7] LOG:  duration: 1432.806 ms  plan:\n\
                   \t{\n\
                   \t  \"Query Text\": \"SELECT id FROM orders WHERE status = 'pending'\",\n\
                   \t  \"Plan\": {\"Node Type\": \"Seq Scan\"}\n\
                   \t}\n\
                   2024-03-01 10:00:01.000 UTC [7] LOG:  duration: 2.5 ms  plan:\n\
                   \tQuery Text: SELECT 1\n\
                   \tResult  (cost=0.00..0.01 rows=1 width=4) (actual time=0.001..0.001 rows=1 loops=1)\n";
        let out = Tester::new(Sql).run(&[("pg.log", log)]);
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p99")),
            Some((1432.806, Some(2)))
        );
        let slow = out
            .findings
            .iter()
            .find(|f| f.rule == "SQL034")
            .expect("slow plan");
        assert!(
            slow.message
                .ends_with("SELECT id FROM orders WHERE status = 'pending'"),
            "{}",
            slow.message
        );
    }

    #[test]
    fn a_plan_and_its_statement_line_count_once() {
        // auto_explain logs the plan, then log_min_duration_statement the
        // statement: one execution. Session 8's plan has no statement line
        // and session 7's second statement is a different query.
        let log = "2024-03-01 10:00:00.000 UTC [7] LOG:  duration: 1432.100 ms  plan:\n\
                   \tQuery Text: SELECT id FROM orders WHERE status = 'pending'\n\
                   \tSeq Scan on orders  (cost=0.00..1.01 rows=1 width=4)\n\
                   2024-03-01 10:00:00.001 UTC [8] LOG:  duration: 3.000 ms  plan:\n\
                   \tQuery Text: SELECT 1\n\
                   2024-03-01 10:00:00.002 UTC [7] LOG:  duration: 1432.806 ms  statement: SELECT id FROM orders WHERE status = 'pending'\n\
                   2024-03-01 10:00:00.003 UTC [7] LOG:  duration: 2.000 ms  plan:\n\
                   \tQuery Text: SELECT id FROM users\n\
                   2024-03-01 10:00:00.004 UTC [7] LOG:  duration: 2.500 ms  statement: SELECT id FROM coupons\n";
        let out = Tester::new(Sql).run(&[("pg.log", log)]);
        // 1432.806 (statement, its plan dropped), 3.0, 2.0, 2.5.
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p99")),
            Some((1432.806, Some(4)))
        );
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p50")),
            Some((2.5, Some(4)))
        );
        assert_eq!(metric(&out, DB_SLOW_QUERIES, None), Some((1.0, Some(4))));
    }

    #[test]
    fn a_multi_line_query_text_matches_its_statement() {
        // A text-format plan of a query written over several lines, then
        // the same statement from log_min_duration_statement: one execution.
        let log = "2024-03-01 10:00:00.000 UTC [7] LOG:  duration: 1500.100 ms  plan:\n\
                   \tQuery Text: SELECT id\n\
                   \t  FROM orders\n\
                   \t  WHERE status = 'pending'\n\
                   \tQuery Parameters: $1 = 'x'\n\
                   \tSeq Scan on orders  (cost=0.00..1.01 rows=1 width=4)\n\
                   \t  Filter: (status = 'pending'::text)\n\
                   2024-03-01 10:00:00.002 UTC [7] LOG:  duration: 1500.806 ms  statement: SELECT id\n\
                   \t  FROM orders\n\
                   \t  WHERE status = 'pending'\n\
                   2024-03-01 10:00:01.000 UTC [7] LOG:  duration: 2.000 ms  plan:\n\
                   \tQuery Text: SELECT id\n\
                   \t  FROM users\n\
                   \tResult  (cost=0.00..0.01 rows=1 width=4)\n\
                   2024-03-01 10:00:01.001 UTC [7] LOG:  duration: 2.500 ms  statement: SELECT id FROM coupons\n";
        let out = Tester::new(Sql).run(&[("pg.log", log)]);
        // 1500.806 (the plan folded into its statement), 2.0 (a plan whose
        // query differs from the next statement), 2.5.
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p99")),
            Some((1500.806, Some(3)))
        );
        assert_eq!(metric(&out, DB_SLOW_QUERIES, None), Some((1.0, Some(3))));
    }

    #[test]
    fn csvlog() {
        let csv = "2024-03-01 10:00:00.100 UTC,\"app\",\"shop\",4242,\"127.0.0.1:5000\",65e1a.1092,3,\"SELECT\",2024-03-01 09:59:00 UTC,3/12,0,LOG,00000,\"duration: 12.500 ms  statement: SELECT id FROM users WHERE id = 1\",,,,,,,,,\"\"\n\
                   2024-03-01 10:00:01.100 UTC,\"app\",\"shop\",4242,\"127.0.0.1:5000\",65e1a.1092,4,\"SELECT\",2024-03-01 09:59:00 UTC,3/13,0,LOG,00000,\"duration: 1.500 ms  execute <unnamed>: SELECT id FROM users WHERE id = $1\",\"parameters: $1 = '2'\",,,,,,,,\"\"\n";
        let out = Tester::new(Sql).run(&[("pg/postgresql.csv", csv)]);
        assert_eq!(
            metric(&out, DB_QUERY_LATENCY, Some("p95")),
            Some((12.5, Some(2)))
        );
    }
}
