use perfwarden_sdk::{Confidence, Finding, LineIndex, declare_rule};
use perfwarden_sql_rules::Dialect;
use perfwarden_sql_rules::sqlparser::ast::{
    AlterTableOperation, ColumnOption, Ident, Statement, TableConstraint,
};

use super::MigrationStep;
use crate::sql_files::SqlFile;

declare_rule! {
    /// ## What it does
    /// Flags PostgreSQL `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`
    /// without `NOT VALID` on a table that exists before the migration, and
    /// the inline form `ALTER TABLE ... ADD COLUMN x bigint REFERENCES t (id)`,
    /// which cannot take `NOT VALID` at all.
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
            let (fk, fix) = match operation {
                AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::ForeignKey(fk),
                    not_valid: false,
                } => {
                    let name = fk
                        .name
                        .as_ref()
                        .map_or_else(|| "<constraint>".to_owned(), ToString::to_string);
                    let fix = format!(
                        "ALTER TABLE {} ADD {fk} NOT VALID; ALTER TABLE {} VALIDATE CONSTRAINT {name};",
                        alter.name, alter.name
                    );
                    (fk, fix)
                }
                AlterTableOperation::AddColumn { column_def, .. } => {
                    let Some((option_name, fk)) =
                        column_def.options.iter().find_map(|o| match &o.option {
                            ColumnOption::ForeignKey(fk) => Some((o.name.as_ref(), fk)),
                            _ => None,
                        })
                    else {
                        continue;
                    };
                    // The column first, then the key as a separate, unvalidated
                    // constraint named as PostgreSQL would name it.
                    let mut column = column_def.clone();
                    column
                        .options
                        .retain(|o| !matches!(o.option, ColumnOption::ForeignKey(_)));
                    let mut constraint = fk.clone();
                    constraint.columns = vec![column_def.name.clone()];
                    let name = option_name
                        .or(fk.name.as_ref())
                        .cloned()
                        .unwrap_or_else(|| {
                            Ident::new(format!(
                                "{}_{}_fkey",
                                perfwarden_sql_rules::schema_name(&alter.name),
                                column_def.name.value
                            ))
                        });
                    constraint.name = Some(name.clone());
                    let fix = format!(
                        "ALTER TABLE {table} ADD COLUMN {column}; ALTER TABLE {table} ADD {constraint} NOT VALID; ALTER TABLE {table} VALIDATE CONSTRAINT {name};",
                        table = alter.name
                    );
                    (fk, fix)
                }
                _ => continue,
            };
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
                .fix(fix)
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
            &[
                "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
                "ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);",
            ],
        );
    }

    #[test]
    fn inline_reference_fix_splits_column_and_constraint() {
        let out = Tester::new(Sql).run(&[(
            "migrations/004_fk.sql",
            "SET lock_timeout = '5s';\nSET statement_timeout = '5s';\n\
             ALTER TABLE orders ADD COLUMN coupon_id bigint NOT NULL REFERENCES coupons (id) ON DELETE CASCADE;",
        )]);
        let fixes: Vec<(&str, Option<&str>)> = out
            .findings
            .iter()
            .map(|f| (f.rule, f.fix.as_deref()))
            .collect();
        assert_eq!(
            fixes,
            [
                (
                    "SQL021",
                    Some(
                        "ALTER TABLE orders ADD COLUMN coupon_id BIGINT NOT NULL; \
                     ALTER TABLE orders ADD CONSTRAINT orders_coupon_id_fkey FOREIGN KEY (coupon_id) REFERENCES coupons(id) ON DELETE CASCADE NOT VALID; \
                     ALTER TABLE orders VALIDATE CONSTRAINT orders_coupon_id_fkey;"
                    )
                ),
                // The new key has no index either (SQL004 sees the inline form too).
                (
                    "SQL004",
                    Some("CREATE INDEX CONCURRENTLY idx_orders_coupon_id ON orders (coupon_id);")
                )
            ]
        );
    }
}
