use perfwarden_sdk::{Confidence, Finding, Span, declare_rule};

use super::{Cx, wp_config_defines};

declare_rule! {
    /// ## What it does
    /// In `wp-config.php`, flags `WP_CACHE` defined as false (high
    /// confidence) or not defined at all (medium: the page cache may live in
    /// the web server or a CDN instead).
    ///
    /// ## Why is this bad?
    /// Without `WP_CACHE`, WordPress never loads the `advanced-cache.php`
    /// drop-in that page-cache plugins install: every anonymous page view
    /// boots WordPress and runs its queries (typically 100-500 ms and dozens
    /// of queries) instead of serving a stored page in a few milliseconds.
    ///
    /// ## Example
    /// ```php
    /// define( 'WP_CACHE', false );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// define( 'WP_CACHE', true );
    /// ```
    pub static RULE = {
        id: "WP050",
        name: "page-cache-disabled",
        summary: "wp-config.php does not enable WP_CACHE (page cache drop-in)",
        policy: "cache.strategy",
    }
}

pub const SNIFFS: &[&str] = &[];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let Some(defines) = wp_config_defines(m) else {
        return;
    };
    match defines.iter().rev().find(|(name, _, _)| *name == "WP_CACHE") {
        Some((_, value, call)) => {
            if crate::eval::truthy(value) == Some(false) {
                cx.report(
                    Finding::new(&RULE, "WP_CACHE is false: the page-cache drop-in (advanced-cache.php) is never loaded")
                        .span(m.span(call.range))
                        .evidence(m.snippet(call.range))
                        .fix("define( 'WP_CACHE', true ); with a page cache plugin, or cache pages at the web server"),
                );
            }
        }
        None => cx.report(
            Finding::new(&RULE, "WP_CACHE is not defined: no page-cache drop-in is loaded")
                .span(Span::file(m.path))
                .fix("define( 'WP_CACHE', true ); with a page cache plugin, or cache pages at the web server")
                .confidence(Confidence::Medium),
        ),
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
            "wp-config.php",
            &["<?php define( 'WP_CACHE', true ); define( 'DB_NAME', 'wp' );"],
            &[
                "<?php define( 'WP_CACHE', false );",
                "<?php define( 'DB_NAME', 'wp' );",
            ],
        );
    }

    #[test]
    fn only_wp_config_is_concerned() {
        let out = crate::rules::test::tester()
            .run(&[("inc/config.php", "<?php define( 'WP_CACHE', false );")]);
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
    }
}
