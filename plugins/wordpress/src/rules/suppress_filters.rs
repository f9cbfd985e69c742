use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;

declare_rule! {
    /// ## What it does
    /// Flags `'suppress_filters' => true` passed explicitly to `WP_Query`
    /// or `get_posts()`.
    ///
    /// ## Why is this bad?
    /// Query filters are where caching layers plug in: Advanced Post Cache,
    /// ElasticPress / VIP Search offloading and object-cache plugins all
    /// hook `posts_pre_query` / `posts_request`. Suppressing them sends the
    /// query to MySQL every time, uncached, and skips the search offload.
    ///
    /// ## Example
    /// ```php
    /// $posts = get_posts( array( 'post_type' => 'product', 'suppress_filters' => true ) );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $posts = get_posts( array( 'post_type' => 'product', 'suppress_filters' => false ) );
    /// ```
    pub static RULE = {
        id: "WP006",
        name: "suppress-filters",
        summary: "`suppress_filters` bypasses query caching layers",
        policy: "cache.strategy",
    }
}

pub const SNIFFS: &[&str] = &["WordPressVIPMinimum.Performance.WPQueryParams"];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for site in &cx.queries {
        if let Some(entry) = site.args.get("suppress_filters")
            && entry.value.truthy() == Some(true)
        {
            found.push(
                Finding::new(
                    &RULE,
                    format!(
                        "{} suppresses query filters: cache and search offload layers are skipped",
                        site.label
                    ),
                )
                .span(m.span(entry.range))
                .evidence(m.snippet(entry.range))
                .fix("Set `suppress_filters` to false")
                .confidence(Confidence::Medium),
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
                "<?php get_posts( [ 'suppress_filters' => false ] );",
                "<?php get_posts( [ 'post_type' => 'page' ] );",
            ],
            &[
                "<?php get_posts( [ 'suppress_filters' => true ] );",
                "<?php function f() { $a = [ 'post_type' => 'x', 'suppress_filters' => true ]; return new WP_Query( $a ); }",
            ],
        );
    }
}
