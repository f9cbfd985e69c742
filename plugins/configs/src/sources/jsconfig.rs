//! Sequelize / Knex pool settings in their JSON configs
//! (`config/config.json`, `knexfile.json`). Pools and HTTP agents created in
//! JS/TS code are the nodejs plugin's: it reads them from the AST.

use perfwarden_sdk::{Output, Span};

use crate::parse::js::{JsValue, Prop, object, tokenize};
use crate::pools::{Pool, Setting, or_default};

/// Library defaults used when a key is absent.
struct Defaults {
    library: &'static str,
    max: f64,
    min: f64,
    idle_s: f64,
    /// `Some(server)` when the library config can carry a statement timeout.
    statement_server: Option<&'static str>,
}

fn line_of(text: &str, offset: usize) -> u32 {
    text[..offset.min(text.len())].matches('\n').count() as u32 + 1
}

fn find<'a>(props: &'a [Prop], key: &str) -> Option<&'a Prop> {
    props.iter().rev().find(|p| p.key == key)
}

/// A numeric property: value, absent, or an expression (noted, not guessed).
fn num(
    props: &[Prop],
    key: &str,
    scale: f64,
    text: &str,
    path: &str,
    out: &mut Output,
) -> Result<Option<Setting>, ()> {
    let Some(prop) = find(props, key) else {
        return Ok(None);
    };
    let line = line_of(text, prop.offset);
    match &prop.value {
        JsValue::Num(n) => Ok(Some(Setting::set(n * scale, line))),
        JsValue::Str(s) if s.trim().parse::<f64>().is_ok() => Ok(s
            .trim()
            .parse::<f64>()
            .map(|n| Setting::set(n * scale, line))
            .ok()),
        other => {
            let shown = match other {
                JsValue::Str(s) | JsValue::Expr(s) => s.clone(),
                _ => "{...}".into(),
            };
            out.note(
                format!(
                    "{path}: `{key}` is computed (`{shown}`): its value is known only at run time"
                ),
                Some(Span::line(path, line)),
            );
            Err(())
        }
    }
}

fn pool_from(
    mut pool: Pool,
    pool_props: &[Prop],
    statement_props: &[Prop],
    keys: (&str, &str, &str),
    defaults: &Defaults,
    (text, path): (&str, &str),
    out: &mut Output,
) -> Pool {
    let (max_key, min_key, idle_key) = keys;
    let line = pool.line;
    let default = |v: f64| Some(Setting::default(v, line, defaults.library));
    pool.max = or_default(
        num(pool_props, max_key, 1.0, text, path, out),
        default(defaults.max),
    );
    pool.min = or_default(
        num(pool_props, min_key, 1.0, text, path, out),
        default(defaults.min),
    );
    // Sequelize and Knex take their idle timeout in milliseconds.
    pool.idle_timeout = or_default(
        num(pool_props, idle_key, 0.001, text, path, out),
        default(defaults.idle_s),
    );
    if let Some(server) = defaults.statement_server {
        let read = match find(statement_props, "statement_timeout") {
            Some(_) => num(statement_props, "statement_timeout", 0.001, text, path, out),
            None => num(statement_props, "query_timeout", 0.001, text, path, out),
        };
        pool.statement_timeout = or_default(read, Some(Setting::default(0.0, line, server)));
    }
    pool
}

