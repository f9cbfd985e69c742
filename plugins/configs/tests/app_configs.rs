//! Redis and HTTP client pools and cache layers in app configs
//! (tests/fixtures/spring, tests/fixtures/app): the metrics carry the
//! names and labels the policy judges (`pool.*` by `resource`, `cache.ttl`
//! by `data_class`) and the cache name the report's cache view shows.

use std::path::Path;

use perfwarden_plugin_configs::Plugin;
use perfwarden_sdk::testing::Tester;
use perfwarden_sdk::{Confidence, Metric, Output};

macro_rules! fixture {
    ($name:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $name)
    };
}

fn run(files: &[(&str, &str)]) -> Output {
    let paths: Vec<(&str, &Path)> = files.iter().map(|(n, p)| (*n, Path::new(*p))).collect();
    Tester::new(Plugin).run_files(&paths)
}

fn metric<'a>(out: &'a Output, name: &str, labels: &[(&str, &str)]) -> &'a Metric {
    out.metrics
        .iter()
        .find(|m| m.name == name && labels.iter().all(|(k, v)| m.label_value(k) == Some(*v)))
        .unwrap_or_else(|| panic!("no {name} {labels:?} in {:#?}", out.metrics))
}

#[test]
fn spring_redis_and_http_client_pools() {
    let out = run(&[(
        "src/main/resources/application.yml",
        fixture!("spring/application.yml"),
    )]);
    let redis = [("resource", "redis"), ("client", "spring:lettuce")];
    assert_eq!(metric(&out, "pool.max", &redis).value, 16.0);
    assert_eq!(metric(&out, "pool.min", &redis).value, 4.0);
    assert_eq!(metric(&out, "pool.max_idle", &redis).value, 8.0);
    assert_eq!(metric(&out, "pool.acquire_timeout", &redis).value, 0.2);
    // The evictor runs every 60 s and closes connections idle for commons-pool2's 30 min.
    let idle = metric(&out, "pool.idle_timeout", &redis);
    assert_eq!(idle.value, 1800.0);
    assert_eq!(idle.label_value("default_source"), Some("commons-pool2"));
    assert_eq!(idle.span.as_ref().map(|s| s.line), Some(24));

    let feign = [
        ("resource", "external-api"),
        ("client", "openfeign:httpclient"),
    ];
    assert_eq!(metric(&out, "pool.max", &feign).value, 10.0);
    assert_eq!(metric(&out, "pool.idle_timeout", &feign).value, 30.0);
    assert_eq!(metric(&out, "pool.acquire_timeout", &feign).value, 5.0);
    assert_eq!(metric(&out, "pool.max", &feign).unit, "connections");

    let hikari = [("resource", "database"), ("client", "spring:hikari")];
    assert_eq!(metric(&out, "pool.acquire_timeout", &hikari).value, 2.0);
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
}

#[test]
fn spring_cache_ttls_per_cache_and_profile() {
    let out = run(&[(
        "src/main/resources/application.yml",
        fixture!("spring/application.yml"),
    )]);
    let ttls: Vec<(&str, Option<&str>, f64)> = out
        .metrics
        .iter()
        .filter(|m| m.name == "cache.ttl")
        .map(|m| {
            (
                m.label_value("cache").unwrap(),
                m.label_value("data_class"),
                m.value,
            )
        })
        .collect();
    assert_eq!(
        ttls,
        [
            ("products", None, 300.0),
            ("product-pages", Some("page"), 300.0),
            ("api-results", Some("api"), 300.0),
            // The local profile's Caffeine spec bounds size only.
            ("products:local", None, 0.0),
            ("user-sessions:local", Some("session"), 0.0),
        ]
    );
    let ids: Vec<(&str, u32)> = out
        .findings
        .iter()
        .map(|f| (f.rule, f.span.as_ref().unwrap().line))
        .collect();
    // CFG009: HikariCP without a JPA query timeout.
    assert_eq!(ids, [("CFG010", 55), ("CFG009", 8)], "{:#?}", out.findings);
}

#[test]
fn node_config_caches_and_redis_pools() {
    let out = run(&[
        ("config/default.json", fixture!("app/config/default.json")),
        (
            "config/production.yml",
            fixture!("app/config/production.yml"),
        ),
        ("config/cable.yml", fixture!("app/config/cable.yml")),
    ]);
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
    let default_pool = [("resource", "redis"), ("client", "app:redis")];
    let maxes: Vec<(f64, &str)> = out
        .metrics
        .iter()
        .filter(|m| m.name == "pool.max" && m.label_value("resource") == Some("redis"))
        .map(|m| (m.value, m.span.as_ref().unwrap().path.as_str()))
        .collect();
    assert_eq!(
        maxes,
        [
            (30.0, "config/default.json"),
            (60.0, "config/production.yml")
        ]
    );
    assert_eq!(metric(&out, "pool.min", &default_pool).value, 2.0);
    assert_eq!(metric(&out, "pool.idle_timeout", &default_pool).value, 30.0);
    assert_eq!(
        metric(&out, "pool.acquire_timeout", &default_pool).value,
        5.0
    );

    let ttl = |cache: &str| metric(&out, "cache.ttl", &[("cache", cache)]);
    assert_eq!(ttl("product-list").value, 300.0);
    assert_eq!(
        ttl("product-list").label_value("strategy"),
        Some("cache-aside")
    );
    assert_eq!(ttl("sessions").value, 3600.0);
    assert_eq!(ttl("sessions").label_value("data_class"), Some("session"));
    assert_eq!(
        ttl("sessions").label_value("strategy"),
        Some("write-through")
    );
    assert_eq!(ttl("exchange-rates").value, 86_400.0);
    assert_eq!(
        ttl("exchange-rates").label_value("data_class"),
        Some("static")
    );
    assert_eq!(ttl("view-counters").value, 60.0);
    assert_eq!(
        ttl("view-counters").label_value("data_class"),
        Some("counter")
    );
    // No TTL of its own: the section's 300 s, from its line.
    assert_eq!(ttl("recommendations").value, 300.0);
    assert_eq!(
        ttl("recommendations").span.as_ref().map(|s| s.line),
        Some(9)
    );
    assert_eq!(ttl("activity-feed").value, 0.0);

    let found: Vec<(&str, &str, u32, Confidence)> = out
        .findings
        .iter()
        .map(|f| {
            let span = f.span.as_ref().unwrap();
            (f.rule, span.path.as_str(), span.line, f.confidence)
        })
        .collect();
    assert_eq!(
        found,
        [("CFG011", "config/production.yml", 11, Confidence::High)]
    );
}
