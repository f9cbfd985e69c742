use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;

declare_rule! {
    /// ## What it does
    /// Flags `wp_mail()` sent inside a web request: in a loop (one SMTP
    /// conversation per recipient), or in a function registered to a hook
    /// or REST route. Functions registered to a hook scheduled with
    /// `wp_schedule_event()` / `wp_schedule_single_event()` or Action
    /// Scheduler (`as_enqueue_async_action()`, ...), and WP-CLI commands,
    /// run in the background and are not reported. Registrations in other
    /// files of the project count.
    ///
    /// ## Why is this bad?
    /// `wp_mail()` talks to the mail server synchronously: 200 ms to several
    /// seconds per message with SMTP, during which the visitor waits and a
    /// PHP worker is held. A loop over 100 customers turns a form submit
    /// into a request that times out, and a slow mail server into an
    /// outage.
    ///
    /// ## Example
    /// ```php
    /// add_action( 'woocommerce_order_status_completed', function ( $order_id ) {
    ///     wp_mail( get_option( 'admin_email' ), 'New order', "Order $order_id" );
    /// } );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// add_action( 'woocommerce_order_status_completed', function ( $order_id ) {
    ///     as_enqueue_async_action( 'shop_feed_send_order_mail', array( $order_id ) );
    /// } );
    /// add_action( 'shop_feed_send_order_mail', 'shop_feed_send_order_mail' );
    /// ```
    pub static RULE = {
        id: "WP040",
        name: "inline-mail",
        summary: "wp_mail() sent synchronously in a request",
        policy: "async.emails",
    }
}

pub const SNIFFS: &[&str] = &[];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut pending = Vec::new();
    for call in &m.calls {
        if call.function() != Some("wp_mail") {
            continue;
        }
        let in_loop = cx.loop_around(call).is_some();
        let (message, confidence) = if in_loop {
            (
                "wp_mail() in a loop sends one message per item during the request",
                Confidence::High,
            )
        } else {
            (
                "wp_mail() is sent synchronously in a hook callback: the request waits for the mail server",
                Confidence::Medium,
            )
        };
        let finding = Finding::new(&RULE, message)
            .span(m.span(call.range))
            .evidence(m.snippet(call.range))
            .fix("Queue the email with as_enqueue_async_action() or wp_schedule_single_event() and send it from the hooked callback")
            .confidence(confidence);
        pending.push((call.scope, !in_loop, finding));
    }
    for (scope, needs_hook, finding) in pending {
        cx.report_in_request(scope, needs_hook, finding);
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
                // Not registered anywhere: the calling context is unknown.
                "<?php function notify( $to ) { wp_mail( $to, 's', 'b' ); }",
                // Runs from cron.
                "<?php add_action( 'feed_mail', 'send' ); wp_schedule_single_event( time(), 'feed_mail' ); function send() { foreach ( get_users() as $u ) { wp_mail( $u->user_email, 's', 'b' ); } }",
                "<?php add_action( 'init', function () { as_enqueue_async_action( 'x_mail' ); } );",
                "<?php class C extends WP_CLI_Command { function run() { foreach ( $this->users as $u ) { wp_mail( $u, 's', 'b' ); } } }",
            ],
            &[
                "<?php add_action( 'save_post', 'notify' ); function notify( $id ) { wp_mail( 'a@b.c', 's', 'b' ); }",
                "<?php function blast( $emails ) { foreach ( $emails as $e ) { wp_mail( $e, 's', 'b' ); } }",
                "<?php add_action( 'init', function () { wp_mail( 'a@b.c', 's', 'b' ); } );",
                "<?php class A { function __construct() { add_action( 'wp_ajax_x', [ $this, 'go' ] ); } function go() { wp_mail( 'a', 'b', 'c' ); } }",
            ],
        );
    }

    #[test]
    fn registration_in_another_file_counts() {
        let out = tester().run(&[
            ("main.php", "<?php add_action( 'feed_mail', 'feed_send' ); wp_schedule_event( time(), 'daily', 'feed_mail' );"),
            ("inc/mail.php", "<?php function feed_send() { foreach ( get_users() as $u ) { wp_mail( $u->user_email, 's', 'b' ); } }"),
        ]);
        assert!(
            out.findings.iter().all(|f| f.rule != RULE.id),
            "{:#?}",
            out.findings
        );
    }
}
