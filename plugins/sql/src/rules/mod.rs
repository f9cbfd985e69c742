//! The plugin's own rules: migration safety (on parsed `.sql` files) and
//! database diagnostics (on EXPLAIN output, statistics and slow logs).

use std::collections::HashSet;

use perfwarden_sdk::{Finding, LineIndex, Rule};
use perfwarden_sql_rules::sqlparser::ast::Statement;
use perfwarden_sql_rules::{ParsedStatement, schema_name};

use crate::sql_files::SqlFile;

pub mod create_index_not_concurrently;
pub mod disk_sort;
pub mod foreign_key_not_valid;
pub mod migration_without_timeouts;
pub mod mysql_alter_without_online_ddl;
pub mod mysql_migration_without_lock_wait_timeout;
pub mod nested_loop_many_loops;
pub mod repeated_statement;
pub mod row_estimate_error;
pub mod seq_scan_discarding_rows;
pub mod slow_query;

pub(crate) static ALL: &[&Rule] = &[
    &create_index_not_concurrently::CREATE_INDEX_NOT_CONCURRENTLY,
    &foreign_key_not_valid::FOREIGN_KEY_NOT_VALID,
    &migration_without_timeouts::MIGRATION_WITHOUT_TIMEOUTS,
    &mysql_alter_without_online_ddl::MYSQL_ALTER_WITHOUT_ONLINE_DDL,
    &mysql_migration_without_lock_wait_timeout::MYSQL_MIGRATION_WITHOUT_LOCK_WAIT_TIMEOUT,
    &seq_scan_discarding_rows::SEQ_SCAN_DISCARDING_ROWS,
    &disk_sort::DISK_SORT,
    &row_estimate_error::ROW_ESTIMATE_ERROR,
    &nested_loop_many_loops::NESTED_LOOP_MANY_LOOPS,
    &slow_query::SLOW_QUERY,
    &repeated_statement::REPEATED_STATEMENT,
];

/// A statement of a migration, and whether the table it changes existed
/// before this file (a table created earlier in the same file is empty and
/// unused, so locking it costs nothing).
pub(crate) struct MigrationStep<'a> {
    pub parsed: &'a ParsedStatement,
    pub on_existing_table: bool,
}

/// The statements of a file with the table-existence flag.
pub(crate) fn steps<'a>(file: &'a SqlFile<'_>) -> Vec<MigrationStep<'a>> {
    let mut created: HashSet<String> = HashSet::new();
    let mut steps = Vec::with_capacity(file.parsed.statements.len());
    for parsed in &file.parsed.statements {
        let target = match &parsed.statement {
            Statement::CreateTable(create) => {
                created.insert(schema_name(&create.name));
                None
            }
            Statement::CreateIndex(create) => Some(schema_name(&create.table_name)),
            Statement::AlterTable(alter) => Some(schema_name(&alter.name)),
            _ => None,
        };
        steps.push(MigrationStep {
            parsed,
            on_existing_table: target.is_some_and(|t| !created.contains(&t)),
        });
    }
    steps
}

/// Every migration rule over one parsed file.
pub(crate) fn check_migration(file: &SqlFile, lines: &LineIndex<'_>) -> Vec<Finding> {
    let steps = steps(file);
    let mut findings = Vec::new();
    create_index_not_concurrently::check(file, lines, &steps, &mut findings);
    foreign_key_not_valid::check(file, lines, &steps, &mut findings);
    migration_without_timeouts::check(file, lines, &steps, &mut findings);
    mysql_alter_without_online_ddl::check(file, lines, &steps, &mut findings);
    mysql_migration_without_lock_wait_timeout::check(file, lines, &steps, &mut findings);
    findings
}
