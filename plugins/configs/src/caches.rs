//! Application cache layers found in any format (Spring Cache, app config
//! `cache` / `caches` sections), reported as `cache.ttl` metrics labelled
//! by cache name and data class, the labels the policy's TTL table and the
//! report's cache-strategy view read. A cache without a TTL is reported
//! with TTL 0 (entries never expire), which the policy judges at risk.

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Metric, Output, Span};

use crate::pools::Setting;

/// Label naming the caching strategy a config states (`write-through`...).
pub const STRATEGY: &str = "strategy";

/// Label naming what starts an entry's TTL when the store distinguishes
/// it: `after-write` or `after-access` (renewed on every read).
pub const EXPIRY: &str = "expiry";

/// One cache (or the default of a cache manager).
#[derive(Debug, Clone, PartialEq)]
pub struct Cache {
    /// Cache name (`cache` label).
    pub name: String,
    /// Data class from the config or the name, if either tells.
    pub data_class: Option<&'static str>,
    /// Strategy the config states.
    pub strategy: Option<String>,
    /// TTL in seconds: configured, 0 with a default source when entries
    /// never expire, `None` when templated or unreadable.
    pub ttl: Option<Setting>,
    /// `after-write` / `after-access`, when the store distinguishes them.
    pub expiry: Option<&'static str>,
}

/// The policy's data classes (`[cache.data_classes.*]` labels).
const CLASSES: &[&str] = &["static", "session", "api", "counter", "page"];

/// A data class named in a config value (`sessions`, `API`).
pub fn data_class_named(value: &str) -> Option<&'static str> {
    let lower = value.trim().to_ascii_lowercase();
    let singular = lower.strip_suffix('s').unwrap_or(&lower);
    CLASSES
        .iter()
        .find(|c| **c == lower || **c == singular)
        .copied()
}

/// The words of a name: split on punctuation and camelCase, lower-cased,
/// a plural `s` dropped (`pageViews` -> `page`, `view`).
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
        // `pageViews` and `HTMLFragment` (the last capital of an acronym starts a word).
        let camel = c.is_ascii_uppercase()
            && previous.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next_lower)
            });
        if (!c.is_ascii_alphanumeric() || camel) && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c.is_ascii_alphanumeric() {
            current.push(c.to_ascii_lowercase());
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    for word in &mut words {
        if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
            word.pop();
        }
    }
    words
}

/// The data class a cache name suggests (`user-sessions` is session data,
/// `pageViews` counters); `None` when the name does not tell.
pub fn data_class_of(name: &str) -> Option<&'static str> {
    let words = words(name);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if has(&["session"]) {
        Some("session")
    } else if has(&[
        "counter",
        "count",
        "stat",
        "statistic",
        "metric",
        "view",
        "like",
    ]) {
        Some("counter")
    } else if has(&["page", "html", "fragment"]) {
        Some("page")
    } else if has(&[
        "static",
        "asset",
        "lookup",
        "reference",
        "translation",
        "i18n",
        "setting",
    ]) {
        Some("static")
    } else if has(&["api", "response", "result"]) {
        Some("api")
    } else {
        None
    }
}

/// Emit the `cache.ttl` metrics of caches found in `paths` (one file, or
/// the files merged into one effective config, as for pools).
pub fn emit(caches: &[Cache], paths: &[&str], out: &mut Output) {
    for cache in caches {
        let Some(ttl) = &cache.ttl else { continue };
        let mut metric = Metric::new(vocabulary::CACHE_TTL, ttl.value, unit::S)
            .label(label::CACHE, cache.name.as_str());
        if let Some(class) = cache.data_class {
            metric = metric.label(label::DATA_CLASS, class);
        }
        if let Some(strategy) = &cache.strategy {
            metric = metric.label(STRATEGY, strategy.as_str());
        }
        if let Some(expiry) = cache.expiry {
            metric = metric.label(EXPIRY, expiry);
        }
        if let Some(source) = ttl.default_source {
            metric = metric
                .label(label::DERIVATION, "default")
                .label(crate::DEFAULT_SOURCE, source);
        }
        if paths.len() > 1 {
            metric = metric.label(crate::MERGED, paths.join(" < "));
        }
        let path = paths.get(ttl.file).or(paths.first()).copied().unwrap_or("");
        out.metric(metric.span(Span::line(path, ttl.line)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_classes_from_names_and_values() {
        assert_eq!(data_class_of("user-sessions"), Some("session"));
        assert_eq!(data_class_of("pageViews"), Some("counter"));
        assert_eq!(data_class_of("productPages"), Some("page"));
        assert_eq!(data_class_of("countries-lookup"), Some("static"));
        assert_eq!(data_class_of("weather-api"), Some("api"));
        assert_eq!(data_class_of("products"), None);
        assert_eq!(
            data_class_of("accounts"),
            None,
            "`count` is a word, not a substring"
        );
        assert_eq!(data_class_of("HTMLFragments"), Some("page"));
        assert_eq!(data_class_named("Sessions"), Some("session"));
        assert_eq!(data_class_named("api"), Some("api"));
        assert_eq!(data_class_named("hot"), None);
    }

    #[test]
    fn emits_labels_and_defaults() {
        let mut out = Output::default();
        let caches = [
            Cache {
                name: "sessions".into(),
                data_class: Some("session"),
                strategy: Some("write-through".into()),
                ttl: Some(Setting::set(3600.0, 4)),
                expiry: None,
            },
            Cache {
                name: "products".into(),
                data_class: None,
                strategy: None,
                ttl: Some(Setting::default(0.0, 9, "caffeine")),
                expiry: None,
            },
            Cache {
                name: "templated".into(),
                data_class: None,
                strategy: None,
                ttl: None,
                expiry: None,
            },
        ];
        emit(&caches, &["config/default.yml"], &mut out);
        assert_eq!(out.metrics.len(), 2);
        assert_eq!(out.metrics[0].label_value("merged"), None);
        let sessions = &out.metrics[0];
        assert_eq!(sessions.value, 3600.0);
        assert_eq!(sessions.label_value("data_class"), Some("session"));
        assert_eq!(sessions.label_value("strategy"), Some("write-through"));
        let products = &out.metrics[1];
        assert_eq!(products.label_value("data_class"), None);
        assert_eq!(products.label_value("default_source"), Some("caffeine"));
        assert_eq!(products.span.as_ref().map(|s| s.line), Some(9));

        // Merged files: each TTL is located in the file that sets it.
        let mut merged = Output::default();
        let mut production = caches[0].clone();
        production.ttl = Some(Setting::set(60.0, 2).in_file(1));
        let paths = ["config/default.yml", "config/production.yml"];
        emit(&[caches[1].clone(), production], &paths, &mut merged);
        let spans: Vec<(&str, u32)> = merged
            .metrics
            .iter()
            .map(|m| m.span.as_ref().map(|s| (s.path.as_str(), s.line)).unwrap())
            .collect();
        assert_eq!(
            spans,
            [("config/default.yml", 9), ("config/production.yml", 2)]
        );
        assert_eq!(
            merged.metrics[1].label_value("merged"),
            Some("config/default.yml < config/production.yml")
        );
    }
}
