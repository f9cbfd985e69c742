//! `configs`: reads the configuration files where a team sets its cache,
//! pooling and rate-limit policies (redis.conf with its includes and the
//! `redis-server` launches in compose files, Dockerfiles, Procfiles,
//! scripts, supervisord programs and Kubernetes manifests with their
//! ConfigMaps, Helm templates included; nginx; Rails database.yml; Spring
//! application.yml/.properties with HikariCP, Redis, OpenFeign and Spring
//! Cloud Gateway pools and Spring Cache; pgbouncer.ini; `.env` /
//! schema.prisma connection URLs; Sequelize/Knex JSON; JSON/YAML app
//! configs with `cache` sections and Redis pools, node-config directories
//! merged into their production config) and reports the effective values
//! as metrics (library defaults named when unset) plus facts as findings.
//! Pools and HTTP agents created in JS/TS code are the nodejs plugin's.
//!
//! Each file is parsed once by the parser of its grammar; all rules and
//! metrics of the file run over that parse. nginx files are analysed
//! together so `include`s are followed, and so are Redis configs and the
//! commands that load them, and the node-config files of one directory.

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

/// Label listing the files merged into an effective config (node-config),
/// lowest precedence first: `config/default.json < config/production.yml`.
pub const MERGED: &str = "merged";

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
    /// supervisord config (`[program:x]` sections).
    Supervisord,
    /// Kubernetes manifest (Helm template included).
    Kubernetes,
    /// Shell script.
    Shell,
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
    let yaml = matches!(ext.as_str(), "yml" | "yaml");
    // supervisord's `conf.d/redis.conf` programs are no redis.conf.
    Some(if (is_conf || ext == "ini") && is_supervisord(text) {
        Format::Supervisord
    } else if name.contains("redis") && is_conf {
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
    } else if (name.starts_with("docker-compose") || name.starts_with("compose")) && yaml {
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
    } else if yaml && is_manifest(text) {
        Format::Kubernetes
    } else if (ext == "json" || yaml) && is_app_config(&lower, name) {
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

/// A supervisord config: a `[program:x]` (or `[supervisord]`) section.
fn is_supervisord(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("[program:") || l.starts_with("[supervisord]")
    })
}

