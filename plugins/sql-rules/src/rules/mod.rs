//! The query rules, one per file.

use perfwarden_sdk::Rule;

use crate::analysis::Cx;

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

/// Every statement-level rule, over one parse.
pub(crate) fn check_all(cx: &mut Cx<'_>) {
    select_star::check(cx);
    offset_pagination::check(cx);
    missing_index::check(cx);
    leading_wildcard_like::check(cx);
    function_on_indexed_column::check(cx);
    order_by_random::check(cx);
    not_in_subquery::check(cx);
    update_delete_without_where::check(cx);
    unbounded_select::check(cx);
}
