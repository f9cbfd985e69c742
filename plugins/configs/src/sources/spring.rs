//! Spring Boot `application*.yml` / `application*.properties`: HikariCP
//! pool bounds, idle and acquire timeouts, Lettuce/Jedis Redis pools,
//! Spring Cloud OpenFeign's and Spring Cloud Gateway's HTTP client pools
//! and the gateway's timeouts, JPA query timeouts, Spring Cache TTLs
//! (Redis `time-to-live`, Caffeine spec) per cache name. Keys use Spring's
//! relaxed binding (`maximum-pool-size` = `maximumPoolSize` =
//! `maximum_pool_size`).

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Metric, Output, Span};

use crate::caches::{Cache, data_class_of};
use crate::parse::keyvalue::parse_properties;
use crate::parse::yaml;
use crate::pools::{Pool, Setting, finish, number, or_default, plain};
use crate::template::template_kind;
use crate::units::{caffeine_duration_s, spring_duration_s};

/// One Spring configuration document: canonical keys with value and line.
pub struct Props {
    /// Profile the document activates on, if any.
    pub profile: Option<String>,
    /// (canonical key, key as written, value, line).
    entries: Vec<(String, String, String, u32)>,
}

impl Props {
    /// Raw value of a canonical key (lower-case, no `-`/`_`).
    pub fn get(&self, key: &str) -> Option<(&str, u32)> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _, _, _)| k == key)
            .map(|(_, _, v, l)| (v.as_str(), *l))
    }

    /// Whether any key starts with the canonical prefix.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, _, _, _)| k.starts_with(prefix))
    }

    /// Keys under a canonical prefix: the rest of the canonical key, the
    /// key as written, and the line.
    pub fn keys_under<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str, u32)> + 'a {
        self.entries.iter().filter_map(move |(k, written, _, l)| {
            k.strip_prefix(prefix)
                .map(|rest| (rest, written.as_str(), *l))
        })
    }
}

