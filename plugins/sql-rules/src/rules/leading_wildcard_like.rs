use perfwarden_sdk::{Confidence, declare_rule};
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Value,
};

use crate::analysis::{Cx, function_named, unnest};

declare_rule! {
    /// ## What it does
    /// Flags `LIKE`/`ILIKE` patterns that start with a wildcard (`'%term'`,
    /// `'_x'`, `'%' || $1`, `CONCAT('%', ?)`).
    ///
    /// ## Why is this bad?
    /// A B-tree index can only match a known prefix: a leading wildcard
    /// forces a sequential scan that reads every row of the table on each
    /// search, so latency grows with the table.
    ///
    /// ## Example
    /// ```sql
    /// SELECT id FROM products WHERE name ILIKE '%' || $1 || '%';
    /// ```
    ///
    /// ## Use instead
    /// A trigram index (`CREATE INDEX CONCURRENTLY ... USING gin (name gin_trgm_ops)`),
    /// full-text search, or a prefix search `name LIKE $1 || '%'`.
    pub static LEADING_WILDCARD_LIKE = {
        id: "SQL005",
        name: "leading-wildcard-like",
        summary: "LIKE '%...' cannot use a B-tree index",
        policy: "queries.index_required",
    }
}

/// Called on every expression of a statement.
pub(crate) fn expr(cx: &mut Cx<'_>, expr: &Expr) {
    if let Expr::Like {
        negated: false,
        pattern,
        ..
    }
    | Expr::ILike {
        negated: false,
        pattern,
        ..
    } = expr
        && starts_with_wildcard(pattern)
    {
        cx.report(
            &LEADING_WILDCARD_LIKE,
            expr,
            format!(
                "`{expr}` starts with a wildcard: no B-tree index can serve it, every row is read"
            ),
            Some("use a trigram (pg_trgm GIN) or full-text index, or search by prefix".to_owned()),
            Confidence::High,
        );
    }
}

fn starts_with_wildcard(pattern: &Expr) -> bool {
    match unnest(pattern) {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s)
            | Value::DoubleQuotedString(s)
            | Value::EscapedStringLiteral(s)
            | Value::NationalStringLiteral(s) => s.starts_with(['%', '_']),
            _ => false,
        },
        Expr::BinaryOp {
            left,
            op: BinaryOperator::StringConcat,
            ..
        } => starts_with_wildcard(left),
        f @ Expr::Function(function) if function_named(f, &["concat"]) => match &function.args {
            FunctionArguments::List(list) => list.args.first().is_some_and(|arg| {
                matches!(arg, FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) if starts_with_wildcard(e))
            }),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::LEADING_WILDCARD_LIKE;
    use crate::test_support::test_rule;

    #[test]
    fn test() {
        test_rule(
            &LEADING_WILDCARD_LIKE,
            &[
                "SELECT id FROM products WHERE name LIKE 'shoe%' LIMIT 10;",
                "SELECT id FROM products WHERE name LIKE $1 || '%' LIMIT 10;",
                "SELECT id FROM products WHERE name NOT LIKE '%test%' LIMIT 10;",
            ],
            &[
                "SELECT id FROM products WHERE name LIKE '%shoe' LIMIT 10;",
                "SELECT id FROM products WHERE name ILIKE '%' || $1 || '%' LIMIT 10;",
                "SELECT `id` FROM `products` WHERE `name` LIKE CONCAT('%', ?, '%') LIMIT 10;",
                "SELECT id FROM products WHERE sku LIKE '_123' LIMIT 10;",
            ],
        );
    }
}
