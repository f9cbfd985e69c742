use perfwarden_sdk::{Finding, Output, Span, declare_rule};

use crate::caches::Cache;

declare_rule! {
    /// ## What it does
    /// Flags a Spring Cache whose entries never expire: `spring.cache.type:
    /// redis` with no `spring.cache.redis.time-to-live` (or a zero one), or a
    /// `spring.cache.caffeine.spec` with neither `expireAfterWrite` nor
    /// `expireAfterAccess`.
    ///
    /// ## Why is this bad?
    /// Cached entries are then served until someone evicts them by hand:
    /// stale data has no bound. A Redis cache accumulates keys until Redis
    /// reaches `maxmemory` (evicting other data or refusing writes); a
    /// Caffeine cache only drops entries when its size bound is hit.
    ///
    /// ## Example
    /// ```yaml
    /// spring:
    ///   cache:
    ///     type: redis
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spring:
    ///   cache:
    ///     type: redis
    ///     redis:
    ///       time-to-live: 5m
    /// ```
    pub static SPRING_CACHE_WITHOUT_TTL = {
        id: "CFG010",
        name: "spring-cache-without-ttl",
        summary: "Spring cache without a TTL: entries never expire",
        policy: "anti_patterns.cache_without_ttl",
    }
}

/// Reports Spring caches whose TTL is zero (unset or set so), once per
/// setting line (every name in `cache-names` shares it).
pub fn check(caches: &[Cache], path: &str, out: &mut Output) {
    let mut reported: Vec<u32> = Vec::new();
    for cache in caches {
        let Some(ttl) = cache.ttl.as_ref().filter(|t| t.value == 0.0) else {
            continue;
        };
        if reported.contains(&ttl.line) {
            continue;
        }
        reported.push(ttl.line);
        let names: Vec<&str> = caches
            .iter()
            .filter(|c| c.ttl.as_ref().is_some_and(|t| t.line == ttl.line))
            .map(|c| c.name.as_str())
            .collect();
        let (message, fix) = match ttl.default_source {
            Some("caffeine") => (
                "`spring.cache.caffeine.spec` sets neither `expireAfterWrite` nor `expireAfterAccess`: entries never expire, only the size bound drops them",
                "add `expireAfterWrite` with the data class's TTL to the spec (e.g. `expireAfterWrite=5m` for API results)",
            ),
            Some(_) => (
                "`spring.cache.type` is redis with no `spring.cache.redis.time-to-live`: cached entries never expire",
                "set `spring.cache.redis.time-to-live` to the data class's TTL (e.g. `5m` for API results)",
            ),
            None => (
                "`spring.cache.redis.time-to-live` is zero, which Spring Data Redis reads as \"never expire\"",
                "set `spring.cache.redis.time-to-live` to the data class's TTL (e.g. `5m` for API results)",
            ),
        };
        out.push(
            Finding::new(&SPRING_CACHE_WITHOUT_TTL, message)
                .span(Span::line(path, ttl.line))
                .evidence(format!("caches: {}", names.join(", ")))
                .fix(fix),
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
            &SPRING_CACHE_WITHOUT_TTL,
            "src/main/resources/application.yml",
            &[
                "spring:\n  cache:\n    type: redis\n    redis:\n      time-to-live: 5m\n",
                "spring:\n  cache:\n    type: caffeine\n",
                "spring:\n  cache:\n    caffeine:\n      spec: maximumSize=100,expireAfterAccess=1h\n",
                "spring:\n  cache:\n    type: redis\n    redis:\n      time-to-live: ${CACHE_TTL}\n",
            ],
            &[
                "spring:\n  cache:\n    type: redis\n",
                "spring:\n  cache:\n    type: REDIS\n    redis:\n      key-prefix: app\n",
                "spring:\n  cache:\n    cache-names: [products, prices]\n    caffeine:\n      spec: maximumSize=500\n",
            ],
        );
        Tester::new(crate::Plugin).test_rule(
            &SPRING_CACHE_WITHOUT_TTL,
            "application.properties",
            &["spring.cache.type=redis\nspring.cache.redis.time-to-live=600000\n"],
            &[
                "spring.cache.type=redis\n",
                "spring.cache.type=redis\nspring.cache.redis.time-to-live=0\n",
            ],
        );
    }

    #[test]
    fn one_finding_per_setting_naming_every_cache() {
        let out = Tester::new(crate::Plugin).run(&[(
            "application.properties",
            "spring.cache.cache-names=products,prices\nspring.cache.caffeine.spec=maximumSize=500\n",
        )]);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(
            out.findings[0].evidence.as_deref(),
            Some("caches: products, prices")
        );
        assert_eq!(out.findings[0].span.as_ref().map(|s| s.line), Some(2));
        let ttls: Vec<(&str, f64)> = out
            .metrics
            .iter()
            .filter(|m| m.name == "cache.ttl")
            .map(|m| (m.label_value("cache").unwrap(), m.value))
            .collect();
        assert_eq!(ttls, [("products", 0.0), ("prices", 0.0)]);
    }
}
