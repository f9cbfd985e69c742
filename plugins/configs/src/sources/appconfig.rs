//! Application configs in JSON or YAML (node-config `config/*.json`,
//! `config.yml`, `settings.json`, `cache.yml`, `redis.json`...): `cache` /
//! `caches` sections naming a TTL (and maybe a strategy) per cache, and
//! Redis client pools (`redis.pool`). Keys are matched loosely
//! (`ttlSeconds` = `ttl_seconds`); a unit in the key name (`ttlMs`,
//! `idleTimeoutMillis`) scales bare numbers, which are otherwise seconds.
//! JSON is read through the YAML parser (JSON is YAML) for its lines.
//!
//! A file is read alone, or as one of the node-config files merged into
//! an effective config ([`crate::sources::nodeconfig`]): each node then
//! names its file, and so do the settings and notes made from it.

use perfwarden_sdk::{Output, Span};

use crate::caches::{Cache, data_class_named, data_class_of};
use crate::parse::yaml::{self, Node, Value};
use crate::pools::{Pool, Setting, number, plain};
use crate::sources::rails::strip_erb_control;
use crate::units::app_duration_s;

/// What an app config sets.
#[derive(Debug, Default)]
pub struct AppConfig {
    /// Caches with their TTLs.
    pub caches: Vec<Cache>,
    /// Redis client pools.
    pub pools: Vec<Pool>,
}

/// Sections are looked for this deep (environments, `app.services.x`...).
const MAX_DEPTH: usize = 8;

/// Key stems that name a TTL; a unit suffix may follow (`ttlMs`).
const TTL_KEYS: &[&str] = &[
    "ttl",
    "timetolive",
    "expire",
    "expiresin",
    "expiry",
    "expiration",
    "expireafter",
    "expireafterwrite",
    "maxage",
    "stdttl",
    "defaultttl",
    "defaultexpiration",
];

/// Source named when a declared cache sets no TTL.
const NO_TTL: &str = "not-configured";

fn canonical(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Seconds per unit named by a key suffix (`ms`, `seconds`, `minutes`...).
fn unit_of(suffix: &str) -> Option<f64> {
    Some(match suffix {
        "" | "s" | "sec" | "secs" | "seconds" => 1.0,
        "ms" | "millis" | "milliseconds" => 0.001,
        "min" | "mins" | "minutes" => 60.0,
        "hours" => 3600.0,
        "days" => 86_400.0,
        _ => return None,
    })
}

/// A key made of one of `stems` and a unit suffix: the unit.
fn keyed_unit(key: &str, stems: &[&str]) -> Option<f64> {
    let key = canonical(key);
    stems
        .iter()
        .filter_map(|stem| key.strip_prefix(stem))
        .find_map(unit_of)
}

/// Words that mean "never expires".
fn is_never(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "never" | "none" | "false" | "infinite" | "infinity" | "forever"
    )
}

/// The file a node comes from, among `paths`.
fn path_of<'a>(paths: &[&'a str], node: &Node) -> &'a str {
    paths
        .get(node.file)
        .or(paths.first())
        .copied()
        .unwrap_or("")
}

/// A numeric scalar as [`number`] reads it, with the node's file.
fn read_number(
    node: &Node,
    key: &str,
    paths: &[&str],
    parse: impl Fn(&str) -> Option<f64>,
    out: &mut Output,
) -> Result<Option<Setting>, ()> {
    let raw = node.scalar().map(|t| (t, node.line));
    number(raw, key, path_of(paths, node), 1.0, parse, out)
        .map(|read| read.map(|s| s.in_file(node.file)))
}

/// The TTL a map sets directly: `Ok(Some)` set (0 = never expires),
/// `Ok(None)` absent, `Err` templated or unreadable (noted).
fn ttl_of(node: &Node, paths: &[&str], out: &mut Output) -> Result<Option<Setting>, ()> {
    for (key, child) in node.entries() {
        let Some(scale) = keyed_unit(key, TTL_KEYS) else {
            continue;
        };
        let Some(text) = child.scalar() else {
            continue;
        };
        if is_never(text) {
            return Ok(Some(Setting::set(0.0, child.line).in_file(child.file)));
        }
        let read = read_number(child, key, paths, |t| app_duration_s(t, scale), out)?;
        // Negative TTLs mean "no expiry" in the libraries that accept them.
        return Ok(read.map(|s| Setting {
            value: s.value.max(0.0),
            ..s
        }));
    }
    Ok(None)
}

