use perfwarden_sdk::{Confidence, Finding, Output, Span, declare_rule};

use crate::sources::redis::RedisServer;

declare_rule! {
    /// ## What it does
    /// Flags a memory-capped Redis (`maxmemory` set) whose
    /// `maxmemory-policy` is `noeviction`, explicitly or by default.
    ///
    /// ## Why is this bad?
    /// Once the cap is reached a `noeviction` Redis answers every write with
    /// `OOM command not allowed`: cache fills fail, so every request misses
    /// and falls through to the database, and sessions or counters stored
    /// there stop being written. A cache should evict old keys instead.
    ///
    /// ## Example
    /// ```text
    /// maxmemory 256mb
    /// maxmemory-policy noeviction
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// maxmemory 256mb
    /// maxmemory-policy allkeys-lru
    /// ```
    pub static REDIS_NOEVICTION_CACHE = {
        id: "CFG002",
        name: "redis-noeviction-cache",
        summary: "Redis cache with `noeviction`: writes fail once maxmemory is reached",
        policy: "cache.strategy",
    }
}

/// Reports `noeviction` under a memory cap. `noeviction` is right for a
/// queue or a primary store, so without a path naming a cache the finding
/// is Medium.
pub fn check(server: &RedisServer, out: &mut Output) {
    let (conf, path) = (&server.conf, server.path.as_str());
    if conf.maxmemory.value == 0 || conf.maxmemory_policy.value != "noeviction" {
        return;
    }
    let line = conf.maxmemory_policy.line.or(conf.maxmemory.line);
    let span = line
        .or(server.line)
        .map_or_else(|| Span::file(path), |line| Span::line(path, line));
    let how = if conf.maxmemory_policy.line.is_some() {
        "is"
    } else {
        "defaults to"
    };
    let mut finding = Finding::new(
        &REDIS_NOEVICTION_CACHE,
        format!(
            "`maxmemory-policy` {how} `noeviction` under `maxmemory {}` bytes: once full, every write fails with an OOM error instead of evicting old keys",
            conf.maxmemory.value
        ),
    )
    .span(span)
    .evidence(format!("maxmemory-policy {}", conf.maxmemory_policy.value))
    .fix("use `maxmemory-policy allkeys-lru` (or `volatile-ttl` when only some keys expire) for a cache");
    if !server.cache {
        finding = finding.confidence(Confidence::Medium);
    }
    out.push(finding);
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn rule() {
        Tester::new(crate::Plugin).test_rule(
            &REDIS_NOEVICTION_CACHE,
            "redis/cache.conf",
            &[
                "maxmemory 256mb\nmaxmemory-policy allkeys-lru\n",
                "maxmemory-policy noeviction\n",
                "maxmemory 256mb\nmaxmemory-policy noeviction\nmaxmemory-policy volatile-ttl\n",
            ],
            &[
                "maxmemory 256mb\nmaxmemory-policy noeviction\n",
                "maxmemory 2gb\n",
                "maxmemory 1mb\nmaxmemory-policy \"NoEviction\"\n",
            ],
        );
    }
}
