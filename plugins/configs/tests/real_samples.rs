//! Every real sample in tests/fixtures/real (copied from
//! shared/fixtures/real/configs, see SOURCES.txt) parses, with the values
//! the plugin extracts asserted.

mod common;

use std::path::PathBuf;

use common::metric;
use perfwarden_plugin_configs::parse::{nginx, redis, yaml};
use perfwarden_sdk::{Confidence, Output};

/// Run the plugin on `(path in the project, file under tests/fixtures/real)`.
fn run(files: &[(&str, &str)]) -> Output {
    common::run_in("tests/fixtures/real", files)
}

fn fixture(name: &str) -> PathBuf {
    common::fixture("real").join(name)
}

#[test]
fn redis_default_conf_parses_with_redis_defaults() {
    let text = std::fs::read_to_string(fixture("redis_redis__redis.conf.default")).unwrap();
    let conf = redis::parse(&text);
    assert!(conf.errors.is_empty(), "{:?}", conf.errors);
    assert_eq!(conf.lines.len(), 74);
    assert_eq!(conf.maxmemory.value, 0);
    assert_eq!(conf.maxmemory.line, None);
    assert_eq!(conf.maxmemory_policy.value, "noeviction");
    assert_eq!((conf.timeout.value, conf.timeout.line), (0, Some(160)));
    assert_eq!(
        (conf.tcp_keepalive.value, conf.tcp_keepalive.line),
        (300, Some(177))
    );
    let title = conf
        .lines
        .iter()
        .find(|l| l.name == "proc-title-template")
        .unwrap();
    assert_eq!(title.args, ["{title} {listen-addr} {server-mode}"]);
    let logfile = conf.lines.iter().find(|l| l.name == "logfile").unwrap();
    assert_eq!(logfile.args, [""]);

    let out = run(&[("redis.conf", "redis_redis__redis.conf.default")]);
    let ids: Vec<&str> = out.findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        ids,
        ["CFG001"],
        "unset maxmemory only; no cap means noeviction never applies"
    );
    assert_eq!(out.findings[0].confidence, Confidence::Medium);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
}

#[test]
fn mastodon_database_yml_reports_templates_and_defaults() {
    let out = run(&[(
        "config/database.yml",
        "mastodon_mastodon__config_database.yml",
    )]);
    // `pool: <%= ENV["DB_POOL"] || ENV['MAX_THREADS'] || 5 %>` is ERB: noted, never guessed.
    assert!(
        out.metrics.iter().all(|m| m.name != "pool.max"),
        "{:#?}",
        out.metrics
    );
    let erb = out
        .notes
        .iter()
        .find(|n| n.message.contains("`pool` is ERB-templated"))
        .unwrap();
    // The merged `<<: *default` value keeps the line it was written on.
    assert_eq!(erb.span.as_ref().unwrap().line, 3);
    // Only production is reported: development is skipped when a deployed env exists, test always.
    let idle = metric(&out, "pool.idle_timeout", &[("client", "rails:production")]);
    assert_eq!(idle.value, 300.0);
    assert_eq!(idle.label_value("derivation"), Some("default"));
    assert_eq!(idle.label_value("default_source"), Some("rails"));
    let timeout = metric(
        &out,
        "db.statement_timeout",
        &[("client", "rails:production")],
    );
    assert_eq!(timeout.value, 0.0);
    assert_eq!(timeout.label_value("default_source"), Some("postgresql"));
    assert!(
        out.metrics
            .iter()
            .all(|m| m.label_value("client") != Some("rails:development"))
    );
    let cfg009: Vec<_> = out.findings.iter().filter(|f| f.rule == "CFG009").collect();
    assert_eq!(cfg009.len(), 1);
    assert_eq!(cfg009[0].span.as_ref().unwrap().line, 29);
}

