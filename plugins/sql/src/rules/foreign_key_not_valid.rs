use perfwarden_sdk::{Confidence, Finding, LineIndex, declare_rule};
use perfwarden_sql_rules::Dialect;
use perfwarden_sql_rules::sqlparser::ast::{AlterTableOperation, Statement, TableConstraint};

use super::MigrationStep;
use crate::sql_files::SqlFile;

declare_rule! {
    /// ## What it does
    /// Flags PostgreSQL `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`
    /// without `NOT VALID` on a table that exists before the migration.
    ///
    /// ## Why is this bad?
    /// Adding a validated foreign key scans the whole table while holding a
    /// `SHARE ROW EXCLUSIVE` lock on it and on the referenced table: writes
    /// to both wait for the full scan (seconds to minutes on a large table).
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    /// ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;  -- takes a weaker lock
    /// ```
    pub static FOREIGN_KEY_NOT_VALID = {
        id: "SQL021",
        name: "foreign-key-without-not-valid",
        summary: "validated foreign key added to an existing table locks it",
        policy: "queries.migration_safety",
    }
}

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
    for step in steps.iter().filter(|s| s.on_existing_table) {
        let Statement::AlterTable(alter) = &step.parsed.statement else {
            continue;
        };
        for operation in &alter.operations {
            let AlterTableOperation::AddConstraint {
                constraint: TableConstraint::ForeignKey(fk),
                not_valid: false,
            } = operation
            else {
                continue;
            };
            let name = fk
                .name
                .as_ref()
                .map_or_else(|| "<constraint>".to_owned(), ToString::to_string);
            out.push(
                file.finding(
                    lines,
                    &FOREIGN_KEY_NOT_VALID,
                    step.parsed.start,
                    step.parsed.end,
                    format!(
                        "foreign key on existing table `{}` is validated while `{}` and `{}` are locked against writes",
                        alter.name, alter.name, fk.foreign_table
                    ),
                )
                .fix(format!(
                    "ALTER TABLE {} ADD {fk} NOT VALID; ALTER TABLE {} VALIDATE CONSTRAINT {name};",
                    alter.name, alter.name
                ))
                .confidence(confidence),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FOREIGN_KEY_NOT_VALID;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn test() {
        Tester::new(Sql).test_rule(
            &FOREIGN_KEY_NOT_VALID,
            "migrations/004_fk.sql",
            &[
                "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
                "CREATE TABLE coupons (id bigserial PRIMARY KEY, user_id bigint);\nALTER TABLE coupons ADD CONSTRAINT coupons_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
                "ALTER TABLE `orders` ADD CONSTRAINT `fk_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`);",
            ],
            &["ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);"],
        );
    }
}
