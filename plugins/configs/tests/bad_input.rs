//! Bad input never panics: broken syntax, unknown keys, templates and
//! binary garbage become notes with a location, and the other files of
//! the same run are still analyzed.

use perfwarden_plugin_configs::Plugin;
use perfwarden_sdk::testing::Tester;

const PATHS: [&str; 19] = [
    "redis/redis.conf",
    "nginx/nginx.conf",
    "nginx/sites-enabled/app.conf.j2",
    "config/database.yml",
    "src/main/resources/application.yml",
    "src/main/resources/application.properties",
    "pgbouncer.ini",
    ".env",
    "prisma/schema.prisma",
    "config/config.json",
    "docker-compose.yml",
    "docker/redis/Dockerfile",
    "Procfile",
    "bin/start-redis.sh",
    "config/default.json",
    "config/production.yml",
    "k8s/redis.yaml",
    "charts/redis/templates/statefulset.yaml",
    "supervisor/conf.d/redis.conf",
];

const GARBAGE: [&str; 18] = [
    "",
    "\u{0}\u{1}\u{fffd}{{{{ %> <% '\"",
    "a: [1, 2\nb: {",
    "server { location / { proxy_pass http://a; }",
    "}}}}\n;;;\n{",
    "maxmemory \"open\nmaxmemory-policy 'x\n",
    "[pgbouncer\nkey\n=value\n",
    "{\"production\": {\"dialect\": \"postgres\", \"pool\": {\"max\": \"ten\"}}",
    "new Pool({ max: ",
    "datasource db { url = \"postgresql://db?connection_limit=%zz",
    "FROM redis\nCMD [\"--maxmemory\"\nCMD redis-server 'open\nENTRYPOINT \\\n",
    "cache: redis-server $(\nweb:\n: x\nredis-server --include ../../../../x --maxmemory\n",
    "cache:\n  caches: [ {name: x, ttl: }\nredis: {pool: [",
    "{\"cache\": {\"caches\": [{\"ttl\": \"1e999\"}, 7, null]}, \"redis\": {\"pool\": 1e999}}",
    "apiVersion: v1\nkind: Pod\nspec: {containers: [{image: redis, args: [$(, $$, 7], volumeMounts: [{name: c, mountPath: 1}]}], volumes: [{name: c, configMap: {items: x}}]}\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  redis.conf: |\n{{ {{ }}\n    include /x/*\n---\napiVersion: v1\nkind: List\nitems: [{kind: List, items: 3}]\n",
    "{{- if x }}\napiVersion: v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: {{ .x }}:{{ .y }}\n          command: {{ x\n",
    "[program:x]\ncommand=redis-server 'open\n  \tcontinued %(ENV_\n[program:y]\ncommand = sh -c \"redis-server $(\"\n[bad\n",
];

#[test]
fn garbage_in_every_format_is_noted_not_fatal() {
    let tester = Tester::new(Plugin);
    for path in PATHS {
        for garbage in GARBAGE {
            // Each file alone, and with a valid redis.conf next to it.
            tester.run(&[(path, garbage)]);
            let out = tester.run(&[(path, garbage), ("cache/redis.conf", "port 6379\n")]);
            assert!(
                out.findings.iter().any(|f| f.rule == "CFG001"
                    && f.span
                        .as_ref()
                        .is_some_and(|s| s.path == "cache/redis.conf")),
                "{path} with {garbage:?} stopped the analysis of other files"
            );
        }
    }
}

#[test]
fn broken_files_are_located_notes() {
    let tester = Tester::new(Plugin);
    let cases = [
        ("config/database.yml", "production:\n  pool: 5\n  bad: [\n"),
        (
            "src/main/resources/application.yml",
            "spring:\n  datasource:\n    hikari: {maximum-pool-size: 5\n",
        ),
        (
            "nginx/nginx.conf",
            "http {\n  server {\n    listen 80\n  }\n}\n",
        ),
        (
            "config/config.json",
            "{\n  \"production\": {\n    \"dialect\": \"postgres\",\n  }\n}\n",
        ),
        ("pgbouncer.ini", "[pgbouncer]\ndefault_pool_size\n"),
        (
            "Procfile",
            "web: bin/web\ncache: redis-server --dir 'open\n",
        ),
        ("bin/redis.sh", "redis-server --maxmemory \"${MAX\n"),
        (
            "config/default.json",
            "{\n  \"cache\": {\n    \"ttl\": 30,\n  }\n}\n",
        ),
        ("config/default.yml", "cache:\n  ttl: 5m\n  bad: [\n"),
        (
            "k8s/redis.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: redis}\nspec: {template: [\n",
        ),
        (
            "supervisor/conf.d/redis.conf",
            "[program:cache]\ncommand=redis-server --dir 'open\n",
        ),
        (".env", "DATABASE_URL=\"postgresql://x\nOK=1\n"),
    ];
    for (path, text) in cases {
        let out = tester.run(&[(path, text)]);
        assert!(
            out.notes.iter().any(|n| n
                .span
                .as_ref()
                .is_some_and(|s| s.path == path && s.line >= 1)),
            "{path}: no located note in {:?}",
            out.notes
        );
    }
}

#[test]
fn unknown_keys_and_templates_are_notes() {
    let tester = Tester::new(Plugin);
    let out = tester.run(&[(
        "application.properties",
        "spring.datasource.url=${DB_URL}\nspring.datasource.hikari.maximum-pool-size=${POOL:10}\nspring.datasource.hikari.max-size=5\n",
    )]);
    let messages: Vec<&str> = out.notes.iter().map(|n| n.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`maximum-pool-size` is placeholder-templated")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`spring.datasource.hikari.max-size` is not a HikariCP property")),
        "{messages:?}"
    );
    assert!(
        out.metrics.iter().all(|m| m.name != "pool.max"),
        "a templated pool size is not guessed"
    );

    let out = tester.run(&[("pgbouncer.ini", "[pgbouncer]\ndefault_pool_sise = 10\n")]);
    assert!(out.notes.iter().any(|n| {
        n.message
            .contains("`default_pool_sise` is not a PgBouncer setting")
    }));
}
