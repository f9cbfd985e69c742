use perfwarden_sdk::{Finding, declare_rule};

use super::Cx;

declare_rule! {
    /// ## What it does
    /// Flags `'orderby' => 'rand'` in post query arguments, including
    /// `rand(123)` seeds and array forms of `orderby`.
    ///
    /// ## Why is this bad?
    /// `ORDER BY RAND()` makes MySQL compute a random value for every
    /// matching row and sort them all in a temporary table before applying
    /// the `LIMIT`: the cost is proportional to the number of posts, not to
    /// the number shown, and the result cannot be cached by the query
    /// cache or a page cache that keys on the output.
    ///
    /// ## Example
    /// ```php
    /// $related = get_posts( array( 'orderby' => 'rand', 'numberposts' => 3 ) );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// // Fetch a cached list of recent ids once, then shuffle in PHP.
    /// $ids = get_posts( array( 'fields' => 'ids', 'numberposts' => 50, 'no_found_rows' => true ) );
    /// shuffle( $ids );
    /// ```
    pub static RULE = {
        id: "WP003",
        name: "orderby-rand",
        summary: "`orderby => rand` sorts every matching row",
        policy: "queries.index_required",
    }
}

pub const SNIFFS: &[&str] = &["WordPressVIPMinimum.Performance.OrderByRand"];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for site in &cx.queries {
        let Some(entry) = site.args.get("orderby") else {
            continue;
        };
        let random = match entry.value {
            crate::eval::Val::Expr(expr) if crate::eval::array_elements(expr).is_some() => {
                crate::eval::array_elements(expr)
                    .unwrap_or_default()
                    .into_iter()
                    .any(|(key, value)| match key {
                        crate::eval::Key::Name(name) => is_rand(name),
                        _ => crate::eval::string(value).is_some_and(is_rand),
                    })
            }
            value => value
                .str()
                .is_some_and(|v| v.split_whitespace().any(is_rand)),
        };
        if random {
            found.push(
                Finding::new(
                    &RULE,
                    format!(
                        "{} orders by RAND(): MySQL sorts every matching row",
                        site.label
                    ),
                )
                .span(m.span(entry.range))
                .evidence(m.snippet(entry.range))
                .fix("Select a bounded, cached list of ids and pick at random in PHP"),
            );
        }
    }
    cx.findings.extend(found);
}

fn is_rand(value: &str) -> bool {
    let value = value.trim().to_ascii_lowercase();
    value == "rand" || (value.starts_with("rand(") && value.ends_with(')'))
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
                "<?php get_posts( [ 'orderby' => 'date' ] );",
                "<?php get_posts( [ 'orderby' => 'brand' ] );",
                "<?php $x = [ 'orderby' => 'rand' ]; // not a query\n",
            ],
            &[
                "<?php get_posts( [ 'orderby' => 'rand' ] );",
                "<?php new WP_Query( array( 'orderby' => 'RAND(42)' ) );",
                "<?php new WP_Query( [ 'orderby' => [ 'rand' => 'ASC' ] ] );",
                "<?php query_posts( 'orderby=rand&posts_per_page=3' );",
            ],
        );
    }
}
