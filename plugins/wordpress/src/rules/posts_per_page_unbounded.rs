use perfwarden_sdk::{Finding, declare_rule};

use super::Cx;

declare_rule! {
    /// ## What it does
    /// Flags `WP_Query`, `get_posts()` and `query_posts()` calls (and
    /// `$query->set()` in `pre_get_posts`) asking for more than 100 posts,
    /// or for all of them with `posts_per_page` / `numberposts` set to `-1`.
    /// Arguments built in a variable earlier in the function are followed.
    ///
    /// ## Why is this bad?
    /// The query has no bound: as the site grows, one request loads every
    /// matching post, its meta and terms into PHP memory (about 1-3 KB per
    /// post before meta), and the database sorts the full result. Pages
    /// that took 50 ms with 200 posts time out or exhaust `memory_limit`
    /// with 50 000.
    ///
    /// ## Example
    /// ```php
    /// $posts = get_posts( array( 'post_type' => 'product', 'numberposts' => -1 ) );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $query = new WP_Query( array( 'post_type' => 'product', 'posts_per_page' => 50, 'paged' => $page ) );
    /// ```
    pub static RULE = {
        id: "WP001",
        name: "posts-per-page-unbounded",
        summary: "Query returns more than 100 posts or all of them (-1)",
        policy: "queries.unbounded",
    }
}

/// WPCS flags values over 100 (not -1); VIP flags -1 under its own sniff.
pub const SNIFFS: &[&str] = &[
    "WordPress.WP.PostsPerPage",
    "WordPressVIPMinimum.Performance.PostsPerPage",
];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for site in &cx.queries {
        for key in ["posts_per_page", "numberposts", "posts_per_archive_page"] {
            let Some(entry) = site.args.get(key) else {
                continue;
            };
            let Some(n) = entry.value.int() else {
                continue;
            };
            if n == -1 || n > 100 {
                let what = if n < 0 {
                    "every matching post".to_owned()
                } else {
                    format!("{n} posts")
                };
                found.push(
                    Finding::new(
                        &RULE,
                        format!("{} asks for {what} (`{key}` => {n})", site.label),
                    )
                    .span(m.span(entry.range))
                    .evidence(m.snippet(entry.range))
                    .fix(format!(
                        "Set `{key}` to 100 or less and paginate with `paged`"
                    )),
                );
            }
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
                "<?php $q = new WP_Query( array( 'posts_per_page' => 20 ) );",
                "<?php get_posts( [ 'numberposts' => 100 ] );",
                "<?php $n = -1; $q = new WP_Query( [ 'posts_per_page' => $limit ] );",
            ],
            &[
                "<?php $q = new WP_Query( array( 'posts_per_page' => -1 ) );",
                "<?php get_posts( [ 'numberposts' => 500 ] );",
                "<?php get_posts( 'post_type=page&numberposts=-1' );",
                "<?php function f() { $args = [ 'post_type' => 'product' ]; $args['posts_per_page'] = -1; return new WP_Query( $args ); }",
                "<?php function f( $query ) { $query->set( 'posts_per_page', -1 ); }",
                "<?php $args = wp_parse_args( $in, [ 'posts_per_page' => 200 ] ); get_posts( $args );",
            ],
        );
    }

    #[test]
    fn keyed_assignment_after_the_call_is_ignored() {
        let out = crate::rules::test::run(
            "<?php function f() { $a = [ 'posts_per_page' => 10 ]; $q = new WP_Query( $a ); $a['posts_per_page'] = -1; }",
        );
        assert!(out.findings.iter().all(|f| f.rule != RULE.id));
    }
}