/// Pools of a Sequelize or Knex JSON config (one per environment).
pub fn json_pools(path: &str, text: &str, out: &mut Output) -> Vec<Pool> {
    if let Err(err) = serde_json::from_str::<serde_json::Value>(text) {
        out.note(
            format!("{path}: JSON does not parse: {err}"),
            Some(Span::line(path, err.line() as u32)),
        );
        return Vec::new();
    }
    let Ok(tokens) = tokenize(text) else {
        return Vec::new();
    };
    let Some((root, _)) = object(&tokens, 0) else {
        return Vec::new();
    };
    let is_config =
        |props: &[Prop]| find(props, "dialect").is_some() || find(props, "client").is_some();
    let mut configs: Vec<(String, &[Prop], usize)> = Vec::new();
    if is_config(&root) {
        configs.push((String::new(), &root, 0));
    } else {
        for prop in &root {
            if let JsValue::Object(inner) = &prop.value
                && is_config(inner)
                && !prop.key.to_ascii_lowercase().starts_with("test")
            {
                configs.push((prop.key.clone(), inner, prop.offset));
            }
        }
    }
    let mut pools = Vec::new();
    for (env, props, offset) in configs {
        let line = line_of(text, offset);
        let sub = |key: &str| match find(props, key).map(|p| &p.value) {
            Some(JsValue::Object(inner)) => inner.clone(),
            _ => Vec::new(),
        };
        let suffix = if env.is_empty() {
            String::new()
        } else {
            format!(":{env}")
        };
        let text_of = |key: &str| match find(props, key).map(|p| &p.value) {
            Some(JsValue::Str(s)) => s.to_ascii_lowercase(),
            _ => String::new(),
        };
        if find(props, "dialect").is_some() {
            let dialect = text_of("dialect");
            let server = match dialect.as_str() {
                "postgres" => Some("postgresql"),
                _ => None,
            };
            let defaults = Defaults {
                library: "sequelize",
                max: 5.0,
                min: 0.0,
                idle_s: 10.0,
                statement_server: server,
            };
            let pool = Pool::new("database", format!("sequelize{suffix}"), line);
            pools.push(pool_from(
                pool,
                &sub("pool"),
                &sub("dialectOptions"),
                ("max", "min", "idle"),
                &defaults,
                (text, path),
                out,
            ));
        } else {
            let client = text_of("client");
            let server = (client == "pg" || client.starts_with("postgres")).then_some("postgresql");
            let defaults = Defaults {
                library: "knex",
                max: 10.0,
                min: 2.0,
                idle_s: 30.0,
                statement_server: server,
            };
            let pool = Pool::new("database", format!("knex{suffix}"), line);
            pools.push(pool_from(
                pool,
                &sub("pool"),
                &sub("connection"),
                ("max", "min", "idleTimeoutMillis"),
                &defaults,
                (text, path),
                out,
            ));
        }
    }
    pools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequelize_environments_and_defaults() {
        let text = r#"{
  "development": { "dialect": "postgres", "pool": { "max": 3 } },
  "test": { "dialect": "sqlite" },
  "production": {
    "dialect": "postgres",
    "pool": { "max": 50, "idle": 60000 },
    "dialectOptions": { "statement_timeout": 5000 }
  }
}"#;
        let mut out = Output::default();
        let pools = json_pools("config/config.json", text, &mut out);
        assert_eq!(pools.len(), 2);
        let prod = &pools[1];
        assert_eq!(prod.client, "sequelize:production");
        assert_eq!(prod.max, Some(Setting::set(50.0, 6)));
        assert_eq!(prod.min, Some(Setting::default(0.0, 4, "sequelize")));
        assert_eq!(prod.idle_timeout, Some(Setting::set(60.0, 6)));
        assert_eq!(prod.statement_timeout, Some(Setting::set(5.0, 7)));
    }

    #[test]
    fn knex_and_broken_json() {
        let mut out = Output::default();
        let pools = json_pools(
            "knexfile.json",
            r#"{"client": "pg", "connection": "postgres://db/x"}"#,
            &mut out,
        );
        assert_eq!(pools[0].max, Some(Setting::default(10.0, 1, "knex")));
        assert_eq!(
            pools[0].statement_timeout,
            Some(Setting::default(0.0, 1, "postgresql"))
        );
        assert!(json_pools("knexfile.json", "{\"client\": ", &mut out).is_empty());
        assert!(out.notes[0].message.contains("JSON does not parse"));
    }
}
