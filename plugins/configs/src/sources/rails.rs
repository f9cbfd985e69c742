//! Rails `config/database.yml`: one pool per environment (`pool`,
//! `idle_timeout`, `checkout_timeout`, `variables.statement_timeout`), ERB
//! values reported as templated. Test environments are skipped; development
//! ones too when a deployed environment exists.

use perfwarden_sdk::{Output, Span};

use crate::parse::yaml::{self, Node};
use crate::pools::{Pool, Setting, number, or_default, plain};
use crate::units::postgres_duration_s;

/// Reads a setting's text into seconds.
type Parser = fn(&str) -> Option<f64>;

/// Rails's default `pool` (ActiveRecord: 5 per process).
const DEFAULT_POOL: f64 = 5.0;
/// Rails's default `idle_timeout` in seconds.
const DEFAULT_IDLE_S: f64 = 300.0;
/// Rails's default `checkout_timeout` (wait for a connection) in seconds.
const DEFAULT_CHECKOUT_S: f64 = 5.0;

/// Pools of a database.yml; YAML errors become a note.
pub fn pools(path: &str, text: &str, out: &mut Output) -> Vec<Pool> {
    // ERB control tags (`<% if %>`) are not YAML: blank them so the YAML
    // around them still parses; `<%= %>` values stay as templated text.
    let cleaned = strip_erb_control(text);
    let docs = match yaml::parse(&cleaned) {
        Ok(docs) => docs,
        Err(err) => {
            out.note(
                format!("{path}: YAML does not parse: {}", err.message),
                Some(Span::line(path, err.line)),
            );
            return Vec::new();
        }
    };
    let Some(root) = docs.first() else {
        return Vec::new();
    };
    let mut envs: Vec<(String, &Node)> = Vec::new();
    for (name, node) in root.entries() {
        if is_db_config(node) {
            envs.push((name.clone(), node));
        } else {
            // Rails 6 multi-database: `production: { primary: {...}, replica: {...} }`.
            for (sub, child) in node.entries() {
                if is_db_config(child) {
                    envs.push((format!("{name}.{sub}"), child));
                }
            }
        }
    }
    let env_of = |name: &str| name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    envs.retain(|(name, _)| !env_of(name).starts_with("test"));
    let deployed = |name: &str| {
        !matches!(
            env_of(name).as_str(),
            "development" | "dev" | "local" | "default" | "defaults" | "common" | "base"
        )
    };
    if envs.iter().any(|(name, _)| deployed(name)) {
        envs.retain(|(name, _)| deployed(name));
    }
    envs.into_iter()
        .map(|(name, node)| pool_of(path, &name, node, out))
        .collect()
}

fn is_db_config(node: &Node) -> bool {
    ["adapter", "database", "url", "pool"]
        .iter()
        .any(|k| node.get(k).is_some())
}

fn raw<'a>(node: &'a Node, path: &[&str]) -> Option<(&'a str, u32)> {
    node.path(path)
        .and_then(|n| n.scalar().map(|s| (s, n.line)))
}

fn pool_of(path: &str, env: &str, node: &Node, out: &mut Output) -> Pool {
    let mut pool = Pool::new("database", format!("rails:{env}"), node.line);
    pool.max = or_default(
        number(raw(node, &["pool"]), "pool", path, 1.0, plain, out),
        Some(Setting::default(DEFAULT_POOL, node.line, "rails")),
    );
    pool.idle_timeout = or_default(
        number(
            raw(node, &["idle_timeout"]),
            "idle_timeout",
            path,
            1.0,
            plain,
            out,
        ),
        Some(Setting::default(DEFAULT_IDLE_S, node.line, "rails")),
    );
    pool.acquire_timeout = or_default(
        number(
            raw(node, &["checkout_timeout"]),
            "checkout_timeout",
            path,
            1.0,
            plain,
            out,
        ),
        Some(Setting::default(DEFAULT_CHECKOUT_S, node.line, "rails")),
    );
    let adapter = node.get("adapter").and_then(Node::scalar).unwrap_or("");
    let (key, server, parse): (&str, &'static str, Parser) =
        if adapter.starts_with("mysql") || adapter == "trilogy" {
            ("max_execution_time", "mysql", |t| {
                plain(t).map(|ms| ms / 1000.0)
            })
        } else if adapter.starts_with("postg") || adapter == "postgis" {
            ("statement_timeout", "postgresql", postgres_duration_s)
        } else {
            return pool;
        };
    pool.statement_timeout = or_default(
        number(raw(node, &["variables", key]), key, path, 1.0, parse, out),
        Some(Setting::default(0.0, node.line, server)),
    );
    pool
}

/// Blank `<% ... %>` tags that are not output tags, keeping line breaks.
pub(crate) fn strip_erb_control(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<%") {
        let (before, tag) = rest.split_at(start);
        out.push_str(before);
        let end = tag.find("%>").map_or(tag.len(), |e| e + 2);
        let (tag_text, after) = tag.split_at(end);
        if tag_text.starts_with("<%=") {
            out.push_str(tag_text);
        } else {
            out.extend(tag_text.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_defaults_and_templates() {
        let text = "default: &default\n  adapter: postgresql\n  pool: <%= ENV['DB_POOL'] || 5 %>\n\
                    production:\n  <<: *default\n  idle_timeout: 30\n  variables:\n    statement_timeout: 5s\n\
                    development:\n  <<: *default\n  pool: 3\ntest:\n  <<: *default\n";
        let mut out = Output::default();
        let pools = pools("config/database.yml", text, &mut out);
        assert_eq!(pools.len(), 1);
        let prod = &pools[0];
        assert_eq!(prod.client, "rails:production");
        assert_eq!(prod.max, None, "templated pool is not guessed");
        assert_eq!(prod.idle_timeout, Some(Setting::set(30.0, 6)));
        assert_eq!(
            prod.acquire_timeout,
            Some(Setting::default(5.0, 5, "rails"))
        );
        assert_eq!(prod.statement_timeout, Some(Setting::set(5.0, 8)));
        assert!(
            out.notes[0].message.contains("ERB-templated"),
            "{:?}",
            out.notes
        );
    }

    #[test]
    fn erb_control_tags_and_broken_yaml() {
        let text = "production:\n<% if true %>\n  adapter: mysql2\n<% end %>\n  pool: 12\n  checkout_timeout: 2\n";
        let mut out = Output::default();
        let pools = pools("database.yml", text, &mut out);
        assert_eq!(pools[0].max, Some(Setting::set(12.0, 5)));
        assert_eq!(pools[0].acquire_timeout, Some(Setting::set(2.0, 6)));
        assert_eq!(
            pools[0].statement_timeout,
            Some(Setting::default(0.0, 3, "mysql"))
        );
        let mut out = Output::default();
        assert!(super::pools("database.yml", "production: [\n", &mut out).is_empty());
        assert_eq!(out.notes.len(), 1);
    }
}
