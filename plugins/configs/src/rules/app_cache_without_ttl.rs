use perfwarden_sdk::{Confidence, Finding, Output, Span, declare_rule};

use crate::caches::Cache;

declare_rule! {
    /// ## What it does
    /// Flags a cache declared in an application config (`caches:` entries,
    /// named caches under `cache:`) with no TTL, or with a TTL of 0 /
    /// `never`.
    ///
    /// ## Why is this bad?
    /// Entries that never expire are served stale until someone evicts them
    /// by hand, and the cache grows with every key until its store runs out
    /// of memory (Redis then evicts other data or refuses writes). The
    /// policy requires a TTL per data class: static data 24 h, sessions
    /// 1 h, API results 5 min, counters 1 min.
    ///
    /// ## Example
    /// ```yaml
    /// caches:
    ///   products:
    ///     maxEntries: 1000
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// caches:
    ///   products:
    ///     maxEntries: 1000
    ///     ttl: 5m
    /// ```
    pub static APP_CACHE_WITHOUT_TTL = {
        id: "CFG011",
        name: "app-cache-without-ttl",
        summary: "Cache in the app config without a TTL: entries never expire",
        policy: "anti_patterns.cache_without_ttl",
    }
}

/// Reports app-config caches whose TTL is 0. One left unset is Medium: the
/// code reading the config may apply a TTL of its own. `paths` are the
/// file, or the files merged into the effective config (lowest precedence
/// first): the message then names them, the span the one that decides.
pub fn check(caches: &[Cache], paths: &[&str], out: &mut Output) {
    let merged = match paths {
        [_, _, ..] => format!(" in the effective config ({})", paths.join(" < ")),
        _ => String::new(),
    };
    for cache in caches {
        let Some(ttl) = cache.ttl.as_ref().filter(|t| t.value == 0.0) else {
            continue;
        };
        let path = paths.get(ttl.file).or(paths.first()).copied().unwrap_or("");
        let (message, confidence) = match ttl.default_source {
            Some(_) => (
                format!(
                    "cache `{}` sets no TTL{merged}: its entries never expire unless the code reading this config sets one",
                    cache.name
                ),
                Confidence::Medium,
            ),
            None => (
                format!(
                    "cache `{}` has a TTL of 0 (never expires){merged}",
                    cache.name
                ),
                Confidence::High,
            ),
        };
        let class = cache.data_class.unwrap_or("its data class");
        out.push(
            Finding::new(&APP_CACHE_WITHOUT_TTL, message)
                .span(Span::line(path, ttl.line))
                .evidence(format!("cache `{}`", cache.name))
                .fix(format!("set a `ttl` for {class} (policy: static 24h, session 1h, api 5min, counter 1min)"))
                .confidence(confidence),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn rule() {
        Tester::new(crate::Plugin).test_rule(
            &APP_CACHE_WITHOUT_TTL,
            "config/default.yml",
            &[
                "caches:\n  products:\n    ttl: 5m\n",
                "cache:\n  ttl: 300\n  caches:\n    products:\n      maxEntries: 100\n",
                "cache:\n  ttl: ${CACHE_TTL}\n",
                "redis:\n  pool:\n    max: 10\n",
            ],
            &[
                "caches:\n  products:\n    maxEntries: 1000\n",
                "cache:\n  sessions:\n    strategy: write-through\n",
                "caches:\n  - name: feeds\n    ttl: 0\n",
            ],
        );
        Tester::new(crate::Plugin).test_rule(
            &APP_CACHE_WITHOUT_TTL,
            "config/production.json",
            &[r#"{"caches": {"api": {"ttlSeconds": 300}}}"#],
            &[r#"{"caches": {"api": {"ttl": "never"}}}"#],
        );
    }

    #[test]
    fn node_config_is_judged_merged() {
        let default = (
            "config/default.yml",
            "cache:\n  caches:\n    products:\n      ttl: 5m\n    feeds:\n      ttl: 1m\n",
        );
        // production.json bounds `products` and says nothing of its TTL: default.yml's holds.
        let production = (
            "config/production.json",
            "{\"cache\": {\"caches\": {\"products\": {\"maxEntries\": 500}, \"feeds\": {\"ttl\": 0}}}}",
        );
        let out = Tester::new(crate::Plugin).run(&[default, production]);
        let found: Vec<(&str, u32, &str)> = out
            .findings
            .iter()
            .map(|f| {
                let span = f.span.as_ref().unwrap();
                (span.path.as_str(), span.line, f.message.as_str())
            })
            .collect();
        assert_eq!(
            found,
            [(
                "config/production.json",
                1,
                "cache `feeds` has a TTL of 0 (never expires) in the effective config (config/default.yml < config/production.json)"
            )]
        );
        // Alone, each file is judged as it is.
        let out = Tester::new(crate::Plugin).run(&[("deploy/production.json", production.1)]);
        assert_eq!(out.findings.len(), 2);
    }

    #[test]
    fn unset_is_medium_and_zero_is_high() {
        let out = Tester::new(crate::Plugin).run(&[(
            "config/default.yml",
            "caches:\n  products: {}\n  feeds:\n    ttl: -1\n",
        )]);
        let found: Vec<(u32, Confidence)> = out
            .findings
            .iter()
            .map(|f| (f.span.as_ref().unwrap().line, f.confidence))
            .collect();
        assert_eq!(found, [(2, Confidence::Medium), (4, Confidence::High)]);
    }
}
