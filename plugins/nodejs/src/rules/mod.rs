//! The rules: one file each, with docs, logic and tests.

use oxc_ast::ast::CallExpression;
use perfwarden_sdk::Rule;

use crate::walk::Walker;

pub mod auth_route_without_rate_limit;
pub mod await_in_loop;
pub mod bulk_import_in_request_handler;
pub mod cache_write_without_ttl;
pub mod client_per_request;
pub mod http_call_without_timeout;
pub mod mail_in_request_handler;
pub mod n_plus_one;
pub mod notification_sent_in_request_handler;
pub mod offset_pagination_from_request;
pub mod query_without_timeout;
pub mod sync_call_in_handler;
pub mod unbounded_find_many;
pub mod webhook_in_request_handler;

/// The rules of this plugin (the shared SQL rules are listed separately).
pub static RULES: [&Rule; 14] = [
    &n_plus_one::RULE,
    &await_in_loop::RULE,
    &sync_call_in_handler::RULE,
    &unbounded_find_many::RULE,
    &offset_pagination_from_request::RULE,
    &query_without_timeout::RULE,
    &client_per_request::RULE,
    &cache_write_without_ttl::RULE,
    &mail_in_request_handler::RULE,
    &webhook_in_request_handler::RULE,
    &bulk_import_in_request_handler::RULE,
    &http_call_without_timeout::RULE,
    &auth_route_without_rate_limit::RULE,
    &notification_sent_in_request_handler::RULE,
];

/// Run the call rules on one call expression.
pub fn check_call(w: &mut Walker<'_>, call: &CallExpression<'_>) {
    let mut found = Vec::new();
    if let Some(query) = w.query(call) {
        found.extend(n_plus_one::check(w, &query));
        found.extend(unbounded_find_many::check(w, &query));
        found.extend(offset_pagination_from_request::check(w, &query));
        found.extend(bulk_import_in_request_handler::check(w, &query));
        if crate::sql::SQL_METHODS.contains(&query.method)
            && let Some(sql) = query
                .chain
                .iter()
                .find(|c| crate::model::method_name(&c.callee) == Some(query.method))
                .and_then(|c| crate::consts::arg(&c.arguments, 0))
        {
            crate::sql::check_argument(w, sql, query.lib);
        }
    }
    found.extend(sync_call_in_handler::check(w, call));
    found.extend(mail_in_request_handler::check(w, call));
    found.extend(webhook_in_request_handler::check(w, call));
    found.extend(notification_sent_in_request_handler::check(w, call));
    found.extend(http_call_without_timeout::check(w, call));
    cache_write_without_ttl::check_call(w, call);
    w.sink.findings.extend(found);
}
