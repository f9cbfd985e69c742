//! `configs`: reads the configuration files where a team sets its cache,
//! pooling and rate-limit policies (redis.conf with its includes and the
//! `redis-server` launches in compose files, Dockerfiles, Procfiles and
//! scripts; nginx; Rails database.yml; Spring application.yml/.properties
//! with HikariCP, Redis and OpenFeign pools and Spring Cache; pgbouncer.ini;
//! `.env` / schema.prisma connection URLs; Sequelize/Knex JSON;
//! node-postgres/mysql2 pools; JSON/YAML app configs with `cache` sections
//! and Redis pools) and reports the effective values as metrics (library
//! defaults named when unset) plus facts as findings.
//!
//! Each file is parsed once by the parser of its grammar; all rules and
//! metrics of the file run over that parse. nginx files are analysed
//! together so `include`s are followed, and so are Redis configs and the
//! commands that load them.

pub mod caches;
pub mod parse;
pub mod pools;
pub mod rules;
pub mod sources;
pub mod template;
pub mod units;

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, Span, export_analyzer,
};

use rules::*;
use sources::launch;

/// Label naming where a default value comes from (with `derivation=default`).
pub const DEFAULT_SOURCE: &str = "default_source";

/// Plugin settings (`[plugin.configs]` in perfwarden.toml).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Login attempts the policy allows per window (seed policy: 5).
    pub login_limit: f64,
    /// Login policy window in seconds (seed policy: 15 min).
    pub login_window_s: f64,
}

impl Settings {
    fn from_config(config: &Config) -> Result<Self> {
        Ok(Self {
            login_limit: config.get("login_limit")?.unwrap_or(5.0),
            login_window_s: config.get("login_window_s")?.unwrap_or(900.0),
        })
    }
}

/// The configuration format of a file, from its name (and, for `.conf`
/// files, a look at its directives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// redis.conf.
    Redis,
    /// nginx configuration or fragment (Jinja templates included).
    Nginx,
    /// Rails config/database.yml.
    RailsDatabase,
    /// Spring Boot application.yml / .properties.
    Spring,
    /// pgbouncer.ini.
    PgBouncer,
    /// `.env` files.
    Dotenv,
    /// schema.prisma.
    Prisma,
    /// Sequelize / Knex JSON config.
    JsonDb,
    /// docker compose file.
    Compose,
    /// Dockerfile.
    Dockerfile,
    /// Procfile (Heroku, foreman, honcho).
    Procfile,
    /// Shell script.
    Shell,
    /// JavaScript / TypeScript module creating pools.
    JsCode,
    /// Application config in JSON / YAML (caches, Redis client pools).
    AppConfig,
}

/// Classify a file; `None` for files this plugin does not read.
pub fn format_of(path: &str, text: &str) -> Option<Format> {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let ext_of = |n: &str| n.rsplit_once('.').map_or("", |(_, e)| e).to_owned();
    let ext = ext_of(name);
    let is_conf = name.ends_with(".conf") || name.ends_with(".conf.j2");
    Some(if name.contains("redis") && is_conf {
        Format::Redis
    } else if name == "database.yml" || name == "database.yml.erb" {
        Format::RailsDatabase
    } else if (name.starts_with("application") || name.starts_with("bootstrap"))
        && matches!(ext.as_str(), "yml" | "yaml" | "properties")
    {
        Format::Spring
    } else if name == "pgbouncer.ini" || (ext == "ini" && text.contains("[pgbouncer]")) {
        Format::PgBouncer
    } else if name == ".env" || name.starts_with(".env.") {
        Format::Dotenv
    } else if ext == "prisma" {
        Format::Prisma
    } else if name == "knexfile.json"
        || lower.ends_with("config/config.json")
        || (name.contains("sequelize") && ext == "json")
    {
        Format::JsonDb
    } else if (name.starts_with("docker-compose") || name.starts_with("compose"))
        && matches!(ext.as_str(), "yml" | "yaml")
    {
        Format::Compose
    } else if name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
    {
        Format::Dockerfile
    } else if name == "procfile" || name.starts_with("procfile.") {
        Format::Procfile
    } else if matches!(ext.as_str(), "sh" | "bash") {
        Format::Shell
    } else if matches!(ext.as_str(), "js" | "ts" | "mjs" | "cjs") {
        Format::JsCode
    } else if matches!(ext.as_str(), "json" | "yml" | "yaml") && is_app_config(&lower, name) {
        Format::AppConfig
    } else if is_conf
        || lower.contains("nginx")
        || lower.contains("sites-enabled/")
        || lower.contains("sites-available/")
    {
        // Other tools use `.conf` too (supervisord, fail2ban...): the first
        // directive tells nginx and Redis apart from them.
        let nginx_dir = lower.contains("nginx") || lower.contains("sites-");
        let foreign_ext = !matches!(
            ext.as_str(),
            "" | "conf" | "j2" | "jinja" | "jinja2" | "types" | "nginx" | "default"
        );
        if foreign_ext && !is_conf {
            return None;
        }
        match sniff(text) {
            Some(format) => format,
            None if nginx_dir => Format::Nginx,
            None => return None,
        }
    } else {
        return None;
    })
}

