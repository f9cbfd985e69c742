use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Finding, Metric, declare_rule};

use super::Cx;

declare_rule! {
    /// ## What it does
    /// Flags `wp_remote_get()`, `wp_remote_post()`, `wp_remote_head()`,
    /// `wp_remote_request()` and their `wp_safe_` variants called without a
    /// `timeout` (WordPress defaults to 5 s) or with one above 3 s.
    /// Arguments built in a variable are followed; non-blocking requests
    /// (`'blocking' => false`) are skipped. The effective timeout is also
    /// reported as the `http.client_timeout` metric.
    ///
    /// ## Why is this bad?
    /// The request blocks the PHP worker until the remote answers or the
    /// timeout fires. When the remote API slows down, every page that calls
    /// it takes 5 s or more, PHP-FPM workers fill up and the whole site
    /// stops answering: a third-party outage becomes yours.
    ///
    /// ## Example
    /// ```php
    /// $response = wp_remote_get( 'https://api.example.com/rates' );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $response = wp_remote_get( 'https://api.example.com/rates', array( 'timeout' => 2 ) );
    /// ```
    pub static RULE = {
        id: "WP030",
        name: "remote-request-timeout",
        summary: "Remote HTTP request without timeout or above 3 s",
        policy: "timeouts.http_client",
    }
}

pub const SNIFFS: &[&str] = &["WordPressVIPMinimum.Performance.RemoteRequestTimeout"];

/// WordPress's default `timeout` for the HTTP API, in seconds.
const DEFAULT_TIMEOUT: f64 = 5.0;

const FUNCTIONS: &[&str] = &[
    "wp_remote_get",
    "wp_remote_post",
    "wp_remote_head",
    "wp_remote_request",
    "wp_safe_remote_get",
    "wp_safe_remote_post",
    "wp_safe_remote_head",
    "wp_safe_remote_request",
];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    let mut metrics = Vec::new();
    for call in &m.calls {
        let Some(function) = call.function().filter(|f| FUNCTIONS.contains(f)) else {
            continue;
        };
        if call.has_spread() {
            continue;
        }
        let args = call
            .arg(1, "args")
            .map(|a| m.query_args(a, call.scope, call.range.start));
        if let Some(args) = &args
            && args.get("blocking").and_then(|b| b.value.truthy()) == Some(false)
        {
            continue;
        }
        let timeout = args.as_ref().and_then(|a| a.get("timeout"));
        let (seconds, range, defaulted) = match (timeout, &args) {
            (Some(entry), _) => match entry
                .value
                .expr()
                .and_then(crate::eval::number)
                .or_else(|| entry.value.str().and_then(|t| t.parse().ok()))
            {
                Some(seconds) => (seconds, entry.range, false),
                None => continue,
            },
            (None, Some(args)) if !args.complete => continue,
            (None, _) => (DEFAULT_TIMEOUT, call.range, true),
        };
        let mut metric = Metric::new(vocabulary::HTTP_CLIENT_TIMEOUT, seconds, unit::S)
            .label(label::CLIENT, function)
            .span(m.span(range));
        if defaulted {
            metric = metric.label(label::DERIVATION, "default");
        }
        metrics.push(metric);
        if seconds <= 3.0 {
            continue;
        }
        let message = if defaulted {
            format!(
                "{function}() has no timeout: WordPress waits up to {DEFAULT_TIMEOUT} s, blocking the PHP worker"
            )
        } else {
            format!("{function}() waits up to {seconds} s for the remote, blocking the PHP worker")
        };
        found.push(
            Finding::new(&RULE, message)
                .span(m.span(range))
                .evidence(m.snippet(call.range))
                .fix("Pass `'timeout' => 3` or less (and cache the response)"),
        );
    }
    cx.findings.extend(found);
    cx.metrics.extend(metrics);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test::{run, tester};

    #[test]
    fn rule() {
        tester().test_rule(
            &RULE,
            "plugin.php",
            &[
                "<?php wp_remote_get( $url, [ 'timeout' => 2 ] );",
                "<?php wp_remote_post( $url, [ 'timeout' => 0.5, 'body' => $b ] );",
                "<?php wp_remote_post( $url, [ 'blocking' => false ] );",
                "<?php function f( $args ) { wp_remote_get( 'https://x', $args ); }",
            ],
            &[
                "<?php wp_remote_get( 'https://api.example.com' );",
                "<?php wp_safe_remote_post( $url, array( 'timeout' => 10 ) );",
                "<?php function f() { $a = [ 'body' => 1 ]; $a['timeout'] = 30; wp_remote_request( $u, $a ); }",
            ],
        );
    }

    #[test]
    fn timeouts_become_metrics() {
        let out = run("<?php wp_remote_get( $u ); wp_remote_post( $u, [ 'timeout' => 2 ] );");
        let values: Vec<(f64, Option<&str>, Option<&str>)> = out
            .metrics
            .iter()
            .map(|m| {
                (
                    m.value,
                    m.label_value(label::CLIENT),
                    m.label_value(label::DERIVATION),
                )
            })
            .collect();
        assert_eq!(
            values,
            vec![
                (5.0, Some("wp_remote_get"), Some("default")),
                (2.0, Some("wp_remote_post"), None)
            ]
        );
    }
}
