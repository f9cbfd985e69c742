use mago_syntax::ast::{BinaryOperator, Expression};
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;
use crate::eval;
use crate::model::LoopKind;

declare_rule! {
    /// ## What it does
    /// Flags loops over more than 100 items (an unbounded or > 100 query
    /// result, or a `for` loop with a constant bound above 100) that write
    /// per item (`wp_update_post()`, `update_post_meta()`, `$wpdb->insert()`,
    /// `wp_mail()`, remote calls, ...) inside a web request. Loops in cron /
    /// Action Scheduler callbacks and WP-CLI commands, and loops that
    /// enqueue a job per item, are not reported.
    ///
    /// ## Why is this bad?
    /// Bulk work in a request holds a PHP worker for seconds to minutes,
    /// hits `max_execution_time` half-way (leaving data half-updated), and
    /// slows the database for every other visitor. Queued in batches it
    /// runs in the background, resumable and rate-limited.
    ///
    /// ## Example
    /// ```php
    /// add_action( 'admin_post_shop_feed_reprice', function () {
    ///     foreach ( get_posts( array( 'post_type' => 'product', 'numberposts' => -1 ) ) as $p ) {
    ///         update_post_meta( $p->ID, '_price', shop_feed_price( $p ) );
    ///     }
    /// } );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// add_action( 'admin_post_shop_feed_reprice', function () {
    ///     as_enqueue_async_action( 'shop_feed_reprice_batch', array( 'page' => 1 ) );
    /// } );
    /// ```
    pub static RULE = {
        id: "WP041",
        name: "bulk-loop-inline",
        summary: "Bulk loop (> 100 items) with writes runs inside a request",
        policy: "async.imports",
    }
}

pub const SNIFFS: &[&str] = &[];

/// Per-item operations that make a long loop expensive.
const WRITES: &[&str] = &[
    "wp_update_post",
    "wp_insert_post",
    "wp_delete_post",
    "wp_trash_post",
    "update_post_meta",
    "add_post_meta",
    "delete_post_meta",
    "update_user_meta",
    "add_user_meta",
    "update_term_meta",
    "wp_set_object_terms",
    "wp_set_post_terms",
    "wp_insert_term",
    "wp_update_term",
    "wp_insert_user",
    "wp_update_user",
    "wp_mail",
    "wp_remote_get",
    "wp_remote_post",
    "wp_remote_request",
    "wp_safe_remote_get",
    "wp_safe_remote_post",
    "media_sideload_image",
    "wp_insert_attachment",
];

const ENQUEUE: &[&str] = &[
    "wp_schedule_single_event",
    "as_enqueue_async_action",
    "as_schedule_single_action",
];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut pending = Vec::new();
    for l in &m.loops {
        let items = match &l.kind {
            LoopKind::For { conditions } => conditions.iter().find_map(|c| constant_bound(c)),
            _ => cx
                .loop_source(l)
                .filter(|s| s.exceeds(100))
                .and_then(|s| s.bound),
        };
        let Some(items) = items.filter(|n| !(0..=100).contains(n)) else {
            continue;
        };
        let body: Vec<_> = m
            .calls_in(l.scope)
            .filter(|c| l.body.contains(c.range.start))
            .collect();
        if body
            .iter()
            .any(|c| c.function().is_some_and(|f| ENQUEUE.contains(&f)))
        {
            continue;
        }
        let write = body.iter().find_map(|c| {
            c.function()
                .filter(|f| WRITES.contains(f))
                .map(|f| format!("{f}()"))
                .or_else(|| {
                    c.wpdb_method(&["insert", "update", "delete", "replace", "query"])
                        .map(|w| format!("$wpdb->{w}()"))
                })
        });
        let Some(write) = write else {
            continue;
        };
        let count = if items < 0 {
            "every matching item".to_owned()
        } else {
            format!("{items} items")
        };
        let head = crate::model::Range {
            start: l.range.start,
            end: l.body.start,
        };
        let finding = Finding::new(&RULE, format!("loop over {count} calls {write} per item inside the request"))
            .span(m.span(head))
            .evidence(m.snippet(head))
            .fix("Move the work to Action Scheduler / wp_schedule_single_event() in batches of 100 or less")
            .confidence(Confidence::Medium);
        pending.push((l.scope, finding));
    }
    for (scope, finding) in pending {
        cx.report_in_request(scope, false, finding);
    }
}

/// `$i < 500` / `$i <= 500`: the constant upper bound of a `for` loop.
fn constant_bound(condition: &Expression<'_>) -> Option<i64> {
    match eval::unparen(condition) {
        Expression::Binary(b) => match b.operator {
            BinaryOperator::LessThan(_) => eval::int(b.rhs),
            BinaryOperator::LessThanOrEqual(_) => eval::int(b.rhs).map(|n| n.saturating_add(1)),
            _ => None,
        },
        _ => None,
    }
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
                "<?php function f() { foreach ( get_posts( [ 'numberposts' => 20 ] ) as $p ) { update_post_meta( $p->ID, 'k', 1 ); } }",
                "<?php function f() { foreach ( get_posts( [ 'numberposts' => -1 ] ) as $p ) { as_enqueue_async_action( 'x', [ $p->ID ] ); } }",
                "<?php function f() { foreach ( get_posts( [ 'numberposts' => -1 ] ) as $p ) { echo $p->post_title; } }",
                "<?php add_action( 'nightly', 'f' ); wp_schedule_event( time(), 'daily', 'nightly' ); function f() { foreach ( get_posts( [ 'numberposts' => -1 ] ) as $p ) { update_post_meta( $p->ID, 'k', 1 ); } }",
            ],
            &[
                "<?php function f() { foreach ( get_posts( [ 'numberposts' => -1 ] ) as $p ) { update_post_meta( $p->ID, 'k', 1 ); } }",
                "<?php function f() { for ( $i = 0; $i < 500; $i++ ) { wp_insert_post( [ 'post_title' => $i ] ); } }",
                "<?php function f() { $q = new WP_Query( [ 'posts_per_page' => 1000 ] ); while ( $q->have_posts() ) { $q->the_post(); wp_update_post( [ 'ID' => get_the_ID() ] ); } }",
                "<?php function f() { global $wpdb; foreach ( get_users() as $u ) { $wpdb->insert( 't', [ 'u' => $u->ID ] ); } }",
            ],
        );
    }
}