/// Stems of app config files (node-config environments, `settings.json`...).
const APP_CONFIG_STEMS: &[&str] = &[
    "config",
    "settings",
    "default",
    "production",
    "staging",
    "development",
    "local",
    "cache",
    "caches",
    "redis",
];

/// An app config: a known stem, or any JSON / YAML directly in a `config/`
/// directory (node-config, Rails `config/*.yml`).
fn is_app_config(lower_path: &str, name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    let parent = lower_path.rsplit('/').nth(1).unwrap_or("");
    APP_CONFIG_STEMS.contains(&stem) || parent == "config"
}

/// Directives that start nginx files (main, fragment or params file).
const NGINX_FIRST: &[&str] = &[
    "user",
    "worker_processes",
    "worker_rlimit_nofile",
    "events",
    "http",
    "stream",
    "mail",
    "server",
    "upstream",
    "location",
    "include",
    "map",
    "geo",
    "limit_req_zone",
    "limit_conn_zone",
    "proxy_cache_path",
    "fastcgi_cache_path",
    "pid",
    "error_log",
    "access_log",
    "load_module",
    "log_format",
    "proxy_pass",
    "root",
    "listen",
    "server_name",
    "add_header",
    "gzip",
    "sendfile",
    "keepalive_timeout",
    "client_max_body_size",
    "set",
    "if",
    "return",
    "rewrite",
    "types",
    "charset",
    "fastcgi_param",
    "uwsgi_param",
    "scgi_param",
    "proxy_set_header",
    "ssl_certificate",
    "ssl_protocols",
    "expires",
    "try_files",
    "index",
    "default_type",
    "resolver",
    "allow",
    "deny",
];

/// Directives that start Redis configs and that nginx does not have.
const REDIS_FIRST: &[&str] = &[
    "bind",
    "port",
    "protected-mode",
    "daemonize",
    "maxmemory",
    "maxmemory-policy",
    "appendonly",
    "save",
    "requirepass",
    "databases",
    "timeout",
    "tcp-keepalive",
    "loglevel",
    "logfile",
    "dir",
    "dbfilename",
    "replicaof",
    "slaveof",
    "cluster-enabled",
    "unixsocket",
    "tcp-backlog",
    "supervised",
    "pidfile",
    "rename-command",
];

/// nginx or Redis from the first directive, skipping comments and Jinja tags.
fn sniff(text: &str) -> Option<Format> {
    let line = text.lines().map(str::trim).find(|l| {
        !(l.is_empty()
            || l.starts_with('#')
            || l.starts_with("{%")
            || l.starts_with("{#")
            || l.starts_with("{{"))
    })?;
    let word = line
        .split(|c: char| c.is_whitespace() || c == ';' || c == '{')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if REDIS_FIRST.contains(&word.as_str()) {
        Some(Format::Redis)
    } else if NGINX_FIRST.contains(&word.as_str()) {
        Some(Format::Nginx)
    } else {
        None
    }
}

/// The `configs` analyzer.
#[derive(Default)]
pub struct Plugin;

