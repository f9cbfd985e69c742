use perfwarden_sdk::{Finding, declare_rule};

use super::Cx;
use super::post_not_in::clauses_of;
use crate::eval;
use crate::model::Model;

declare_rule! {
    /// ## What it does
    /// Flags `REGEXP` / `RLIKE` / `NOT REGEXP` comparisons in post queries:
    /// `meta_compare`, and `compare` / `compare_key` in `meta_query`
    /// clauses.
    ///
    /// ## Why is this bad?
    /// A regular expression is evaluated row by row: no index applies, so
    /// MySQL reads and matches every candidate meta row on each request,
    /// which costs CPU on the database proportional to the meta table.
    ///
    /// ## Example
    /// ```php
    /// $query = new WP_Query( array( 'meta_key' => 'code', 'meta_value' => '^A[0-9]+', 'meta_compare' => 'REGEXP' ) );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// // Store the attribute you filter on in its own key or taxonomy term.
    /// $query = new WP_Query( array( 'meta_key' => 'code_prefix', 'meta_value' => 'A' ) );
    /// ```
    pub static RULE = {
        id: "WP007",
        name: "regexp-compare",
        summary: "REGEXP comparison in a post query scans every row",
        policy: "queries.index_required",
    }
}

pub const SNIFFS: &[&str] = &["WordPressVIPMinimum.Performance.RegexpCompare"];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for site in &cx.queries {
        let mut ranges = Vec::new();
        if let Some(entry) = site.args.get("meta_compare")
            && entry.value.str().is_some_and(is_regexp)
        {
            ranges.push(entry.range);
        }
        if let Some(expr) = site.args.get("meta_query").and_then(|e| e.value.expr()) {
            let expr = m.resolve(expr, site.call.scope, site.call.range.start);
            for clause in clauses_of(expr) {
                for field in ["compare", "compare_key"] {
                    if let Some(op) = eval::array_get(clause, field)
                        && eval::string(op).is_some_and(is_regexp)
                    {
                        ranges.push(Model::range(op));
                    }
                }
            }
        }
        for range in ranges {
            found.push(
                Finding::new(&RULE, format!("{} compares with REGEXP: no index applies, every row is matched", site.label))
                    .span(m.span(range))
                    .evidence(m.snippet(range))
                    .fix("Store the matched attribute in its own meta key or taxonomy and compare with `=`"),
            );
        }
    }
    cx.findings.extend(found);
}

fn is_regexp(op: &str) -> bool {
    matches!(
        op.trim().to_ascii_uppercase().as_str(),
        "REGEXP" | "NOT REGEXP" | "RLIKE"
    )
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
                "<?php new WP_Query( [ 'meta_key' => 'a', 'meta_value' => 'b', 'meta_compare' => '=' ] );",
                "<?php $x = [ 'compare' => 'REGEXP' ]; // not a query",
            ],
            &[
                "<?php new WP_Query( [ 'meta_key' => 'a', 'meta_value' => '^b', 'meta_compare' => 'REGEXP' ] );",
                "<?php get_posts( [ 'meta_query' => [ [ 'key' => 'a', 'value' => '^b', 'compare' => 'rlike' ] ] ] );",
            ],
        );
    }
}
