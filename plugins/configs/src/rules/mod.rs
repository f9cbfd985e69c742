//! One rule per file: docs, logic and pass/fail tests.

pub mod app_cache_without_ttl;
pub mod database_without_statement_timeout;
pub mod login_rate_limit_looser_than_policy;
pub mod login_without_rate_limit;
pub mod nginx_cache_without_stale_protection;
pub mod nginx_cache_without_valid;
pub mod redis_maxmemory_unset;
pub mod redis_noeviction_cache;
pub mod spring_cache_without_ttl;
pub mod upstream_timeout_default;
pub mod upstream_without_keepalive;

use perfwarden_sdk::Rule;

/// Every rule of the plugin, in id order.
pub static ALL: [&Rule; 11] = [
    &redis_maxmemory_unset::REDIS_MAXMEMORY_UNSET,
    &redis_noeviction_cache::REDIS_NOEVICTION_CACHE,
    &nginx_cache_without_valid::NGINX_CACHE_WITHOUT_VALID,
    &nginx_cache_without_stale_protection::NGINX_CACHE_WITHOUT_STALE_PROTECTION,
    &login_without_rate_limit::LOGIN_WITHOUT_RATE_LIMIT,
    &login_rate_limit_looser_than_policy::LOGIN_RATE_LIMIT_LOOSER_THAN_POLICY,
    &upstream_timeout_default::UPSTREAM_TIMEOUT_DEFAULT,
    &upstream_without_keepalive::UPSTREAM_WITHOUT_KEEPALIVE,
    &database_without_statement_timeout::DATABASE_WITHOUT_STATEMENT_TIMEOUT,
    &spring_cache_without_ttl::SPRING_CACHE_WITHOUT_TTL,
    &app_cache_without_ttl::APP_CACHE_WITHOUT_TTL,
];
