//! Spring Boot `application*.yml` / `application*.properties`: HikariCP
//! pool bounds and idle timeout, Lettuce/Jedis Redis pools, JPA query
//! timeouts, Spring Cache's Redis TTL. Keys use Spring's relaxed binding
//! (`maximum-pool-size` = `maximumPoolSize` = `maximum_pool_size`).

use perfwarden_sdk::{Output, Span};

use crate::parse::keyvalue::parse_properties;
use crate::parse::yaml;
use crate::pools::{Pool, Setting, number, or_default, plain};
use crate::units::spring_duration_s;

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
    for prefix in ["spring.data.redis.", "spring.redis."] {
        for client in ["lettuce", "jedis"] {
            let pool_prefix = format!("{prefix}{client}.pool.");
            if !props.has_prefix(&pool_prefix) {
                continue;
            }
            let line = props
                .keys_under(&pool_prefix)
                .map(|(_, _, l)| l)
                .min()
                .unwrap_or(1);
            let mut pool = Pool::new("redis", format!("spring:{client}{suffix}"), line);
            // Defaults of commons-pool2's GenericObjectPoolConfig, as Spring sets them.
            pool.max = or_default(
                number(
                    props.get(&format!("{pool_prefix}maxactive")),
                    "max-active",
                    path,
                    1.0,
                    plain,
                    out,
                ),
                Some(Setting::default(8.0, line, "commons-pool2")),
            );
            pool.min = or_default(
                number(
                    props.get(&format!("{pool_prefix}minidle")),
                    "min-idle",
                    path,
                    1.0,
                    plain,
                    out,
                ),
                Some(Setting::default(0.0, line, "commons-pool2")),
            );
            pools.push(pool);
        }
    }
    pools
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
