use perfwarden_sdk::{Confidence, Finding, Output, declare_rule};

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
    let conf = &server.conf;
    // A value set at deploy time or in a file not analyzed may well be a cap.
    if conf.maxmemory.value != 0 || !server.known("maxmemory") {
        return;
    }
    let span = server.span(conf.maxmemory.line, conf.maxmemory.file);
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
    fn launches_and_deploy_time_values() {
        let tester = Tester::new(crate::Plugin);
        tester.test_rule(
            &REDIS_MAXMEMORY_UNSET,
            "docker/cache/Dockerfile",
            &[
                "FROM redis:7\nCMD [\"--maxmemory\", \"256mb\"]\n",
                "FROM debian\nCMD redis-server --maxmemory \"$MAXMEM\"\n",
                "FROM redis:7\nCMD [\"redis-server\", \"/etc/redis/redis.conf\"]\n",
                "FROM node:20\nCMD [\"node\", \"server.js\"]\n",
            ],
            &[
                "FROM redis:7-alpine\n",
                "FROM redis:7\nCMD redis-server --maxmemory-policy allkeys-lru\n",
            ],
        );
        tester.test_rule(
            &REDIS_MAXMEMORY_UNSET,
            "Procfile",
            &["cache: redis-server --maxmemory 64mb\nweb: bin/web\n"],
            &["cache: redis-server --port $PORT\n"],
        );
        // The finding points at the command that starts the server.
        let out = tester.run(&[(
            "bin/cache.sh",
            "#!/bin/sh\nset -e\nexec redis-server --save ''\n",
        )]);
        let span = out.findings[0].span.as_ref().unwrap();
        assert_eq!((span.path.as_str(), span.line), ("bin/cache.sh", 3));
        assert_eq!(out.findings[0].confidence, Confidence::High);
    }

    #[test]
    fn confidence_depends_on_the_role_in_the_path() {
        let out = Tester::new(crate::Plugin).run(&[("redis.conf", "port 6379\n")]);
        assert_eq!(out.findings[0].confidence, Confidence::Medium);
        let out = Tester::new(crate::Plugin).run(&[("cache/redis.conf", "port 6379\n")]);
        assert_eq!(out.findings[0].confidence, Confidence::High);
    }
}