impl Analyzer for Plugin {
    fn info(&self) -> PluginInfo {
        PluginInfo::new(
            "configs",
            env!("CARGO_PKG_VERSION"),
            "Cache, connection-pool, timeout and rate-limit settings in Redis, nginx, database and app configs",
        )
        .patterns([
            "**/*.conf",
            "**/*.conf.j2",
            "**/nginx/**",
            "**/sites-enabled/*",
            "**/sites-available/*",
            "**/database.yml",
            "**/application*.yml",
            "**/application*.yaml",
            "**/application*.properties",
            "**/bootstrap*.yml",
            "**/pgbouncer.ini",
            "**/.env",
            "**/.env.*",
            "**/*.prisma",
            "**/knexfile.json",
            "**/config/config.json",
            "**/docker-compose*.yml",
            "**/docker-compose*.yaml",
            "**/compose.yml",
            "**/compose.yaml",
            "**/Dockerfile",
            "**/Dockerfile.*",
            "**/*.Dockerfile",
            "**/*.dockerfile",
            "**/Containerfile",
            "**/Procfile",
            "**/Procfile.*",
            "**/*.sh",
            "**/*.bash",
            "**/config/*.json",
            "**/config/*.yml",
            "**/config/*.yaml",
            "**/config.json",
            "**/config.yml",
            "**/config.yaml",
            "**/settings.json",
            "**/settings.yml",
            "**/settings.yaml",
            "**/cache.json",
            "**/cache.yml",
            "**/cache.yaml",
            "**/caches.json",
            "**/caches.yml",
            "**/caches.yaml",
            "**/redis.json",
            "**/redis.yml",
            "**/redis.yaml",
            "**/db.js",
            "**/db.ts",
            "**/database.js",
            "**/database.ts",
            "**/pool.js",
            "**/pool.ts",
            "**/prismaClient.js",
            "**/prismaClient.ts",
        ])
        .rules(rules::ALL)
    }

    fn analyze(&self, cx: &Context, artifacts: &[Artifact], config: &Config) -> Result<Output> {
        let settings = Settings::from_config(config)?;
        let mut out = Output::default();
        let mut texts: Vec<(&str, String, Option<Format>)> = Vec::with_capacity(artifacts.len());
        for artifact in artifacts {
            let text = match cx.read_to_string(&artifact.path) {
                Ok(text) => text,
                Err(err) => {
                    out.note(
                        format!("cannot read {}: {err}", artifact.path),
                        Some(Span::file(&artifact.path)),
                    );
                    continue;
                }
            };
            let format = format_of(&artifact.path, &text);
            texts.push((artifact.path.as_str(), text, format));
        }
        let nginx_inputs: Vec<(&str, &str)> = texts
            .iter()
            .filter(|(_, _, f)| *f == Some(Format::Nginx))
            .map(|(p, t, _)| (*p, t.as_str()))
            .collect();
        if !nginx_inputs.is_empty() {
            analyze_nginx(&nginx_inputs, &settings, &mut out);
        }
        analyze_redis(&texts, &mut out);
        for (path, text, format) in &texts {
            if let Some(format) = format {
                analyze_file(path, text, *format, &mut out);
            }
        }
        Ok(out)
    }
}

fn analyze_nginx(inputs: &[(&str, &str)], settings: &Settings, out: &mut Output) {
    let model = sources::nginx::Model::build(inputs, out);
    sources::nginx::metrics(&model, out);
    nginx_cache_without_valid::check(&model, out);
    nginx_cache_without_stale_protection::check(&model, out);
    login_without_rate_limit::check(&model, out);
    login_rate_limit_looser_than_policy::check(&model, settings, out);
    upstream_timeout_default::check(&model, out);
    upstream_without_keepalive::check(&model, out);
}

/// Redis servers are assembled across files: a launch loads a config
/// file, which includes others.
fn analyze_redis(texts: &[(&str, String, Option<Format>)], out: &mut Output) {
    let mut confs = Vec::new();
    let mut launches = Vec::new();
    for (path, text, format) in texts {
        // Most scripts and images have nothing to do with Redis: skip their parse.
        match format {
            Some(Format::Redis) => confs.push(*path),
            Some(Format::Compose) => launches.extend(launch::compose(path, text, out)),
            Some(Format::Dockerfile) if text.contains("redis") => {
                launches.extend(launch::dockerfile(path, text));
            }
            Some(Format::Procfile) if text.contains("redis-server") => {
                launches.extend(launch::procfile(path, text, out));
            }
            Some(Format::Shell) if text.contains("redis-server") => {
                launches.extend(launch::script(path, text, out));
            }
            _ => {}
        }
    }
    if confs.is_empty() && launches.is_empty() {
        return;
    }
    let files: Vec<(&str, &str)> = texts.iter().map(|(p, t, _)| (*p, t.as_str())).collect();
    for server in sources::redis::servers(&files, &confs, &launches, out) {
        redis_maxmemory_unset::check(&server, out);
        redis_noeviction_cache::check(&server, out);
    }
}

