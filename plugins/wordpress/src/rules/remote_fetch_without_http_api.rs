use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;
use crate::eval;

declare_rule! {
    /// ## What it does
    /// Flags remote fetches that bypass the WordPress HTTP API:
    /// `file_get_contents()`, `fopen()`, `file()` and
    /// `simplexml_load_file()` on an `http(s)://` URL (or a variable named
    /// like a URL) without a stream context, and `curl_exec()` on a handle
    /// from `curl_init()` in a function that never sets `CURLOPT_TIMEOUT` /
    /// `CURLOPT_CONNECTTIMEOUT` (directly or with `curl_setopt_array()`).
    ///
    /// ## Why is this bad?
    /// PHP stream wrappers wait `default_socket_timeout` (60 s by default)
    /// and curl waits forever unless told otherwise: one slow remote holds
    /// the PHP worker for a minute. They also skip the HTTP API's proxy
    /// settings, filters and caching plugins.
    ///
    /// ## Example
    /// ```php
    /// $xml = file_get_contents( 'https://supplier.example.com/stock.xml' );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// $response = wp_remote_get( 'https://supplier.example.com/stock.xml', array( 'timeout' => 3 ) );
    /// $xml      = wp_remote_retrieve_body( $response );
    /// ```
    pub static RULE = {
        id: "WP031",
        name: "remote-fetch-without-http-api",
        summary: "Remote URL fetched with file_get_contents/curl instead of the HTTP API",
        policy: "timeouts.http_client",
    }
}

pub const SNIFFS: &[&str] = &[
    "WordPressVIPMinimum.Performance.FetchingRemoteData",
    "WordPress.WP.AlternativeFunctions",
];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    for call in &m.calls {
        let Some(function) = call.function() else {
            continue;
        };
        let (context_at, context_name) = match function {
            "file_get_contents" => (2, "context"),
            "fopen" => (3, "context"),
            "file" => (2, "context"),
            "simplexml_load_file" => (usize::MAX, ""),
            "curl_exec" => {
                // Only handles created here: a handle kept in a property is
                // configured by other methods.
                let local = call
                    .arg(0, "handle")
                    .and_then(eval::variable)
                    .is_some_and(|var| {
                        m.last_assign(var, call.scope, call.range.start)
                            .and_then(|a| m.call_at(a.rhs))
                            .is_some_and(|c| c.function() == Some("curl_init"))
                    });
                if !local {
                    continue;
                }
                let timeout_set = m.calls_in(call.scope).any(|c| match c.function() {
                    Some("curl_setopt") => c.arg(1, "option").is_some_and(is_timeout_option),
                    Some("curl_setopt_array") => c.arg(1, "options").is_some_and(|o| {
                        let o = m.resolve(o, c.scope, c.range.start);
                        eval::array_keys(o).into_iter().any(is_timeout_option)
                    }),
                    _ => false,
                });
                if !timeout_set {
                    found.push(
                        Finding::new(&RULE, "curl_exec() without CURLOPT_TIMEOUT: the request can block the PHP worker indefinitely")
                            .span(m.span(call.range))
                            .evidence(m.snippet(call.range))
                            .fix("Use wp_remote_get()/wp_remote_post() with a timeout of 3 s or less"),
                    );
                }
                continue;
            }
            _ => continue,
        };
        if call.arg(context_at, context_name).is_some() {
            continue;
        }
        let Some(target) = call.arg(0, "filename") else {
            continue;
        };
        let resolved = m.resolve(target, call.scope, call.range.start);
        let literal_url = eval::string_prefix(resolved)
            .is_some_and(|s| s.starts_with("http://") || s.starts_with("https://"));
        let named_url = eval::variable(target).is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.ends_with("url") || v.contains("endpoint")
        });
        let confidence = if literal_url {
            Confidence::High
        } else if named_url && eval::string_prefix(resolved).is_none() {
            Confidence::Medium
        } else {
            continue;
        };
        found.push(
            Finding::new(&RULE, format!("{function}() fetches a remote URL without a timeout (default_socket_timeout, 60 s)"))
                .span(m.span(call.range))
                .evidence(m.snippet(call.range))
                .fix("Use wp_remote_get() with `'timeout' => 3` and cache the body")
                .confidence(confidence),
        );
    }
    cx.findings.extend(found);
}

fn is_timeout_option(option: &mago_syntax::ast::Expression<'_>) -> bool {
    match eval::unparen(option) {
        mago_syntax::ast::Expression::ConstantAccess(c) => {
            let name = crate::model::ident(&c.name);
            name.starts_with(b"CURLOPT_TIMEOUT") || name.starts_with(b"CURLOPT_CONNECTTIMEOUT")
        }
        _ => false,
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
                "<?php file_get_contents( __DIR__ . '/data.json' );",
                "<?php file_get_contents( $path );",
                "<?php file_get_contents( 'https://x', false, stream_context_create( [ 'http' => [ 'timeout' => 2 ] ] ) );",
                "<?php function f() { $ch = curl_init( $u ); curl_setopt( $ch, CURLOPT_TIMEOUT, 3 ); curl_exec( $ch ); }",
                "<?php function f() { $ch = curl_init( $u ); curl_setopt_array( $ch, [ CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT_MS => 800 ] ); curl_exec( $ch ); }",
                "<?php class T { function run() { return curl_exec( $this->handle ); } }",
            ],
            &[
                "<?php file_get_contents( 'https://supplier.example.com/stock.xml' );",
                "<?php function f() { $u = 'https://x.example/' . $id; return file_get_contents( $u ); }",
                "<?php function f( $feed_url ) { return file_get_contents( $feed_url ); }",
                "<?php function f() { $ch = curl_init( 'https://x' ); return curl_exec( $ch ); }",
            ],
        );
    }
}
