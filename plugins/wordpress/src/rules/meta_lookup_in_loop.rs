use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;

declare_rule! {
    /// ## What it does
    /// Flags `get_post_meta()`, `get_user_meta()`, `get_term()`,
    /// `get_the_terms()`, `get_post()`, `get_userdata()` and similar lookups
    /// inside a loop whose items were fetched without priming the object
    /// cache: `'fields' => 'ids'` queries, `update_post_meta_cache => false`,
    /// raw `$wpdb` rows, or lists named `$..._ids`. A priming call before the
    /// loop (`update_meta_cache()`, `_prime_post_caches()`,
    /// `cache_users()`, ...) clears it.
    ///
    /// Loops over regular `WP_Query` / `get_posts()` results are not
    /// reported: WordPress loads their meta and terms in one query each.
    ///
    /// ## Why is this bad?
    /// Each lookup misses the cache and runs its own query: 200 ids mean 200
    /// queries where `update_meta_cache( 'post', $ids )` would run one. The
    /// page time grows linearly with the list.
    ///
    /// ## Example
    /// ```php
    /// $ids = get_posts( array( 'fields' => 'ids', 'numberposts' => 200 ) );
    /// foreach ( $ids as $id ) { $price = get_post_meta( $id, '_price', true ); }
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $ids = get_posts( array( 'fields' => 'ids', 'numberposts' => 200 ) );
    /// update_meta_cache( 'post', $ids );
    /// foreach ( $ids as $id ) { $price = get_post_meta( $id, '_price', true ); }
    /// ```
    pub static RULE = {
        id: "WP011",
        name: "meta-lookup-in-loop",
        summary: "Uncached meta/object lookup per item of a loop (N+1)",
        policy: "queries.n_plus_one",
    }
}

pub const SNIFFS: &[&str] = &[];

const LOOKUPS: &[&str] = &[
    "get_post_meta",
    "get_post_custom",
    "get_user_meta",
    "get_term",
    "get_term_meta",
    "get_the_terms",
    "wp_get_post_terms",
    "wp_get_object_terms",
    "get_post",
    "get_userdata",
    "get_user_by",
    "get_metadata",
];

/// Calls that load the cache for a whole list at once.
const PRIMERS: &[&str] = &[
    "update_meta_cache",
    "update_postmeta_cache",
    "update_post_caches",
    "update_post_cache",
    "_prime_post_caches",
    "update_termmeta_cache",
    "_prime_term_caches",
    "update_object_term_cache",
    "cache_users",
    "wp_cache_get_multiple",
];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for call in &m.calls {
        let Some(name) = call.function().filter(|f| LOOKUPS.contains(f)) else {
            continue;
        };
        let Some(l) = cx.loop_around(call) else {
            continue;
        };
        let Some(source) = cx.loop_source(l) else {
            continue;
        };
        if source.primes_cache {
            continue;
        }
        let primed = m.calls_in(l.scope).any(|c| {
            c.range.start < l.range.start && c.function().is_some_and(|f| PRIMERS.contains(&f))
        });
        if primed {
            continue;
        }
        let (line, _) = m.lines.line_col(l.range.start as usize);
        found.push(
            Finding::new(&RULE, format!("{name}() misses the cache for each item of the loop over {} at line {line}: one query per item", source.kind.noun()))
                .span(m.span(call.range))
                .evidence(m.snippet(call.range))
                .fix("Prime the cache for the whole list before the loop (`update_meta_cache()`, `_prime_post_caches()`, `cache_users()`), or query without `'fields' => 'ids'`")
                .confidence(if source.confidence == Confidence::High { Confidence::High } else { Confidence::Medium }),
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
                // WP_Query primes post meta: no extra query per item.
                "<?php foreach ( get_posts( [ 'post_type' => 'product' ] ) as $p ) { get_post_meta( $p->ID, '_price', true ); }",
                "<?php $ids = get_posts( [ 'fields' => 'ids' ] ); update_meta_cache( 'post', $ids ); foreach ( $ids as $id ) { get_post_meta( $id, 'k', true ); }",
                "<?php foreach ( $items as $item ) { get_post_meta( $item, 'k', true ); }",
            ],
            &[
                "<?php $ids = get_posts( [ 'fields' => 'ids' ] ); foreach ( $ids as $id ) { get_post_meta( $id, 'k', true ); }",
                "<?php foreach ( $user_ids as $uid ) { get_user_meta( $uid, 'k', true ); }",
                "<?php function f() { global $wpdb; $rows = $wpdb->get_results( 'SELECT ID FROM t' ); foreach ( $rows as $r ) { get_post( $r->ID ); } }",
            ],
        );
    }
}
