//! Shared query analysis: the tables a SELECT reads (with aliases), column
//! resolution against the schema, `AND`-ed predicates, and the context the
//! rules report through. Each statement is parsed once; every rule walks
//! that one tree.

use std::ops::ControlFlow;

use perfwarden_sdk::Confidence;
use sqlparser::ast::{
    BinaryOperator, Expr, Query, Select, SetExpr, Spanned, Statement, TableFactor, TableWithJoins,
    Visit, Visitor,
};

use crate::schema::{Origin, Table, ident, object};
use crate::{Dialect, Locator, ParsedStatement, Schema, SqlIssue, rules};

/// What a rule sees: the statement, the schema, and where to report.
pub(crate) struct Cx<'a> {
    pub statement: &'a Statement,
    pub schema: &'a Schema,
    pub dialect: Dialect,
    locator: &'a Locator<'a>,
    range: (usize, usize),
    issues: Vec<SqlIssue>,
}

impl<'a> Cx<'a> {
    /// Report `node` (its span when the parser kept one, else the whole statement).
    pub fn report(
        &mut self,
        rule: &'static perfwarden_sdk::Rule,
        node: &impl Spanned,
        message: String,
        fix: Option<String>,
        confidence: Confidence,
    ) {
        let (start, end) = self
            .locator
            .range(node.span())
            .filter(|&(s, e)| s >= self.range.0 && e <= self.range.1)
            .unwrap_or(self.range);
        self.issues.push(SqlIssue {
            rule,
            message,
            start,
            end,
            fix,
            confidence,
        });
    }
}

impl Cx<'_> {
    /// Order the issues by `rank` of their rule, keeping each rule's order.
    pub fn sort_issues_by(&mut self, rank: impl Fn(&perfwarden_sdk::Rule) -> Option<usize>) {
        self.issues.sort_by_key(|issue| rank(issue.rule));
    }
}

/// Run every query rule on one parsed statement.
pub fn check_statement(
    parsed: &ParsedStatement,
    locator: &Locator<'_>,
    dialect: Dialect,
    schema: &Schema,
) -> Vec<SqlIssue> {
    let mut cx = Cx {
        statement: &parsed.statement,
        schema,
        dialect,
        locator,
        range: (parsed.start, parsed.end),
        issues: Vec::new(),
    };
    rules::check_all(&mut cx);
    cx.issues
}

/// One statement's issues, judged against the schema as it stood, with
/// what they depend on: the tables the statement names and the schema's
/// mark at the time. A caller that applies more DDL afterwards asks
/// [`Verdict::is_stale`] instead of keeping every syntax tree to judge
/// again against the finished schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// What the rules found.
    pub issues: Vec<SqlIssue>,
    tables: Vec<String>,
    changes: u32,
    schema_was_empty: bool,
}

impl Verdict {
    /// Whether DDL applied to `schema` since the judgement may change it:
    /// a table the statement names was created, altered, indexed or
    /// dropped, or the schema was empty (the schema rules stay silent on
    /// an empty schema).
    pub fn is_stale(&self, schema: &Schema) -> bool {
        !self.tables.is_empty()
            && ((self.schema_was_empty && !schema.is_empty())
                || self
                    .tables
                    .iter()
                    .any(|table| schema.changed_since(table, self.changes)))
    }

    /// Whether the verdict can depend on the schema at all (the statement
    /// names a table).
    pub fn reads_schema(&self) -> bool {
        !self.tables.is_empty()
    }
}

/// [`check_statement`], keeping what the verdict depends on.
pub fn judge_statement(
    parsed: &ParsedStatement,
    locator: &Locator<'_>,
    dialect: Dialect,
    schema: &Schema,
) -> Verdict {
    let mut tables: Vec<String> = Vec::new();
    let _ = sqlparser::ast::visit_relations(&parsed.statement, |name| {
        let key = object(name);
        if !tables.contains(&key) {
            tables.push(key);
        }
        ControlFlow::<()>::Continue(())
    });
    Verdict {
        issues: check_statement(parsed, locator, dialect, schema),
        tables,
        changes: schema.changes(),
        schema_was_empty: schema.is_empty(),
    }
}

/// A schema-level problem, located by the [`Origin`] of the DDL that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaIssue {
    /// The rule that found it.
    pub rule: &'static perfwarden_sdk::Rule,
    /// What is wrong.
    pub message: String,
    /// The DDL statement that declared the faulty element.
    pub origin: Origin,
    /// The statement that fixes it.
    pub fix: Option<String>,
    /// How sure the rule is.
    pub confidence: Confidence,
}

/// Run the schema rules (foreign keys without an index) on a built schema.
pub fn check_schema(schema: &Schema, dialect: Dialect) -> Vec<SchemaIssue> {
    rules::foreign_key_without_index::check(schema, dialect)
}

