use perfwarden_sdk::{Finding, declare_rule};

use super::Cx;

declare_rule! {
    /// ## What it does
    /// Flags `'nopaging' => true` in `WP_Query`, `get_posts()` and
    /// `query_posts()` arguments (literal or built in a variable).
    ///
    /// ## Why is this bad?
    /// `nopaging` drops the `LIMIT`: the query returns every matching post,
    /// with its meta and terms loaded into memory. Cost grows linearly with
    /// the content of the site, in database time and PHP memory, on every
    /// request that runs it.
    ///
    /// ## Example
    /// ```php
    /// $query = new WP_Query( array( 'post_type' => 'event', 'nopaging' => true ) );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $query = new WP_Query( array( 'post_type' => 'event', 'posts_per_page' => 50, 'no_found_rows' => true ) );
    /// ```
    pub static RULE = {
        id: "WP002",
        name: "nopaging",
        summary: "`nopaging` removes the LIMIT from a post query",
        policy: "queries.unbounded",
    }
}

pub const SNIFFS: &[&str] = &["WordPressVIPMinimum.Performance.NoPaging"];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for site in &cx.queries {
        if let Some(entry) = site.args.get("nopaging")
            && entry.value.truthy() == Some(true)
        {
            found.push(
                Finding::new(
                    &RULE,
                    format!(
                        "{} disables paging: every matching post is loaded",
                        site.label
                    ),
                )
                .span(m.span(entry.range))
                .evidence(m.snippet(entry.range))
                .fix("Remove `nopaging` and set `posts_per_page` to a bound of 100 or less"),
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
                "<?php new WP_Query( [ 'nopaging' => false ] );",
                "<?php get_posts( [ 'posts_per_page' => 10 ] );",
            ],
            &[
                "<?php new WP_Query( [ 'nopaging' => true ] );",
                "<?php query_posts( 'nopaging=1' );",
                "<?php function f() { $a = []; $a['nopaging'] = 1; get_posts( $a ); }",
            ],
        );
    }
}