#[test]
fn spring_hikari_template_values() {
    let out = run(&[(
        "src/main/resources/application.yml",
        "wendell-dev_lazy-fast-code__resource.ftl.hikari.yml",
    )]);
    let labels = [("resource", "database"), ("client", "spring:hikari")];
    let max = metric(&out, "pool.max", &labels);
    assert_eq!((max.value, max.span.as_ref().unwrap().line), (15.0, 11));
    assert_eq!(max.label_value("derivation"), None);
    assert_eq!(metric(&out, "pool.min", &labels).value, 5.0);
    let idle = metric(&out, "pool.idle_timeout", &labels);
    assert_eq!((idle.value, idle.unit.as_str()), (30.0, "s"));
    assert_eq!(
        metric(&out, "db.statement_timeout", &[("client", "spring:hikari")]).value,
        0.0
    );
    assert!(out.notes.is_empty(), "{:?}", out.notes);
}

#[test]
fn trellis_nginx_templates_are_read_together() {
    let conf = std::fs::read_to_string(fixture(
        "roots_trellis__roles_nginx_templates_nginx.conf.j2",
    ))
    .unwrap();
    let tree = nginx::parse(&conf, true, 0).unwrap();
    let http = tree.iter().find(|d| d.name.text == "http").unwrap();
    let cache_path = http
        .children()
        .iter()
        .find(|d| d.name.text == "fastcgi_cache_path")
        .unwrap();
    assert_eq!(cache_path.arg(1), "levels=1:2");
    assert!(cache_path.args[0].templated);
    let lock = http
        .children()
        .iter()
        .find(|d| d.name.text == "fastcgi_cache_lock")
        .unwrap();
    assert_eq!(lock.arg(0), "on");
    let keepalive = http
        .children()
        .iter()
        .find(|d| d.name.text == "keepalive_timeout")
        .unwrap();
    assert_eq!(keepalive.arg(0), "20s");

    let site = "roles/wordpress-setup/templates/wordpress-site.conf.j2";
    let out = run(&[
        (
            "roles/nginx/templates/nginx.conf.j2",
            "roots_trellis__roles_nginx_templates_nginx.conf.j2",
        ),
        (
            site,
            "roots_trellis__roles_wordpress-setup_templates_wordpress-site.conf.j2",
        ),
    ]);
    // Cache valid, use_stale and lock are all set (valid and read timeout templated).
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(
        out.notes
            .iter()
            .any(|n| n.message.contains("`fastcgi_cache_valid` TTL is templated"))
    );
    assert!(
        out.notes
            .iter()
            .any(|n| n.message.contains("`fastcgi_read_timeout` is templated"))
    );
    // The `expires $expires` of the h5bp block is a variable: no TTL invented.
    assert!(
        out.metrics.iter().all(|m| m.name != "cache.ttl"),
        "{:#?}",
        out.metrics
    );

    // Alone, the site cannot see the http level: cache findings are Low.
    let alone = run(&[(
        site,
        "roots_trellis__roles_wordpress-setup_templates_wordpress-site.conf.j2",
    )]);
    let cfg004 = alone.findings.iter().find(|f| f.rule == "CFG004").unwrap();
    assert_eq!(cfg004.confidence, Confidence::Low);
    assert_eq!(cfg004.span.as_ref().unwrap().line, 268);
}

#[test]
fn trellis_nginx_defaults_yaml_parses() {
    let text =
        std::fs::read_to_string(fixture("roots_trellis__roles_nginx_defaults_main.yml")).unwrap();
    let docs = yaml::parse(&text).unwrap();
    let root = &docs[0];
    assert_eq!(
        root.get("nginx_worker_connections")
            .and_then(|n| n.scalar()),
        Some("8000")
    );
    assert_eq!(
        root.get("nginx_fastcgi_read_timeout")
            .and_then(|n| n.scalar()),
        Some("120s")
    );
    let stale = root.get("nginx_cache_use_stale").unwrap();
    assert_eq!(
        stale.scalar(),
        Some("error timeout invalid_header http_500")
    );
    assert_eq!(stale.line, 18);
}