fn text_of<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a str> {
    node.entries()
        .iter()
        .find(|(k, _)| keys.contains(&canonical(k).as_str()))
        .and_then(|(_, v)| v.scalar())
}

/// One cache from its map (or a bare TTL scalar), inheriting the section's TTL.
fn cache_of(
    name: &str,
    node: &Node,
    inherited: Option<&Setting>,
    paths: &[&str],
    out: &mut Output,
) -> Cache {
    let ttl = match &node.value {
        Value::Scalar { .. } => {
            let fake = Node {
                value: Value::Map(vec![("ttl".to_owned(), node.clone())]),
                line: node.line,
                file: node.file,
            };
            ttl_of(&fake, paths, out)
        }
        _ => ttl_of(node, paths, out),
    };
    let ttl = match ttl {
        Ok(Some(set)) => Some(set),
        Ok(None) => Some(
            inherited
                .cloned()
                .unwrap_or_else(|| Setting::default(0.0, node.line, NO_TTL).in_file(node.file)),
        ),
        Err(()) => None,
    };
    Cache {
        name: name.to_owned(),
        data_class: text_of(node, &["dataclass", "class"])
            .and_then(data_class_named)
            .or_else(|| data_class_of(name)),
        strategy: text_of(node, &["strategy"]).map(|s| s.trim().to_ascii_lowercase()),
        ttl,
        expiry: None,
    }
}

fn is_cache_like(node: &Node) -> bool {
    node.entries()
        .iter()
        .any(|(k, _)| keyed_unit(k, TTL_KEYS).is_some() || canonical(k) == "strategy")
}

/// Keys of a pool map, by what they set (with the unit the key names).
const POOL_MAX: &[&str] = &[
    "max",
    "maxsize",
    "size",
    "maxactive",
    "maxtotal",
    "maxconnections",
    "poolsize",
    "connectionlimit",
];
const POOL_MIN: &[&str] = &["min", "minsize", "minidle"];
const POOL_IDLE: &[&str] = &["idletimeout", "maxidletime"];
const POOL_ACQUIRE: &[&str] = &["acquiretimeout", "maxwait", "waittimeout", "timeout"];

/// A Redis client pool: `redis: { pool: {...} }` or `redis: { poolSize: n }`.
fn redis_pool(node: &Node, client: &str, paths: &[&str], out: &mut Output) -> Option<Pool> {
    let pool_node = node.entries().iter().find(|(k, _)| canonical(k) == "pool");
    let mut pool = Pool::new("redis", format!("app:{client}"), node.line);
    let (map, line) = match pool_node {
        Some((_, p)) if matches!(p.value, Value::Map(_)) => (p, p.line),
        Some((key, p)) => {
            pool.max = read_number(p, key, paths, plain, out).ok().flatten();
            return pool.max.is_some().then_some(pool);
        }
        None => {
            let (key, size) = node
                .entries()
                .iter()
                .find(|(k, _)| matches!(canonical(k).as_str(), "poolsize" | "maxconnections"))?;
            pool.max = read_number(size, key, paths, plain, out).ok().flatten();
            return pool.max.is_some().then_some(pool);
        }
    };
    pool.line = line;
    for (key, child) in map.entries() {
        let canon = canonical(key);
        if child.scalar().is_none() {
            continue;
        }
        let count = || POOL_MAX.contains(&canon.as_str()) || POOL_MIN.contains(&canon.as_str());
        if count() {
            let read = read_number(child, key, paths, plain, out).ok().flatten();
            if POOL_MAX.contains(&canon.as_str()) {
                pool.max = read;
            } else {
                pool.min = read;
            }
        } else if canon == "maxidle" {
            pool.max_idle = read_number(child, key, paths, plain, out).ok().flatten();
        } else if let Some(scale) = keyed_unit(key, POOL_IDLE) {
            pool.idle_timeout = read_number(child, key, paths, |t| app_duration_s(t, scale), out)
                .ok()
                .flatten();
        } else if let Some(scale) = keyed_unit(key, POOL_ACQUIRE) {
            pool.acquire_timeout =
                read_number(child, key, paths, |t| app_duration_s(t, scale), out)
                    .ok()
                    .flatten();
        }
    }
    let any = pool.max.is_some()
        || pool.min.is_some()
        || pool.idle_timeout.is_some()
        || pool.acquire_timeout.is_some();
    any.then_some(pool)
}