/// One walk of the statement's tree, handing each query, each SELECT (with
/// the query it is the direct body of, if any) and each expression to the
/// rules that inspect that kind of node. The rules used to walk the tree
/// once each; a walk touches every node, and the repeats cost more than
/// the rules' own work.
pub(crate) fn walk(cx: &mut Cx<'_>) {
    struct Walk<'c, 'a>(&'c mut Cx<'a>);
    impl Visitor for Walk<'_, '_> {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            rules::on_query(self.0, query);
            match query.body.as_ref() {
                SetExpr::Select(select) => rules::on_select(self.0, select, Some(query)),
                body => leaves(body, &mut |select| rules::on_select(self.0, select, None)),
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            rules::on_expr(self.0, expr);
            ControlFlow::Continue(())
        }
    }
    /// The SELECTs of a set operation (`UNION` ...), which are not queries.
    fn leaves(body: &SetExpr, f: &mut dyn FnMut(&Select)) {
        match body {
            SetExpr::Select(select) => f(select),
            SetExpr::SetOperation { left, right, .. } => {
                leaves(left, f);
                leaves(right, f);
            }
            _ => {}
        }
    }
    let statement = cx.statement;
    let _ = statement.visit(&mut Walk(cx));
}

/// `a AND b AND c` as `[a, b, c]`, parentheses removed.
pub(crate) fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        match expr {
            Expr::Nested(inner) => stack.push(inner),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                stack.push(right);
                stack.push(left);
            }
            other => out.push(other),
        }
    }
    out
}

/// Strip parentheses.
pub(crate) fn unnest(mut expr: &Expr) -> &Expr {
    while let Expr::Nested(inner) = expr {
        expr = inner;
    }
    expr
}

/// One table a SELECT reads, with its alias and the join condition that
/// brought it in.
pub(crate) struct TableRef<'a> {
    /// Schema key (lower-cased, unqualified).
    pub name: String,
    pub alias: Option<String>,
    /// The schema's table, when the migrations declare it.
    pub table: Option<&'a Table>,
    /// `ON` condition of its join, for joined tables.
    pub on: Option<&'a Expr>,
}

/// The tables in scope of one SELECT (or UPDATE/DELETE).
pub(crate) struct Scope<'a> {
    pub tables: Vec<TableRef<'a>>,
}

impl<'a> Scope<'a> {
    pub fn of_select(select: &'a Select, schema: &'a Schema, ctes: &[String]) -> Self {
        Self::of_from(&select.from, schema, ctes)
    }

    pub fn of_from(from: &'a [TableWithJoins], schema: &'a Schema, ctes: &[String]) -> Self {
        let mut tables = Vec::new();
        for twj in from {
            push_factor(&mut tables, &twj.relation, None, schema, ctes);
            for join in &twj.joins {
                push_factor(&mut tables, &join.relation, join_on(join), schema, ctes);
            }
        }
        Self { tables }
    }

    /// The scope entry and lower-cased column a column reference names.
    /// `None` when the column is ambiguous or belongs to no known table.
    pub fn resolve(&self, expr: &Expr) -> Option<(usize, String)> {
        match unnest(expr) {
            Expr::Identifier(id) => {
                let column = ident(id);
                if self.tables.len() == 1 {
                    return Some((0, column));
                }
                let mut owners = self.tables.iter().enumerate().filter(|(_, t)| {
                    t.table
                        .is_some_and(|table| !table.columns.is_empty() && table.has_column(&column))
                });
                match (owners.next(), owners.next()) {
                    (Some((i, _)), None) => Some((i, column)),
                    _ => None,
                }
            }
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let qualifier = ident(&parts[parts.len() - 2]);
                let column = ident(&parts[parts.len() - 1]);
                self.tables
                    .iter()
                    .position(|t| match &t.alias {
                        Some(alias) => *alias == qualifier,
                        None => t.name == qualifier,
                    })
                    .map(|i| (i, column))
            }
            _ => None,
        }
    }

    /// Whether `expr` reads any column of scope entry `index`.
    pub fn references(&self, expr: &Expr, index: usize) -> bool {
        let mut found = false;
        let _ = sqlparser::ast::visit_expressions(expr, |e| {
            if matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
                && self.resolve(e).is_some_and(|(i, _)| i == index)
            {
                found = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        found
    }
}

fn join_on(join: &sqlparser::ast::Join) -> Option<&Expr> {
    use sqlparser::ast::{JoinConstraint, JoinOperator as J};
    let constraint = match &join.join_operator {
        J::Join(c)
        | J::Inner(c)
        | J::Left(c)
        | J::LeftOuter(c)
        | J::Right(c)
        | J::RightOuter(c)
        | J::FullOuter(c)
        | J::Semi(c)
        | J::LeftSemi(c)
        | J::RightSemi(c)
        | J::Anti(c)
        | J::LeftAnti(c)
        | J::RightAnti(c)
        | J::StraightJoin(c) => c,
        _ => return None,
    };
    match constraint {
        JoinConstraint::On(expr) => Some(expr),
        _ => None,
    }
}

fn push_factor<'a>(
    tables: &mut Vec<TableRef<'a>>,
    factor: &'a TableFactor,
    on: Option<&'a Expr>,
    schema: &'a Schema,
    ctes: &[String],
) {
    if let TableFactor::Table {
        name, alias, args, ..
    } = factor
    {
        let key = object(name);
        // Table functions and CTEs are not schema tables: keep them in
        // scope (for qualifier resolution) without schema knowledge.
        let is_table = args.is_none() && !ctes.contains(&key);
        tables.push(TableRef {
            table: if is_table { schema.table(&key) } else { None },
            name: key,
            alias: alias.as_ref().map(|a| ident(&a.name)),
            on,
        });
    } else {
        // A derived table or other source: in scope, but never resolved
        // to schema columns.
        tables.push(TableRef {
            name: String::new(),
            alias: match factor {
                TableFactor::Derived { alias, .. } => alias.as_ref().map(|a| ident(&a.name)),
                _ => None,
            },
            table: None,
            on,
        });
    }
}

/// Names of the CTEs a query defines.
pub(crate) fn cte_names(query: Option<&Query>) -> Vec<String> {
    query
        .and_then(|q| q.with.as_ref())
        .map(|with| {
            with.cte_tables
                .iter()
                .map(|c| ident(&c.alias.name))
                .collect()
        })
        .unwrap_or_default()
}

/// How a predicate constrains a column, for index use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// `=`, `IN`, `IS NULL`: a point lookup.
    Equality,
    /// `<`, `>`, `BETWEEN`: a range scan.
    Range,
}

