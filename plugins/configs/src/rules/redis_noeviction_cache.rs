use perfwarden_sdk::{Confidence, Finding, Output, declare_rule};

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
    let conf = &server.conf;
    let known = server.known("maxmemory") && server.known("maxmemory-policy");
    if !known || conf.maxmemory.value == 0 || conf.maxmemory_policy.value != "noeviction" {
        return;
    }
    let span = match conf.maxmemory_policy.line {
        Some(line) => server.span(Some(line), conf.maxmemory_policy.file),
        None => server.span(conf.maxmemory.line, conf.maxmemory.file),
    };
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

    #[test]
    fn flags_override_the_loaded_file() {
        let conf = (
            "redis/cache.conf",
            "maxmemory 256mb\nmaxmemory-policy noeviction\n",
        );
        let compose = |command: &str| {
            format!(
                "services:\n  cache:\n    image: redis:7\n    command: {command}\n    volumes:\n      - ./redis:/usr/local/etc/redis\n"
            )
        };
        let tester = Tester::new(crate::Plugin);
        let fixed =
            compose("redis-server /usr/local/etc/redis/cache.conf --maxmemory-policy allkeys-lru");
        let out = tester.run(&[conf, ("docker-compose.yml", &fixed)]);
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        let kept = compose("redis-server /usr/local/etc/redis/cache.conf --timeout 30");
        let out = tester.run(&[conf, ("docker-compose.yml", &kept)]);
        let spans: Vec<(&str, u32)> = out
            .findings
            .iter()
            .map(|f| f.span.as_ref().map(|s| (s.path.as_str(), s.line)).unwrap())
            .collect();
        assert_eq!(
            spans,
            [("redis/cache.conf", 2)],
            "reported once, where the policy is set"
        );
    }
}