struct Walker<'a> {
    paths: &'a [&'a str],
    found: AppConfig,
}

impl Walker<'_> {
    fn walk(
        &mut self,
        node: &Node,
        keys: &mut Vec<String>,
        inherited: Option<&Setting>,
        out: &mut Output,
    ) {
        if keys.len() >= MAX_DEPTH {
            return;
        }
        for (key, child) in node.entries() {
            keys.push(key.clone());
            let dotted = keys.join(".");
            let mut section_ttl = inherited.cloned();
            match canonical(key).as_str() {
                "caches" => self.caches(child, section_ttl.as_ref(), out),
                "cache" if matches!(child.value, Value::Map(_)) => {
                    section_ttl = self.cache_section(child, &dotted, inherited, out);
                }
                "redis" if matches!(child.value, Value::Map(_)) => {
                    self.found
                        .pools
                        .extend(redis_pool(child, &dotted, self.paths, out));
                }
                _ => {}
            }
            if matches!(child.value, Value::Map(_)) {
                self.walk(child, keys, section_ttl.as_ref(), out);
            }
            keys.pop();
        }
    }

    /// `caches:` as a map of name -> settings (or TTL), or a list of maps with `name`.
    fn caches(&mut self, node: &Node, inherited: Option<&Setting>, out: &mut Output) {
        match &node.value {
            Value::Map(entries) => {
                for (name, child) in entries {
                    let cache = cache_of(name, child, inherited, self.paths, out);
                    self.found.caches.push(cache);
                }
            }
            Value::Seq(items) => {
                for item in items {
                    let Some(name) = text_of(item, &["name", "id", "key"]) else {
                        continue;
                    };
                    let cache = cache_of(name, item, inherited, self.paths, out);
                    self.found.caches.push(cache);
                }
            }
            Value::Scalar { .. } => {}
        }
    }

    /// `cache:` with a TTL of its own (the default of its caches), named
    /// caches as child maps with a TTL or strategy, or both. Returns the
    /// section's TTL for the `caches:` below it.
    fn cache_section(
        &mut self,
        node: &Node,
        dotted: &str,
        inherited: Option<&Setting>,
        out: &mut Output,
    ) -> Option<Setting> {
        let own = ttl_of(node, self.paths, out).ok().flatten();
        let named: Vec<&(String, Node)> = node
            .entries()
            .iter()
            .filter(|(k, child)| canonical(k) != "caches" && is_cache_like(child))
            .collect();
        let has_caches = node.entries().iter().any(|(k, _)| canonical(k) == "caches");
        let section_ttl = own.clone().or_else(|| inherited.cloned());
        for (name, child) in &named {
            let cache = cache_of(name, child, section_ttl.as_ref(), self.paths, out);
            self.found.caches.push(cache);
        }
        // A section with only its own TTL is one cache.
        if named.is_empty() && !has_caches && own.is_some() {
            let cache = cache_of(dotted, node, inherited, self.paths, out);
            self.found.caches.push(cache);
        }
        section_ttl
    }
}

/// Caches and pools of an app config; parse errors become a note.
pub fn read(path: &str, text: &str, out: &mut Output) -> AppConfig {
    // Most app configs say nothing about caches or Redis: skip their parse.
    let lower = text.to_ascii_lowercase();
    if !lower.contains("cache") && !lower.contains("redis") {
        return AppConfig::default();
    }
    match parse(path, text, out) {
        Some(docs) => walk(&docs, &[path], out),
        None => AppConfig::default(),
    }
}

/// The documents of an app config; `None` (noted) when it does not parse.
pub fn parse(path: &str, text: &str, out: &mut Output) -> Option<Vec<Node>> {
    if path.ends_with(".json")
        && let Err(err) = serde_json::from_str::<serde_json::Value>(text)
    {
        out.note(
            format!("{path}: JSON does not parse: {err}"),
            Some(Span::line(path, err.line() as u32)),
        );
        return None;
    }
    // ERB control tags (Rails `config/*.yml`) are not YAML: blanked, as in database.yml.
    let cleaned;
    let text = if text.contains("<%") {
        cleaned = strip_erb_control(text);
        cleaned.as_str()
    } else {
        text
    };
    match yaml::parse(text) {
        Ok(docs) => Some(docs),
        Err(err) => {
            out.note(
                format!("{path}: does not parse: {}", err.message),
                Some(Span::line(path, err.line)),
            );
            None
        }
    }
}

