//! The shared metric vocabulary: names, units and labels the policy judges.
//!
//! A metric reported under one of these names, in the stated unit, with the
//! stated labels, is judged by the default policy whatever plugin produced
//! it. Plugins may report other names; the policy marks them `no-data`
//! unless a policy entry names them.
//!
//! | name | unit | labels | meaning |
//! |------|------|--------|---------|
//! | `http.latency` | `ms` | `percentile` (`p50`, `p95`, `p99`, `p99.9`, ...), `endpoint`, `method` | response time |
//! | `http.throughput` | `req/s` | `endpoint`, `method` | completed requests per second |
//! | `http.error_rate` | `ratio` | `endpoint`, `definition` (`tool`, `status`) | failed / total |
//! | `http.requests` | `count` | `endpoint`, `method` | samples behind the above |
//! | `batch.throughput` | `items/min` | `job` | bulk processing rate |
//! | `db.query.latency` | `ms` | `percentile`, `statement` | query execution time |
//! | `db.slow_queries` | `count` | `threshold` | queries over the slow threshold |
//! | `db.slow_query_rate` | `per-min` | `threshold` | slow queries per minute |
//! | `db.repeated_queries` | `count` | `statement` | same statement repeated in one unit of work (N+1 signature) |
//! | `db.pool.usage` | `ratio` | `pool` | busy / max connections |
//! | `db.cpu` | `ratio` | `host` | database CPU use |
//! | `pool.min` / `pool.max` | `connections` | `resource` (`database`, `redis`, `external-api`), `client` | pool bounds |
//! | `pool.idle_timeout` | `s` | `resource`, `client` | idle connection timeout |
//! | `pool.max_idle` | `connections` | `resource`, `client` | idle connections kept open |
//! | `pool.acquire_timeout` | `s` | `resource`, `client` | wait for a free connection (0 = forever) |
//! | `cache.ttl` | `s` | `data_class` (`static`, `session`, `api`, `counter`, `page`), `cache` | time to live |
//! | `cache.hit_ratio` | `ratio` | `cache` | hits / (hits + misses) |
//! | `queue.backlog` | `count` | `queue` | waiting jobs |
//! | `rate_limit.limit` | `count` | `route_class` (`login`, `standard`, `heavy`, `webhook`), `route` | requests allowed per window |
//! | `rate_limit.window` | `s` | `route_class`, `route` | window length |
//! | `db.statement_timeout` | `s` | `client` | query timeout (0 = none) |
//! | `http.client_timeout` | `s` | `client` | outbound HTTP timeout (0 = none) |
//!
//! Every label value is free text except where listed. A percentile label
//! is the real rank measured (`p97.5` stays `p97.5`), never rounded to the
//! nearest policy percentile.

/// Response time, `ms`.
pub const HTTP_LATENCY: &str = "http.latency";
/// Completed requests per second, `req/s`.
pub const HTTP_THROUGHPUT: &str = "http.throughput";
/// Failed / total requests, `ratio`.
pub const HTTP_ERROR_RATE: &str = "http.error_rate";
/// Number of requests, `count`.
pub const HTTP_REQUESTS: &str = "http.requests";
/// Items processed per minute by a batch job, `items/min`.
pub const BATCH_THROUGHPUT: &str = "batch.throughput";
/// Query execution time, `ms`.
pub const DB_QUERY_LATENCY: &str = "db.query.latency";
/// Queries over the slow threshold, `count`.
pub const DB_SLOW_QUERIES: &str = "db.slow_queries";
/// Slow queries per minute, `per-min`.
pub const DB_SLOW_QUERY_RATE: &str = "db.slow_query_rate";
/// A statement repeated within one unit of work, `count`.
pub const DB_REPEATED_QUERIES: &str = "db.repeated_queries";
/// Busy / max pool connections, `ratio`.
pub const DB_POOL_USAGE: &str = "db.pool.usage";
/// Database CPU use, `ratio`.
pub const DB_CPU: &str = "db.cpu";
/// Minimum pool size, `connections`.
pub const POOL_MIN: &str = "pool.min";
/// Maximum pool size, `connections`.
pub const POOL_MAX: &str = "pool.max";
/// Idle connection timeout, `s`.
pub const POOL_IDLE_TIMEOUT: &str = "pool.idle_timeout";
/// Idle connections a pool keeps open, `connections`.
pub const POOL_MAX_IDLE: &str = "pool.max_idle";
/// How long a caller waits for a free connection, `s` (0 = forever).
pub const POOL_ACQUIRE_TIMEOUT: &str = "pool.acquire_timeout";
/// Cache time to live, `s`.
pub const CACHE_TTL: &str = "cache.ttl";
/// Cache hits / lookups, `ratio`.
pub const CACHE_HIT_RATIO: &str = "cache.hit_ratio";
/// Jobs waiting in a queue, `count`.
pub const QUEUE_BACKLOG: &str = "queue.backlog";
/// Requests allowed per rate-limit window, `count`.
pub const RATE_LIMIT_LIMIT: &str = "rate_limit.limit";
/// Rate-limit window, `s`.
pub const RATE_LIMIT_WINDOW: &str = "rate_limit.window";
/// Database statement timeout, `s` (0 = none).
pub const DB_STATEMENT_TIMEOUT: &str = "db.statement_timeout";
/// Outbound HTTP client timeout, `s` (0 = none).
pub const HTTP_CLIENT_TIMEOUT: &str = "http.client_timeout";

