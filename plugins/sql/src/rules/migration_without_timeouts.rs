use perfwarden_sdk::{Confidence, Finding, LineIndex, declare_rule};
use perfwarden_sql_rules::Dialect;
use perfwarden_sql_rules::sqlparser::ast::{Expr, Set, Statement, Value};

use super::MigrationStep;
use crate::sql_files::SqlFile;

declare_rule! {
    /// ## What it does
    /// Flags PostgreSQL migrations that lock existing tables (`ALTER TABLE`,
    /// `CREATE INDEX`) without first setting `lock_timeout` and
    /// `statement_timeout`, or that set them above the policy's 5 s cap
    /// (or to `0`, no limit).
    ///
    /// ## Why is this bad?
    /// A DDL statement waiting for its lock queues every later query on the
    /// table behind it: one long-running transaction turns a millisecond
    /// migration into a full outage for as long as it waits. A timeout makes
    /// the migration fail fast and retry instead.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN coupon_id bigint;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SET lock_timeout = '5s';
    /// SET statement_timeout = '5s';
    /// ALTER TABLE orders ADD COLUMN coupon_id bigint;
    /// ```
    pub static MIGRATION_WITHOUT_TIMEOUTS = {
        id: "SQL022",
        name: "migration-without-timeouts",
        summary: "locking migration without lock_timeout/statement_timeout <= 5 s",
        policy: "queries.timeout",
    }
}

/// The policy's cap for normal queries (`queries.timeout`).
const CAP_MS: f64 = 5000.0;
const SETTINGS: [&str; 2] = ["lock_timeout", "statement_timeout"];

pub(crate) fn check(
    file: &SqlFile,
    lines: &LineIndex<'_>,
    steps: &[MigrationStep<'_>],
    out: &mut Vec<Finding>,
) {
    let confidence = match file.dialect {
        Dialect::PostgreSql => Confidence::High,
        Dialect::Generic => Confidence::Medium,
        Dialect::MySql | Dialect::Sqlite => return,
    };
    let mut values: [Option<(f64, String)>; 2] = [None, None];
    for step in steps {
        match &step.parsed.statement {
            Statement::Set(Set::SingleAssignment {
                variable,
                values: v,
                ..
            }) => {
                let name = variable.to_string().to_ascii_lowercase();
                if let Some(slot) = SETTINGS.iter().position(|s| *s == name)
                    && let Some(expr) = v.first()
                {
                    values[slot] = duration_ms(expr).map(|ms| (ms, expr.to_string()));
                }
            }
            Statement::AlterTable(_) | Statement::CreateIndex(_) if step.on_existing_table => {
                for (setting, value) in SETTINGS.iter().zip(&values) {
                    let problem = match value {
                        None => format!("no `{setting}` is set before this lock-taking statement"),
                        Some((ms, text)) if *ms == 0.0 || *ms > CAP_MS => {
                            format!("`{setting}` is {text}, over the 5 s cap")
                        }
                        Some(_) => continue,
                    };
                    out.push(
                        file.finding(
                            lines,
                            &MIGRATION_WITHOUT_TIMEOUTS,
                            step.parsed.start,
                            step.parsed.end,
                            format!(
                                "{problem}: a blocked lock would queue every query on the table"
                            ),
                        )
                        .fix(format!(
                            "SET {setting} = '5s';  -- before the first DDL statement"
                        ))
                        .confidence(confidence),
                    );
                }
                // One report per file: later statements share the cause.
                return;
            }
            _ => {}
        }
    }
}

/// A PostgreSQL duration setting in ms: bare numbers are ms; strings take
/// `ms`, `s`, `min`, `h` units.
fn duration_ms(expr: &Expr) -> Option<f64> {
    let text = match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.clone(),
            Value::SingleQuotedString(s) => s.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let text = text.trim().to_ascii_lowercase();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let value: f64 = text[..split].parse().ok()?;
    let factor = match text[split..].trim() {
        "" | "ms" => 1.0,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    Some(value * factor)
}

#[cfg(test)]
mod tests {
    use super::MIGRATION_WITHOUT_TIMEOUTS;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn test() {
        Tester::new(Sql).test_rule(
            &MIGRATION_WITHOUT_TIMEOUTS,
            "migrations/005_column.sql",
            &[
                "SET lock_timeout = '5s';\nSET statement_timeout = 5000;\nALTER TABLE orders ADD COLUMN coupon_id bigint;",
                "SET lock_timeout TO '2s'; SET statement_timeout = '3s';\nCREATE INDEX CONCURRENTLY idx_orders_status ON orders (status);",
                "CREATE TABLE coupons (id bigserial PRIMARY KEY);\nALTER TABLE coupons ADD COLUMN code text;",
            ],
            &[
                "ALTER TABLE orders ADD COLUMN coupon_id bigint;",
                "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN coupon_id bigint;",
                "SET lock_timeout = '1min';\nSET statement_timeout = '5s';\nALTER TABLE orders ADD COLUMN coupon_id bigint;",
                "SET lock_timeout = 0;\nSET statement_timeout = '5s';\nCREATE INDEX CONCURRENTLY idx ON orders (status);",
            ],
        );
    }
}
