use perfwarden_sdk::{Confidence, declare_rule};
use sqlparser::ast::{Expr, InTarget};

use crate::analysis::Cx;

declare_rule! {
    /// ## What it does
    /// Flags `expr NOT IN (SELECT ...)`.
    ///
    /// ## Why is this bad?
    /// Because of `NULL` semantics the planner cannot turn it into an
    /// anti-join: PostgreSQL runs a hashed subplan (or, when the subquery
    /// result exceeds `work_mem`, re-scans the subquery for every outer row,
    /// O(n x m)), and a single `NULL` in the subquery makes the predicate
    /// return no rows at all.
    ///
    /// ## Example
    /// ```sql
    /// SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM orders);
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id);
    /// ```
    pub static NOT_IN_SUBQUERY = {
        id: "SQL008",
        name: "not-in-subquery",
        summary: "NOT IN (subquery) blocks anti-joins and mishandles NULL",
        policy: "queries.slow_query",
    }
}

/// Called on every expression of a statement.
pub(crate) fn expr(cx: &mut Cx<'_>, expr: &Expr) {
    if matches!(
        expr,
        Expr::In {
            negated: true,
            target: InTarget::Subquery(_),
            ..
        }
    ) {
        cx.report(
            &NOT_IN_SUBQUERY,
            expr,
            "`NOT IN (SELECT ...)` cannot become an anti-join and returns nothing if the subquery yields a NULL".to_owned(),
            Some("rewrite as `NOT EXISTS (SELECT 1 FROM ... WHERE ... = outer.column)`".to_owned()),
            Confidence::High,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::NOT_IN_SUBQUERY;
    use crate::test_support::test_rule;

    #[test]
    fn test() {
        test_rule(
            &NOT_IN_SUBQUERY,
            &[
                "SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id);",
                "SELECT id FROM users WHERE id IN (SELECT user_id FROM orders);",
                "SELECT id FROM users WHERE status NOT IN ('banned', 'deleted');",
            ],
            &["SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM orders);"],
        );
    }
}
