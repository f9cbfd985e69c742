use perfwarden_sdk::{Confidence, declare_rule};
use sqlparser::ast::{OrderByKind, Query};

use crate::analysis::{Cx, function_named};

declare_rule! {
    /// ## What it does
    /// Flags `ORDER BY RANDOM()` (PostgreSQL, SQLite), `ORDER BY RAND()`
    /// (MySQL) and `ORDER BY NEWID()`.
    ///
    /// ## Why is this bad?
    /// Every row gets a random key and the whole table is sorted to return a
    /// few rows: the cost grows with the table (a full scan plus an
    /// O(n log n) sort, often on disk) on every call.
    ///
    /// ## Example
    /// ```sql
    /// SELECT id, name FROM products ORDER BY random() LIMIT 4;
    /// ```
    ///
    /// ## Use instead
    /// Sample (`TABLESAMPLE SYSTEM_ROWS(4)` in PostgreSQL), or pick random
    /// keys in the application and fetch them by primary key.
    pub static ORDER_BY_RANDOM = {
        id: "SQL007",
        name: "order-by-random",
        summary: "ORDER BY RANDOM() sorts the whole table",
        policy: "queries.index_required",
    }
}

const RANDOM: &[&str] = &["random", "rand", "newid"];

/// Called on every query of a statement.
pub(crate) fn query(cx: &mut Cx<'_>, query: &Query) {
    let Some(OrderByKind::Expressions(exprs)) = query.order_by.as_ref().map(|o| &o.kind) else {
        return;
    };
    for expr in exprs
        .iter()
        .map(|e| &e.expr)
        .filter(|e| function_named(e, RANDOM))
    {
        cx.report(
            &ORDER_BY_RANDOM,
            expr,
            format!("`ORDER BY {expr}` scans and sorts every row to return a random few"),
            None,
            Confidence::High,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::ORDER_BY_RANDOM;
    use crate::test_support::test_rule;

    #[test]
    fn test() {
        test_rule(
            &ORDER_BY_RANDOM,
            &[
                "SELECT id FROM products ORDER BY created_at DESC LIMIT 4;",
                "SELECT random() AS r FROM products ORDER BY id LIMIT 4;",
            ],
            &[
                "SELECT id FROM products ORDER BY random() LIMIT 4;",
                "SELECT `id` FROM `products` ORDER BY RAND() LIMIT 4;",
            ],
        );
    }
}
