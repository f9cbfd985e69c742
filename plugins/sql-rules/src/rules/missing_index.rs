use perfwarden_sdk::{Confidence, declare_rule};
use sqlparser::ast::{Expr, OrderByKind, Query, Select, Statement};

use crate::Dialect;
use crate::analysis::{Access, Cx, Scope, conjuncts, cte_names, implies, sargable};
use crate::schema::normalise;

declare_rule! {
    /// ## What it does
    /// Flags tables read through `WHERE` or `JOIN ... ON` columns, or sorted
    /// by `ORDER BY` columns, that no index of the schema (built from the
    /// migrations) starts with. Indexes are matched left-prefix first, so
    /// an index on `(user_id, created_at)` serves `WHERE user_id = $1` but
    /// not `WHERE created_at > $1`; partial indexes count only when the
    /// query repeats their predicate. The fix is the statement that adds
    /// the missing index without blocking writes.
    ///
    /// ## Why is this bad?
    /// Without an index the database reads the whole table for every
    /// execution (and sorts it in memory or on disk for `ORDER BY`): the
    /// query's latency and I/O grow linearly with the table, and on a join
    /// the scan repeats for every outer row.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, created_at timestamptz);
    /// SELECT id FROM orders WHERE user_id = $1 LIMIT 20;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);
    /// ```
    pub static MISSING_INDEX = {
        id: "SQL003",
        name: "missing-index",
        summary: "filtered, joined or sorted columns not covered by an index",
        policy: "queries.index_required",
    }
}

struct Report {
    node: Expr,
    message: String,
    fix: String,
}

/// Called on every SELECT of a statement, with the query it is the body of.
pub(crate) fn select(cx: &mut Cx<'_>, select: &Select, query: Option<&Query>) {
    if cx.schema.is_empty() {
        return;
    }
    let scope = Scope::of_select(select, cx.schema, &cte_names(query));
    let mut reports = Vec::new();
    analyze(
        &scope,
        select.selection.as_ref(),
        query,
        cx.dialect,
        &mut reports,
    );
    emit(cx, reports);
}

/// The statement's own WHERE (UPDATE, DELETE), after its SELECTs.
pub(crate) fn check(cx: &mut Cx<'_>) {
    if cx.schema.is_empty() {
        return;
    }
    let (schema, dialect) = (cx.schema, cx.dialect);
    let mut reports = Vec::new();
    match cx.statement {
        Statement::Update(update) => {
            let scope = Scope::of_from(std::slice::from_ref(&update.table), schema, &[]);
            analyze(
                &scope,
                update.selection.as_ref(),
                None,
                dialect,
                &mut reports,
            );
        }
        Statement::Delete(delete) => {
            let from = match &delete.from {
                sqlparser::ast::FromTable::WithFromKeyword(f)
                | sqlparser::ast::FromTable::WithoutKeyword(f) => f,
            };
            let scope = Scope::of_from(from, schema, &[]);
            analyze(
                &scope,
                delete.selection.as_ref(),
                None,
                dialect,
                &mut reports,
            );
        }
        _ => {}
    }
    emit(cx, reports);
}

fn emit(cx: &mut Cx<'_>, reports: Vec<Report>) {
    for report in reports {
        cx.report(
            &MISSING_INDEX,
            &report.node,
            report.message,
            Some(report.fix),
            Confidence::Medium,
        );
    }
}

