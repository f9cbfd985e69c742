use perfwarden_sdk::{Confidence, declare_rule};
use sqlparser::ast::{Expr, LimitClause, Query, Value};

use crate::analysis::{Cx, unnest};

declare_rule! {
    /// ## What it does
    /// Flags `OFFSET n` (and MySQL's `LIMIT n, m`) pagination.
    ///
    /// ## Why is this bad?
    /// The database still reads and discards every skipped row: page 1 000
    /// of 20 rows reads 20 000 rows, so latency grows linearly with the
    /// page number, and rows inserted meanwhile shift pages (duplicates and
    /// gaps).
    ///
    /// ## Example
    /// ```sql
    /// SELECT id, total FROM orders ORDER BY id LIMIT 20 OFFSET 4000;
    /// ```
    ///
    /// ## Use instead
    /// Keyset (cursor) pagination on an indexed, unique ordering:
    /// ```sql
    /// SELECT id, total FROM orders WHERE id > $1 ORDER BY id LIMIT 20;
    /// ```
    pub static OFFSET_PAGINATION = {
        id: "SQL002",
        name: "offset-pagination",
        summary: "OFFSET pagination reads every skipped row",
        policy: "anti_patterns.offset_pagination",
    }
}

/// Called on every query of a statement.
pub(crate) fn query(cx: &mut Cx<'_>, query: &Query) {
    let offset = match &query.limit_clause {
        Some(LimitClause::LimitOffset {
            offset: Some(offset),
            ..
        }) => &offset.value,
        Some(LimitClause::OffsetCommaLimit { offset, .. }) => offset,
        _ => return,
    };
    if !is_zero(offset) {
        cx.report(
            &OFFSET_PAGINATION,
            offset,
            format!("`OFFSET {offset}` pagination reads and discards every skipped row"),
            Some("paginate with a cursor: `WHERE (sort_key, id) > ($1, $2) ORDER BY sort_key, id LIMIT n`".to_owned()),
            Confidence::High,
        );
    }
}

fn is_zero(expr: &Expr) -> bool {
    matches!(unnest(expr), Expr::Value(v) if matches!(&v.value, Value::Number(n, _) if n.trim_start_matches('0').is_empty()))
}

#[cfg(test)]
mod tests {
    use super::OFFSET_PAGINATION;
    use crate::test_support::test_rule;

    #[test]
    fn test() {
        test_rule(
            &OFFSET_PAGINATION,
            &[
                "SELECT id FROM orders WHERE id > $1 ORDER BY id LIMIT 20;",
                "SELECT id FROM orders ORDER BY id LIMIT 20 OFFSET 0;",
            ],
            &[
                "SELECT id FROM orders ORDER BY id LIMIT 20 OFFSET 40;",
                "SELECT id FROM orders ORDER BY id LIMIT $1 OFFSET $2;",
                "SELECT `id` FROM `orders` ORDER BY `id` LIMIT 40, 20;",
                "SELECT id FROM users WHERE id IN (SELECT user_id FROM orders ORDER BY id OFFSET 100);",
            ],
        );
    }
}
