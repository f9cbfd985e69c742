use perfwarden_sdk::{Confidence, Finding, LineIndex, declare_rule};
use perfwarden_sql_rules::Dialect;
use perfwarden_sql_rules::sqlparser::ast::Statement;

use super::MigrationStep;
use crate::sql_files::SqlFile;

declare_rule! {
    /// ## What it does
    /// Flags PostgreSQL `CREATE INDEX` without `CONCURRENTLY` on a table
    /// that exists before the migration (an index on a table created in the
    /// same file is fine: the table is empty).
    ///
    /// ## Why is this bad?
    /// A plain `CREATE INDEX` holds a `SHARE` lock for the whole build:
    /// every `INSERT`, `UPDATE` and `DELETE` on the table waits, for
    /// seconds to hours depending on the table size, and requests pile up
    /// behind it.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX idx_orders_user_id ON orders (user_id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);  -- outside a transaction
    /// ```
    pub static CREATE_INDEX_NOT_CONCURRENTLY = {
        id: "SQL020",
        name: "create-index-not-concurrently",
        summary: "CREATE INDEX without CONCURRENTLY blocks writes",
        policy: "queries.migration_safety",
    }
}

pub(crate) fn check(
    file: &SqlFile,
    lines: &LineIndex<'_>,
    steps: &[MigrationStep<'_>],
    out: &mut Vec<Finding>,
) {
    // MySQL builds indexes online by default and SQLite has no concurrent
    // readers to block for long; CONCURRENTLY is PostgreSQL's.
    let confidence = match file.dialect {
        Dialect::PostgreSql => Confidence::High,
        Dialect::Generic => Confidence::Medium,
        Dialect::MySql | Dialect::Sqlite => return,
    };
    for step in steps.iter().filter(|s| s.on_existing_table) {
        let Statement::CreateIndex(create) = &step.parsed.statement else {
            continue;
        };
        if create.concurrently {
            continue;
        }
        let mut fixed = create.clone();
        fixed.concurrently = true;
        out.push(
            file.finding(
                lines,
                &CREATE_INDEX_NOT_CONCURRENTLY,
                step.parsed.start,
                step.parsed.end,
                format!(
                    "`CREATE INDEX` on existing table `{}` blocks its writes for the whole build",
                    create.table_name
                ),
            )
            .fix(format!("{fixed}; -- run outside a transaction block"))
            .confidence(confidence),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::CREATE_INDEX_NOT_CONCURRENTLY;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn test() {
        Tester::new(Sql).test_rule(
            &CREATE_INDEX_NOT_CONCURRENTLY,
            "migrations/003_indexes.sql",
            &[
                "CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);",
                "CREATE TABLE coupons (id bigserial PRIMARY KEY, code text);\nCREATE INDEX idx_coupons_code ON coupons (code);",
                "CREATE INDEX `idx_orders_user` ON `orders` (`user_id`) ALGORITHM=INPLACE;",
            ],
            &[
                "CREATE INDEX idx_orders_user_id ON orders (user_id);",
                "SET lock_timeout = '2s';\nCREATE UNIQUE INDEX idx_users_email ON users USING btree (lower(email)) WHERE deleted_at IS NULL;",
            ],
        );
    }
}
