use perfwarden_sdk::{Finding, Output, Span, declare_rule};

use crate::sources::spring::Props;

declare_rule! {
    /// ## What it does
    /// Flags a Spring Boot configuration with `spring.cache.type: redis` and
    /// no `spring.cache.redis.time-to-live`.
    ///
    /// ## Why is this bad?
    /// Spring's Redis cache then writes entries that never expire: stale data
    /// is served until someone evicts it by hand, and the keys accumulate
    /// until Redis reaches `maxmemory` (evicting other data or refusing
    /// writes).
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
        summary: "Spring Redis cache without `time-to-live`: entries never expire",
        policy: "anti_patterns.cache_without_ttl",
    }
}

/// Reports a Redis-backed Spring cache with no TTL.
pub fn check(props: &Props, path: &str, out: &mut Output) {
    let Some((kind, line)) = props.get("spring.cache.type") else {
        return;
    };
    if !kind.eq_ignore_ascii_case("redis") || props.get("spring.cache.redis.timetolive").is_some() {
        return;
    }
    out.push(
        Finding::new(
            &SPRING_CACHE_WITHOUT_TTL,
            "`spring.cache.type` is redis with no `spring.cache.redis.time-to-live`: cached entries never expire",
        )
        .span(Span::line(path, line))
        .evidence(format!("spring.cache.type: {kind}"))
        .fix("set `spring.cache.redis.time-to-live` to the data class's TTL (e.g. `5m` for API results)"),
    );
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
            ],
            &[
                "spring:\n  cache:\n    type: redis\n",
                "spring:\n  cache:\n    type: REDIS\n    redis:\n      key-prefix: app\n",
            ],
        );
        Tester::new(crate::Plugin).test_rule(
            &SPRING_CACHE_WITHOUT_TTL,
            "application.properties",
            &["spring.cache.type=redis\nspring.cache.redis.time-to-live=600000\n"],
            &["spring.cache.type=redis\n"],
        );
    }
}
