use perfwarden_sdk::{Finding, declare_rule};

use super::Cx;
use super::cache_without_expiry::cache_write;

declare_rule! {
    /// ## What it does
    /// Flags transient and object-cache writes whose key is built from
    /// request input (`$_GET`, `$_POST`, `$_REQUEST`, `$_COOKIE`,
    /// `$_SERVER`), directly or through a variable.
    ///
    /// ## Why is this bad?
    /// Every distinct query string creates a new entry: a crawler or an
    /// attacker varying one parameter fills the cache (or, for transients
    /// without object cache, the `wp_options` table) without bound, evicts
    /// useful keys and makes the hit ratio collapse. The cache becomes the
    /// bottleneck it was meant to remove.
    ///
    /// ## Example
    /// ```php
    /// set_transient( 'feed_' . $_GET['category'], $feed, HOUR_IN_SECONDS );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $category = sanitize_key( $_GET['category'] ?? '' );
    /// if ( in_array( $category, shop_feed_categories(), true ) ) {
    ///     set_transient( 'feed_' . $category, $feed, HOUR_IN_SECONDS );
    /// }
    /// ```
    pub static RULE = {
        id: "WP022",
        name: "cache-key-from-request",
        summary: "Cache key built from request input (unbounded keys)",
        policy: "cache.strategy",
    }
}

pub const SNIFFS: &[&str] = &[];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for call in &m.calls {
        let Some(write) = cache_write(call) else {
            continue;
        };
        let Some(key) = write.key else {
            continue;
        };
        let resolved = m.resolve(key, call.scope, call.range.start);
        if crate::eval::reads_request(key) || crate::eval::reads_request(resolved) {
            let range = crate::model::Model::range(key);
            found.push(
                Finding::new(&RULE, format!("{}() key comes from request input: one entry per distinct value, without bound", write.function))
                    .span(m.span(range))
                    .evidence(m.snippet(call.range))
                    .fix("Validate the input against a fixed list (or hash a normalised, bounded value) before using it in a key"),
            );
        }
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
                "<?php set_transient( 'feed_' . $slug, $v, HOUR_IN_SECONDS );",
                "<?php $x = $_GET['a']; wp_cache_set( 'fixed', $x, 'g', 600 );",
            ],
            &[
                "<?php set_transient( 'feed_' . $_GET['cat'], $v, HOUR_IN_SECONDS );",
                "<?php function f() { $key = 'feed_' . md5( $_SERVER['REQUEST_URI'] ); wp_cache_set( $key, 1, 'g', 600 ); }",
                "<?php wp_cache_set( \"feed_{$_REQUEST['q']}\", 1, 'g', 600 );",
            ],
        );
    }
}
