use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::{Cx, limit_of};
use crate::model::Callee;

declare_rule! {
    /// ## What it does
    /// Flags `new WP_Query( $args )` assigned to a local variable when the
    /// function never paginates: no `paged` / `offset` argument, no read of
    /// `->max_num_pages` / `->found_posts`, no pagination template tag, the
    /// query object is not returned or passed on, and `no_found_rows` is not
    /// set. Queries whose arguments cannot all be followed are skipped.
    ///
    /// ## Why is this bad?
    /// Without `no_found_rows => true`, `WP_Query` adds
    /// `SQL_CALC_FOUND_ROWS` and runs `SELECT FOUND_ROWS()`: MySQL keeps
    /// scanning past the `LIMIT` to count every matching row. For a
    /// "latest 5 posts" widget on a site with 100k posts, that count is most
    /// of the query time, paid on every page view, for a number nobody
    /// reads.
    ///
    /// ## Example
    /// ```php
    /// $recent = new WP_Query( array( 'posts_per_page' => 5 ) );
    /// while ( $recent->have_posts() ) { $recent->the_post(); the_title(); }
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $recent = new WP_Query( array( 'posts_per_page' => 5, 'no_found_rows' => true ) );
    /// ```
    pub static RULE = {
        id: "WP008",
        name: "found-rows-unused",
        summary: "WP_Query counts all rows (SQL_CALC_FOUND_ROWS) but never paginates",
        policy: "queries.slow_query",
    }
}

pub const SNIFFS: &[&str] = &[];

/// Template tags that read the total number of pages of a query.
const PAGINATION: &[&str] = &[
    "paginate_links",
    "the_posts_pagination",
    "get_the_posts_pagination",
    "the_posts_navigation",
    "get_the_posts_navigation",
    "next_posts_link",
    "previous_posts_link",
    "get_next_posts_link",
    "get_previous_posts_link",
    "posts_nav_link",
    "wp_pagenavi",
];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for site in &cx.queries {
        // `new WP_Query()` without arguments is run later by `->query()`.
        if !matches!(site.call.callee, Callee::New(_))
            || site.call.arg_count() == 0
            || !site.args.complete
        {
            continue;
        }
        let args = &site.args;
        if ["no_found_rows", "paged", "page", "offset"]
            .iter()
            .any(|k| args.get(k).is_some())
            || limit_of(args, site.label) == Some(-1)
        {
            continue;
        }
        let Some(var) = m.assigned_to(site.call) else {
            continue;
        };
        let scope = site.call.scope;
        let counts_read = m.properties.iter().any(|p| {
            p.scope == scope
                && p.var == var
                && matches!(p.property, "max_num_pages" | "found_posts")
        });
        let paginates = m
            .calls_in(scope)
            .any(|c| c.function().is_some_and(|f| PAGINATION.contains(&f)));
        let escapes = m.returns.iter().any(|(s, v)| *s == scope && *v == var)
            || m.calls_in(scope).any(|c| {
                (0..c.arg_count())
                    .any(|i| c.arg(i, "").and_then(crate::eval::variable) == Some(var))
            })
            || m.assigns
                .iter()
                .any(|a| a.scope == scope && crate::eval::variable(a.rhs) == Some(var));
        if counts_read || paginates || escapes {
            continue;
        }
        let range = site.call.range;
        found.push(
            Finding::new(&RULE, format!("`{var}` = new WP_Query() counts every matching row (SQL_CALC_FOUND_ROWS) but the function never paginates"))
                .span(m.span(range))
                .evidence(m.snippet(range))
                .fix("Add `'no_found_rows' => true` to the query arguments")
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
                "<?php function w() { $q = new WP_Query( [ 'posts_per_page' => 5, 'no_found_rows' => true ] ); while ( $q->have_posts() ) { $q->the_post(); } }",
                "<?php function w() { $q = new WP_Query( [ 'posts_per_page' => 5, 'paged' => 2 ] ); }",
                "<?php function w() { $q = new WP_Query( [ 'posts_per_page' => 5 ] ); echo $q->max_num_pages; }",
                "<?php function w() { $q = new WP_Query( [ 'posts_per_page' => 5 ] ); the_posts_pagination(); }",
                "<?php function w() { $q = new WP_Query( [ 'posts_per_page' => 5 ] ); return $q; }",
                "<?php function w( $args ) { $q = new WP_Query( $args ); }",
                "<?php function w() { $q = new WP_Query( [ 'posts_per_page' => -1 ] ); }",
                "<?php function w() { $q = new WP_Query(); $posts = $q->query( [ 'posts_per_page' => 1, 'no_found_rows' => true ] ); }",
            ],
            &[
                "<?php function w() { $q = new WP_Query( [ 'posts_per_page' => 5 ] ); while ( $q->have_posts() ) { $q->the_post(); the_title(); } wp_reset_postdata(); }",
            ],
        );
    }
}
