use oxc_ast::ast::{Argument, CallExpression, Expression};
use oxc_span::Span;
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::consts::{has_key_deep, has_spread, number, object, string};
use crate::model::{Kind, Lib, method_name, unwrap};
use crate::walk::Walker;

declare_rule! {
    /// ## What it does
    /// Flags cache writes without an expiry: Redis `set` without
    /// `EX`/`PX` (ioredis arguments or node-redis options), `hset`, `sadd`,
    /// `lpush`, `mset` ... with no `expire` in the same function; and
    /// in-memory caches (node-cache, lru-cache, cache-manager) created without
    /// a default TTL.
    ///
    /// ## Why is this bad?
    /// Keys without TTL live until eviction: stale data is served forever
    /// after the source changes, and the cache fills until Redis evicts hot
    /// keys or refuses writes (`noeviction`).
    ///
    /// ## Example
    /// ```js
    /// await redis.set(`product:${id}`, JSON.stringify(product));
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// await redis.set(`product:${id}`, JSON.stringify(product), 'EX', 300);
    /// ```
    pub static RULE = {
        id: "NODE008",
        name: "cache-write-without-ttl",
        summary: "Cache entry written without a TTL",
        policy: "anti_patterns.cache_without_ttl",
    }
}

const TTL_WORDS: [&str; 5] = ["EX", "PX", "EXAT", "PXAT", "KEEPTTL"];
const UNEXPIRING_WRITES: [&str; 14] = [
    "hset", "hSet", "hmset", "hMSet", "sadd", "sAdd", "lpush", "lPush", "rpush", "rPush", "zadd",
    "zAdd", "mset", "mSet",
];

/// Whether a Redis `set` call carries a TTL.
pub fn set_has_ttl(args: &[Argument<'_>]) -> bool {
    args.iter()
        .skip(2)
        .filter_map(Argument::as_expression)
        .any(|a| {
            string(a).is_some_and(|s| TTL_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)))
                || object(Some(a)).is_some_and(|o| {
                    has_spread(o)
                        || has_key_deep(o, &["EX", "PX", "EXAT", "PXAT", "KEEPTTL", "expiration"])
                })
                || !matches!(
                    unwrap(a),
                    Expression::StringLiteral(_) | Expression::ObjectExpression(_)
                )
        })
}

pub fn check_call(w: &mut Walker<'_>, call: &CallExpression<'_>) {
    let Some(method) = method_name(&call.callee) else {
        return;
    };
    let Some(member) = call.callee.as_member_expression() else {
        return;
    };
    let Some(Kind::Cache(lib @ (Lib::Redis | Lib::IoRedis))) = w.kind_of(member.object()) else {
        return;
    };
    let lower = method.to_ascii_lowercase();
    if lower.starts_with("expire") || lower.starts_with("pexpire") {
        w.frame().saw_expire = true;
        return;
    }
    crate::facts::cache_write(w, call, lib, method);
    let missing = match method {
        "set" => !set_has_ttl(&call.arguments),
        m => UNEXPIRING_WRITES.contains(&m),
    };
    if !missing {
        return;
    }
    let finding = Finding::new(
        &RULE,
        format!("`{method}` writes a {} key without a TTL", lib.name()),
    )
    .span(w.span(call.span))
    .evidence(w.snippet(call.span))
    .fix("Pass `'EX', seconds` (ioredis) / `{ EX: seconds }` (node-redis), or `expire` the key")
    .confidence(Confidence::High);
    w.frame().pending_ttl.push(finding);
}

/// In-memory caches created without a default TTL.
pub fn check_constructor(
    w: &Walker<'_>,
    kind: Kind,
    args: &[Argument<'_>],
    span: Span,
) -> Option<Finding> {
    let key = match kind {
        Kind::Cache(Lib::NodeCache) => "stdTTL",
        Kind::Cache(Lib::LruCache | Lib::CacheManager) => "ttl",
        _ => return None,
    };
    let mut options = args.iter().filter_map(|a| object(a.as_expression()));
    let has_ttl = options.any(|o| {
        has_spread(o)
            || o.properties.iter().any(|p| match p {
                oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p) => {
                    p.key.static_name().as_deref() == Some(key)
                        && number(&p.value).is_none_or(|n| n > 0.0)
                }
                oxc_ast::ast::ObjectPropertyKind::SpreadProperty(_) => true,
            })
    });
    if has_ttl
        || args.iter().any(|a| {
            matches!(
                a.as_expression().map(unwrap),
                Some(Expression::Identifier(_))
            )
        })
    {
        return None;
    }
    let Kind::Cache(lib) = kind else {
        return None;
    };
    Some(
        Finding::new(
            &RULE,
            format!(
                "{} cache created without a default TTL (`{key}`): entries never expire",
                lib.name()
            ),
        )
        .span(w.span(span))
        .evidence(w.snippet(span))
        .fix(format!(
            "Set `{key}` for the data class (e.g. 300 s for API results)"
        ))
        .confidence(Confidence::Medium),
    )
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use super::RULE;
    use crate::Plugin;

    #[test]
    fn rule() {
        Tester::new(Plugin).test_rule(
            &RULE,
            "src/cache.js",
            &[
                "const Redis = require('ioredis');\nconst redis = new Redis();\nasync function f(id, v) { await redis.set(`p:${id}`, v, 'EX', 300); }",
                "const Redis = require('ioredis');\nconst redis = new Redis();\nasync function f(id, v) { await redis.hset(`p:${id}`, v); await redis.expire(`p:${id}`, 60); }",
                "import { createClient } from 'redis';\nconst client = createClient();\nexport const f = (k, v) => client.set(k, v, { EX: 60 });",
                "const NodeCache = require('node-cache');\nconst cache = new NodeCache({ stdTTL: 600 });",
                "const m = new Map();\nm.set('a', 1);",
            ],
            &[
                "const Redis = require('ioredis');\nconst redis = new Redis();\nasync function f(id, v) { await redis.set(`p:${id}`, v); }",
                "const NodeCache = require('node-cache');\nconst cache = new NodeCache();",
                "import { LRUCache } from 'lru-cache';\nexport const cache = new LRUCache({ max: 500 });",
            ],
        );
    }
}
