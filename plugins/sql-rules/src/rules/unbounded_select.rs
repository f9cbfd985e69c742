use perfwarden_sdk::{Confidence, declare_rule};
use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, InTarget, LimitClause, SelectItem, SetExpr, Statement,
};

use crate::analysis::{Cx, Scope, conjuncts, cte_names, each_expr_in, unnest};

declare_rule! {
    /// ## What it does
    /// Flags top-level `SELECT`s from a table with no `LIMIT`/`FETCH`/`TOP`
    /// that can return many rows: not an aggregate without `GROUP BY`, and
    /// not a lookup by a primary key or unique index (known from the
    /// migrations; `id = ...` when the table is unknown).
    ///
    /// ## Why is this bad?
    /// The result grows with the table: a list that returns 50 rows today
    /// returns 500 000 next year, with the database, the network and the
    /// application's memory paying for each row on every call.
    ///
    /// ## Example
    /// ```sql
    /// SELECT id, total FROM orders WHERE user_id = $1;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT id, total FROM orders WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT 100;
    /// ```
    pub static UNBOUNDED_SELECT = {
        id: "SQL010",
        name: "unbounded-select",
        summary: "SELECT without LIMIT returns a collection that grows with the table",
        policy: "queries.unbounded",
    }
}

const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "bool_and",
    "bool_or",
    "every",
    "array_agg",
    "string_agg",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "group_concat",
];

pub(crate) fn check(cx: &mut Cx<'_>) {
    let Statement::Query(query) = cx.statement else {
        return;
    };
    let limited = match &query.limit_clause {
        Some(LimitClause::LimitOffset { limit, .. }) => limit.is_some(),
        Some(LimitClause::OffsetCommaLimit { .. }) => true,
        None => false,
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return;
    };
    if limited || query.fetch.is_some() || select.top.is_some() || select.into.is_some() {
        return;
    }
    let scope = Scope::of_select(select, cx.schema, &cte_names(Some(query)));
    let Some(base) = scope.tables.first().filter(|t| !t.name.is_empty()) else {
        return;
    };
    let no_group_by = matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
    if no_group_by && select.projection.iter().any(is_aggregate) {
        return;
    }
    let terms = select.selection.as_ref().map(conjuncts).unwrap_or_default();
    let single_row = (0..scope.tables.len()).all(|i| {
        let on = scope.tables[i].on.map(conjuncts).unwrap_or_default();
        unique_lookup(&scope, i, terms.iter().chain(&on).copied())
    });
    if single_row {
        return;
    }
    let (confidence, why) = if select.selection.is_some() {
        (Confidence::Medium, "its filter is not a unique key")
    } else {
        (Confidence::High, "it has no WHERE")
    };
    let table = base.name.clone();
    cx.report(
        &UNBOUNDED_SELECT,
        select.as_ref(),
        format!("SELECT from `{table}` has no LIMIT and {why}: the result grows with the table"),
        Some(
            "bound it: `ORDER BY id LIMIT 100` with keyset pagination (`WHERE id > $cursor`)"
                .to_owned(),
        ),
        confidence,
    );
}

fn is_aggregate(item: &SelectItem) -> bool {
    let expr = match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
        _ => return false,
    };
    let mut found = false;
    each_expr_in(expr, |e| {
        found |= crate::analysis::function_named(e, AGGREGATES);
    });
    found
}

/// Whether the terms pin scope entry `index` to at most one row: equality
/// on every column of a unique index, or `id` when the schema is unknown.
fn unique_lookup<'e>(
    scope: &Scope<'_>,
    index: usize,
    terms: impl Iterator<Item = &'e Expr>,
) -> bool {
    let mut pinned = Vec::new();
    for term in terms {
        let column = match unnest(term) {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => [left, right].into_iter().find_map(|side| {
                let (i, c) = scope.resolve(side)?;
                let other = if std::ptr::eq(side.as_ref(), left.as_ref()) {
                    right
                } else {
                    left
                };
                (i == index && !scope.references(other, index)).then_some(c)
            }),
            Expr::In {
                expr,
                negated: false,
                target: InTarget::List(_),
                ..
            } => scope
                .resolve(expr)
                .filter(|(i, _)| *i == index)
                .map(|(_, c)| c),
            _ => None,
        };
        pinned.extend(column);
    }
    match scope.tables[index].table {
        Some(table) => table.indexes.iter().any(|ix| {
            ix.unique
                && ix.predicate.is_empty()
                && ix
                    .keys
                    .iter()
                    .all(|k| matches!(k, crate::IndexKey::Column(c) if pinned.contains(c)))
        }),
        None => pinned.iter().any(|c| c == "id"),
    }
}

#[cfg(test)]
mod tests {
    use super::UNBOUNDED_SELECT;
    use crate::test_support::test_rule;

    const DDL: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE, country text);
        CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric);\n";

    #[test]
    fn test() {
        let with_ddl =
            |qs: &[&str]| -> Vec<String> { qs.iter().map(|q| format!("{DDL}{q}")).collect() };
        let pass = with_ddl(&[
            "SELECT id, email FROM users WHERE id = $1;",
            "SELECT id FROM users WHERE email = $1;",
            "SELECT id FROM users ORDER BY id LIMIT 100;",
            "SELECT count(*) FROM orders WHERE user_id = $1;",
            "SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = $1;",
            "SELECT id FROM users WHERE id IN ($1, $2, $3);",
            "SELECT 1;",
            "SELECT id FROM sessions WHERE id = $1;",
            "SELECT TOP 10 id FROM orders;",
        ]);
        let fail = with_ddl(&[
            "SELECT id, email FROM users;",
            "SELECT id, total FROM orders WHERE user_id = $1;",
            "SELECT u.id, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = $1;",
            "SELECT country, count(*) FROM users GROUP BY country;",
        ]);
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        test_rule(&UNBOUNDED_SELECT, &pass, &fail);
    }
}
