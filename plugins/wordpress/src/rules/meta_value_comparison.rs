use mago_syntax::ast::Expression;
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;
use super::post_not_in::clauses_of;
use crate::eval;
use crate::model::{Model, Range};

declare_rule! {
    /// ## What it does
    /// Flags post queries that filter or sort on `meta_value` in a way no
    /// index can serve: a value compared without a `meta_key` / `key`,
    /// `LIKE` comparisons on values or keys, and `orderby` on
    /// `meta_value` / `meta_value_num`.
    ///
    /// Unlike `WordPress.DB.SlowDBQuery`, a plain `meta_query` clause
    /// comparing a value for equality under a `key` is not reported: the
    /// `meta_key` index narrows the rows first.
    ///
    /// ## Why is this bad?
    /// `wp_postmeta.meta_value` is a `LONGTEXT` without index. Without a key
    /// MySQL scans the whole meta table (often 10-50 rows per post);
    /// `LIKE '%x%'` scans every row of the key; sorting on the value makes a
    /// filesort over every matching row. These queries grow with the site
    /// and routinely take seconds on stores with 100k+ products.
    ///
    /// ## Example
    /// ```php
    /// $query = new WP_Query( array( 'meta_query' => array( array( 'value' => $sku, 'compare' => 'LIKE' ) ) ) );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $query = new WP_Query( array( 'meta_query' => array( array( 'key' => '_sku', 'value' => $sku ) ) ) );
    /// // or store the filter as a taxonomy term, which is indexed.
    /// ```
    pub static RULE = {
        id: "WP004",
        name: "meta-value-comparison",
        summary: "Query filters or sorts on unindexed `meta_value`",
        policy: "queries.index_required",
    }
}

pub const SNIFFS: &[&str] = &["WordPress.DB.SlowDBQuery"];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for site in &cx.queries {
        let label = site.label;
        let args = &site.args;
        let mut push = |range: Range, message: String, confidence: Confidence| {
            found.push(
                Finding::new(&RULE, format!("{label} {message}"))
                    .span(m.span(range))
                    .evidence(m.snippet(range))
                    .fix("Compare under a `key` with `=` / `IN`, or model the filter as a taxonomy")
                    .confidence(confidence),
            );
        };
        let has_key = args.get("meta_key").is_some();
        for key in ["meta_value", "meta_value_num"] {
            if let Some(value) = args.get(key) {
                if !has_key && args.complete {
                    push(
                        value.range,
                        format!(
                            "compares `{key}` without `meta_key`: the whole meta table is scanned"
                        ),
                        Confidence::High,
                    );
                } else if let Some(op) = args.get("meta_compare").and_then(|c| c.value.str())
                    && is_like(op)
                {
                    push(
                        value.range,
                        format!("compares `{key}` with {op}: every row of the key is scanned"),
                        Confidence::Medium,
                    );
                }
            }
        }
        if let Some(orderby) = args.get("orderby")
            && let Some(sort) = orderby.value.str()
            && sort
                .split_whitespace()
                .any(|s| matches!(s, "meta_value" | "meta_value_num"))
        {
            push(
                orderby.range,
                format!("sorts on `{sort}`: a filesort over every matching row"),
                Confidence::Medium,
            );
        }
        if let Some(expr) = args.get("meta_query").and_then(|e| e.value.expr()) {
            let expr = m.resolve(expr, site.call.scope, site.call.range.start);
            for clause in clauses_of(expr) {
                check_clause(clause, &mut push);
            }
        }
    }
    cx.findings.extend(found);
}

fn check_clause(clause: &Expression<'_>, push: &mut impl FnMut(Range, String, Confidence)) {
    let value = eval::array_get(clause, "value");
    let key = eval::array_get(clause, "key");
    let compare = eval::array_get(clause, "compare").and_then(eval::string);
    let compare_key = eval::array_get(clause, "compare_key").and_then(eval::string);
    let range = Model::range(clause);
    if let Some(op) = compare_key
        && is_like(op)
    {
        push(
            range,
            format!("matches meta keys with {op}: the meta_key index cannot be used"),
            Confidence::High,
        );
    }
    let Some(value) = value else {
        return;
    };
    if key.is_none() && compare_key.is_none() {
        push(
            Model::range(value),
            "compares a meta value without a `key`: the whole meta table is scanned".to_owned(),
            Confidence::High,
        );
    } else if let Some(op) = compare
        && is_like(op)
    {
        push(
            range,
            format!(
                "compares a meta value with {op} (wrapped in `%`): every row of the key is scanned"
            ),
            Confidence::Medium,
        );
    }
}

fn is_like(op: &str) -> bool {
    matches!(op.trim().to_ascii_uppercase().as_str(), "LIKE" | "NOT LIKE")
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
                // Equality under a key uses the meta_key index (WPCS flags it anyway).
                "<?php new WP_Query( [ 'meta_query' => [ [ 'key' => 'color', 'value' => 'red' ] ] ] );",
                "<?php new WP_Query( [ 'meta_key' => 'color', 'meta_value' => 'red' ] );",
                "<?php new WP_Query( [ 'meta_query' => [ [ 'key' => 'featured', 'compare' => 'EXISTS' ] ] ] );",
                "<?php new WP_Query( [ 'orderby' => 'date' ] );",
            ],
            &[
                "<?php new WP_Query( [ 'meta_value' => 'red' ] );",
                "<?php new WP_Query( [ 'meta_query' => [ [ 'value' => 'red' ] ] ] );",
                "<?php new WP_Query( [ 'meta_query' => [ 'relation' => 'OR', [ 'key' => 'sku', 'value' => $s, 'compare' => 'LIKE' ] ] ] );",
                "<?php new WP_Query( [ 'meta_key' => 'price', 'orderby' => 'meta_value_num' ] );",
                "<?php new WP_Query( [ 'meta_query' => [ [ 'key' => 'opt_', 'compare_key' => 'LIKE' ] ] ] );",
                "<?php function f() { $mq = [ [ 'value' => 1 ] ]; return get_posts( [ 'meta_query' => $mq ] ); }",
            ],
        );
    }
}