/// Caches and pools of parsed documents whose nodes come from `paths`
/// (see [`Node::file`]).
pub fn walk(docs: &[Node], paths: &[&str], out: &mut Output) -> AppConfig {
    let mut walker = Walker {
        paths,
        found: AppConfig::default(),
    };
    for doc in docs {
        walker.walk(doc, &mut Vec::new(), None, out);
    }
    walker.found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name, data class, strategy, TTL and its line.
    type Summary<'a> = (&'a str, Option<&'a str>, Option<&'a str>, f64, u32);

    #[test]
    fn yaml_cache_sections_with_defaults_strategies_and_units() {
        let text = "cache:\n  ttl: 10m\n  products:\n    ttl: 300\n    strategy: Cache-Aside\n  user-sessions:\n    ttlMs: 3600000\n    strategy: write-through\n  caches:\n    - name: page-views\n      expire_after: 1 minute\n    - name: countries\n      dataClass: static\n    - name: feeds\n      ttl: never\n";
        let mut out = Output::default();
        let found = read("config/default.yml", text, &mut out);
        assert!(out.notes.is_empty(), "{:?}", out.notes);
        let summary: Vec<Summary> = found
            .caches
            .iter()
            .map(|c| {
                let ttl = c.ttl.as_ref().unwrap();
                (
                    c.name.as_str(),
                    c.data_class,
                    c.strategy.as_deref(),
                    ttl.value,
                    ttl.line,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("products", None, Some("cache-aside"), 300.0, 4),
                (
                    "user-sessions",
                    Some("session"),
                    Some("write-through"),
                    3600.0,
                    7
                ),
                ("page-views", Some("counter"), None, 60.0, 11),
                // No TTL of its own: the section's 10 minutes.
                ("countries", Some("static"), None, 600.0, 2),
                ("feeds", None, None, 0.0, 15),
            ]
        );
    }

    #[test]
    fn json_caches_without_ttl_and_redis_pools() {
        let text = r#"{
  "production": {
    "redis": {
      "url": "redis://cache:6379",
      "pool": { "min": 2, "max": 20, "idleTimeoutMillis": 30000, "acquireTimeoutMillis": 2000 }
    },
    "caches": {
      "catalog": { "maxEntries": 1000 },
      "weather-api": 120
    }
  }
}"#;
        let mut out = Output::default();
        let found = read("config/production.json", text, &mut out);
        assert!(out.notes.is_empty(), "{:?}", out.notes);
        let pool = &found.pools[0];
        assert_eq!(pool.client, "app:production.redis");
        assert_eq!(pool.max, Some(Setting::set(20.0, 5)));
        assert_eq!(pool.min, Some(Setting::set(2.0, 5)));
        assert_eq!(pool.idle_timeout, Some(Setting::set(30.0, 5)));
        assert_eq!(pool.acquire_timeout, Some(Setting::set(2.0, 5)));
        assert_eq!(found.caches[0].ttl, Some(Setting::default(0.0, 8, NO_TTL)));
        assert_eq!(found.caches[1].ttl, Some(Setting::set(120.0, 9)));
        assert_eq!(found.caches[1].data_class, Some("api"));
    }

    #[test]
    fn bad_input_is_noted() {
        let mut out = Output::default();
        read("config/default.json", "{\"cache\": {\"ttl\": }", &mut out);
        read("config/default.yml", "cache:\n  ttl: [1\n", &mut out);
        let found = read(
            "config/default.yml",
            "cache:\n  ttl: ${CACHE_TTL}\n  sessions:\n    ttl: soon\nredis:\n  pool:\n    max: lots\n",
            &mut out,
        );
        let messages: Vec<&str> = out.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(messages.len(), 5, "{messages:#?}");
        assert!(messages[0].contains("JSON does not parse"));
        assert!(messages[2].contains("placeholder-templated"));
        assert!(messages[3].contains("`ttl` = `soon` is not a number"));
        assert_eq!(found.caches[0].ttl, None);
        assert!(found.pools.is_empty());
        // Files without caches or Redis are not parsed at all.
        assert!(
            read("config/default.json", "{ not json", &mut out)
                .caches
                .is_empty()
        );
        assert_eq!(out.notes.len(), 5);
    }
}
