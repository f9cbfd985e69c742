use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;
use crate::model::{CallSite, Callee};

declare_rule! {
    /// ## What it does
    /// Flags a query run once per item of a loop over posts, users, terms or
    /// database rows: `new WP_Query`, `get_posts()`, `get_users()`,
    /// `get_terms()`, `get_comments()`, `get_children()` or a `$wpdb` query
    /// inside `foreach` over a query result or `while ( have_posts() )`.
    /// Loops over variables merely named like posts (`$post_ids`) are
    /// reported with medium confidence.
    ///
    /// ## Why is this bad?
    /// N+1 queries: one query for the list, then one more per item. 100
    /// posts mean 101 round trips to MySQL (typically 0.3-1 ms each plus
    /// query time), and the page gets slower as content grows. One query
    /// with `post__in` / `IN (...)` or a join returns the same data.
    ///
    /// ## Example
    /// ```php
    /// foreach ( get_posts( array( 'post_type' => 'product' ) ) as $product ) {
    ///     $variations = get_posts( array( 'post_parent' => $product->ID, 'post_type' => 'product_variation' ) );
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $products   = get_posts( array( 'post_type' => 'product' ) );
    /// $variations = get_posts( array( 'post_parent__in' => wp_list_pluck( $products, 'ID' ), 'post_type' => 'product_variation' ) );
    /// ```
    pub static RULE = {
        id: "WP010",
        name: "query-in-loop",
        summary: "Query inside a loop over posts, users or terms (N+1)",
        policy: "queries.n_plus_one",
    }
}

pub const SNIFFS: &[&str] = &[];

/// How a call that runs a query is written, for messages.
pub fn query_label(call: &CallSite<'_>) -> Option<String> {
    Some(match &call.callee {
        Callee::New(class)
            if matches!(
                class.as_str(),
                "wp_query" | "wp_user_query" | "wp_term_query" | "wp_comment_query"
            ) =>
        {
            format!("new {class}()")
        }
        Callee::Function(f)
            if matches!(
                f.as_str(),
                "get_posts"
                    | "query_posts"
                    | "get_users"
                    | "get_terms"
                    | "get_children"
                    | "get_comments"
                    | "get_pages"
            ) =>
        {
            format!("{f}()")
        }
        _ => {
            let method =
                call.wpdb_method(&["get_results", "get_row", "get_var", "get_col", "query"])?;
            format!("$wpdb->{method}()")
        }
    })
}

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for call in &m.calls {
        let Some(label) = query_label(call) else {
            continue;
        };
        let Some(l) = cx.loop_around(call) else {
            continue;
        };
        let Some(source) = cx.loop_source(l) else {
            continue;
        };
        let (line, _) = m.lines.line_col(l.range.start as usize);
        let confidence = if source.confidence == Confidence::High {
            Confidence::High
        } else {
            Confidence::Medium
        };
        found.push(
            Finding::new(&RULE, format!("{label} runs once per item of the loop over {} at line {line} (N+1 queries)", source.kind.noun()))
                .span(m.span(call.range))
                .evidence(m.snippet(call.range))
                .fix("Fetch the data for all items with one query before the loop (`post__in`, `IN (...)`), then look it up in PHP")
                .confidence(confidence),
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
                "<?php $ids = get_posts( [ 'fields' => 'ids' ] ); $children = get_posts( [ 'post_parent__in' => $ids ] );",
                "<?php foreach ( [ 'a', 'b' ] as $slug ) { get_posts( [ 'name' => $slug ] ); }",
                "<?php foreach ( get_posts() as $p ) { echo $p->post_title; }",
            ],
            &[
                "<?php foreach ( get_posts( [ 'post_type' => 'product' ] ) as $p ) { get_posts( [ 'post_parent' => $p->ID ] ); }",
                "<?php function f() { global $wpdb; $users = get_users(); foreach ( $users as $u ) { $wpdb->get_var( \"SELECT 1\" ); } }",
                "<?php $q = new WP_Query( [] ); while ( $q->have_posts() ) { $q->the_post(); $c = new WP_Query( [ 'post_parent' => get_the_ID() ] ); }",
                "<?php foreach ( $post_ids as $id ) { $wpdb->get_row( $wpdb->prepare( 'SELECT * FROM t WHERE id = %d', $id ) ); }",
            ],
        );
    }
}
