use std::ops::ControlFlow;

use perfwarden_sdk::{Confidence, declare_rule};
use sqlparser::ast::{BinaryOperator, Expr, Query, Select, Statement};

use crate::analysis::{Cx, Scope, conjuncts, cte_names, unnest};
use crate::schema::{IndexKey, normalise};

declare_rule! {
    /// ## What it does
    /// Flags predicates that wrap an indexed column in a function or cast
    /// (`lower(email) = $1`, `date(created_at) = $1`, `created_at::date = $1`)
    /// when no expression index matches the wrapped form.
    ///
    /// ## Why is this bad?
    /// The index stores the column's raw values, so the planner cannot use
    /// it for the computed value: the query falls back to reading the whole
    /// table and evaluating the function on every row, on every execution.
    ///
    /// ## Example
    /// ```sql
    /// SELECT id FROM orders WHERE date(created_at) = $1;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT id FROM orders WHERE created_at >= $1 AND created_at < $1 + interval '1 day';
    /// -- or an expression index: CREATE INDEX CONCURRENTLY ... ON users ((lower(email)));
    /// ```
    pub static FUNCTION_ON_INDEXED_COLUMN = {
        id: "SQL006",
        name: "function-on-indexed-column",
        summary: "a function on an indexed column disables the index",
        policy: "queries.index_required",
    }
}

/// Called on every SELECT of a statement, with the query it is the body of.
pub(crate) fn select(cx: &mut Cx<'_>, select: &Select, query: Option<&Query>) {
    if cx.schema.is_empty() {
        return;
    }
    let scope = Scope::of_select(select, cx.schema, &cte_names(query));
    visit(cx, &scope, select.selection.as_ref());
}

/// The statement's own WHERE (UPDATE), after its SELECTs.
pub(crate) fn check(cx: &mut Cx<'_>) {
    if cx.schema.is_empty() {
        return;
    }
    if let Statement::Update(update) = cx.statement {
        let scope = Scope::of_from(std::slice::from_ref(&update.table), cx.schema, &[]);
        visit(cx, &scope, update.selection.as_ref());
    }
}

fn visit(cx: &mut Cx<'_>, scope: &Scope<'_>, selection: Option<&Expr>) {
    let dialect = cx.dialect;
    let mut terms = selection.map(conjuncts).unwrap_or_default();
    terms.extend(scope.tables.iter().filter_map(|t| t.on).flat_map(conjuncts));
    for term in terms {
        for side in wrapped_sides(term) {
            let Some((index, column)) = only_column(scope, side) else {
                continue;
            };
            let Some(table) = scope.tables[index].table else {
                continue;
            };
            let text = normalise(side);
            let has_expression_index = table
                .indexes
                .iter()
                .any(|ix| ix.keys.first() == Some(&IndexKey::Expression(text.clone())));
            let indexed = table
                .indexes
                .iter()
                .find(|ix| ix.leading_column() == Some(column.as_str()));
            if let (false, Some(ix)) = (has_expression_index, indexed) {
                let by = ix
                    .name
                    .as_ref()
                    .map_or_else(|| "its index".to_owned(), |n| format!("index `{n}`"));
                cx.report(
                    &FUNCTION_ON_INDEXED_COLUMN,
                    side,
                    format!(
                        "`{side}` hides `{}.{column}` from {by}: every row is read and computed",
                        table.name
                    ),
                    Some(format!(
                        "compare the bare column (e.g. a range on `{column}`), or add an expression index: {}",
                        dialect.create_index_fix(&table.name, &[format!("({side})")])
                    )),
                    Confidence::High,
                );
            }
        }
    }
}

fn wrapped_sides(term: &Expr) -> Vec<&Expr> {
    let sides: Vec<&Expr> = match unnest(term) {
        Expr::BinaryOp {
            left,
            op:
                BinaryOperator::Eq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq,
            right,
        } => vec![left, right],
        Expr::In { expr, .. } | Expr::Between { expr, .. } | Expr::Like { expr, .. } => {
            vec![expr]
        }
        _ => Vec::new(),
    };
    sides
        .into_iter()
        .map(unnest)
        .filter(|e| matches!(e, Expr::Function(_) | Expr::Cast { .. }))
        .collect()
}

/// The single column an expression reads, resolved in scope.
fn only_column(scope: &Scope<'_>, expr: &Expr) -> Option<(usize, String)> {
    let mut found = None;
    let mut count = 0;
    let _ = sqlparser::ast::visit_expressions(expr, |e| {
        if matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
            count += 1;
            found = scope.resolve(e);
        }
        ControlFlow::<()>::Continue(())
    });
    if count == 1 { found } else { None }
}

#[cfg(test)]
mod tests {
    use super::FUNCTION_ON_INDEXED_COLUMN;
    use crate::test_support::test_rule;

    const DDL: &str = "
        CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, name text);
        CREATE UNIQUE INDEX users_email ON users (email);
        CREATE INDEX users_name_lower ON users (lower(name));
        CREATE TABLE orders (id bigserial PRIMARY KEY, created_at timestamptz, note text);
        CREATE INDEX orders_created ON orders (created_at);
    ";

    #[test]
    fn test() {
        let with_ddl =
            |qs: &[&str]| -> Vec<String> { qs.iter().map(|q| format!("{DDL}{q}")).collect() };
        let pass = with_ddl(&[
            "SELECT id FROM users WHERE email = $1;",
            "SELECT id FROM users WHERE lower(name) = $1 LIMIT 5;",
            "SELECT id FROM orders WHERE lower(note) = $1 LIMIT 5;",
            "SELECT id FROM orders WHERE created_at >= $1 AND created_at < $2 LIMIT 5;",
        ]);
        let fail = with_ddl(&[
            "SELECT id FROM users WHERE lower(email) = lower($1);",
            "SELECT id FROM orders WHERE date(created_at) = $1 LIMIT 5;",
            "SELECT id FROM orders WHERE created_at::date = $1 LIMIT 5;",
        ]);
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        test_rule(&FUNCTION_ON_INDEXED_COLUMN, &pass, &fail);
    }
}
