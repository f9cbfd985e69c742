use perfwarden_sdk::{Confidence, Finding, Span, declare_rule};

use super::{Cx, wp_config_defines};

declare_rule! {
    /// ## What it does
    /// When the project contains a `wp-config.php` (a whole site), flags the
    /// absence of a persistent object-cache drop-in
    /// (`wp-content/object-cache.php`, installed by Redis / Memcached
    /// object-cache plugins) among the analyzed files.
    ///
    /// ## Why is this bad?
    /// Without a persistent object cache, `wp_cache_*` only lasts for one
    /// request: every page reloads options, post meta and query results from
    /// MySQL, and transients are stored in `wp_options`. Sites with traffic
    /// typically run 2-5x more database queries per page than with Redis.
    ///
    /// ## Example
    /// ```text
    /// wp-config.php
    /// wp-content/plugins/...
    /// (no wp-content/object-cache.php)
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// wp-content/object-cache.php   (e.g. from the Redis Object Cache plugin)
    /// ```
    pub static RULE = {
        id: "WP052",
        name: "no-object-cache-dropin",
        summary: "Site without a persistent object-cache drop-in",
        policy: "cache.strategy",
    }
}

pub const SNIFFS: &[&str] = &[];

pub fn check(cx: &mut Cx<'_, '_>) {
    if wp_config_defines(cx.model).is_none() {
        return;
    }
    let present = cx
        .artifacts
        .iter()
        .any(|p| p.rsplit('/').next() == Some("object-cache.php"));
    if !present {
        cx.report(
            Finding::new(
                &RULE,
                "no object-cache.php drop-in: the object cache does not persist across requests",
            )
            .span(Span::file(cx.model.path))
            .fix("Install a Redis or Memcached object-cache drop-in in wp-content/object-cache.php")
            .confidence(Confidence::Medium),
        );
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
            &[],
            &["<?php define( 'WP_CACHE', true );"],
        );
        let out = tester().run(&[
            ("wp-config.php", "<?php define( 'WP_CACHE', true );"),
            ("wp-content/object-cache.php", "<?php // Redis drop-in"),
        ]);
        assert!(out.findings.iter().all(|f| f.rule != RULE.id));
    }
}
