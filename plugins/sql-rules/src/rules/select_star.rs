use perfwarden_sdk::{Confidence, declare_rule};
use sqlparser::ast::{
    SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement, TableFactor,
};

use crate::analysis::{Cx, cte_names};
use crate::schema::{ident, object};

declare_rule! {
    /// ## What it does
    /// Flags `SELECT *` and `SELECT t.*` in the outermost projection of a
    /// query that reads a table (subqueries such as `EXISTS (SELECT * ...)`
    /// and projections of CTEs or derived tables are fine).
    ///
    /// ## Why is this bad?
    /// Every column is read and sent to the client: wide `text`/`jsonb`
    /// columns cost I/O, network and memory on every call, an index-only
    /// scan becomes impossible, and a column added later silently grows
    /// every response.
    ///
    /// ## Example
    /// ```sql
    /// SELECT * FROM users WHERE id = $1;
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// SELECT id, email, name FROM users WHERE id = $1;
    /// ```
    pub static SELECT_STAR = {
        id: "SQL001",
        name: "select-star",
        summary: "`SELECT *` reads and transfers every column",
        policy: "anti_patterns.select_star",
    }
}

pub(crate) fn check(cx: &mut Cx<'_>) {
    let Statement::Query(query) = cx.statement else {
        return;
    };
    let ctes = cte_names(Some(query));
    let mut selects = Vec::new();
    let mut stack = vec![query.body.as_ref()];
    while let Some(body) = stack.pop() {
        match body {
            SetExpr::Select(select) => selects.push(select),
            SetExpr::SetOperation { left, right, .. } => {
                stack.push(right);
                stack.push(left);
            }
            _ => {}
        }
    }
    for select in selects {
        // Base tables by the name a qualified wildcard would use.
        let tables: Vec<(String, Option<String>)> = select
            .from
            .iter()
            .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
            .filter_map(|factor| match factor {
                TableFactor::Table {
                    name,
                    alias,
                    args: None,
                    ..
                } if !ctes.contains(&object(name)) => {
                    Some((object(name), alias.as_ref().map(|a| ident(&a.name))))
                }
                _ => None,
            })
            .collect();
        if tables.is_empty() {
            continue;
        }
        for item in &select.projection {
            let hit = match item {
                SelectItem::Wildcard(_) => Some(tables[0].0.clone()),
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(q),
                    _,
                ) => {
                    let q = object(q);
                    tables
                        .iter()
                        .find(|(name, alias)| alias.as_ref().unwrap_or(name) == &q)
                        .map(|(name, _)| name.clone())
                }
                _ => None,
            };
            if let Some(table) = hit {
                cx.report(
                    &SELECT_STAR,
                    item,
                    format!(
                        "`{item}` reads every column of `{table}`: list the columns the caller uses"
                    ),
                    None,
                    Confidence::High,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SELECT_STAR;
    use crate::test_support::test_rule;

    #[test]
    fn test() {
        test_rule(
            &SELECT_STAR,
            &[
                "SELECT id, email FROM users;",
                "SELECT count(*) FROM users;",
                "SELECT id FROM users u WHERE EXISTS (SELECT * FROM orders o WHERE o.user_id = u.id);",
                "WITH recent AS (SELECT id, total FROM orders) SELECT * FROM recent;",
                "SELECT * FROM (SELECT id, total FROM orders) t;",
                "SELECT u.id, o.* FROM users u JOIN (SELECT user_id FROM orders) o ON o.user_id = u.id;",
            ],
            &[
                "SELECT * FROM users WHERE id = $1;",
                "SELECT u.* FROM users u JOIN orders o ON o.user_id = u.id;",
                "SELECT id FROM users UNION SELECT * FROM archived_users;",
            ],
        );
    }
}
