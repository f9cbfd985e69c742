use mago_syntax::ast::Expression;
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use super::Cx;
use crate::model::{CallSite, Model};
use crate::project::{Condition, Deferred};

declare_rule! {
    /// ## What it does
    /// Flags `set_transient()` / `set_site_transient()` without an
    /// expiration (or `0`), and `wp_cache_set()` / `wp_cache_add()` /
    /// `wp_cache_replace()` without one when no file of the project
    /// invalidates the group (`wp_cache_delete()` on the group,
    /// `clean_*_cache()`, `wp_cache_set_last_changed()`, ...).
    ///
    /// ## Why is this bad?
    /// A transient without expiration is stored as an *autoloaded* option
    /// when no object cache is installed: it is read on every page load,
    /// forever, and stale data is never refreshed. Object-cache entries
    /// without TTL and without invalidation serve stale data and fill
    /// Redis/Memcached until eviction pushes out useful keys.
    ///
    /// ## Example
    /// ```php
    /// set_transient( 'shop_feed_rates', $rates );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// set_transient( 'shop_feed_rates', $rates, HOUR_IN_SECONDS );
    /// ```
    pub static RULE = {
        id: "WP020",
        name: "cache-without-expiry",
        summary: "Transient or object-cache write without expiry",
        policy: "anti_patterns.cache_without_ttl",
    }
}

pub const SNIFFS: &[&str] = &[];

/// A transient or object-cache write.
pub struct CacheWrite<'a> {
    pub function: &'a str,
    pub key: Option<&'a Expression<'a>>,
    pub expiry: Option<&'a Expression<'a>>,
    /// `transient` or `object-cache` (the `cache` metric label).
    pub cache: &'static str,
}

/// Recognise a cache write and its arguments.
pub fn cache_write<'a>(call: &'a CallSite<'a>) -> Option<CacheWrite<'a>> {
    let function = call.function()?;
    let (expiry_at, expiry_name, cache) = match function {
        "set_transient" | "set_site_transient" => (2, "expiration", "transient"),
        "wp_cache_set" | "wp_cache_add" | "wp_cache_replace" => (3, "expire", "object-cache"),
        _ => return None,
    };
    Some(CacheWrite {
        function,
        key: call.arg(
            0,
            if cache == "transient" {
                "transient"
            } else {
                "key"
            },
        ),
        expiry: call.arg(expiry_at, expiry_name),
        cache,
    })
}

pub fn check(cx: &mut Cx<'_, '_>) {
    let m: &Model<'_> = cx.model;
    let mut found = Vec::new();
    let mut object_cache = Vec::new();
    for call in &m.calls {
        if call.has_spread() {
            continue;
        }
        let Some(write) = cache_write(call) else {
            continue;
        };
        let never = match write.expiry {
            None => true,
            Some(e) => crate::eval::int(e) == Some(0),
        };
        if !never {
            continue;
        }
        let (message, confidence) = if write.cache == "transient" {
            (
                format!(
                    "{}() without expiration: stored as an autoloaded option that never expires",
                    write.function
                ),
                Confidence::High,
            )
        } else {
            (
                format!(
                    "{}() without expiry, and nothing in the project deletes its group: the entry lives until evicted",
                    write.function
                ),
                Confidence::Medium,
            )
        };
        let finding = Finding::new(&RULE, message)
            .span(m.span(call.range))
            .evidence(m.snippet(call.range))
            .fix("Pass an expiry of at least 300 s (e.g. HOUR_IN_SECONDS), or delete the entry when the data changes")
            .confidence(confidence);
        if write.cache == "transient" {
            found.push(finding);
        } else {
            // Event-driven invalidation elsewhere in the project is a valid
            // alternative to a TTL: decided once every file is read.
            let group = match call.arg(2, "group") {
                None => Some(String::new()),
                Some(g) => crate::eval::string(g).map(str::to_owned),
            };
            object_cache.push(Deferred {
                finding,
                condition: Condition::NotInvalidated { group },
            });
        }
    }
    cx.findings.extend(found);
    cx.deferred.extend(object_cache);
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
                "<?php set_transient( 'k', $v, HOUR_IN_SECONDS );",
                "<?php wp_cache_set( 'k', $v, 'g', 600 );",
                // Event-driven invalidation is a valid strategy without TTL.
                "<?php wp_cache_set( 'k', $v, 'g' ); function on_save() { wp_cache_delete( 'k', 'g' ); }",
            ],
            &[
                "<?php set_transient( 'k', $v );",
                "<?php set_site_transient( 'k', $v, 0 );",
                "<?php wp_cache_set( 'k', $v, 'g' );",
                "<?php wp_cache_set( 'k', $v, 'g' ); wp_cache_delete( 'k', 'other' );",
            ],
        );
    }

    #[test]
    fn invalidation_in_another_file_counts() {
        let out = tester().run(&[
            ("cache.php", "<?php wp_cache_set( 'k', $v, 'feed' );"),
            (
                "hooks.php",
                "<?php add_action( 'save_post', function () { wp_cache_delete( 'k', 'feed' ); } );",
            ),
        ]);
        assert!(
            out.findings.iter().all(|f| f.rule != RULE.id),
            "{:#?}",
            out.findings
        );
    }
}
