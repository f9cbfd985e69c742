//! Config files per second through the whole analyzer (classification,
//! parsing, rules, metrics) natively, against a baseline over the same
//! files in the same run: reading each file's bytes and splitting lines,
//! the least any config reader must do.
//!
//! `cargo bench -p perfwarden-plugin-configs --bench configs`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perfwarden_plugin_configs::Plugin;
use perfwarden_sdk::testing::Tester;

macro_rules! corpus {
    ($(($name:literal, $file:literal)),* $(,)?) => {
        [$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $file)))),*]
    };
}

/// The example project's configs, the real samples and the crate's
/// fixtures: every format (Redis launches and includes, Kubernetes
/// manifests, supervisord, Spring pools and caches, app configs and
/// node-config directories included).
const FILES: [(&str, &str); 40] = corpus![
    (
        "examples/config/redis.conf",
        "../../examples/config/redis.conf"
    ),
    (
        "examples/config/nginx.conf",
        "../../examples/config/nginx.conf"
    ),
    (
        "examples/config/conf.d/shop-api.conf",
        "../../examples/config/conf.d/shop-api.conf"
    ),
    (
        "examples/config/database.yml",
        "../../examples/config/database.yml"
    ),
    (
        "examples/config/pgbouncer.ini",
        "../../examples/config/pgbouncer.ini"
    ),
    ("examples/config/.env", "../../examples/config/.env"),
    (
        "redis/redis.conf",
        "tests/fixtures/real/redis_redis__redis.conf.default"
    ),
    (
        "config/database.yml",
        "tests/fixtures/real/mastodon_mastodon__config_database.yml"
    ),
    (
        "src/main/resources/application.yml",
        "tests/fixtures/real/wendell-dev_lazy-fast-code__resource.ftl.hikari.yml"
    ),
    (
        "roles/nginx/templates/nginx.conf.j2",
        "tests/fixtures/real/roots_trellis__roles_nginx_templates_nginx.conf.j2"
    ),
    (
        "roles/site/templates/wordpress-site.conf.j2",
        "tests/fixtures/real/roots_trellis__roles_wordpress-setup_templates_wordpress-site.conf.j2"
    ),
    ("redis/cache.conf", "tests/fixtures/redis/cache.conf"),
    ("redis/queue.conf", "tests/fixtures/redis/queue.conf"),
    ("nginx/nginx.conf", "tests/fixtures/nginx/valid/nginx.conf"),
    (
        "nginx/conf.d/app.conf",
        "tests/fixtures/nginx/valid/conf.d/app.conf"
    ),
    (
        "deploy/redis-defaults.conf",
        "tests/fixtures/redis/defaults.conf"
    ),
    (
        "redis/env/redis.conf",
        "tests/fixtures/redis/include/redis.conf"
    ),
    (
        "redis/env/local.conf",
        "tests/fixtures/redis/include/local.conf"
    ),
    (
        "ops/start-redis.sh",
        "tests/fixtures/redis/launch/start-redis.sh"
    ),
    ("ops/Dockerfile", "tests/fixtures/redis/launch/Dockerfile"),
    ("ops/redis.conf", "tests/fixtures/redis/launch/redis.conf"),
    (
        "ops/conf.d/memory.conf",
        "tests/fixtures/redis/launch/conf.d/memory.conf"
    ),
    (
        "ops/docker-compose.yml",
        "tests/fixtures/redis/launch/docker-compose.yml"
    ),
    ("Procfile", "tests/fixtures/redis/launch/Procfile"),
    (
        "docker-compose.yml",
        "tests/fixtures/redis/docker-compose.yml"
    ),
    (
        "catalog/src/main/resources/application.yml",
        "tests/fixtures/spring/application.yml"
    ),
    (
        "config/default.json",
        "tests/fixtures/app/config/default.json"
    ),
    (
        "config/production.yml",
        "tests/fixtures/app/config/production.yml"
    ),
    ("config/cable.yml", "tests/fixtures/app/config/cable.yml"),
    (
        "gateway/src/main/resources/application.yml",
        "tests/fixtures/spring/gateway.yml"
    ),
    (
        "k8s/redis-cache.yaml",
        "tests/fixtures/k8s/redis-cache.yaml"
    ),
    ("k8s/workers.yaml", "tests/fixtures/k8s/workers.yaml"),
    (
        "chart/templates/redis.yaml",
        "tests/fixtures/k8s/chart/templates/redis.yaml"
    ),
    (
        "docker/supervisord.conf",
        "tests/fixtures/supervisord/supervisord.conf"
    ),
    (
        "docker/conf.d/redis.conf",
        "tests/fixtures/supervisord/conf.d/redis.conf"
    ),
    (
        "docker/redis/cache.conf",
        "tests/fixtures/supervisord/redis/cache.conf"
    ),
    (
        "api/config/default.yml",
        "tests/fixtures/node-config/config/default.yml"
    ),
    (
        "api/config/production.json",
        "tests/fixtures/node-config/config/production.json"
    ),
    (
        "api/config/custom-environment-variables.json",
        "tests/fixtures/node-config/config/custom-environment-variables.json"
    ),
    (
        "api/config/test.json",
        "tests/fixtures/node-config/config/test.json"
    ),
];

fn bench(c: &mut Criterion) {
    let tester = Tester::new(Plugin);
    let mut group = c.benchmark_group("configs");
    group.throughput(Throughput::Elements(FILES.len() as u64));
    group.bench_function("baseline_bytes_and_lines", |b| {
        b.iter(|| {
            let mut lines = 0usize;
            for (path, text) in black_box(&FILES) {
                let bytes = text.as_bytes().to_vec();
                lines += path.len() + bytes.split(|&b| b == b'\n').count();
            }
            lines
        })
    });
    group.bench_function("analyze", |b| {
        b.iter(|| {
            let out = tester.run(black_box(&FILES));
            out.metrics.len() + out.findings.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
