//! SQL and database analyzer: schema-aware query rules over `.sql` files
//! (migrations are applied in file-name order to build the schema),
//! migration safety rules, and database diagnostics (EXPLAIN JSON,
//! pg_stat_statements exports, PostgreSQL and MySQL slow logs,
//! pt-query-digest JSON) as metrics and findings.

mod diag;
mod rules;
mod sql_files;

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, export_analyzer,
};
use perfwarden_sql_rules::Dialect;
use serde::Deserialize;

/// `[plugin.sql]` in `perfwarden.toml`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    /// `postgres`, `mysql`, `sqlite` or `generic`; detected per file when absent.
    dialect: Option<String>,
    /// Queries slower than this are slow (policy: 1 s).
    slow_query_ms: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dialect: None,
            slow_query_ms: 1000.0,
        }
    }
}

#[derive(Default)]
pub struct Sql;

impl Analyzer for Sql {
    fn info(&self) -> PluginInfo {
        PluginInfo::new(
            "sql",
            env!("CARGO_PKG_VERSION"),
            "SQL queries, migrations and database diagnostics",
        )
        .patterns(["**/*.sql", "**/*.json", "**/*.csv", "**/*.log", "**/*slow*"])
        .rules(perfwarden_sql_rules::RULES.iter().copied())
        .rules(rules::ALL.iter().copied())
    }

    fn analyze(&self, cx: &Context, artifacts: &[Artifact], config: &Config) -> Result<Output> {
        let settings: Settings = config.parse_as()?;
        let dialect = match settings.dialect.as_deref() {
            None => None,
            Some(name) => Some(Dialect::from_name(name).ok_or_else(|| {
                format!("invalid plugin config `dialect`: unknown dialect `{name}` (postgres, mysql, sqlite, generic)")
            })?),
        };
        let mut out = Output::default();
        let (sql, others): (Vec<&Artifact>, Vec<&Artifact>) = artifacts
            .iter()
            .partition(|a| a.path.to_ascii_lowercase().ends_with(".sql"));
        sql_files::analyze(cx, &sql, dialect, &mut out);
        for artifact in others {
            diag::analyze(cx, artifact, settings.slow_query_ms, &mut out);
        }
        Ok(out)
    }
}

export_analyzer!(Sql);

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use super::Sql;

    #[test]
    fn bad_sql_is_a_located_note_and_the_rest_is_analyzed() {
        let out = Tester::new(Sql).run(&[(
            "q.sql",
            "SELECT * FROM users;\nSELECT FROM WHERE oops(;\nDELETE FROM sessions;",
        )]);
        assert_eq!(out.notes.len(), 1);
        let span = out.notes[0].span.as_ref().expect("located");
        assert_eq!((span.line, span.end_line), (2, 2));
        let rules: Vec<&str> = out.findings.iter().map(|f| f.rule).collect();
        assert!(
            rules.contains(&"SQL001") && rules.contains(&"SQL009"),
            "{rules:?}"
        );
    }

    #[test]
    fn unparsable_files_note_a_few_statements_and_count_the_rest() {
        let script: String = (0..25).map(|i| format!("echo line {i};\n")).collect();
        let out = Tester::new(Sql).run(&[("scripts/run.sql", &script)]);
        assert_eq!(out.notes.len(), 11);
        assert_eq!(
            out.notes[10].message,
            "scripts/run.sql: 15 more statement(s) skipped as unparsable"
        );
    }

    #[test]
    fn foreign_files_are_ignored_silently() {
        let out = Tester::new(Sql).run(&[
            (
                "package.json",
                "{\"name\": \"shop\", \"version\": \"1.0.0\"}",
            ),
            ("app.log", "2024-03-01 server started on :3000\n"),
            ("data/prices.csv", "sku,price\nA1,10\n"),
        ]);
        assert_eq!(out, perfwarden_sdk::Output::default());
    }

    #[test]
    fn config_dialect_and_threshold() {
        let mysql = "SELECT `id` FROM `orders` ORDER BY `id` LIMIT 40, 20;";
        let out = Tester::new(Sql)
            .config(r#"{"dialect": "mysql"}"#)
            .run(&[("q.sql", mysql)]);
        assert!(out.findings.iter().any(|f| f.rule == "SQL002"), "{out:?}");

        let log =
            "2024-03-01 10:00:00.000 UTC [81] LOG:  duration: 300.0 ms  statement: SELECT 1\n";
        let strict = Tester::new(Sql)
            .config(r#"{"slow_query_ms": 250}"#)
            .run(&[("pg.log", log)]);
        assert!(strict.findings.iter().any(|f| f.rule == "SQL034"));
        let default = Tester::new(Sql).run(&[("pg.log", log)]);
        assert!(!default.findings.iter().any(|f| f.rule == "SQL034"));

        let err = Tester::new(Sql)
            .config(r#"{"dialect": "oracle"}"#)
            .try_run_bytes(&[("q.sql", b"SELECT 1")])
            .expect_err("unknown dialect");
        assert!(err.contains("oracle"), "{err}");
    }
}
