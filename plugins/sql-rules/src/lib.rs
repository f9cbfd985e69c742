//! Schema-aware SQL query rules, shared by the perfwarden analyzers that
//! meet SQL: `.sql` files (plugin `sql`) and SQL embedded in JavaScript,
//! TypeScript and PHP strings (plugins `nodejs`, `wordpress`).
//!
//! Build a [`Schema`] from the project's migrations with
//! [`Schema::apply`], then check each query with [`check_query`]. Every
//! rule is a [`perfwarden_sdk::Rule`]; list [`RULES`] in your
//! `PluginInfo::rules` so findings of these rules are declared.
//!
//! Where queries and DDL come interleaved (files in migration order),
//! [`judge_statement`] judges a query against the schema so far and
//! [`Verdict::is_stale`] says, once the schema is complete, whether it must
//! be judged again; no syntax tree need be kept meanwhile.
//!
//! ```
//! use perfwarden_sql_rules::{Dialect, Schema, check_query};
//!
//! let mut schema = Schema::new();
//! schema.apply("CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);", Dialect::PostgreSql);
//! let issues = check_query("SELECT id FROM orders WHERE user_id = $1 LIMIT 20", Dialect::PostgreSql, &schema)
//!     .expect("valid SQL");
//! assert_eq!(issues[0].rule.name, "missing-index");
//! assert!(issues[0].fix.as_deref().unwrap().starts_with("CREATE INDEX CONCURRENTLY"));
//! ```

mod analysis;
mod dialect;
mod parse;
pub mod rules;
mod schema;

#[cfg(test)]
mod test_support;

use perfwarden_sdk::{Confidence, Rule};

pub use analysis::SchemaIssue;
pub use analysis::{Verdict, check_schema, check_statement, judge_statement};
pub use dialect::Dialect;
pub use parse::{Locator, ParseError, Parsed, ParsedStatement, StatementParser, parse_sql};
pub use schema::{ForeignKey, Index, IndexKey, Origin, Schema, Table, object as schema_name};
/// The parser this crate is built on, re-exported so callers match its version.
pub use sqlparser;

/// Every rule of this crate, for `PluginInfo::rules`.
pub static RULES: &[&Rule] = rules::ALL;

/// A problem found in a SQL text.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlIssue {
    /// The rule that found it.
    pub rule: &'static Rule,
    /// What is wrong, specific to this query.
    pub message: String,
    /// Byte offset in the SQL text where the problem starts.
    pub start: usize,
    /// Byte offset where it ends (exclusive).
    pub end: usize,
    /// The statement or rewrite that fixes it.
    pub fix: Option<String>,
    /// How sure the rule is.
    pub confidence: Confidence,
}

/// Check every statement of `sql` against the query rules and `schema`.
///
/// # Errors
/// The parser's message when any statement of `sql` does not parse.
pub fn check_query(sql: &str, dialect: Dialect, schema: &Schema) -> Result<Vec<SqlIssue>, String> {
    // One line index serves the parse and the rules' locations.
    let locator = Locator::new(sql);
    let parsed = StatementParser::new().parse_range(&locator, 0, sql.len(), dialect);
    if let Some(err) = parsed.errors.first() {
        let (line, column) = perfwarden_sdk::LineIndex::new(sql).line_col(err.start);
        return Err(format!("line {line}, column {column}: {}", err.message));
    }
    Ok(parsed
        .statements
        .iter()
        .flat_map(|statement| check_statement(statement, &locator, dialect, schema))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_query_reports_byte_ranges_and_parse_errors() {
        let schema = Schema::new();
        let sql = "SELECT id FROM t; SELECT * FROM users WHERE id = 1";
        let issues = check_query(sql, Dialect::Generic, &schema).expect("parses");
        let found: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.rule.id, &sql[i.start..i.end]))
            .collect();
        assert_eq!(found, [("SQL010", "SELECT id FROM t"), ("SQL001", "*")]);
        // A schema-less query is never judged by the schema rules.
        assert!(
            check_query(
                "SELECT id FROM orders WHERE user_id = 1 LIMIT 5",
                Dialect::Generic,
                &schema
            )
            .expect("parses")
            .is_empty()
        );
        let err = check_query("SELECT id FROM t;\nSELEC 1", Dialect::Generic, &schema)
            .expect_err("bad SQL");
        assert!(err.starts_with("line 2, column 1:"), "{err}");
    }

    #[test]
    fn every_rule_is_documented_and_unique() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for rule in RULES {
            assert!(rule.missing_doc_sections().is_empty(), "{}", rule.id);
        }
    }
}
