use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;
use crate::eval;
use crate::model::{CallSite, Model};

declare_rule! {
    /// ## What it does
    /// Flags `$wpdb->get_results()`, `get_row()`, `get_var()`, `get_col()`
    /// and read `query()` calls in a function that neither reads nor writes
    /// the object cache or a transient (`wp_cache_get`, `get_transient`,
    /// ...). Statements known to write (`INSERT`, `UPDATE`, `DELETE`, DDL)
    /// WP-CLI commands, install / upgrade / migration functions (run once),
    /// and functions that also write through `$wpdb` (a read before a write
    /// must see fresh data) are not reported.
    ///
    /// ## Why is this bad?
    /// Direct queries bypass WordPress's object cache: with Redis or
    /// Memcached in place the same SELECT still reaches MySQL on every
    /// request. Cache-aside around the read turns N identical queries into
    /// one per expiry period.
    ///
    /// ## Example
    /// ```php
    /// function shop_feed_top_sellers() {
    ///     global $wpdb;
    ///     return $wpdb->get_results( "SELECT post_id FROM {$wpdb->prefix}sales ORDER BY total DESC LIMIT 10" );
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// function shop_feed_top_sellers() {
    ///     global $wpdb;
    ///     $rows = wp_cache_get( 'top_sellers', 'shop_feed' );
    ///     if ( false === $rows ) {
    ///         $rows = $wpdb->get_results( "SELECT post_id FROM {$wpdb->prefix}sales ORDER BY total DESC LIMIT 10" );
    ///         wp_cache_set( 'top_sellers', $rows, 'shop_feed', 10 * MINUTE_IN_SECONDS );
    ///     }
    ///     return $rows;
    /// }
    /// ```
    pub static RULE = {
        id: "WP012",
        name: "direct-query-without-cache",
        summary: "`$wpdb` read with no object cache around it",
        policy: "cache.strategy",
    }
}

pub const SNIFFS: &[&str] = &["WordPress.DB.DirectDatabaseQuery.NoCaching"];

/// The SQL text passed to a `$wpdb` call (through `prepare()` and a
/// variable): the whole literal, or its constant beginning.
pub fn sql_text<'a>(m: &Model<'a>, call: &CallSite<'a>) -> Option<(&'a str, bool)> {
    let arg = call.arg(0, "query")?;
    let mut expr = m.resolve(arg, call.scope, call.range.start);
    if let Some(inner) = m.call_at(expr)
        && inner.wpdb_method(&["prepare"]).is_some()
    {
        expr = m.resolve(inner.arg(0, "query")?, call.scope, inner.range.start);
    }
    if let Some(sql) = eval::string(expr) {
        return Some((sql, true));
    }
    eval::string_prefix(expr).map(|prefix| (prefix, false))
}

/// The first SQL keyword, uppercased.
pub fn first_keyword(sql: &str) -> Option<String> {
    let word: String = sql
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    (!word.is_empty()).then(|| word.to_ascii_uppercase())
}

/// Whether a function writes through `$wpdb`: its reads check state before
/// a write and must not come from a possibly stale cache.
fn writes(m: &Model<'_>, scope: usize) -> bool {
    m.calls_in(scope).any(|c| {
        c.wpdb_method(&["insert", "update", "delete", "replace"])
            .is_some()
            || (c.wpdb_method(&["query"]).is_some()
                && sql_text(m, c)
                    .and_then(|(sql, _)| first_keyword(sql))
                    .is_some_and(|k| k != "SELECT" && k != "WITH"))
    })
}

/// Install, upgrade and migration routines run once: caching their reads
/// buys nothing.
fn one_off(m: &Model<'_>, scope: usize) -> bool {
    m.scopes.get(scope).is_some_and(|s| {
        ["install", "upgrade", "activat", "migrat"]
            .iter()
            .any(|word| s.name.contains(word))
    })
}

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for call in &m.calls {
        let Some(method) =
            call.wpdb_method(&["get_results", "get_row", "get_var", "get_col", "query"])
        else {
            continue;
        };
        if cx.caches(call.scope)
            || cx.is_cli(call.scope)
            || writes(m, call.scope)
            || one_off(m, call.scope)
        {
            continue;
        }
        let keyword = sql_text(m, call).and_then(|(sql, _)| first_keyword(sql));
        let read = match keyword.as_deref() {
            Some("SELECT" | "WITH") => true,
            Some(_) => false,
            // `query()` is mostly used for writes; without SQL, only reads count.
            None => method != "query",
        };
        if !read {
            continue;
        }
        found.push(
            Finding::new(&RULE, format!("$wpdb->{method}() reads the database directly with no object cache or transient in the function"))
                .span(m.span(call.range))
                .evidence(m.snippet(call.range))
                .fix("Wrap the read in wp_cache_get() / wp_cache_set() (or a transient) with an expiry, and invalidate on writes")
                .confidence(Confidence::Medium),
        );
    }
    cx.findings.extend(found);
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
                "<?php function f() { global $wpdb; $r = wp_cache_get( 'k', 'g' ); if ( false === $r ) { $r = $wpdb->get_results( 'SELECT 1' ); wp_cache_set( 'k', $r, 'g', 600 ); } return $r; }",
                "<?php function f() { global $wpdb; $wpdb->query( \"UPDATE {$wpdb->posts} SET post_status = 'draft'\" ); }",
                "<?php function f( $sql ) { global $wpdb; $wpdb->query( $sql ); }",
                "<?php function shop_upgrade_120() { global $wpdb; return $wpdb->get_col( 'SELECT ID FROM t' ); }",
                "<?php function f( $id ) { global $wpdb; if ( ! $wpdb->get_var( \"SELECT 1 FROM t WHERE id = $id\" ) ) { $wpdb->insert( 't', [ 'id' => $id ] ); } }",
                "<?php class C extends WP_CLI_Command { function run() { global $wpdb; $wpdb->get_col( 'SELECT ID FROM t' ); } }",
            ],
            &[
                "<?php function f() { global $wpdb; return $wpdb->get_results( \"SELECT * FROM {$wpdb->prefix}sales\" ); }",
                "<?php function f( $id ) { global $wpdb; $sql = $wpdb->prepare( 'SELECT total FROM t WHERE id = %d', $id ); return $wpdb->get_var( $sql ); }",
                "<?php class S { function top() { return $this->wpdb->get_col( 'SELECT ID FROM t' ); } }",
            ],
        );
    }

    #[test]
    fn keywords() {
        assert_eq!(first_keyword("  (SELECT 1)").as_deref(), Some("SELECT"));
        assert_eq!(first_keyword("delete from t").as_deref(), Some("DELETE"));
        assert_eq!(first_keyword("{$x}"), None);
    }
}
