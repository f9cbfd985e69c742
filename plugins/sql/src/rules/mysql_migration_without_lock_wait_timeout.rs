use perfwarden_sdk::{Confidence, Finding, LineIndex, declare_rule};
use perfwarden_sql_rules::Dialect;
use perfwarden_sql_rules::sqlparser::ast::{Expr, Set, Statement, Value};

use super::MigrationStep;
use crate::sql_files::SqlFile;

declare_rule! {
    /// ## What it does
    /// Flags MySQL migrations that run locking DDL (`ALTER TABLE`,
    /// `CREATE INDEX`) on an existing table without first setting
    /// `lock_wait_timeout` (`SET SESSION lock_wait_timeout = 5;`), or that
    /// set it above the policy's 5 s cap. `max_execution_time` does not
    /// count: MySQL applies it to read-only `SELECT`s only, never to DDL.
    ///
    /// ## Why is this bad?
    /// Even online DDL needs a brief exclusive metadata lock. While it waits
    /// for a long transaction to finish, every later query on the table
    /// queues behind it; MySQL's default `lock_wait_timeout` is one year, so
    /// one forgotten transaction turns a quick migration into an outage.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD COLUMN coupon VARCHAR(32), ALGORITHM=INSTANT;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SET SESSION lock_wait_timeout = 5;
    /// ALTER TABLE orders ADD COLUMN coupon VARCHAR(32), ALGORITHM=INSTANT;
    /// ```
    pub static MYSQL_MIGRATION_WITHOUT_LOCK_WAIT_TIMEOUT = {
        id: "SQL024",
        name: "mysql-migration-without-lock-wait-timeout",
        summary: "MySQL locking migration without lock_wait_timeout <= 5 s",
        policy: "queries.timeout",
    }
}

/// The policy's cap for normal queries (`queries.timeout`), in seconds.
const CAP_S: f64 = 5.0;

pub(crate) fn check(
    file: &SqlFile,
    lines: &LineIndex<'_>,
    steps: &[MigrationStep<'_>],
    out: &mut Vec<Finding>,
) {
    if file.dialect != Dialect::MySql {
        return;
    }
    let mut timeout: Option<(f64, String)> = None;
    for step in steps {
        match &step.parsed.statement {
            Statement::Set(Set::SingleAssignment {
                variable, values, ..
            }) => {
                let name = variable.to_string().to_ascii_lowercase();
                let name = name
                    .trim_start_matches("@@session.")
                    .trim_start_matches("@@");
                if name == "lock_wait_timeout"
                    && let Some(expr) = values.first()
                {
                    timeout = seconds(expr).map(|s| (s, expr.to_string()));
                }
            }
            Statement::AlterTable(_) | Statement::CreateIndex(_) if step.on_existing_table => {
                let problem = match &timeout {
                    None => "no `lock_wait_timeout` is set before this DDL statement".to_owned(),
                    Some((s, text)) if *s > CAP_S => {
                        format!("`lock_wait_timeout` is {text} s, over the 5 s cap")
                    }
                    Some(_) => return,
                };
                out.push(
                    file.finding(
                        lines,
                        &MYSQL_MIGRATION_WITHOUT_LOCK_WAIT_TIMEOUT,
                        step.parsed.start,
                        step.parsed.end,
                        format!(
                            "{problem}: while it waits for its metadata lock every query on the table queues behind it"
                        ),
                    )
                    .fix("SET SESSION lock_wait_timeout = 5;  -- before the first DDL statement")
                    .confidence(Confidence::High),
                );
                // One report per file: later statements share the cause.
                return;
            }
            _ => {}
        }
    }
}

/// `lock_wait_timeout` takes whole seconds (a quoted number is accepted).
fn seconds(expr: &Expr) -> Option<f64> {
    let Expr::Value(v) = expr else {
        return None;
    };
    match &v.value {
        Value::Number(n, _) => n.parse().ok(),
        Value::SingleQuotedString(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::MYSQL_MIGRATION_WITHOUT_LOCK_WAIT_TIMEOUT;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    /// Passing snippets; each must parse, or it would pass for nothing.
    const PASS: &[&str] = &[
        "SET SESSION lock_wait_timeout = 5;\nALTER TABLE `orders` ADD COLUMN `coupon` VARCHAR(32), ALGORITHM=INSTANT;",
        "SET @@session.lock_wait_timeout = 2;\nCREATE INDEX `idx_orders_status` ON `orders` (`status`);",
        "CREATE TABLE `coupons` (`id` INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\nALTER TABLE `coupons` ADD COLUMN `code` VARCHAR(32);",
        // PostgreSQL migrations are judged by SQL022.
        "ALTER TABLE orders ADD COLUMN coupon_id bigint;",
    ];

    #[test]
    fn test() {
        for snippet in PASS {
            let out = Tester::new(Sql).run(&[("migrations/007_orders.sql", snippet)]);
            assert!(out.notes.is_empty(), "{snippet}: {:?}", out.notes);
        }
        Tester::new(Sql).test_rule(
            &MYSQL_MIGRATION_WITHOUT_LOCK_WAIT_TIMEOUT,
            "migrations/007_orders.sql",
            PASS,
            &[
                "ALTER TABLE `orders` ADD COLUMN `coupon` VARCHAR(32), ALGORITHM=INSTANT;",
                "SET SESSION max_execution_time = 5000;\nALTER TABLE `orders` ADD INDEX `idx_status` (`status`), ALGORITHM=INPLACE, LOCK=NONE;",
                "SET SESSION lock_wait_timeout = 60;\nALTER TABLE `orders` DROP COLUMN `note`;",
            ],
        );
    }
}
