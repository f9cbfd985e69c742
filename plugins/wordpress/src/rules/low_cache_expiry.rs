use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Finding, Metric, declare_rule};

use super::Cx;
use super::cache_without_expiry::cache_write;

declare_rule! {
    /// ## What it does
    /// Flags transient and object-cache writes whose expiry is a constant
    /// below 300 seconds (`60`, `2 * MINUTE_IN_SECONDS`). Every constant
    /// expiry is also reported as a `cache.ttl` metric (seconds, label
    /// `cache` = `transient` or `object-cache`) for the policy to judge.
    ///
    /// ## Why is this bad?
    /// A very short TTL makes the cache miss on most requests under normal
    /// traffic: the expensive computation runs almost as often as without
    /// a cache, and every expiry causes a stampede of concurrent
    /// regenerations. Below 5 minutes, the write cost often exceeds the
    /// savings.
    ///
    /// ## Example
    /// ```php
    /// wp_cache_set( 'shop_feed_stock', $stock, 'shop_feed', 30 );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// wp_cache_set( 'shop_feed_stock', $stock, 'shop_feed', 5 * MINUTE_IN_SECONDS );
    /// ```
    pub static RULE = {
        id: "WP021",
        name: "low-cache-expiry",
        summary: "Cache expiry below 300 seconds",
        policy: "cache.ttl",
    }
}

pub const SNIFFS: &[&str] = &["WordPressVIPMinimum.Performance.LowExpiryCacheTime"];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let mut found = Vec::new();
    let mut metrics = Vec::new();
    for call in &m.calls {
        if call.has_spread() {
            continue;
        }
        let Some(write) = cache_write(call) else {
            continue;
        };
        let Some(expiry) = write.expiry else {
            continue;
        };
        let Some(seconds) = crate::eval::int(expiry) else {
            continue;
        };
        let range = crate::model::Model::range(expiry);
        if seconds > 0 {
            metrics.push(
                Metric::new(vocabulary::CACHE_TTL, seconds as f64, unit::S)
                    .label(label::CACHE, write.cache)
                    .span(m.span(range)),
            );
        }
        if (1..300).contains(&seconds) {
            found.push(
                Finding::new(&RULE, format!("{}() expires after {seconds} s: most requests will miss the cache", write.function))
                    .span(m.span(range))
                    .evidence(m.snippet(call.range))
                    .fix("Use an expiry of at least 300 s (5 * MINUTE_IN_SECONDS) and invalidate on change"),
            );
        }
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
                "<?php set_transient( 'k', $v, 5 * MINUTE_IN_SECONDS );",
                "<?php wp_cache_set( 'k', $v, 'g', $ttl );",
                "<?php set_transient( 'k', $v );",
            ],
            &[
                "<?php set_transient( 'k', $v, 60 );",
                "<?php wp_cache_add( 'k', $v, 'g', 2 * MINUTE_IN_SECONDS );",
            ],
        );
    }

    #[test]
    fn constant_ttls_become_metrics() {
        let out = run(
            "<?php set_transient( 'a', 1, DAY_IN_SECONDS ); wp_cache_set( 'b', 2, 'g', 30 ); set_transient( 'c', 3 );",
        );
        let ttls: Vec<(f64, Option<&str>)> = out
            .metrics
            .iter()
            .map(|m| (m.value, m.label_value(label::CACHE)))
            .collect();
        assert_eq!(
            ttls,
            vec![(86_400.0, Some("transient")), (30.0, Some("object-cache"))]
        );
        assert!(
            out.metrics
                .iter()
                .all(|m| m.name == vocabulary::CACHE_TTL && m.unit == unit::S)
        );
    }
}
