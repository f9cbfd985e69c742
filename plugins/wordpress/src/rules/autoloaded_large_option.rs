use mago_syntax::ast::Expression;
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;
use crate::eval;
use crate::model::Model;

declare_rule! {
    /// ## What it does
    /// Flags `add_option()` / `update_option()` storing a value that grows
    /// with data (a query result, a remote response body, a file's
    /// contents, or an array literal of more than 50 entries) without
    /// turning autoload off (`false` / `'no'` / `'off'`).
    ///
    /// ## Why is this bad?
    /// Autoloaded options are read in one query and unserialized on every
    /// request, cached or not, including admin-ajax and REST calls. A
    /// 500 KB autoloaded option adds its full size to each request's memory
    /// and, with an object cache, to the `alloptions` key that is fetched
    /// on every page, often the largest value in Redis.
    ///
    /// ## Example
    /// ```php
    /// $response = wp_remote_get( $feed_url, array( 'timeout' => 3 ) );
    /// update_option( 'shop_feed_catalog', wp_remote_retrieve_body( $response ) );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// update_option( 'shop_feed_catalog', wp_remote_retrieve_body( $response ), false );
    /// ```
    pub static RULE = {
        id: "WP042",
        name: "autoloaded-large-option",
        summary: "Large, data-sized value stored in an autoloaded option",
        policy: "queries.unbounded",
    }
}

pub const SNIFFS: &[&str] = &[];

/// Calls whose result grows with data.
const LARGE: &[&str] = &[
    "get_posts",
    "get_users",
    "get_terms",
    "wp_remote_retrieve_body",
    "file_get_contents",
    "wp_remote_get",
    "wp_remote_post",
    "json_decode",
    "maybe_unserialize",
    "unserialize",
    "simplexml_load_string",
];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for call in &m.calls {
        let (autoload_at, autoload_name) = match call.function() {
            Some("add_option") => (3, "autoload"),
            Some("update_option") => (2, "autoload"),
            _ => continue,
        };
        if call.has_spread() {
            continue;
        }
        if let Some(autoload) = call.arg(autoload_at, autoload_name) {
            let off = eval::string(autoload)
                .map(|s| matches!(s.to_ascii_lowercase().as_str(), "no" | "off" | "false" | ""))
                .or_else(|| eval::truthy(autoload).map(|t| !t));
            // Unknown autoload values are given the benefit of the doubt.
            if off != Some(false) {
                continue;
            }
        }
        let Some(value) = call.arg(1, "value") else {
            continue;
        };
        let resolved = m.resolve(value, call.scope, call.range.start);
        let Some(what) = large_value(m, resolved) else {
            continue;
        };
        found.push(
            Finding::new(
                &RULE,
                format!(
                    "{}() autoloads {what}: it is loaded on every request",
                    call.function().unwrap_or_default()
                ),
            )
            .span(m.span(call.range))
            .evidence(m.snippet(call.range))
            .fix("Pass autoload `false`, or store the data in a transient / custom table")
            .confidence(Confidence::Medium),
        );
    }
    cx.findings.extend(found);
}

fn large_value(m: &Model<'_>, value: &Expression<'_>) -> Option<String> {
    if let Some(elements) = eval::array_elements(value) {
        return (elements.len() > 50).then(|| format!("an array of {} entries", elements.len()));
    }
    let call = m.call_at(value)?;
    if let Some(method) = call.wpdb_method(&["get_results", "get_col"]) {
        return Some(format!("the rows of $wpdb->{method}()"));
    }
    let name = call.function().filter(|f| LARGE.contains(f))?;
    Some(format!("the result of {name}()"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test::tester;

    #[test]
    fn rule() {
        tester().test_rule(
            &RULE,
            "plugin.php",
            &[
                "<?php update_option( 'v', '1.2.0' );",
                "<?php update_option( 'catalog', wp_remote_retrieve_body( $r ), false );",
                "<?php add_option( 'catalog', get_posts(), '', 'no' );",
            ],
            &[
                "<?php update_option( 'catalog', wp_remote_retrieve_body( $r ) );",
                "<?php function f() { global $wpdb; $rows = $wpdb->get_results( 'SELECT * FROM t' ); add_option( 'rows', $rows ); }",
                "<?php update_option( 'c', json_decode( $body, true ), 'yes' );",
            ],
        );
    }
}