fn analyze(
    scope: &Scope<'_>,
    selection: Option<&Expr>,
    query: Option<&Query>,
    dialect: Dialect,
    reports: &mut Vec<Report>,
) {
    let where_terms = selection.map(conjuncts).unwrap_or_default();
    // Printing each term back to SQL is only needed to match partial
    // indexes; most schemas have none, and it was the rule's largest cost.
    let partial = scope.tables.iter().any(|t| {
        t.table
            .is_some_and(|table| table.indexes.iter().any(|ix| !ix.predicate.is_empty()))
    });
    let where_text: Vec<String> = if partial {
        where_terms.iter().map(|t| normalise(t)).collect()
    } else {
        Vec::new()
    };
    let order = query.and_then(|q| order_columns(scope, q));
    for (index, entry) in scope.tables.iter().enumerate() {
        let Some(table) = entry.table else {
            continue;
        };
        let mut equality = Vec::new();
        let mut range = Vec::new();
        let mut first_node = None;
        let own_on = entry.on.map(conjuncts).unwrap_or_default();
        for term in where_terms.iter().chain(&own_on) {
            if let Some((i, column, access, node)) = sargable(scope, term)
                && i == index
                && table.has_column(&column)
            {
                first_node.get_or_insert(node);
                let list = if access == Access::Equality {
                    &mut equality
                } else {
                    &mut range
                };
                if !list.contains(&column) {
                    list.push(column);
                }
            }
        }
        let usable: Vec<_> = table
            .indexes
            .iter()
            .filter(|ix| implies(&where_text, &ix.predicate))
            .collect();
        let order_here = order
            .as_ref()
            .filter(|(i, _, _)| *i == index)
            .map(|(_, columns, node)| (columns, node));
        if let Some(node) = first_node {
            let served = usable.iter().any(|ix| {
                ix.leading_column()
                    .is_some_and(|c| equality.iter().chain(&range).any(|a| a == c))
            });
            if served {
                continue;
            }
            let mut columns = equality.clone();
            match (range.first(), order_here) {
                (Some(first_range), _) => columns.push(first_range.clone()),
                (None, Some((order_columns, _))) => {
                    columns.extend(
                        order_columns
                            .iter()
                            .filter(|c| !equality.contains(c))
                            .cloned(),
                    );
                }
                (None, None) => {}
            }
            let filtered: Vec<String> = equality
                .iter()
                .chain(&range)
                .map(|c| format!("`{c}`"))
                .collect();
            reports.push(Report {
                node: node.clone(),
                message: format!(
                    "`{}` is looked up by {} but no index starts with {}: each execution scans the table",
                    table.name,
                    filtered.join(", "),
                    if filtered.len() == 1 { "it" } else { "any of them" },
                ),
                fix: dialect.create_index_fix(&table.name, &columns),
            });
        } else if let Some((order_columns, node)) = order_here {
            let served = usable.iter().any(|ix| {
                ix.keys.len() >= order_columns.len()
                    && ix
                        .keys
                        .iter()
                        .zip(order_columns)
                        .all(|(k, c)| matches!(k, crate::IndexKey::Column(kc) if kc == c))
            });
            if !served && order_columns.iter().all(|c| table.has_column(c)) {
                reports.push(Report {
                    node: node.clone(),
                    message: format!(
                        "`{}` is sorted by `{}` with no index in that order: every execution reads and sorts the whole table",
                        table.name,
                        order_columns.join(", "),
                    ),
                    fix: dialect.create_index_fix(&table.name, order_columns),
                });
            }
        }
    }
}

/// The ORDER BY columns when they are all plain columns of one scope entry.
fn order_columns(scope: &Scope<'_>, query: &Query) -> Option<(usize, Vec<String>, Expr)> {
    let OrderByKind::Expressions(exprs) = &query.order_by.as_ref()?.kind else {
        return None;
    };
    let first = exprs.first()?;
    let mut entry = None;
    let mut columns = Vec::new();
    for e in exprs {
        let (i, column) = scope.resolve(&e.expr)?;
        if *entry.get_or_insert(i) != i {
            return None;
        }
        columns.push(column);
    }
    Some((entry?, columns, first.expr.clone()))
}

#[cfg(test)]
mod tests {
    use super::MISSING_INDEX;
    use crate::test_support::{issues, test_rule};

    const DDL: &str = "
        CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz);
        CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL, status text,
                             created_at timestamptz, deleted_at timestamptz);
        CREATE INDEX orders_user_created ON orders (user_id, created_at);
        CREATE INDEX orders_live_status ON orders (status) WHERE deleted_at IS NULL;
    ";

    #[test]
    fn test() {
        let pass: Vec<String> = [
            "SELECT id FROM orders WHERE user_id = $1 LIMIT 20;",
            "SELECT id FROM orders WHERE user_id = $1 AND created_at > $2 LIMIT 20;",
            "SELECT id FROM orders WHERE status = 'paid' AND deleted_at IS NULL LIMIT 20;",
            "SELECT o.id FROM users u JOIN orders o ON o.user_id = u.id WHERE u.email = $1;",
            "SELECT id FROM users ORDER BY id LIMIT 20;",
            "SELECT id FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20;",
            // Unknown tables are not judged.
            "SELECT id FROM payments WHERE reference = $1 LIMIT 1;",
        ]
        .iter()
        .map(|q| format!("{DDL}{q}"))
        .collect();
        let fail: Vec<String> = [
            "SELECT id FROM orders WHERE created_at > $1 LIMIT 20;",
            "SELECT id FROM orders WHERE status = 'paid' LIMIT 20;",
            "SELECT u.id FROM orders o JOIN users u ON u.created_at = o.created_at WHERE o.user_id = 1;",
            "SELECT id FROM users ORDER BY created_at DESC LIMIT 20;",
            "UPDATE orders SET status = 'late' WHERE created_at < now() - interval '30 days';",
        ]
        .iter()
        .map(|q| format!("{DDL}{q}"))
        .collect();
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        test_rule(&MISSING_INDEX, &pass, &fail);
    }

    #[test]
    fn fix_orders_equality_then_range_columns() {
        let sql = "SELECT id FROM orders WHERE created_at > $1 AND status = $2 LIMIT 20";
        let found = issues(DDL, sql);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].fix.as_deref(),
            Some(
                "CREATE INDEX CONCURRENTLY idx_orders_status_created_at ON orders (status, created_at);"
            )
        );
        assert_eq!(&sql[found[0].start..found[0].end], "created_at");
    }
}