/// Normalised units.
pub mod unit {
    /// Milliseconds.
    pub const MS: &str = "ms";
    /// Seconds.
    pub const S: &str = "s";
    /// Requests per second.
    pub const REQ_PER_S: &str = "req/s";
    /// Items per minute.
    pub const ITEMS_PER_MIN: &str = "items/min";
    /// Events per minute.
    pub const PER_MIN: &str = "per-min";
    /// A fraction between 0 and 1.
    pub const RATIO: &str = "ratio";
    /// A count.
    pub const COUNT: &str = "count";
    /// Bytes.
    pub const BYTES: &str = "bytes";
    /// Connections.
    pub const CONNECTIONS: &str = "connections";
}

/// Label keys.
pub mod label {
    /// Percentile rank, e.g. `p95`, `p99.9`; also `mean`, `min`, `max`.
    pub const PERCENTILE: &str = "percentile";
    /// Endpoint label as the tool names it, e.g. `GET /users`.
    pub const ENDPOINT: &str = "endpoint";
    /// HTTP method.
    pub const METHOD: &str = "method";
    /// How an error rate was computed: `tool` or `status`.
    pub const DEFINITION: &str = "definition";
    /// Normalised SQL statement.
    pub const STATEMENT: &str = "statement";
    /// Slow-query threshold, e.g. `1s`.
    pub const THRESHOLD: &str = "threshold";
    /// Pooled resource: `database`, `redis`, `external-api`.
    pub const RESOURCE: &str = "resource";
    /// Client or pool name.
    pub const CLIENT: &str = "client";
    /// Cache data class: `static`, `session`, `api`, `counter`, `page`.
    pub const DATA_CLASS: &str = "data_class";
    /// Cache name.
    pub const CACHE: &str = "cache";
    /// Queue name.
    pub const QUEUE: &str = "queue";
    /// Rate-limit route class: `login`, `standard`, `heavy`, `webhook`.
    pub const ROUTE_CLASS: &str = "route_class";
    /// Route or zone the limit applies to.
    pub const ROUTE: &str = "route";
    /// Batch job name.
    pub const JOB: &str = "job";
    /// Tool that produced the data, e.g. `k6`.
    pub const SOURCE: &str = "source";
    /// How a value was derived when not measured directly, e.g.
    /// `bucket-interpolation` or `default`.
    pub const DERIVATION: &str = "derivation";
}

/// Canonical percentile label for a rank in percent: `95.0` -> `p95`,
/// `99.9` -> `p99.9`, `97.5` -> `p97.5`.
pub fn percentile_label(rank: f64) -> String {
    let rounded = (rank * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 {
        format!("p{}", rounded as u64)
    } else {
        format!("p{rounded}")
    }
}

#[cfg(test)]
mod tests {
    use super::percentile_label;

    #[test]
    fn percentile_labels_keep_their_real_rank() {
        assert_eq!(percentile_label(50.0), "p50");
        assert_eq!(percentile_label(99.9), "p99.9");
        assert_eq!(percentile_label(97.5), "p97.5");
        assert_eq!(percentile_label(99.99), "p99.99");
    }
}
