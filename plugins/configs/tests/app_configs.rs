//! Redis and HTTP client pools and cache layers in app configs
//! (tests/fixtures/spring, tests/fixtures/app): the metrics carry the
//! names and labels the policy judges (`pool.*` by `resource`, `cache.ttl`
//! by `data_class`) and the cache name the report's cache view shows.

mod common;

use common::{metric, run};
use perfwarden_sdk::Confidence;
use perfwarden_sdk::testing::{finding_lines, finding_lines_with_confidence, note_lines};

#[test]
fn spring_redis_and_http_client_pools() {
    let out = run(&[(
        "src/main/resources/application.yml",
        "spring/application.yml",
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
        "spring/application.yml",
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
        ("config/default.json", "app/config/default.json"),
        ("config/production.yml", "app/config/production.yml"),
        ("config/cable.yml", "app/config/cable.yml"),
    ]);
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
    // One effective production pool: each setting from the file that decides it.
    let pool = [("resource", "redis"), ("client", "app:redis")];
    let located = |name: &str| {
        let m = metric(&out, name, &pool);
        let span = m.span.as_ref().unwrap();
        (m.value, span.path.as_str(), span.line)
    };
    assert_eq!(located("pool.max"), (60.0, "config/production.yml", 5));
    assert_eq!(located("pool.min"), (2.0, "config/default.json", 6));
    assert_eq!(
        located("pool.idle_timeout"),
        (30.0, "config/default.json", 6)
    );
    assert_eq!(
        located("pool.acquire_timeout"),
        (1.0, "config/production.yml", 6)
    );
    assert_eq!(
        out.metrics
            .iter()
            .filter(|m| m.name == "pool.max" && m.label_value("resource") == Some("redis"))
            .count(),
        1
    );
    assert_eq!(
        metric(&out, "pool.max", &pool).label_value("merged"),
        Some("config/default.json < config/production.yml")
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

    assert_eq!(
        finding_lines_with_confidence(&out),
        [("CFG011", "config/production.yml", 11, Confidence::High)]
    );
}

#[test]
fn node_config_production_is_merged_before_it_is_judged() {
    let out = run(&[
        (
            "services/api/config/default.yml",
            "node-config/config/default.yml",
        ),
        (
            "services/api/config/production.json",
            "node-config/config/production.json",
        ),
        (
            "services/api/config/custom-environment-variables.json",
            "node-config/config/custom-environment-variables.json",
        ),
        (
            "services/api/config/test.json",
            "node-config/config/test.json",
        ),
    ]);
    let ttls: Vec<(&str, f64, &str, u32)> = out
        .metrics
        .iter()
        .filter(|m| m.name == "cache.ttl")
        .map(|m| {
            let span = m.span.as_ref().unwrap();
            (
                m.label_value("cache").unwrap(),
                m.value,
                span.path.as_str(),
                span.line,
            )
        })
        .collect();
    assert_eq!(
        ttls,
        [
            // production.json bounds the list's size; its TTL is default.yml's.
            ("product-list", 300.0, "services/api/config/default.yml", 7),
            (
                "exchange-rates",
                86_400.0,
                "services/api/config/default.yml",
                13
            ),
            (
                "activity-feed",
                0.0,
                "services/api/config/production.json",
                6
            ),
        ]
    );
    assert_eq!(
        out.metrics[0].label_value("merged"),
        Some(
            "services/api/config/default.yml < services/api/config/production.json < services/api/config/custom-environment-variables.json"
        )
    );
    // test.json's `product-list` without a TTL does not run in production.
    assert_eq!(
        finding_lines(&out),
        [("CFG011", "services/api/config/production.json", 6)]
    );
    // The sessions TTL comes from SESSION_TTL when it is set.
    assert_eq!(
        note_lines(&out),
        [(
            "services/api/config/custom-environment-variables.json: `ttl` is placeholder-templated (`${SESSION_TTL}`): its value is set at deploy time and is not guessed",
            5
        )]
    );
    let pool = [("resource", "redis"), ("client", "app:redis")];
    let max = metric(&out, "pool.max", &pool);
    assert_eq!(max.value, 40.0);
    assert_eq!(
        max.span.as_ref().map(|s| s.path.as_str()),
        Some("services/api/config/production.json")
    );
    assert_eq!(metric(&out, "pool.min", &pool).value, 2.0);
}

#[test]
fn spring_cloud_gateway_pool_and_timeouts() {
    let out = run(&[(
        "gateway/src/main/resources/application.yml",
        "spring/gateway.yml",
    )]);
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
    let gateway = [
        ("resource", "external-api"),
        ("client", "spring-cloud-gateway"),
    ];
    let located = |name: &str, labels: &[(&str, &str)]| {
        let m = metric(&out, name, labels);
        (m.value, m.span.as_ref().unwrap().line)
    };
    assert_eq!(located("pool.max", &gateway), (200.0, 13));
    assert_eq!(located("pool.acquire_timeout", &gateway), (2.0, 14));
    assert_eq!(located("pool.idle_timeout", &gateway), (15.0, 15));
    assert_eq!(
        located("http.client_timeout", &[("client", "spring-cloud-gateway")]),
        (5.0, 10)
    );
    assert_eq!(
        located(
            "http.client_timeout",
            &[("client", "spring-cloud-gateway:connect")]
        ),
        (1.0, 9)
    );
    // The local profile's elastic pool: no bound.
    let local = metric(
        &out,
        "pool.max",
        &[("client", "spring-cloud-gateway:local")],
    );
    assert_eq!(local.value, f64::from(i32::MAX));
    assert_eq!(local.label_value("derivation"), Some("default"));
    assert_eq!(
        located(
            "http.client_timeout",
            &[("client", "spring-cloud-gateway:local")]
        ),
        (0.0, 34)
    );
}