fn analyze_file(path: &str, text: &str, format: Format, out: &mut Output) {
    let pools = match format {
        Format::Nginx
        | Format::Redis
        | Format::Compose
        | Format::Dockerfile
        | Format::Procfile
        | Format::Shell => return,
        Format::RailsDatabase => sources::rails::pools(path, text, out),
        Format::Spring => {
            let mut pools = Vec::new();
            for props in sources::spring::read(path, text, out) {
                let found = sources::spring::caches(path, &props, out);
                spring_cache_without_ttl::check(&found, path, out);
                caches::emit(&found, path, out);
                pools.extend(sources::spring::pools(path, &props, out));
            }
            pools
        }
        Format::PgBouncer => sources::pgbouncer::pools(path, text, out),
        Format::Dotenv => sources::env::dotenv_pools(path, text, out),
        Format::Prisma => sources::env::prisma_pools(path, text, out),
        Format::JsonDb => sources::jsconfig::json_pools(path, text, out),
        Format::JsCode => sources::jsconfig::code_pools(path, text, out),
        Format::AppConfig => {
            let found = sources::appconfig::read(path, text, out);
            app_cache_without_ttl::check(&found.caches, path, out);
            caches::emit(&found.caches, path, out);
            found.pools
        }
    };
    pools::emit(&pools, path, out);
    database_without_statement_timeout::check(&pools, path, out);
}

export_analyzer!(Plugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names_and_first_directives() {
        let cases = [
            ("deploy/redis-cache.conf", "", Some(Format::Redis)),
            (
                "conf/cache.conf",
                "# c\nmaxmemory 1gb\n",
                Some(Format::Redis),
            ),
            (
                "conf.d/api.conf",
                "# c\n{% block x %}\nserver {\n",
                Some(Format::Nginx),
            ),
            ("etc/supervisord.conf", "[program:web]\ncommand=x\n", None),
            ("deploy/nginx/mime.types", "types {\n", Some(Format::Nginx)),
            (
                "deploy/nginx/proxy_params",
                "proxy_set_header Host $host;\n",
                Some(Format::Nginx),
            ),
            (
                "deploy/nginx/Dockerfile",
                "FROM nginx\n",
                Some(Format::Dockerfile),
            ),
            ("docker/redis.Dockerfile", "", Some(Format::Dockerfile)),
            ("Procfile.dev", "", Some(Format::Procfile)),
            ("bin/start-redis.sh", "", Some(Format::Shell)),
            ("deploy/nginx/README.md", "server {", None),
            ("config/database.yml", "", Some(Format::RailsDatabase)),
            (
                "src/main/resources/application-prod.properties",
                "",
                Some(Format::Spring),
            ),
            ("ops/pgbouncer.ini", "", Some(Format::PgBouncer)),
            ("ops/bouncer.ini", "[pgbouncer]\n", Some(Format::PgBouncer)),
            ("ops/other.ini", "[x]\n", None),
            (".env.production", "", Some(Format::Dotenv)),
            ("prisma/schema.prisma", "", Some(Format::Prisma)),
            ("server/config/config.json", "", Some(Format::JsonDb)),
            ("docker-compose.prod.yml", "", Some(Format::Compose)),
            ("src/db.ts", "", Some(Format::JsCode)),
            ("package.json", "", None),
            ("config/default.json", "", Some(Format::AppConfig)),
            ("config/cable.yml", "", Some(Format::AppConfig)),
            ("deploy/settings.yaml", "", Some(Format::AppConfig)),
            (".github/workflows/ci.yml", "", None),
        ];
        for (path, text, expected) in cases {
            assert_eq!(format_of(path, text), expected, "{path}");
        }
    }
}
