//! `pg_stat_statements` CSV exports (`\copy (SELECT * FROM
//! pg_stat_statements) TO ... CSV HEADER`). PostgreSQL <= 12 names the
//! times `total_time`/`mean_time`/`max_time`; 13+ `*_exec_time` (17
//! renamed only the block I/O timing columns, which are not read).

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Confidence, Context, Metric, Output, Span};

use super::{normalise_statement, short};
use crate::rules::{repeated_statement, slow_query};

/// A lookup called this many times the median, and at least
/// [`MIN_REPEATED_CALLS`], stands out as an N+1 signature.
const REPEATED_FACTOR: f64 = 20.0;
const MIN_REPEATED_CALLS: f64 = 1000.0;

struct Row {
    line: u32,
    query: String,
    calls: f64,
    mean: f64,
    max: Option<f64>,
}

pub(crate) fn analyze(cx: &Context, path: &str, slow_ms: f64, out: &mut Output) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(cx.open(path));
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(err) => {
            out.note(
                format!("{path}: pg_stat_statements CSV header: {err}"),
                Some(Span::file(path)),
            );
            return;
        }
    };
    let column = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == *n))
    };
    let (Some(query), Some(calls), Some(mean)) = (
        column(&["query"]),
        column(&["calls"]),
        column(&["mean_exec_time", "mean_time"]),
    ) else {
        out.note(
            format!("{path}: pg_stat_statements CSV lacks query/calls/mean time columns"),
            Some(Span::file(path)),
        );
        return;
    };
    let max = column(&["max_exec_time", "max_time"]);
    let mut rows = Vec::new();
    let mut bad = 0u32;
    for (i, record) in reader.records().enumerate() {
        let line = u32::try_from(i + 2).unwrap_or(u32::MAX);
        let Ok(record) = record else {
            bad += 1;
            continue;
        };
        let number = |c: usize| record.get(c).and_then(|v| v.trim().parse::<f64>().ok());
        match (record.get(query), number(calls), number(mean)) {
            (Some(q), Some(calls), Some(mean)) => rows.push(Row {
                line: record
                    .position()
                    .map_or(line, |p| u32::try_from(p.line()).unwrap_or(line)),
                query: q.to_owned(),
                calls,
                mean,
                max: max.and_then(number),
            }),
            _ => bad += 1,
        }
    }
    if bad > 0 {
        out.note(
            format!("{path}: {bad} pg_stat_statements row(s) skipped (malformed)"),
            Some(Span::file(path)),
        );
    }
    for row in &rows {
        let span = Span::line(path, row.line);
        let statement = short(&row.query);
        out.metric(
            Metric::new(vocabulary::DB_QUERY_LATENCY, row.mean, unit::MS)
                .label(label::PERCENTILE, "mean")
                .label(label::STATEMENT, statement.clone())
                .label(label::SOURCE, "pg_stat_statements")
                .samples(row.calls as u64)
                .span(span.clone()),
        );
        if let Some(max) = row.max {
            out.metric(
                Metric::new(vocabulary::DB_QUERY_LATENCY, max, unit::MS)
                    .label(label::PERCENTILE, "max")
                    .label(label::STATEMENT, statement)
                    .label(label::SOURCE, "pg_stat_statements")
                    .samples(row.calls as u64)
                    .span(span.clone()),
            );
        }
        let worst = row.max.unwrap_or(row.mean).max(row.mean);
        if worst > slow_ms {
            // A slow mean means most calls are slow; a slow max alone, some.
            let confidence = if row.mean > slow_ms {
                Confidence::High
            } else {
                Confidence::Medium
            };
            let mut finding = slow_query::finding(
                path,
                &row.query,
                row.calls as u64,
                worst,
                slow_ms,
                confidence,
            );
            finding.message = format!(
                "{} (mean {:.1} ms over {} calls)",
                finding.message, row.mean, row.calls
            );
            finding.span = Some(span);
            out.push(finding);
        }
    }
    let mut calls: Vec<f64> = rows.iter().map(|r| r.calls).collect();
    calls.sort_by(f64::total_cmp);
    let Some(median) = super::percentile(&calls, 50.0) else {
        return;
    };
    for row in &rows {
        if row.calls >= MIN_REPEATED_CALLS
            && row.calls >= REPEATED_FACTOR * median
            && repeated_statement::is_lookup(&normalise_statement(&row.query))
        {
            let mut finding = repeated_statement::finding(
                path,
                &row.query,
                row.calls as u64,
                &format!(
                    "this export ({}x the median of {median} calls)",
                    (row.calls / median).round()
                ),
            );
            finding.span = Some(Span::line(path, row.line));
            finding.confidence = Confidence::Low;
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use crate::Sql;

    #[test]
    fn real_pg13_plus_export() {
        let path = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/postgres_pg_stat_statements/gurkanindibay_citus-ai-hackathon__pg_stat_statements.csv"
        ));
        let out = Tester::new(Sql).run_files(&[("db/pg_stat_statements.csv", path)]);
        assert!(out.notes.is_empty(), "{:?}", out.notes);
        let means: Vec<_> = out
            .metrics
            .iter()
            .filter(|m| m.label_value("percentile") == Some("mean"))
            .collect();
        assert_eq!(means.len(), 38);
        let polling = means
            .iter()
            .find(|m| {
                m.label_value("statement")
                    .is_some_and(|s| s.starts_with("SELECT waiting_pid"))
            })
            .expect("waiting_pid row");
        assert_eq!(polling.samples, Some(1452));
        assert!((polling.value - 0.021_606_012_396_694_192).abs() < 1e-12);
        // Slowest: CREATE EXTENSION citus, 739 ms: under 1 s, nothing slow.
        assert!(!out.findings.iter().any(|f| f.rule == "SQL034"));
        let max = out
            .metrics
            .iter()
            .filter(|m| m.label_value("percentile") == Some("max"))
            .map(|m| m.value)
            .fold(0.0, f64::max);
        assert_eq!(max, 739.471313);
        // The 1452-call polling query stands out against a median of 1 call.
        let repeated: Vec<_> = out.findings.iter().filter(|f| f.rule == "SQL035").collect();
        assert_eq!(repeated.len(), 1, "{repeated:?}");
        assert!(repeated[0].message.contains("1452 times"));
    }

    #[test]
    fn pg12_columns_and_slow_mean() {
        let csv = "userid,dbid,queryid,query,calls,total_time,min_time,max_time,mean_time,stddev_time,rows\n\
                   10,16384,1,\"SELECT id FROM orders WHERE status = $1\",40,92000.0,1200.0,4100.0,2300.0,300.0,400\n\
                   10,16384,2,\"SELECT 1\",10,1.0,0.1,0.1,0.1,0.0,10\n\
                   10,16384,3,not-a-number,x,y,z\n";
        let out = Tester::new(Sql).run(&[("pgss.csv", csv)]);
        let slow: Vec<_> = out.findings.iter().filter(|f| f.rule == "SQL034").collect();
        assert_eq!(slow.len(), 1);
        assert!(
            slow[0].message.contains("mean 2300.0 ms over 40 calls"),
            "{}",
            slow[0].message
        );
        assert_eq!(out.notes.len(), 1);
    }
}