/// Spring's relaxed binding: `spring.datasource.hikari.maximum-pool-size`
/// and `maximumPoolSize` are one key.
fn canonical(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Read a Spring file into documents; YAML errors become a note.
pub fn read(path: &str, text: &str, out: &mut Output) -> Vec<Props> {
    if path.ends_with(".properties") {
        let entries = parse_properties(text)
            .into_iter()
            .map(|e| (canonical(&e.key), e.key, e.value, e.line))
            .collect();
        return vec![Props {
            profile: None,
            entries,
        }];
    }
    let docs = match yaml::parse(text) {
        Ok(docs) => docs,
        Err(err) => {
            out.note(
                format!("{path}: YAML does not parse: {}", err.message),
                Some(Span::line(path, err.line)),
            );
            return Vec::new();
        }
    };
    docs.iter()
        .map(|doc| {
            let entries: Vec<(String, String, String, u32)> = yaml::flatten(doc)
                .into_iter()
                .filter_map(|(k, node)| {
                    node.scalar()
                        .map(|v| (canonical(&k), k.clone(), v.to_owned(), node.line))
                })
                .collect();
            let mut props = Props {
                profile: None,
                entries,
            };
            props.profile = props
                .get("spring.config.activate.onprofile")
                .or_else(|| props.get("spring.profiles"))
                .map(|(p, _)| p.to_owned());
            props
        })
        .collect()
}

/// HikariCP properties Spring binds (canonical form).
const HIKARI_KEYS: &[&str] = &[
    "maximumpoolsize",
    "minimumidle",
    "idletimeout",
    "maxlifetime",
    "connectiontimeout",
    "validationtimeout",
    "keepalivetime",
    "leakdetectionthreshold",
    "connectiontestquery",
    "poolname",
    "autocommit",
    "readonly",
    "catalog",
    "schema",
    "connectioninitsql",
    "transactionisolation",
    "isolatelevel",
    "initializationfailtimeout",
    "isolateinternalqueries",
    "allowpoolsuspension",
    "registermbeans",
    "driverclassname",
    "jdbcurl",
    "username",
    "password",
    "datasourceclassname",
    "datasourcejndi",
    "datasourceproperties",
    "exceptionoverrideclassname",
    "healthcheckproperties",
    "metricsregistry",
    "scheduledexecutor",
    "threadfactory",
];

/// Pools of one Spring document.
pub fn pools(path: &str, props: &Props, out: &mut Output) -> Vec<Pool> {
    let suffix = props
        .profile
        .as_deref()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let mut pools = Vec::new();
    if props.has_prefix("spring.datasource.") {
        let hikari = "spring.datasource.hikari.";
        let line = props
            .keys_under(hikari)
            .map(|(_, _, l)| l)
            .min()
            .or_else(|| props.get("spring.datasource.url").map(|(_, l)| l))
            .unwrap_or(1);
        for (key, written, key_line) in props.keys_under(hikari) {
            let head = key.split(['.', '[']).next().unwrap_or(key);
            if !HIKARI_KEYS.contains(&head) {
                out.note(
                    format!(
                        "{path}: `{written}` is not a HikariCP property: Spring cannot bind it"
                    ),
                    Some(Span::line(path, key_line)),
                );
            }
        }
        let mut pool = Pool::new("database", format!("spring:hikari{suffix}"), line);
        let key = |k: &str| format!("{hikari}{k}");
        pool.max = or_default(
            number(
                props.get(&key("maximumpoolsize")),
                "maximum-pool-size",
                path,
                1.0,
                plain,
                out,
            ),
            Some(Setting::default(10.0, line, "hikaricp")),
        );
        // HikariCP's minimumIdle defaults to maximumPoolSize.
        let min_default = pool
            .max
            .as_ref()
            .map(|max| Setting::default(max.value, line, "hikaricp"));
        pool.min = or_default(
            number(
                props.get(&key("minimumidle")),
                "minimum-idle",
                path,
                1.0,
                plain,
                out,
            ),
            min_default,
        );
        pool.idle_timeout = or_default(
            number(
                props.get(&key("idletimeout")),
                "idle-timeout",
                path,
                1.0,
                |t| spring_duration_s(t, 0.001),
                out,
            ),
            Some(Setting::default(600.0, line, "hikaricp")),
        );
        pool.acquire_timeout = or_default(
            number(
                props.get(&key("connectiontimeout")),
                "connection-timeout",
                path,
                1.0,
                |t| spring_duration_s(t, 0.001),
                out,
            ),
            Some(Setting::default(30.0, line, "hikaricp")),
        );
        let query_timeout = [
            "spring.jpa.properties.jakarta.persistence.query.timeout",
            "spring.jpa.properties.javax.persistence.query.timeout",
        ]
        .iter()
        .find_map(|k| props.get(k));
        pool.statement_timeout = or_default(
            number(
                query_timeout,
                "persistence.query.timeout",
                path,
                0.001,
                plain,
                out,
            ),
            Some(Setting::default(0.0, line, "jdbc")),
        );
        pools.push(pool);
    }
    pools.extend(redis_pools(path, props, &suffix, out));
    pools.extend(feign_pool(path, props, &suffix, out));
    pools.extend(gateway_pool(path, props, &suffix, out));
    pools
}

/// A Spring `Duration` in milliseconds by default; a negative value means
/// "wait forever", reported as 0 (none).
fn wait_s(text: &str) -> Option<f64> {
    if text.trim().starts_with('-') {
        return Some(0.0);
    }
    spring_duration_s(text, 0.001)
}

/// Lettuce / Jedis pools (`spring.data.redis.*` since Boot 3,
/// `spring.redis.*` before), with commons-pool2's defaults as Spring
/// applies them.
fn redis_pools(path: &str, props: &Props, suffix: &str, out: &mut Output) -> Vec<Pool> {
    let mut pools = Vec::new();
    for prefix in ["spring.data.redis.", "spring.redis."] {
        for client in ["lettuce", "jedis"] {
            let pool_prefix = format!("{prefix}{client}.pool.");
            if !props.has_prefix(&pool_prefix) {
                continue;
            }
            let raw = |key: &str| props.get(&format!("{pool_prefix}{key}"));
            if raw("enabled").is_some_and(|(v, _)| v.eq_ignore_ascii_case("false")) {
                continue;
            }
            let line = props
                .keys_under(&pool_prefix)
                .map(|(_, _, l)| l)
                .min()
                .unwrap_or(1);
            let mut pool = Pool::new("redis", format!("spring:{client}{suffix}"), line);
            let default = |value: f64| Some(Setting::default(value, line, "commons-pool2"));
            pool.max = or_default(
                number(raw("maxactive"), "max-active", path, 1.0, plain, out),
                default(8.0),
            );
            pool.max_idle = or_default(
                number(raw("maxidle"), "max-idle", path, 1.0, plain, out),
                default(8.0),
            );
            pool.min = or_default(
                number(raw("minidle"), "min-idle", path, 1.0, plain, out),
                default(0.0),
            );
            pool.acquire_timeout = or_default(
                number(raw("maxwait"), "max-wait", path, 1.0, wait_s, out),
                default(0.0),
            );
            // Idle connections are only closed by the evictor, which runs
            // when `time-between-eviction-runs` is positive; it then closes
            // those idle for commons-pool2's minEvictableIdleDuration (30 min),
            // which Spring does not expose. Without the evictor nothing is
            // reported: a 0 would read as "closed at once".
            let evictor = number(
                raw("timebetweenevictionruns"),
                "time-between-eviction-runs",
                path,
                1.0,
                |t| spring_duration_s(t, 0.001),
                out,
            );
            if let Ok(Some(every)) = evictor
                && every.value > 0.0
            {
                pool.idle_timeout = Some(Setting::default(1800.0, every.line, "commons-pool2"));
            }
            pools.push(pool);
        }
    }
    pools
}

/// A `java.util.concurrent.TimeUnit` name in seconds.
fn time_unit_s(name: &str) -> Option<f64> {
    Some(match name.trim().to_ascii_uppercase().as_str() {
        "NANOSECONDS" => 1e-9,
        "MICROSECONDS" => 1e-6,
        "MILLISECONDS" => 1e-3,
        "SECONDS" => 1.0,
        "MINUTES" => 60.0,
        "HOURS" => 3600.0,
        "DAYS" => 86_400.0,
        _ => return None,
    })
}

/// Spring Cloud OpenFeign's Apache HttpClient pool (`feign.httpclient.*`,
/// `spring.cloud.openfeign.httpclient.*` since 4.0): the connections per
/// route bound what one external API gets.
fn feign_pool(path: &str, props: &Props, suffix: &str, out: &mut Output) -> Option<Pool> {
    let prefix = ["spring.cloud.openfeign.httpclient.", "feign.httpclient."]
        .into_iter()
        .find(|p| props.has_prefix(p))?;
    let raw = |key: &str| props.get(&format!("{prefix}{key}"));
    let disabled = |key: &str| raw(key).is_some_and(|(v, _)| v.eq_ignore_ascii_case("false"));
    if disabled("enabled")
        && !raw("hc5.enabled").is_some_and(|(v, _)| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let line = props
        .keys_under(prefix)
        .map(|(_, _, l)| l)
        .min()
        .unwrap_or(1);
    let mut pool = Pool::new(
        "external-api",
        format!("openfeign:httpclient{suffix}"),
        line,
    );
    let default = |value: f64| Some(Setting::default(value, line, "spring-cloud-openfeign"));
    pool.max = or_default(
        number(
            raw("maxconnectionsperroute"),
            "max-connections-per-route",
            path,
            1.0,
            plain,
            out,
        ),
        default(50.0),
    );
    // A unit that does not parse is noted with its value; seconds stand in.
    let unit = |key: &str, fallback: f64, out: &mut Output| match raw(key) {
        Some((text, line)) => time_unit_s(text).unwrap_or_else(|| {
            out.note(
                format!("{path}: `{key}` = `{text}` is not a TimeUnit"),
                Some(Span::line(path, line)),
            );
            fallback
        }),
        None => fallback,
    };
    // Connections are closed when their time to live ends (Feign's timer
    // closes expired ones), never for being idle: the TTL is the longest
    // an idle connection stays open.
    let ttl_unit = unit("timetoliveunit", 1.0, out);
    pool.idle_timeout = or_default(
        number(
            raw("timetolive"),
            "time-to-live",
            path,
            ttl_unit,
            plain,
            out,
        ),
        default(900.0),
    );
    // Only HttpClient 5 takes a wait for a pooled connection from these properties.
    if raw("hc5.connectionrequesttimeout").is_some() {
        let wait_unit = unit("hc5.connectionrequesttimeoutunit", 60.0, out);
        pool.acquire_timeout = number(
            raw("hc5.connectionrequesttimeout"),
            "hc5.connection-request-timeout",
            path,
            wait_unit,
            plain,
            out,
        )
        .ok()
        .flatten();
    }
    Some(pool)
}

/// Spring Cloud Gateway's (WebFlux) property prefixes: under
/// `server.webflux` since 4.3, directly before.
const GATEWAY_PREFIXES: [&str; 2] = [
    "spring.cloud.gateway.server.webflux.",
    "spring.cloud.gateway.",
];

/// The gateway prefix a document configures and the line its HTTP client
/// settings start on (or the gateway's, when it sets none). The MVC
/// gateway's keys do not count: it uses another client.
fn gateway(props: &Props) -> Option<(&'static str, u32)> {
    let prefix = GATEWAY_PREFIXES.into_iter().find(|p| {
        props
            .keys_under(p)
            .any(|(rest, _, _)| !rest.starts_with("mvc.") && !rest.starts_with("server.webmvc."))
    })?;
    if props
        .get(&format!("{prefix}enabled"))
        .is_some_and(|(v, _)| v.eq_ignore_ascii_case("false"))
    {
        return None;
    }
    let client_prefix = format!("{prefix}httpclient.");
    let first = |p: &str| props.keys_under(p).map(|(_, _, l)| l).min();
    let line = first(&client_prefix).or_else(|| first(prefix))?;
    Some((prefix, line))
}

/// Spring Cloud Gateway's Reactor Netty pool, shared by every route: an
/// `elastic` pool (the default) opens a connection per concurrent request
/// without bound (`Integer.MAX_VALUE`); a `fixed` one holds
/// `max-connections` (reactor-netty's default: twice the CPUs, at least
/// 16) and makes requests wait up to `acquire-timeout` (45 s).
/// Connections idle longer than `max-idle-time` are closed; without it,
/// `max-life-time` is the longest an idle one stays open.
fn gateway_pool(path: &str, props: &Props, suffix: &str, out: &mut Output) -> Option<Pool> {
    let (prefix, line) = gateway(props)?;
    let raw = |key: &str| props.get(&format!("{prefix}httpclient.pool.{key}"));
    let mut pool = Pool::new(
        "external-api",
        format!("spring-cloud-gateway{suffix}"),
        line,
    );
    let kind = raw("type");
    let lower = kind.map(|(v, l)| (v.trim().to_ascii_lowercase(), l));
    match lower.as_ref().map(|(k, l)| (k.as_str(), *l)) {
        Some(("disabled", at)) => {
            out.note(
                format!("{path}: the gateway's connection pool is disabled: every request opens a new connection"),
                Some(Span::line(path, at)),
            );
            return None;
        }
        Some(("fixed", _)) => {
            pool.max = or_default(
                number(
                    raw("maxconnections"),
                    "max-connections",
                    path,
                    1.0,
                    plain,
                    out,
                ),
                Some(Setting::default(16.0, line, "reactor-netty")),
            );
            pool.acquire_timeout = or_default(
                number(
                    raw("acquiretimeout"),
                    "acquire-timeout",
                    path,
                    0.001,
                    plain,
                    out,
                ),
                Some(Setting::default(45.0, line, "reactor-netty")),
            );
        }
        Some(("elastic", _)) | None => {
            if let Some((_, at)) = raw("maxconnections") {
                out.note(
                    format!("{path}: `max-connections` applies to a `fixed` pool only: the gateway's elastic pool (the default) is unbounded"),
                    Some(Span::line(path, at)),
                );
            }
            let at = kind.map_or(line, |(_, l)| l);
            pool.max = Some(Setting::default(
                f64::from(i32::MAX),
                at,
                "spring-cloud-gateway",
            ));
        }
        Some((_, at)) => {
            let other = kind.map_or("", |(v, _)| v);
            let why = match template_kind(other) {
                Some(kind) => format!("is {kind}-templated (`{other}`): set at deploy time"),
                None => format!("= `{other}` is not a pool type (elastic, fixed, disabled)"),
            };
            out.note(
                format!("{path}: the gateway's pool `type` {why}"),
                Some(Span::line(path, at)),
            );
        }
    }
    let duration = |key: &str, what: &str, out: &mut Output| {
        number(
            raw(key),
            what,
            path,
            1.0,
            |t| spring_duration_s(t, 0.001),
            out,
        )
    };
    pool.idle_timeout = match duration("maxidletime", "max-idle-time", out) {
        Ok(None) => duration("maxlifetime", "max-life-time", out).ok().flatten(),
        read => read.ok().flatten(),
    };
    Some(pool)
}

/// Spring Cloud Gateway's timeouts on calls to route backends, as
/// `http.client_timeout`: `response-timeout` (a duration; none by
/// default) for the client, `connect-timeout` (milliseconds; Netty's 30 s
/// by default) for the client's `:connect` phase.
pub fn gateway_timeouts(path: &str, props: &Props, out: &mut Output) {
    let Some((prefix, line)) = gateway(props) else {
        return;
    };
    let suffix = props
        .profile
        .as_deref()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let raw = |key: &str| props.get(&format!("{prefix}httpclient.{key}"));
    let response = or_default(
        number(
            raw("responsetimeout"),
            "response-timeout",
            path,
            1.0,
            |t| spring_duration_s(t, 0.001),
            out,
        ),
        Some(Setting::default(0.0, line, "spring-cloud-gateway")),
    );
    let connect = or_default(
        number(
            raw("connecttimeout"),
            "connect-timeout",
            path,
            0.001,
            plain,
            out,
        ),
        Some(Setting::default(30.0, line, "reactor-netty")),
    );
    for (phase, setting) in [("", response), (":connect", connect)] {
        if let Some(setting) = setting {
            let metric = Metric::new(vocabulary::HTTP_CLIENT_TIMEOUT, setting.value, unit::S)
                .label(
                    label::CLIENT,
                    format!("spring-cloud-gateway{suffix}{phase}"),
                );
            out.metric(finish(metric, &setting, &[path]));
        }
    }
}

/// The names in `spring.cache.cache-names` (a comma list or a YAML list).
fn cache_names(props: &Props) -> Vec<String> {
    if let Some((list, _)) = props.get("spring.cache.cachenames") {
        return list
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
    }
    (0..)
        .map_while(|i| props.get(&format!("spring.cache.cachenames[{i}]")))
        .map(|(name, _)| name.trim().to_owned())
        .collect()
}

/// Options a `spring.cache.caffeine.spec` may hold (`CaffeineSpec` refuses
/// others when the application starts).
const CAFFEINE_OPTIONS: &[&str] = &[
    "initialCapacity",
    "maximumSize",
    "maximumWeight",
    "expireAfterAccess",
    "expireAfterWrite",
    "refreshAfterWrite",
    "weakKeys",
    "weakValues",
    "softValues",
    "recordStats",
];

/// TTL, expiry kind and strategy of a Caffeine spec. `refreshAfterWrite`
/// serves the old value while reloading it: stale-while-revalidate.
fn caffeine_spec(
    path: &str,
    spec: &str,
    line: u32,
    out: &mut Output,
) -> (Option<Setting>, Option<&'static str>, Option<String>) {
    if let Some(kind) = template_kind(spec) {
        out.note(
            format!("{path}: `spring.cache.caffeine.spec` is {kind}-templated (`{spec}`): its expiry is set at deploy time"),
            Some(Span::line(path, line)),
        );
        return (None, None, None);
    }
    let (mut write, mut access, mut refresh) = (None, None, false);
    for option in spec.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        let key = key.trim();
        if !CAFFEINE_OPTIONS.contains(&key) {
            out.note(
                format!("{path}: `{key}` is not a Caffeine spec option: the cache manager fails to start"),
                Some(Span::line(path, line)),
            );
            continue;
        }
        if !key.ends_with("AfterWrite") && !key.ends_with("AfterAccess") {
            continue;
        }
        let Some(secs) = caffeine_duration_s(value) else {
            out.note(
                format!("{path}: `{key}={value}` is not a Caffeine duration (a number with d, h, m or s)"),
                Some(Span::line(path, line)),
            );
            continue;
        };
        match key {
            "expireAfterWrite" => write = Some(secs),
            "expireAfterAccess" => access = Some(secs),
            _ => refresh = true,
        }
    }
    let (ttl, expiry) = match (write, access) {
        (Some(secs), _) => (Setting::set(secs, line), Some("after-write")),
        (None, Some(secs)) => (Setting::set(secs, line), Some("after-access")),
        (None, None) => (Setting::default(0.0, line, "caffeine"), None),
    };
    let strategy = refresh.then(|| "stale-while-revalidate".to_owned());
    (Some(ttl), expiry, strategy)
}

/// Spring Cache (`spring.cache.*`): one cache per `cache-names` entry (or
/// one for the cache manager) with the Redis `time-to-live` or the
/// Caffeine spec's expiry. A Caffeine cache with no spec is configured in
/// code: nothing is reported for it.
pub fn caches(path: &str, props: &Props, out: &mut Output) -> Vec<Cache> {
    let kind = props.get("spring.cache.type");
    let spec = props.get("spring.cache.caffeine.spec");
    let redis_ttl = props.get("spring.cache.redis.timetolive");
    let store = match kind.map(|(k, _)| k.to_ascii_lowercase()).as_deref() {
        Some("redis") => "redis",
        Some("caffeine") => "caffeine",
        Some(_) => return Vec::new(),
        None if spec.is_some() => "caffeine",
        None if redis_ttl.is_some() => "redis",
        None => return Vec::new(),
    };
    let (ttl, expiry, strategy) = if store == "redis" {
        let ttl = match redis_ttl {
            // Spring Data Redis's default TTL is zero: entries never expire.
            None => kind.map(|(_, line)| Setting::default(0.0, line, "spring-data-redis")),
            set => number(
                set,
                "spring.cache.redis.time-to-live",
                path,
                1.0,
                |t| spring_duration_s(t, 0.001),
                out,
            )
            .ok()
            .flatten(),
        };
        (ttl, None, None)
    } else {
        let Some((text, line)) = spec else {
            return Vec::new();
        };
        caffeine_spec(path, text, line, out)
    };
    let names = cache_names(props);
    // As for pools, a profile's caches are told apart by the profile.
    let suffix = props
        .profile
        .as_deref()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let cache = |name: String, data_class| Cache {
        name: format!("{name}{suffix}"),
        data_class,
        strategy: strategy.clone(),
        ttl: ttl.clone(),
        expiry,
    };
    if names.is_empty() {
        return vec![cache(format!("spring-cache-{store}"), None)];
    }
    names
        .into_iter()
        .map(|name| {
            let class = data_class_of(&name);
            cache(name, class)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hikari_relaxed_binding_defaults_and_unknown_keys() {
        let text = "spring.datasource.url=jdbc:postgresql://db/app\nspring.datasource.hikari.maximumPoolSize=30\n\
                    spring.datasource.hikari.idle_timeout=10m\nspring.datasource.hikari.max-pool=3\n";
        let mut out = Output::default();
        let docs = read("application.properties", text, &mut out);
        let pools = pools("application.properties", &docs[0], &mut out);
        let pool = &pools[0];
        assert_eq!(pool.max, Some(Setting::set(30.0, 2)));
        assert_eq!(pool.min, Some(Setting::default(30.0, 2, "hikaricp")));
        assert_eq!(pool.idle_timeout, Some(Setting::set(600.0, 3)));
        assert_eq!(
            pool.statement_timeout,
            Some(Setting::default(0.0, 2, "jdbc"))
        );
        assert_eq!(out.notes.len(), 1);
        assert!(out.notes[0].message.contains("max-pool"));
    }

    #[test]
    fn caches_per_name_from_redis_ttl_and_caffeine_spec() {
        let text = "spring:\n  cache:\n    type: caffeine\n    cache-names:\n      - user-sessions\n      - products\n    caffeine:\n      spec: maximumSize=500,expireAfterAccess=10m,refreshAfterWrite=1m\n";
        let mut out = Output::default();
        let docs = read("application.yml", text, &mut out);
        let found = caches("application.yml", &docs[0], &mut out);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].name, "user-sessions");
        assert_eq!(found[0].data_class, Some("session"));
        assert_eq!(found[0].ttl, Some(Setting::set(600.0, 8)));
        assert_eq!(found[0].expiry, Some("after-access"));
        assert_eq!(found[1].strategy.as_deref(), Some("stale-while-revalidate"));
        assert!(out.notes.is_empty(), "{:?}", out.notes);

        let text = "spring.cache.type=redis\nspring.cache.cache-names=api-results, counters\n";
        let docs = read("application.properties", text, &mut out);
        let found = caches("application.properties", &docs[0], &mut out);
        assert_eq!(found[1].data_class, Some("counter"));
        assert_eq!(
            found[1].ttl,
            Some(Setting::default(0.0, 1, "spring-data-redis"))
        );

        let text = "spring.cache.redis.time-to-live=PT5M\n";
        let docs = read("application.properties", text, &mut out);
        let found = caches("application.properties", &docs[0], &mut out);
        assert_eq!(found[0].name, "spring-cache-redis");
        assert_eq!(found[0].ttl, Some(Setting::set(300.0, 1)));
    }

    #[test]
    fn bad_caffeine_specs_are_notes() {
        let text =
            "spring.cache.caffeine.spec=maximumSize=10,expireAfterWrite=10M,expiresAfter=5m\n";
        let mut out = Output::default();
        let docs = read("application.properties", text, &mut out);
        let found = caches("application.properties", &docs[0], &mut out);
        assert_eq!(found[0].ttl, Some(Setting::default(0.0, 1, "caffeine")));
        let messages: Vec<&str> = out.notes.iter().map(|n| n.message.as_str()).collect();
        assert!(
            messages[0].contains("`expireAfterWrite=10M` is not a Caffeine duration"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("`expiresAfter` is not a Caffeine spec option"),
            "{messages:?}"
        );
        // A Caffeine cache manager without a spec is built in code.
        let docs = read(
            "application.properties",
            "spring.cache.type=caffeine\n",
            &mut out,
        );
        assert!(caches("application.properties", &docs[0], &mut out).is_empty());
    }

    #[test]
    fn redis_and_feign_client_pools() {
        let text = "spring:\n  data:\n    redis:\n      lettuce:\n        pool:\n          max-active: 32\n          min-idle: 4\n          max-wait: 500ms\n          time-between-eviction-runs: 30s\n\
                    feign:\n  httpclient:\n    max-connections: 400\n    max-connections-per-route: 20\n    time-to-live: 5\n    time-to-live-unit: minutes\n    hc5:\n      connection-request-timeout: 2\n      connection-request-timeout-unit: seconds\n";
        let mut out = Output::default();
        let docs = read("application.yml", text, &mut out);
        let found = pools("application.yml", &docs[0], &mut out);
        assert!(out.notes.is_empty(), "{:?}", out.notes);
        let redis = &found[0];
        assert_eq!(
            (redis.resource, redis.client.as_str()),
            ("redis", "spring:lettuce")
        );
        assert_eq!(redis.max, Some(Setting::set(32.0, 6)));
        assert_eq!(redis.min, Some(Setting::set(4.0, 7)));
        assert_eq!(
            redis.max_idle,
            Some(Setting::default(8.0, 6, "commons-pool2"))
        );
        assert_eq!(redis.acquire_timeout, Some(Setting::set(0.5, 8)));
        assert_eq!(
            redis.idle_timeout,
            Some(Setting::default(1800.0, 9, "commons-pool2"))
        );
        let feign = &found[1];
        assert_eq!(
            (feign.resource, feign.client.as_str()),
            ("external-api", "openfeign:httpclient")
        );
        assert_eq!(feign.max, Some(Setting::set(20.0, 13)));
        assert_eq!(feign.idle_timeout, Some(Setting::set(300.0, 14)));
        assert_eq!(feign.acquire_timeout, Some(Setting::set(2.0, 17)));

        // No evictor: idle connections are never closed, no idle timeout is reported.
        let text = "spring.redis.jedis.pool.max-wait=-1ms\nspring.cloud.openfeign.httpclient.max-connections=50\n";
        let docs = read("application.properties", text, &mut out);
        let found = pools("application.properties", &docs[0], &mut out);
        assert_eq!(found[0].idle_timeout, None);
        assert_eq!(found[0].acquire_timeout, Some(Setting::set(0.0, 1)));
        assert_eq!(
            found[1].max,
            Some(Setting::default(50.0, 2, "spring-cloud-openfeign"))
        );
        assert_eq!(
            found[1].idle_timeout,
            Some(Setting::default(900.0, 2, "spring-cloud-openfeign"))
        );
        assert_eq!(
            found[1].acquire_timeout, None,
            "HttpClient 4 waits are not set by properties"
        );
        let disabled = read(
            "application.properties",
            "spring.data.redis.lettuce.pool.enabled=false\n",
            &mut out,
        );
        assert!(pools("application.properties", &disabled[0], &mut out).is_empty());
    }

    #[test]
    fn gateway_pools_by_type_and_timeouts() {
        let text = "spring:\n  cloud:\n    gateway:\n      httpclient:\n        connect-timeout: 2000\n        response-timeout: 5s\n        pool:\n          type: FIXED\n          max-connections: 8\n          acquire-timeout: 3000\n          max-idle-time: 20s\n      routes:\n        - id: payments\n          uri: https://api.payments.example\n";
        let mut out = Output::default();
        let docs = read("application.yml", text, &mut out);
        let found = pools("application.yml", &docs[0], &mut out);
        let pool = &found[0];
        assert_eq!(
            (pool.resource, pool.client.as_str(), pool.line),
            ("external-api", "spring-cloud-gateway", 5)
        );
        assert_eq!(pool.max, Some(Setting::set(8.0, 9)));
        assert_eq!(pool.acquire_timeout, Some(Setting::set(3.0, 10)));
        assert_eq!(pool.idle_timeout, Some(Setting::set(20.0, 11)));
        gateway_timeouts("application.yml", &docs[0], &mut out);
        let timeouts: Vec<(&str, f64, u32)> = out
            .metrics
            .iter()
            .map(|m| {
                let line = m.span.as_ref().unwrap().line;
                (m.label_value("client").unwrap(), m.value, line)
            })
            .collect();
        assert_eq!(
            timeouts,
            [
                ("spring-cloud-gateway", 5.0, 6),
                ("spring-cloud-gateway:connect", 2.0, 5)
            ]
        );
        assert!(out.notes.is_empty(), "{:?}", out.notes);

        // The default elastic pool has no bound; `max-connections` does not apply to it.
        let text = "spring.cloud.gateway.server.webflux.routes[0].id=a\nspring.cloud.gateway.server.webflux.httpclient.pool.maxConnections=50\nspring.cloud.gateway.server.webflux.httpclient.pool.max_life_time=PT1M\n";
        let docs = read("application.properties", text, &mut out);
        let found = pools("application.properties", &docs[0], &mut out);
        assert_eq!(
            found[0].max,
            Some(Setting::default(2_147_483_647.0, 2, "spring-cloud-gateway"))
        );
        assert_eq!(found[0].acquire_timeout, None);
        assert_eq!(found[0].idle_timeout, Some(Setting::set(60.0, 3)));
        assert!(
            out.notes[0]
                .message
                .contains("`max-connections` applies to a `fixed` pool only")
        );
        gateway_timeouts("application.properties", &docs[0], &mut out);
        let response = &out.metrics[2];
        assert_eq!(response.value, 0.0, "no response timeout by default");
        assert_eq!(
            response.label_value("default_source"),
            Some("spring-cloud-gateway")
        );

        let fixed = "spring.cloud.gateway.httpclient.pool.type=fixed\n";
        let docs = read("application.properties", fixed, &mut out);
        let found = pools("application.properties", &docs[0], &mut out);
        assert_eq!(
            found[0].max,
            Some(Setting::default(16.0, 1, "reactor-netty"))
        );
        assert_eq!(
            found[0].acquire_timeout,
            Some(Setting::default(45.0, 1, "reactor-netty"))
        );
        assert_eq!(found[0].idle_timeout, None, "no max idle time by default");

        let cases = [
            (
                "spring.cloud.gateway.httpclient.pool.type=disabled\n",
                "pool is disabled",
            ),
            (
                "spring.cloud.gateway.httpclient.pool.type=${POOL}\n",
                "templated (`${POOL}`)",
            ),
        ];
        for (text, message) in cases {
            let mut out = Output::default();
            let docs = read("application.properties", text, &mut out);
            let found = pools("application.properties", &docs[0], &mut out);
            assert!(found.iter().all(|p| p.max.is_none()), "{text}");
            assert!(out.notes[0].message.contains(message), "{:?}", out.notes);
        }
        // The MVC gateway and a disabled gateway use no Netty pool.
        for text in [
            "spring.cloud.gateway.mvc.routes[0].id=a\n",
            "spring.cloud.gateway.enabled=false\nspring.cloud.gateway.routes[0].id=a\n",
        ] {
            let docs = read("application.properties", text, &mut out);
            assert!(pools("application.properties", &docs[0], &mut out).is_empty());
        }
    }

    #[test]
    fn yaml_profiles_and_redis_pools() {
        let text = "spring:\n  data:\n    redis:\n      lettuce:\n        pool:\n          max-active: 16\n---\n\
                    spring:\n  config:\n    activate:\n      on-profile: prod\n  datasource:\n    url: x\n";
        let mut out = Output::default();
        let docs = read("application.yml", text, &mut out);
        assert_eq!(docs.len(), 2);
        let redis = pools("application.yml", &docs[0], &mut out);
        assert_eq!(redis[0].client, "spring:lettuce");
        assert_eq!(redis[0].max, Some(Setting::set(16.0, 6)));
        let db = pools("application.yml", &docs[1], &mut out);
        assert_eq!(db[0].client, "spring:hikari:prod");
        assert_eq!(db[0].max, Some(Setting::default(10.0, 13, "hikaricp")));
    }
}
