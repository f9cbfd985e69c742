use perfwarden_sdk::{Confidence, Finding, Output, Span, declare_rule};

use crate::sources::redis::RedisServer;

declare_rule! {
    /// ## What it does
    /// Flags a Redis configuration without `maxmemory` (or with
    /// `maxmemory 0`), read from redis.conf or `redis-server --flags`.
    ///
    /// ## Why is this bad?
    /// Without a memory cap a cache grows with every key it is given, until
    /// the host swaps (every command slows down by orders of magnitude) or
    /// the kernel's OOM killer stops Redis and every cached value is lost at
    /// once, sending the full read load to the database.
    ///
    /// ## Example
    /// ```text
    /// # redis.conf
    /// maxmemory-policy allkeys-lru
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// maxmemory 256mb
    /// maxmemory-policy allkeys-lru
    /// ```
    pub static REDIS_MAXMEMORY_UNSET = {
        id: "CFG001",
        name: "redis-maxmemory-unset",
        summary: "Redis has no maxmemory: memory grows without bound",
        policy: "cache.strategy",
    }
}

/// Reports a missing or zero `maxmemory`. A path naming a cache makes the
/// finding certain; otherwise the instance may be a queue or a store whose
/// size is bounded elsewhere.
pub fn check(server: &RedisServer, out: &mut Output) {
    let (conf, path) = (&server.conf, server.path.as_str());
    if conf.maxmemory.value != 0 {
        return;
    }
    let span = conf
        .maxmemory
        .line
        .or(server.line)
        .map_or_else(|| Span::file(path), |line| Span::line(path, line));
    let mut finding = Finding::new(
        &REDIS_MAXMEMORY_UNSET,
        match conf.maxmemory.line {
            Some(_) => "`maxmemory 0` disables Redis's memory limit: memory grows until the host swaps or the OOM killer stops Redis",
            None => "`maxmemory` is not set (default 0 = no limit): memory grows until the host swaps or the OOM killer stops Redis",
        },
    )
    .span(span)
    .evidence(format!("maxmemory-policy {}", conf.maxmemory_policy.value))
    .fix("set `maxmemory` below the host's memory (e.g. `maxmemory 256mb`) with an eviction policy such as `allkeys-lru`");
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
            &REDIS_MAXMEMORY_UNSET,
            "deploy/redis-cache.conf",
            &[
                "maxmemory 100mb\nmaxmemory-policy allkeys-lru\n",
                "maxmemory 1gb\n",
            ],
            &["port 6379\n", "maxmemory 100mb\nmaxmemory 0\n"],
        );
    }

    #[test]
    fn confidence_depends_on_the_role_in_the_path() {
        let out = Tester::new(crate::Plugin).run(&[("redis.conf", "port 6379\n")]);
        assert_eq!(out.findings[0].confidence, Confidence::Medium);
        let out = Tester::new(crate::Plugin).run(&[("cache/redis.conf", "port 6379\n")]);
        assert_eq!(out.findings[0].confidence, Confidence::High);
    }
}
