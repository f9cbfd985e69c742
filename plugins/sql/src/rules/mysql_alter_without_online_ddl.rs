use perfwarden_sdk::{Confidence, Finding, LineIndex, declare_rule};
use perfwarden_sql_rules::sqlparser::ast::{
    AlterTableAlgorithm, AlterTableLock, AlterTableOperation, Statement, TableConstraint,
};
use perfwarden_sql_rules::{Dialect, schema_name};

use super::MigrationStep;
use crate::sql_files::SqlFile;

declare_rule! {
    /// ## What it does
    /// Flags MySQL `ALTER TABLE ... ADD INDEX`, `ADD COLUMN`, `MODIFY` or
    /// `CHANGE` on a table that exists before the migration, unless the
    /// statement demands online DDL: `ALGORITHM=INSTANT`, or
    /// `ALGORITHM=INPLACE` with `LOCK=NONE`. A table created in the same
    /// file is empty and is not flagged.
    ///
    /// ## Why is this bad?
    /// Without the clauses MySQL picks the algorithm itself, and when the
    /// change cannot be made in place (a column type change always copies)
    /// it silently rebuilds the table with `ALGORITHM=COPY`, blocking every
    /// write for the whole rebuild: minutes to hours on a large table. With
    /// them, a change that would block fails at once instead.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD INDEX idx_orders_user_id (user_id);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// ALTER TABLE orders ADD INDEX idx_orders_user_id (user_id), ALGORITHM=INPLACE, LOCK=NONE;
    /// ```
    pub static MYSQL_ALTER_WITHOUT_ONLINE_DDL = {
        id: "SQL023",
        name: "mysql-alter-without-online-ddl",
        summary: "MySQL ALTER TABLE without ALGORITHM=INPLACE|INSTANT, LOCK=NONE may copy the table under lock",
        policy: "queries.migration_safety",
    }
}

pub(crate) fn check(
    file: &SqlFile,
    lines: &LineIndex<'_>,
    steps: &[MigrationStep<'_>],
    out: &mut Vec<Finding>,
) {
    if file.dialect != Dialect::MySql {
        return;
    }
    for step in steps.iter().filter(|s| s.on_existing_table) {
        let Statement::AlterTable(alter) = &step.parsed.statement else {
            continue;
        };
        let Some(change) = alter.operations.iter().find_map(rebuilding_change) else {
            continue;
        };
        let algorithm = alter.operations.iter().find_map(|op| match op {
            AlterTableOperation::Algorithm { algorithm, .. } => Some(algorithm),
            _ => None,
        });
        let lock = alter.operations.iter().find_map(|op| match op {
            AlterTableOperation::Lock { lock, .. } => Some(lock),
            _ => None,
        });
        let online = match algorithm {
            Some(AlterTableAlgorithm::Instant) => true,
            Some(AlterTableAlgorithm::Inplace) => matches!(lock, Some(AlterTableLock::None)),
            _ => false,
        };
        if online {
            continue;
        }
        let text = file
            .text
            .get(step.parsed.start..step.parsed.end)
            .unwrap_or_default()
            .trim_end()
            .trim_end_matches(';');
        out.push(
            file.finding(
                lines,
                &MYSQL_ALTER_WITHOUT_ONLINE_DDL,
                step.parsed.start,
                step.parsed.end,
                format!(
                    "{change} on existing table `{}` does not demand online DDL: MySQL may copy the table and block its writes for the whole rebuild",
                    schema_name(&alter.name)
                ),
            )
            .fix(format!(
                "{text}, ALGORITHM=INPLACE, LOCK=NONE;  -- or ALGORITHM=INSTANT where MySQL 8 supports it"
            ))
            .confidence(Confidence::High),
        );
    }
}

/// The operations that rebuild or scan the table, named for the message.
fn rebuilding_change(operation: &AlterTableOperation) -> Option<&'static str> {
    match operation {
        AlterTableOperation::AddColumn { .. } => Some("`ADD COLUMN`"),
        AlterTableOperation::ModifyColumn { .. } => Some("`MODIFY`"),
        AlterTableOperation::ChangeColumn { .. } => Some("`CHANGE`"),
        AlterTableOperation::AddConstraint {
            constraint:
                TableConstraint::Index(_)
                | TableConstraint::Unique(_)
                | TableConstraint::FulltextOrSpatial(_),
            ..
        } => Some("`ADD INDEX`"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::MYSQL_ALTER_WITHOUT_ONLINE_DDL;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    /// Passing snippets; each must parse, or it would pass for nothing.
    const PASS: &[&str] = &[
        "ALTER TABLE `orders` ADD INDEX `idx_orders_user` (`user_id`), ALGORITHM=INPLACE, LOCK=NONE;",
        "ALTER TABLE `orders` ADD COLUMN `coupon` VARCHAR(32) NULL, ALGORITHM=INSTANT;",
        "CREATE TABLE `coupons` (`id` INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\nALTER TABLE `coupons` ADD COLUMN `code` VARCHAR(32), ADD INDEX `idx_code` (`code`);",
        // Renaming is metadata only.
        "ALTER TABLE `orders` RENAME COLUMN `note` TO `comment`, ALGORITHM=INPLACE;",
        // PostgreSQL has its own rules.
        "ALTER TABLE orders ADD COLUMN coupon_id bigint;",
    ];

    #[test]
    fn test() {
        for snippet in PASS {
            let out = Tester::new(Sql).run(&[("migrations/006_orders.sql", snippet)]);
            assert!(out.notes.is_empty(), "{snippet}: {:?}", out.notes);
        }
        Tester::new(Sql).test_rule(
            &MYSQL_ALTER_WITHOUT_ONLINE_DDL,
            "migrations/006_orders.sql",
            PASS,
            &[
                "ALTER TABLE `orders` ADD INDEX `idx_orders_user` (`user_id`);",
                "ALTER TABLE `orders` ADD COLUMN `coupon` VARCHAR(32) NULL, ALGORITHM=INPLACE;",
                "ALTER TABLE `orders` MODIFY `total` DECIMAL(12,2) NOT NULL, LOCK=NONE;",
                "ALTER TABLE `orders` CHANGE `total` `amount` DECIMAL(12,2), ALGORITHM=COPY, LOCK=NONE;",
                "ALTER TABLE `orders` ADD UNIQUE KEY `uq_ref` (`reference`), ALGORITHM=INPLACE, LOCK=SHARED;",
            ],
        );
    }

    #[test]
    fn fix_appends_the_online_clauses() {
        let out = Tester::new(Sql).run(&[(
            "migrations/006_orders.sql",
            "ALTER TABLE `orders` ADD INDEX `idx_orders_user` (`user_id`);\n",
        )]);
        let finding = out
            .findings
            .iter()
            .find(|f| f.rule == MYSQL_ALTER_WITHOUT_ONLINE_DDL.id)
            .expect("flagged");
        assert!(
            finding
                .message
                .starts_with("`ADD INDEX` on existing table `orders`"),
            "{}",
            finding.message
        );
        assert_eq!(
            finding.fix.as_deref(),
            Some(
                "ALTER TABLE `orders` ADD INDEX `idx_orders_user` (`user_id`), ALGORITHM=INPLACE, LOCK=NONE;  -- or ALGORITHM=INSTANT where MySQL 8 supports it"
            )
        );
    }
}
