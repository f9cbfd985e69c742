//! The query rules, one per file.

use perfwarden_sdk::Rule;

use sqlparser::ast::{Expr, Query, Select};

use crate::analysis::{Cx, walk};

pub mod foreign_key_without_index;
pub mod function_on_indexed_column;
pub mod leading_wildcard_like;
pub mod missing_index;
pub mod not_in_subquery;
pub mod offset_pagination;
pub mod order_by_random;
pub mod select_star;
pub mod unbounded_select;
pub mod update_delete_without_where;

pub(crate) static ALL: &[&Rule] = &[
    &select_star::SELECT_STAR,
    &offset_pagination::OFFSET_PAGINATION,
    &missing_index::MISSING_INDEX,
    &foreign_key_without_index::FOREIGN_KEY_WITHOUT_INDEX,
    &leading_wildcard_like::LEADING_WILDCARD_LIKE,
    &function_on_indexed_column::FUNCTION_ON_INDEXED_COLUMN,
    &order_by_random::ORDER_BY_RANDOM,
    &not_in_subquery::NOT_IN_SUBQUERY,
    &update_delete_without_where::UPDATE_DELETE_WITHOUT_WHERE,
    &unbounded_select::UNBOUNDED_SELECT,
];

/// Every query rule, over one parse: statement-level rules, then one walk
/// of the tree for the rules that look at its queries, SELECTs and
/// expressions. Issues come out grouped by rule, in [`ALL`] order.
pub(crate) fn check_all(cx: &mut Cx<'_>) {
    select_star::check(cx);
    walk(cx);
    missing_index::check(cx);
    function_on_indexed_column::check(cx);
    update_delete_without_where::check(cx);
    unbounded_select::check(cx);
    // Stable: each rule keeps its own order (tree order, then the
    // statement's own clauses).
    cx.sort_issues_by(|rule| ALL.iter().position(|r| r.id == rule.id));
}

pub(crate) fn on_query(cx: &mut Cx<'_>, query: &Query) {
    offset_pagination::query(cx, query);
    order_by_random::query(cx, query);
}

pub(crate) fn on_select(cx: &mut Cx<'_>, select: &Select, query: Option<&Query>) {
    missing_index::select(cx, select, query);
    function_on_indexed_column::select(cx, select, query);
}

pub(crate) fn on_expr(cx: &mut Cx<'_>, expr: &Expr) {
    leading_wildcard_like::expr(cx, expr);
    not_in_subquery::expr(cx, expr);
}
