use perfwarden_sdk::{Finding, declare_rule};

use super::Cx;

declare_rule! {
    /// ## What it does
    /// Flags core functions that query the database on every call without
    /// using the object cache: `url_to_postid()`,
    /// `attachment_url_to_postid()`, `count_user_posts()`,
    /// `get_adjacent_post()` and its wrappers (`get_previous_post()`,
    /// `get_next_post()`, `previous_post_link()`, `next_post_link()`,
    /// `adjacent_post_link()`), `get_page_by_title()` and `wp_oembed_get()`.
    /// Calls in a function that already reads or writes the object cache or
    /// a transient (cache-aside) are not reported.
    ///
    /// ## Why is this bad?
    /// These functions run uncached queries (`url_to_postid` can run
    /// several, `get_adjacent_post` a date-ordered scan, `attachment_url_to_postid`
    /// a `LIKE` on postmeta, `wp_oembed_get` a remote HTTP call): on a
    /// template they cost database or network time on every page view.
    ///
    /// ## Example
    /// ```php
    /// $post_id = url_to_postid( $url );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $post_id = wp_cache_get( md5( $url ), 'url_to_postid' );
    /// if ( false === $post_id ) {
    ///     $post_id = url_to_postid( $url );
    ///     wp_cache_set( md5( $url ), $post_id, 'url_to_postid', HOUR_IN_SECONDS );
    /// }
    /// ```
    pub static RULE = {
        id: "WP032",
        name: "uncached-function",
        summary: "Core function that queries without the object cache",
        policy: "cache.strategy",
    }
}

pub const SNIFFS: &[&str] = &[
    "WordPressVIPMinimum.Functions.RestrictedFunctions",
    "WordPressVIPMinimum.Performance",
];

const UNCACHED: &[&str] = &[
    "url_to_postid",
    "attachment_url_to_postid",
    "count_user_posts",
    "get_adjacent_post",
    "get_previous_post",
    "get_next_post",
    "previous_post_link",
    "next_post_link",
    "adjacent_post_link",
    "get_page_by_title",
    "wp_oembed_get",
];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for call in &m.calls {
        let Some(name) = call.function().filter(|f| UNCACHED.contains(f)) else {
            continue;
        };
        if cx.caches(call.scope) {
            continue;
        }
        found.push(
            Finding::new(&RULE, format!("{name}() queries without the object cache on every call"))
                .span(m.span(call.range))
                .evidence(m.snippet(call.range))
                .fix("Cache the result (wp_cache_get/wp_cache_set with an expiry), or use the VIP `wpcom_vip_` cached equivalent"),
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
                "<?php function f( $u ) { $id = wp_cache_get( $u, 'u2p' ); if ( false === $id ) { $id = url_to_postid( $u ); wp_cache_set( $u, $id, 'u2p', 3600 ); } return $id; }",
                "<?php wpcom_vip_url_to_postid( $u );",
            ],
            &[
                "<?php $id = url_to_postid( $u );",
                "<?php function f( $u ) { return attachment_url_to_postid( $u ); }",
                "<?php previous_post_link();",
                "<?php echo count_user_posts( $author_id );",
            ],
        );
    }
}
