use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;
use crate::eval;

declare_rule! {
    /// ## What it does
    /// Flags exclusion filters in post queries: `post__not_in` (and
    /// `get_posts()`'s `exclude`), `category__not_in`, `tag__not_in`,
    /// `author__not_in`, and `NOT IN` in `tax_query` / `meta_query`
    /// clauses.
    ///
    /// ## Why is this bad?
    /// `NOT IN` cannot use an index to find rows: MySQL reads every
    /// candidate row and discards the excluded ones, and each distinct
    /// exclusion list makes a distinct query that caches poorly. On large
    /// tables this turns an index lookup into a scan.
    ///
    /// ## Example
    /// ```php
    /// $query = new WP_Query( array( 'post__not_in' => array( get_the_ID() ), 'posts_per_page' => 6 ) );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// // Fetch one extra post and skip the current one in PHP.
    /// $query = new WP_Query( array( 'posts_per_page' => 7, 'no_found_rows' => true ) );
    /// ```
    pub static RULE = {
        id: "WP005",
        name: "post-not-in",
        summary: "`post__not_in` / `NOT IN` filters cannot use an index",
        policy: "queries.index_required",
    }
}

pub const SNIFFS: &[&str] = &["WordPressVIPMinimum.Performance.WPQueryParams"];

const EXCLUSIONS: &[&str] = &[
    "post__not_in",
    "category__not_in",
    "tag__not_in",
    "author__not_in",
];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for site in &cx.queries {
        for key in EXCLUSIONS
            .iter()
            .copied()
            .chain((site.label == "get_posts()").then_some("exclude"))
        {
            if let Some(entry) = site.args.get(key) {
                found.push(
                    Finding::new(
                        &RULE,
                        format!(
                            "{} excludes posts with `{key}`: NOT IN cannot use an index",
                            site.label
                        ),
                    )
                    .span(m.span(entry.range))
                    .evidence(m.snippet(entry.range))
                    .fix("Query one extra item and filter the excluded ids in PHP"),
                );
            }
        }
        for (clauses, field) in [("tax_query", "operator"), ("meta_query", "compare")] {
            let Some(expr) = site.args.get(clauses).and_then(|e| e.value.expr()) else {
                continue;
            };
            let expr = m.resolve(expr, site.call.scope, site.call.range.start);
            for clause in clauses_of(expr) {
                if let Some(op) = eval::array_get(clause, field)
                    && eval::string(op).is_some_and(|v| v.trim().eq_ignore_ascii_case("NOT IN"))
                {
                    let range = crate::model::Model::range(op);
                    found.push(
                        Finding::new(&RULE, format!("{} filters with `{clauses}` NOT IN: the subquery scans every candidate", site.label))
                            .span(m.span(range))
                            .evidence(m.snippet(range))
                            .fix("Filter on the values to include (IN) or post-filter in PHP")
                            .confidence(Confidence::Medium),
                    );
                }
            }
        }
    }
    cx.findings.extend(found);
}

/// The clause arrays of a `tax_query` / `meta_query`, nested groups included.
pub fn clauses_of<'a>(
    expr: &'a mago_syntax::ast::Expression<'a>,
) -> Vec<&'a mago_syntax::ast::Expression<'a>> {
    let mut out = Vec::new();
    let mut stack = vec![(expr, 0u8)];
    while let Some((e, depth)) = stack.pop() {
        let Some(elements) = eval::array_elements(e) else {
            continue;
        };
        if depth > 0 {
            out.push(e);
        }
        if depth < 4 {
            for (key, value) in elements {
                if !matches!(key, eval::Key::Name("relation"))
                    && eval::array_elements(value).is_some()
                {
                    stack.push((value, depth + 1));
                }
            }
        }
    }
    out
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
                "<?php new WP_Query( [ 'post__in' => [ 1, 2 ] ] );",
                "<?php new WP_Query( [ 'tax_query' => [ [ 'taxonomy' => 'genre', 'terms' => [ 3 ], 'operator' => 'IN' ] ] ] );",
                "<?php new WP_Query( [ 'exclude' => [ 3 ] ] ); // WP_Query has no `exclude`",
            ],
            &[
                "<?php new WP_Query( [ 'post__not_in' => [ get_the_ID() ] ] );",
                "<?php get_posts( [ 'exclude' => $ids ] );",
                "<?php new WP_Query( [ 'tax_query' => [ 'relation' => 'AND', [ 'taxonomy' => 'genre', 'terms' => [ 3 ], 'operator' => 'NOT IN' ] ] ] );",
            ],
        );
    }
}
