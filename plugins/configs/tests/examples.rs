//! The example project's configs (examples/config) give the findings and
//! metrics the README's walkthrough describes.

mod common;

use perfwarden_sdk::Output;
use perfwarden_sdk::testing::finding_lines;

fn run() -> Output {
    common::run_in(
        "../../examples/config",
        &[
            ("examples/config/redis.conf", "redis.conf"),
            ("examples/config/nginx.conf", "nginx.conf"),
            (
                "examples/config/conf.d/shop-api.conf",
                "conf.d/shop-api.conf",
            ),
            ("examples/config/database.yml", "database.yml"),
            ("examples/config/pgbouncer.ini", "pgbouncer.ini"),
            ("examples/config/.env", ".env"),
        ],
    )
}

fn value(out: &Output, name: &str, labels: &[(&str, &str)]) -> f64 {
    common::metric(out, name, labels).value
}

#[test]
fn example_findings() {
    let out = run();
    let mut found = finding_lines(&out);
    found.sort();
    assert_eq!(
        found,
        [
            ("CFG002", "examples/config/redis.conf", 10),
            ("CFG004", "examples/config/conf.d/shop-api.conf", 18),
            ("CFG006", "examples/config/conf.d/shop-api.conf", 26),
            ("CFG007", "examples/config/conf.d/shop-api.conf", 33),
            ("CFG008", "examples/config/nginx.conf", 23),
            // The production mapping starts on its first key, after `production:`.
            ("CFG009", "examples/config/database.yml", 19),
        ]
    );
}

#[test]
fn example_metrics() {
    let out = run();
    let login = [("route_class", "login"), ("route", "/api/auth/login")];
    assert_eq!(value(&out, "rate_limit.limit", &login), 10.0);
    assert_eq!(value(&out, "rate_limit.window", &login), 1.0);
    let heavy = [("route_class", "heavy"), ("route", "/api/reports/export")];
    assert_eq!(value(&out, "rate_limit.limit", &heavy), 100.0);
    assert_eq!(value(&out, "rate_limit.window", &heavy), 60.0);
    assert_eq!(
        value(
            &out,
            "cache.ttl",
            &[("data_class", "api"), ("cache", "products")]
        ),
        300.0
    );
    for cache in ["browser:expires", "browser:cache-control"] {
        let labels = [
            ("data_class", "static"),
            ("cache", cache),
            ("route", "/static/"),
        ];
        assert_eq!(value(&out, "cache.ttl", &labels), 86_400.0);
    }
    let login_burst = [("route", "/api/auth/login"), ("burst", "20")];
    assert_eq!(value(&out, "rate_limit.limit", &login_burst), 10.0);
    let export_timeout = [
        ("client", "nginx proxy_pass http://shop_api"),
        ("derivation", "default"),
    ];
    assert_eq!(value(&out, "http.client_timeout", &export_timeout), 60.0);

    let rails = [("resource", "database"), ("client", "rails:production")];
    assert_eq!(value(&out, "pool.max", &rails), 25.0);
    assert_eq!(value(&out, "pool.idle_timeout", &rails), 300.0);
    assert_eq!(
        value(
            &out,
            "db.statement_timeout",
            &[("client", "rails:production"), ("derivation", "default")]
        ),
        0.0
    );
    let bouncer = [("client", "pgbouncer")];
    assert_eq!(value(&out, "pool.max", &bouncer), 15.0);
    assert_eq!(value(&out, "pool.min", &bouncer), 5.0);
    assert_eq!(value(&out, "pool.idle_timeout", &bouncer), 30.0);
    assert_eq!(value(&out, "db.statement_timeout", &bouncer), 5.0);
    assert_eq!(
        value(&out, "pool.max", &[("client", "pgbouncer:shop_production")]),
        20.0
    );
    assert_eq!(
        value(&out, "pool.max", &[("client", "url:DATABASE_URL")]),
        30.0
    );
    // `include mime.types` is not part of the project: said once, not guessed.
    let includes: Vec<_> = out
        .notes
        .iter()
        .filter(|n| n.message.contains("includes of"))
        .collect();
    assert_eq!(includes.len(), 1, "{:#?}", out.notes);
    assert!(includes[0].message.ends_with("mime.types"));
}
