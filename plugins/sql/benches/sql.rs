//! Throughput of the whole `sql` analyzer natively, with baselines over the
//! same bytes in the same run so figures read as ratios:
//!
//! - SQL files (`PERFWARDEN_SQL_CORPUS`, a directory searched for `*.sql`;
//!   skipped with a message when unset): sqlparser's tokenizer alone,
//!   sqlparser's bare `Parser::parse_sql` (which stops at a file's first
//!   error, so it is a lower bound), the plugin's own statement splitting
//!   and parsing (every statement, with error recovery), and the whole
//!   plugin (dialect detection, parsing, schema, migration and query rules).
//! - Slow logs: the real PostgreSQL and MySQL fixtures repeated to 64 MiB,
//!   against splitting the same bytes into lines.
//!
//! `PERFWARDEN_SQL_CORPUS=/path/to/sql cargo bench -p perfwarden-plugin-sql --bench sql`

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perfwarden_plugin_sql::Sql;
use perfwarden_sdk::testing::Tester;
use perfwarden_sql_rules::sqlparser::dialect::{
    self, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use perfwarden_sql_rules::sqlparser::parser::Parser;
use perfwarden_sql_rules::sqlparser::tokenizer::Tokenizer;
use perfwarden_sql_rules::{Dialect, StatementParser};

/// Size of each synthetic slow log.
const LOG_BYTES: usize = 64 << 20;

fn sql_files(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            sql_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "sql")
            && let Ok(bytes) = std::fs::read(&path)
        {
            let name = path.strip_prefix(root).unwrap_or(&path);
            out.push((
                name.to_string_lossy().into_owned(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
}

fn parser_dialect(text: &str) -> Box<dyn dialect::Dialect> {
    match Dialect::detect(text) {
        Dialect::PostgreSql => Box::new(PostgreSqlDialect {}),
        Dialect::MySql => Box::new(MySqlDialect {}),
        Dialect::Sqlite => Box::new(SQLiteDialect {}),
        Dialect::Generic => Box::new(GenericDialect {}),
    }
}

fn bench_sql(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("PERFWARDEN_SQL_CORPUS") else {
        println!(
            "sql corpus benches skipped: set PERFWARDEN_SQL_CORPUS to a directory of .sql files"
        );
        return;
    };
    let dir = PathBuf::from(dir);
    let mut files = Vec::new();
    sql_files(&dir, &dir, &mut files);
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    println!(
        "sql corpus {}: {} files, {bytes} bytes",
        dir.display(),
        files.len()
    );
    if files.is_empty() {
        return;
    }
    let dialects: Vec<Box<dyn dialect::Dialect>> =
        files.iter().map(|(_, text)| parser_dialect(text)).collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let tester = Tester::new(Sql);

    let mut group = c.benchmark_group("sql");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("tokenize", |b| {
        b.iter(|| {
            let mut tokens = 0;
            for ((_, text), dialect) in files.iter().zip(&dialects) {
                let result = Tokenizer::new(dialect.as_ref(), black_box(text))
                    .with_unescape(false)
                    .tokenize_with_location();
                tokens += result.map_or(0, |t| t.len());
            }
            tokens
        });
    });
    group.bench_function("sqlparser_parse_sql", |b| {
        b.iter(|| {
            let mut statements = 0;
            for ((_, text), dialect) in files.iter().zip(&dialects) {
                statements +=
                    Parser::parse_sql(dialect.as_ref(), black_box(text)).map_or(0, |s| s.len());
            }
            statements
        });
    });
    group.bench_function("split_and_parse", |b| {
        let detected: Vec<Dialect> = files
            .iter()
            .map(|(_, text)| Dialect::detect(text))
            .collect();
        let mut parser = StatementParser::new();
        b.iter(|| {
            let mut statements = 0;
            for ((_, text), dialect) in files.iter().zip(&detected) {
                statements += parser.parse(black_box(text), *dialect).statements.len();
            }
            statements
        });
    });
    group.bench_function("analyze", |b| {
        b.iter(|| {
            let out = tester.run(black_box(&borrowed));
            out.findings.len() + out.notes.len()
        });
    });
    group.finish();
}

/// The real fixtures of one log format, concatenated and repeated to
/// [`LOG_BYTES`].
fn big_log(dir: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/real")
        .join(dir);
    let mut unit = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|err| panic!("{}: {err}", root.display()))
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.file_name().is_some_and(|n| n != "SOURCES.txt"))
        .collect();
    paths.sort();
    for path in paths {
        let mut bytes =
            std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        if !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        unit.extend_from_slice(&bytes);
    }
    let mut log = Vec::with_capacity(LOG_BYTES + unit.len());
    while log.len() < LOG_BYTES {
        log.extend_from_slice(&unit);
    }
    log
}

fn bench_logs(c: &mut Criterion) {
    let tester = Tester::new(Sql);
    let mut group = c.benchmark_group("slow_logs");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    for (name, dir, path) in [
        ("postgres", "postgres_logs", "pg/postgresql.log"),
        ("mysql", "mysql_slowlog", "mysql/slow.log"),
    ] {
        let log = big_log(dir);
        group.throughput(Throughput::Bytes(log.len() as u64));
        group.bench_function(format!("{name}_lines"), |b| {
            b.iter(|| black_box(&log).split(|&b| b == b'\n').count());
        });
        group.bench_function(format!("{name}_analyze"), |b| {
            b.iter(|| {
                let out = tester
                    .try_run_bytes(&[(path, black_box(&log))])
                    .expect("log analyzes");
                assert!(!out.metrics.is_empty(), "{name}: no metrics");
                out.metrics.len()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_sql, bench_logs);
criterion_main!(benches);
