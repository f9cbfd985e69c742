//! A minimal analyzer over this crate's API, so rule tests run through the
//! SDK's `Tester` like any plugin's: each file's DDL builds the schema,
//! then every statement is checked.

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Finding, LineIndex, Output, PluginInfo, Result,
};

use crate::{Dialect, Locator, RULES, Schema, check_schema, check_statement, parse_sql};

#[derive(Default)]
pub(crate) struct RulesAnalyzer;

impl Analyzer for RulesAnalyzer {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("sql-rules-test", "0", "test harness").rules(RULES.iter().copied())
    }

    fn analyze(&self, cx: &Context, artifacts: &[Artifact], _: &Config) -> Result<Output> {
        let mut out = Output::default();
        for artifact in artifacts {
            let sql = cx.read_to_string(&artifact.path)?;
            let dialect = Dialect::detect(&sql);
            let parsed = parse_sql(&sql, dialect);
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
            let mut schema = Schema::new();
            for statement in &parsed.statements {
                schema.apply_statement(statement, dialect, 0);
            }
            let lines = LineIndex::new(&sql);
            let locator = Locator::new(&sql);
            for statement in &parsed.statements {
                for issue in check_statement(statement, &locator, dialect, &schema) {
                    let mut finding = Finding::new(issue.rule, issue.message)
                        .span(lines.span(&artifact.path, issue.start, issue.end))
                        .confidence(issue.confidence);
                    if let Some(fix) = issue.fix {
                        finding = finding.fix(fix);
                    }
                    out.push(finding);
                }
            }
            for issue in check_schema(&schema, dialect) {
                out.push(Finding::new(issue.rule, issue.message));
            }
        }
        Ok(out)
    }
}

/// `Tester::test_rule` over [`RulesAnalyzer`].
pub(crate) fn test_rule(rule: &perfwarden_sdk::Rule, pass: &[&str], fail: &[&str]) {
    perfwarden_sdk::testing::Tester::new(RulesAnalyzer).test_rule(rule, "q.sql", pass, fail);
}

/// The issues `check_query` reports for `sql` after applying `ddl`.
pub(crate) fn issues(ddl: &str, sql: &str) -> Vec<crate::SqlIssue> {
    let dialect = Dialect::detect(&format!("{ddl}\n{sql}"));
    let mut schema = Schema::new();
    assert!(schema.apply(ddl, dialect).is_empty());
    crate::check_query(sql, dialect, &schema).expect("test SQL parses")
}
