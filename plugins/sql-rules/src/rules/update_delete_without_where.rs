use perfwarden_sdk::{Confidence, declare_rule};
use sqlparser::ast::Statement;

use crate::analysis::Cx;

declare_rule! {
    /// ## What it does
    /// Flags `UPDATE` and `DELETE` statements without a `WHERE` clause (or
    /// a `LIMIT`).
    ///
    /// ## Why is this bad?
    /// Every row of the table is rewritten or removed in one transaction:
    /// each touched row is locked until commit, the write-ahead log and
    /// table bloat grow with the table, and replicas lag. It is also the
    /// classic accident.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE orders SET status = 'archived';
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// UPDATE orders SET status = 'archived' WHERE id BETWEEN $1 AND $2;  -- in batches
    /// ```
    pub static UPDATE_DELETE_WITHOUT_WHERE = {
        id: "SQL009",
        name: "update-delete-without-where",
        summary: "UPDATE/DELETE without WHERE touches every row",
        policy: "queries.unbounded",
    }
}

pub(crate) fn check(cx: &mut Cx<'_>) {
    let statement = cx.statement;
    let (verb, table) = match statement {
        Statement::Update(update) if update.selection.is_none() && update.limit.is_none() => {
            ("UPDATE", update.table.relation.to_string())
        }
        Statement::Delete(delete) if delete.selection.is_none() && delete.limit.is_none() => {
            let table = match &delete.from {
                sqlparser::ast::FromTable::WithFromKeyword(from)
                | sqlparser::ast::FromTable::WithoutKeyword(from) => from
                    .first()
                    .map(|t| t.relation.to_string())
                    .unwrap_or_default(),
            };
            ("DELETE", table)
        }
        _ => return,
    };
    cx.report(
        &UPDATE_DELETE_WITHOUT_WHERE,
        statement,
        format!(
            "{verb} of `{table}` has no WHERE: it locks and rewrites every row in one transaction"
        ),
        Some(
            "add a WHERE clause; for a deliberate full-table change, work in key-range batches"
                .to_owned(),
        ),
        Confidence::High,
    );
}

#[cfg(test)]
mod tests {
    use super::UPDATE_DELETE_WITHOUT_WHERE;
    use crate::test_support::test_rule;

    #[test]
    fn test() {
        test_rule(
            &UPDATE_DELETE_WITHOUT_WHERE,
            &[
                "UPDATE orders SET status = 'paid' WHERE id = $1;",
                "DELETE FROM sessions WHERE expires_at < now();",
                "TRUNCATE sessions;",
            ],
            &[
                "UPDATE orders SET status = 'archived';",
                "DELETE FROM sessions;",
            ],
        );
    }
}