/// The column of scope entry `index` that `predicate` could look up
/// through an index, with how; the value side must not read that table.
pub(crate) fn sargable<'e>(
    scope: &Scope<'_>,
    predicate: &'e Expr,
) -> Option<(usize, String, Access, &'e Expr)> {
    let predicate = unnest(predicate);
    let one_side = |column: &'e Expr, value: Option<&Expr>, access: Access| {
        let (index, name) = scope.resolve(column)?;
        if value.is_some_and(|v| scope.references(v, index)) {
            return None;
        }
        Some((index, name, access, column))
    };
    match predicate {
        Expr::BinaryOp { left, op, right } => {
            let access = match op {
                BinaryOperator::Eq => Access::Equality,
                BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq => Access::Range,
                _ => return None,
            };
            one_side(left, Some(right), access).or_else(|| one_side(right, Some(left), access))
        }
        Expr::In {
            expr,
            negated: false,
            ..
        }
        | Expr::IsNull(expr) => one_side(expr, None, Access::Equality),
        Expr::Between {
            expr,
            negated: false,
            low,
            high,
        } => one_side(expr, Some(low), Access::Range).filter(|(i, ..)| !scope.references(high, *i)),
        _ => None,
    }
}

/// Whether a query whose `WHERE` has these normalised terms can use a
/// partial index with this predicate: each of its terms appears verbatim.
pub(crate) fn implies(query_terms: &[String], predicate: &[String]) -> bool {
    predicate.iter().all(|term| query_terms.contains(term))
}

/// Whether `name` (any case) is one of `names`.
pub(crate) fn function_named(expr: &Expr, names: &[&str]) -> bool {
    match unnest(expr) {
        Expr::Function(f) => f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .is_some_and(|id| names.iter().any(|n| id.value.eq_ignore_ascii_case(n))),
        _ => false,
    }
}

/// Call `f` on every sub-expression of `expr` (itself included).
pub(crate) fn each_expr_in(expr: &Expr, mut f: impl FnMut(&Expr)) {
    let _ = sqlparser::ast::visit_expressions(expr, |e| {
        f(e);
        ControlFlow::<()>::Continue(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_sql;

    fn verdict(sql: &str, schema: &Schema) -> Verdict {
        let parsed = parse_sql(sql, Dialect::PostgreSql);
        judge_statement(
            &parsed.statements[0],
            &Locator::new(sql),
            Dialect::PostgreSql,
            schema,
        )
    }

    #[test]
    fn verdicts_go_stale_when_a_table_they_read_changes() {
        let query =
            "SELECT id FROM orders o JOIN users u ON u.id = o.user_id WHERE o.total > 9 LIMIT 5";
        let mut schema = Schema::new();
        let before = verdict(query, &schema);
        assert!(before.reads_schema() && before.issues.is_empty());
        schema.apply(
            "CREATE TABLE users (id bigint PRIMARY KEY);",
            Dialect::PostgreSql,
        );
        assert!(before.is_stale(&schema), "the schema was empty");

        let judged = verdict(query, &schema);
        schema.apply("CREATE TABLE audit (id bigint);", Dialect::PostgreSql);
        assert!(!judged.is_stale(&schema), "another table");
        schema.apply(
            "CREATE TABLE orders (id bigint, total int);",
            Dialect::PostgreSql,
        );
        assert!(judged.is_stale(&schema), "a table it reads was created");

        // A statement that reads no table never depends on the schema.
        let constant = verdict("SELECT 1", &Schema::new());
        assert!(!constant.reads_schema() && !constant.is_stale(&schema));
    }
}