/// A Kubernetes manifest: `apiVersion:` and `kind:` starting lines (Helm
/// templates included).
fn is_manifest(text: &str) -> bool {
    let mut api = false;
    let mut kind = false;
    text.lines().any(|line| {
        api |= line.starts_with("apiVersion:");
        kind |= line.starts_with("kind:");
        api && kind
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
            // YAML is told apart by name and content: Rails, Spring,
            // compose, Kubernetes manifests, app configs.
            "**/*.yml",
            "**/*.yaml",
            "**/database.yml.erb",
            "**/application*.properties",
            // pgbouncer.ini, supervisord programs.
            "**/*.ini",
            "**/.env",
            "**/.env.*",
            "**/*.prisma",
            "**/knexfile.json",
            "**/config/*.json",
            "**/config.json",
            "**/settings.json",
            "**/cache.json",
            "**/caches.json",
            "**/redis.json",
            "**/Dockerfile",
            "**/Dockerfile.*",
            "**/*.Dockerfile",
            "**/*.dockerfile",
            "**/Containerfile",
            "**/Procfile",
            "**/Procfile.*",
            "**/*.sh",
            "**/*.bash",
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
        let app_configs: Vec<(&str, &str)> = texts
            .iter()
            .filter(|(_, _, f)| *f == Some(Format::AppConfig))
            .map(|(p, t, _)| (*p, t.as_str()))
            .collect();
        let deployments = sources::nodeconfig::production(&app_configs);
        for deployment in &deployments {
            analyze_deployment(deployment, &mut out);
        }
        let merged: Vec<&str> = deployments
            .iter()
            .flat_map(|d| {
                d.files
                    .iter()
                    .map(|(p, _)| *p)
                    .chain(d.skipped.iter().copied())
            })
            .collect();
        for (path, text, format) in &texts {
            if let Some(format) = format
                && !merged.contains(path)
            {
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
    let mut manifests = Vec::new();
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
            Some(Format::Supervisord) if text.contains("redis-server") => {
                launches.extend(launch::supervisord(path, text, out));
            }
            // ConfigMaps need not name Redis: the container mounting them does.
            Some(Format::Kubernetes) if text.contains("redis") || text.contains("ConfigMap") => {
                manifests.push((*path, text.as_str()));
            }
            _ => {}
        }
    }
    let held = sources::kubernetes::read(&manifests, out);
    launches.extend(held.launches);
    confs.extend(held.redis_confs.iter().map(String::as_str));
    if confs.is_empty() && launches.is_empty() {
        return;
    }
    let files: Vec<(&str, &str)> = texts.iter().map(|(p, t, _)| (*p, t.as_str())).collect();
    for server in sources::redis::servers(&files, &held.embedded, &confs, &launches, out) {
        redis_maxmemory_unset::check(&server, out);
        redis_noeviction_cache::check(&server, out);
    }
}

/// A node-config directory's production config, merged from its files.
fn analyze_deployment(deployment: &sources::nodeconfig::Deployment, out: &mut Output) {
    let found = sources::nodeconfig::read(deployment, out);
    let paths: Vec<&str> = deployment.files.iter().map(|(p, _)| *p).collect();
    app_cache_without_ttl::check(&found.caches, &paths, out);
    caches::emit(&found.caches, &paths, out);
    pools::emit(&found.pools, &paths, out);
}

fn analyze_file(path: &str, text: &str, format: Format, out: &mut Output) {
    let pools = match format {
        Format::Nginx
        | Format::Redis
        | Format::Compose
        | Format::Dockerfile
        | Format::Procfile
        | Format::Shell
        | Format::Supervisord
        | Format::Kubernetes => return,
        Format::RailsDatabase => sources::rails::pools(path, text, out),
        Format::Spring => {
            let mut pools = Vec::new();
            for props in sources::spring::read(path, text, out) {
                let found = sources::spring::caches(path, &props, out);
                spring_cache_without_ttl::check(&found, path, out);
                caches::emit(&found, &[path], out);
                pools.extend(sources::spring::pools(path, &props, out));
                sources::spring::gateway_timeouts(path, &props, out);
            }
            pools
        }
        Format::PgBouncer => sources::pgbouncer::pools(path, text, out),
        Format::Dotenv => sources::env::dotenv_pools(path, text, out),
        Format::Prisma => sources::env::prisma_pools(path, text, out),
        Format::JsonDb => sources::jsconfig::json_pools(path, text, out),
        Format::AppConfig => {
            let found = sources::appconfig::read(path, text, out);
            app_cache_without_ttl::check(&found.caches, &[path], out);
            caches::emit(&found.caches, &[path], out);
            found.pools
        }
    };
    pools::emit(&pools, &[path], out);
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
            (
                "etc/supervisord.conf",
                "[program:web]\ncommand=x\n",
                Some(Format::Supervisord),
            ),
            (
                "etc/supervisor/conf.d/redis.conf",
                "; cache\n[program:redis]\ncommand=redis-server\n",
                Some(Format::Supervisord),
            ),
            (
                "etc/supervisord.d/cache.ini",
                "[program:cache]\n",
                Some(Format::Supervisord),
            ),
            (
                "k8s/redis.yaml",
                "---\napiVersion: v1\nkind: ConfigMap\n",
                Some(Format::Kubernetes),
            ),
            (
                "charts/cache/templates/statefulset.yaml",
                "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: StatefulSet\n",
                Some(Format::Kubernetes),
            ),
            (
                "config/redis.yml",
                "apiVersion: v1\nkind: Pod\n",
                Some(Format::Kubernetes),
            ),
            ("k8s/values.yaml", "redis:\n  kind: x\n", None),
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
            // Code is the nodejs plugin's.
            ("src/db.ts", "", None),
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
