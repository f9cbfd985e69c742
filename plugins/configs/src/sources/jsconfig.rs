//! JavaScript-side pool settings: Sequelize / Knex configs in JSON
//! (`config/config.json`, `knexfile.json`), `new Pool({...})`
//! (node-postgres) / `createPool({...})` (mysql2) in JS/TS modules, and
//! the HTTP agents that pool connections to external APIs: Node's
//! `http.Agent` / `https.Agent`, agentkeepalive's, undici's `Agent` and
//! `Pool` (wherever they are passed: `axios.create({ httpAgent })`,
//! `setGlobalDispatcher`...). A constructor is known by the module its
//! name is imported or required from.

use perfwarden_sdk::{Output, Span};

use crate::parse::js::{Binding, JsValue, Prop, Tok, arguments, bindings, object, tokenize};
use crate::pools::{Pool, Setting, or_default};

/// Library defaults used when a key is absent.
struct Defaults {
    library: &'static str,
    max: Option<f64>,
    min: Option<f64>,
    idle_s: Option<f64>,
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
    let default = |v: Option<f64>| v.map(|v| Setting::default(v, line, defaults.library));
    pool.max = or_default(
        num(pool_props, max_key, 1.0, text, path, out),
        default(defaults.max),
    );
    pool.min = or_default(
        num(pool_props, min_key, 1.0, text, path, out),
        default(defaults.min),
    );
    // Every supported library takes its idle timeout in milliseconds.
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
                max: Some(5.0),
                min: Some(0.0),
                idle_s: Some(10.0),
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
                max: Some(10.0),
                min: Some(2.0),
                idle_s: Some(30.0),
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

/// What a `new X(...)` constructs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Constructed {
    NodePostgres,
    /// Node's agent, of module `http` or `https`.
    NodeAgent(&'static str),
    KeepAliveAgent,
    UndiciAgent,
    UndiciPool,
}

/// The class a callee (`Agent`, `http.Agent`) names, from the bindings of
/// the file; a namespace that is not bound but named `http` / `https` is
/// Node's module.
fn constructed(callee: &[&str], bound: &[Binding]) -> Option<Constructed> {
    let find = |name: &str| bound.iter().rev().find(|b| b.local == name);
    let (module, class) = match callee {
        [name] => {
            let binding = find(name)?;
            (binding.module.as_str(), binding.export.as_str())
        }
        [namespace, class] => match find(namespace) {
            Some(b) if b.export == "default" || b.export == "*" => (b.module.as_str(), *class),
            Some(_) => return None,
            None if matches!(*namespace, "http" | "https") => (*namespace, *class),
            None => return None,
        },
        _ => return None,
    };
    Some(match (module, class) {
        ("pg", "Pool") => Constructed::NodePostgres,
        ("http", "Agent") => Constructed::NodeAgent("http"),
        ("https", "Agent") => Constructed::NodeAgent("https"),
        // agentkeepalive exports its HTTP agent as the module itself.
        ("agentkeepalive", "default" | "*" | "HttpAgent" | "HttpsAgent") => {
            Constructed::KeepAliveAgent
        }
        ("undici", "Agent") => Constructed::UndiciAgent,
        ("undici", "Pool") => Constructed::UndiciPool,
        _ => return None,
    })
}

/// A literal boolean option: `Ok(Some)` with its line, `Ok(None)` absent,
/// `Err` computed (noted).
fn flag(
    props: &[Prop],
    key: &str,
    text: &str,
    path: &str,
    out: &mut Output,
) -> Result<Option<(bool, u32)>, ()> {
    let Some(prop) = find(props, key) else {
        return Ok(None);
    };
    let line = line_of(text, prop.offset);
    match &prop.value {
        JsValue::Expr(e) if e == "true" || e == "false" => Ok(Some((e == "true", line))),
        other => {
            let shown = match other {
                JsValue::Str(s) | JsValue::Expr(s) => s.clone(),
                JsValue::Num(n) => n.to_string(),
                JsValue::Object(_) => "{...}".into(),
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

/// A connection bound: `Ok(None)` when absent or unbounded (`Infinity`,
/// `null`), `Err` computed (noted).
fn limit(
    props: &[Prop],
    key: &str,
    text: &str,
    path: &str,
    out: &mut Output,
) -> Result<Option<Setting>, ()> {
    let unbounded = find(props, key)
        .is_some_and(|p| matches!(&p.value, JsValue::Expr(e) if e == "Infinity" || e == "null"));
    if unbounded {
        return Ok(None);
    }
    num(props, key, 1.0, text, path, out)
}

/// A Node agent (`http.Agent`, agentkeepalive): `maxSockets` per host
/// (`maxTotalSockets` when lower or alone; Infinity by default), and with
/// `keepAlive` the `maxFreeSockets` kept idle (256) closed after `timeout`
/// (agentkeepalive: `freeSocketTimeout`, 4 s; Node: none). Without
/// `keepAlive` (Node's default) a socket closes when its requests end.
fn node_agent(
    keepalive_module: bool,
    pool: &mut Pool,
    props: &[Prop],
    (text, path): (&str, &str),
    out: &mut Output,
) {
    let line = pool.line;
    let (source, what) = if keepalive_module {
        ("agentkeepalive", "agentkeepalive's `Agent`")
    } else {
        ("node:http", "Node's `http.Agent`")
    };
    let default = |value: f64| Some(Setting::default(value, line, source));
    pool.max = match (
        limit(props, "maxSockets", text, path, out),
        limit(props, "maxTotalSockets", text, path, out),
    ) {
        (Ok(Some(per_host)), Ok(Some(total))) if total.value < per_host.value => Some(total),
        (Ok(Some(bound)), _) | (Ok(None), Ok(Some(bound))) => Some(bound),
        (Ok(None), Ok(None)) => {
            out.note(
                format!("{path}: {what} sets no `maxSockets`: its default, Infinity, puts no bound on connections per host (not reported as `pool.max`)"),
                Some(Span::line(path, line)),
            );
            None
        }
        _ => None,
    };
    let keep_alive = match flag(props, "keepAlive", text, path, out) {
        Ok(Some((on, at))) => Some((on, Some(at))),
        Ok(None) => Some((keepalive_module, None)),
        Err(()) => None,
    };
    match keep_alive {
        Some((false, at)) => {
            let closed = match at {
                Some(at) => Setting::set(0.0, at),
                None => Setting::default(0.0, line, source),
            };
            pool.idle_timeout = Some(closed.clone());
            pool.max_idle = Some(closed);
        }
        Some((true, _)) => {
            pool.max_idle = or_default(
                num(props, "maxFreeSockets", 1.0, text, path, out),
                default(256.0),
            );
            let idle = if keepalive_module {
                let key = ["freeSocketTimeout", "freeSocketKeepAliveTimeout"]
                    .into_iter()
                    .find(|k| find(props, k).is_some())
                    .unwrap_or("freeSocketTimeout");
                or_default(num(props, key, 0.001, text, path, out), default(4.0))
            } else {
                let read = num(props, "timeout", 0.001, text, path, out);
                if let Ok(None) = read {
                    out.note(
                        format!("{path}: {what} keeps idle sockets without `timeout`: they stay open until the server closes them"),
                        Some(Span::line(path, line)),
                    );
                }
                read.ok().flatten()
            };
            pool.idle_timeout = idle;
        }
        None => {}
    }
}

/// An undici `Agent` (a pool per origin) or `Pool`: `connections` (null,
/// the default: no bound), idle connections closed after
/// `keepAliveTimeout` (4 s); `pipelining` sends several requests at once
/// on each connection.
fn undici(pool: &mut Pool, props: &[Prop], (text, path): (&str, &str), out: &mut Output) {
    let line = pool.line;
    pool.max = match limit(props, "connections", text, path, out) {
        Ok(None) => {
            out.note(
                format!("{path}: undici's `connections` is unset or null: no bound on connections per origin (not reported as `pool.max`)"),
                Some(Span::line(path, line)),
            );
            None
        }
        read => read.ok().flatten(),
    };
    pool.idle_timeout = or_default(
        num(props, "keepAliveTimeout", 0.001, text, path, out),
        Some(Setting::default(4.0, line, "undici")),
    );
    if let Ok(Some(depth)) = num(props, "pipelining", 1.0, text, path, out)
        && depth.value > 1.0
    {
        out.note(
            format!(
                "{path}: undici pipelines up to {} requests on each connection",
                depth.value
            ),
            Some(Span::line(path, depth.line)),
        );
    }
}

/// The name a construction is bound to: `const name = new ...` or
/// `name: new ...` (an `httpAgent:` option).
fn bound_name(tokens: &[(Tok, usize)], new_at: usize) -> Option<&str> {
    let before = new_at.checked_sub(2).and_then(|i| tokens.get(i))?;
    match (&tokens[new_at - 1].0, &before.0) {
        (Tok::Punct('=' | ':'), Tok::Ident(name) | Tok::Str(name)) => Some(name),
        _ => None,
    }
}

/// Pools created in JS/TS code: `new Pool({...})` (node-postgres),
/// `createPool({...})` (mysql2) and HTTP agents (see the module docs).
/// Non-literal options are noted; options passed as a variable are not
/// read.
pub fn code_pools(path: &str, text: &str, out: &mut Output) -> Vec<Pool> {
    let tokens = match tokenize(text) {
        Ok(tokens) => tokens,
        Err(offset) => {
            out.note(
                format!("{path}: unterminated string or comment"),
                Some(Span::line(path, line_of(text, offset))),
            );
            return Vec::new();
        }
    };
    let imports = |modules: &[&str]| {
        tokens
            .iter()
            .any(|(t, _)| matches!(t, Tok::Str(s) if modules.contains(&s.as_str())))
    };
    let bound = bindings(&tokens);
    let mut pools = Vec::new();
    for (i, (tok, offset)) in tokens.iter().enumerate() {
        let Tok::Ident(word) = tok else { continue };
        if word == "createPool" && imports(&["mysql2", "mysql2/promise", "mysql"]) {
            let Some((props, _)) = (tokens.get(i + 1).map(|t| &t.0) == Some(&Tok::Punct('(')))
                .then(|| object(&tokens, i + 2))
                .flatten()
            else {
                continue;
            };
            let defaults = Defaults {
                library: "mysql2",
                max: Some(10.0),
                min: None,
                idle_s: Some(60.0),
                statement_server: None,
            };
            pools.push(pool_from(
                Pool::new("database", format!("mysql2:{path}"), line_of(text, *offset)),
                &props,
                &props, // mysql2 has no minimum pool size: an empty key never matches.
                ("connectionLimit", "", "idleTimeout"),
                &defaults,
                (text, path),
                out,
            ));
            continue;
        }
        if word != "new" {
            continue;
        }
        // The callee: `Name` or `namespace.Name`, then `(`.
        let mut callee = Vec::new();
        let mut at = i + 1;
        while let Some(Tok::Ident(name)) = tokens.get(at).map(|t| &t.0) {
            callee.push(name.as_str());
            at += 1;
            if tokens.get(at).map(|t| &t.0) != Some(&Tok::Punct('.')) {
                break;
            }
            at += 1;
        }
        let unbound_pool = callee.last() == Some(&"Pool")
            && !bound.iter().any(|b| b.local == callee[0])
            && imports(&["pg"]);
        let Some(kind) =
            constructed(&callee, &bound).or(unbound_pool.then_some(Constructed::NodePostgres))
        else {
            continue;
        };
        let starts = arguments(&tokens, at);
        // undici's `Pool` takes the origin first.
        let options = starts.get(usize::from(kind == Constructed::UndiciPool));
        let props = match options {
            None => Vec::new(),
            Some(&start) => match object(&tokens, start) {
                Some((props, _)) => props,
                None => continue,
            },
        };
        let line = line_of(text, tokens[at - 1].1);
        let label = match kind {
            Constructed::NodePostgres => "pg".to_owned(),
            Constructed::NodeAgent(module) => format!("{module}.Agent"),
            Constructed::KeepAliveAgent => "agentkeepalive".to_owned(),
            Constructed::UndiciAgent => "undici.Agent".to_owned(),
            Constructed::UndiciPool => "undici.Pool".to_owned(),
        };
        let client = match (kind, bound_name(&tokens, i)) {
            (Constructed::NodePostgres, _) | (_, None) => format!("{label}:{path}"),
            (_, Some(name)) => format!("{label}:{path}:{name}"),
        };
        let pool = match kind {
            Constructed::NodePostgres => {
                // node-postgres documents `idleTimeoutMillis` as 10 s while its
                // defaults.js says 30 s: an unset value is not reported.
                let defaults = Defaults {
                    library: "node-postgres",
                    max: Some(10.0),
                    min: None,
                    idle_s: None,
                    statement_server: Some("postgresql"),
                };
                pool_from(
                    Pool::new("database", client, line),
                    &props,
                    &props,
                    ("max", "min", "idleTimeoutMillis"),
                    &defaults,
                    (text, path),
                    out,
                )
            }
            Constructed::NodeAgent(_) | Constructed::KeepAliveAgent => {
                let mut pool = Pool::new("external-api", client, line);
                let keepalive_module = kind == Constructed::KeepAliveAgent;
                node_agent(keepalive_module, &mut pool, &props, (text, path), out);
                pool
            }
            Constructed::UndiciAgent | Constructed::UndiciPool => {
                let mut pool = Pool::new("external-api", client, line);
                undici(&mut pool, &props, (text, path), out);
                pool
            }
        };
        pools.push(pool);
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

    #[test]
    fn code_pools_read_literals_only() {
        let text = "import pg from 'pg';\nimport mysql from 'mysql2';\nconst pool = new pg.Pool({ max: Number(process.env.MAX), idleTimeoutMillis: 5000 });\nmysql.createPool({ connectionLimit: 25 });";
        let mut out = Output::default();
        let pools = code_pools("src/db.ts", text, &mut out);
        assert_eq!(pools[0].max, None);
        assert_eq!(pools[0].idle_timeout, Some(Setting::set(5.0, 3)));
        assert_eq!(pools[1].max, Some(Setting::set(25.0, 4)));
        assert_eq!(pools[1].statement_timeout, None);
        assert!(out.notes[0].message.contains("computed"));
        // Another library's `Pool` is not node-postgres.
        let other = "import { Pool } from 'generic-pool';\nnew Pool({ max: 99 });";
        assert!(code_pools("src/pool.ts", other, &mut out).is_empty());
    }

    #[test]
    fn node_agents_by_module_and_keep_alive() {
        let text = "import http from 'node:http';\nimport * as https from 'https';\nimport axios from 'axios';\nconst HttpAgent = require('agentkeepalive');\n\nexport const api = axios.create({\n  httpAgent: new http.Agent({ keepAlive: true, maxSockets: 10, maxFreeSockets: 5, timeout: 30000 }),\n  httpsAgent: new https.Agent({ keepAlive: true }),\n});\nconst plain = new http.Agent();\nconst pooled = new HttpAgent({ maxSockets: Infinity, maxTotalSockets: 20, freeSocketTimeout: 15000 });\n";
        let mut out = Output::default();
        let pools = code_pools("src/api.ts", text, &mut out);
        let clients: Vec<(&str, &str, u32)> = pools
            .iter()
            .map(|p| (p.resource, p.client.as_str(), p.line))
            .collect();
        assert_eq!(
            clients,
            [
                ("external-api", "http.Agent:src/api.ts:httpAgent", 7),
                ("external-api", "https.Agent:src/api.ts:httpsAgent", 8),
                ("external-api", "http.Agent:src/api.ts:plain", 10),
                ("external-api", "agentkeepalive:src/api.ts:pooled", 11),
            ]
        );
        let api = &pools[0];
        assert_eq!(api.max, Some(Setting::set(10.0, 7)));
        assert_eq!(api.max_idle, Some(Setting::set(5.0, 7)));
        assert_eq!(api.idle_timeout, Some(Setting::set(30.0, 7)));
        // keepAlive without timeout or maxSockets: unbounded, idle sockets kept.
        let secure = &pools[1];
        assert_eq!(
            (secure.max.as_ref(), secure.idle_timeout.as_ref()),
            (None, None)
        );
        assert_eq!(
            secure.max_idle,
            Some(Setting::default(256.0, 8, "node:http"))
        );
        // Node's default agent closes each socket when its requests end.
        let plain = &pools[2];
        assert_eq!(
            plain.idle_timeout,
            Some(Setting::default(0.0, 10, "node:http"))
        );
        assert_eq!(plain.max_idle, Some(Setting::default(0.0, 10, "node:http")));
        let keepalive = &pools[3];
        assert_eq!(keepalive.max, Some(Setting::set(20.0, 11)));
        assert_eq!(keepalive.idle_timeout, Some(Setting::set(15.0, 11)));
        let notes: Vec<(&str, u32)> = out
            .notes
            .iter()
            .map(|n| (n.message.as_str(), n.span.as_ref().unwrap().line))
            .collect();
        assert_eq!(
            notes,
            [
                (
                    "src/api.ts: Node's `http.Agent` sets no `maxSockets`: its default, Infinity, puts no bound on connections per host (not reported as `pool.max`)",
                    8
                ),
                (
                    "src/api.ts: Node's `http.Agent` keeps idle sockets without `timeout`: they stay open until the server closes them",
                    8
                ),
                (
                    "src/api.ts: Node's `http.Agent` sets no `maxSockets`: its default, Infinity, puts no bound on connections per host (not reported as `pool.max`)",
                    10
                ),
            ]
        );
    }

    #[test]
    fn undici_dispatchers_and_unknown_agents() {
        let text = "const { Agent, Pool, setGlobalDispatcher } = require('undici');\nsetGlobalDispatcher(new Agent({ connections: 8, keepAliveTimeout: 10_000, pipelining: 4 }));\nconst pool = new Pool(new URL('https://api.example'), {\n  connections: null,\n});\nconst custom = new Agent(options);\nnew Other.Agent({ maxSockets: 1 });\n";
        let mut out = Output::default();
        let pools = code_pools("lib/http.js", text, &mut out);
        assert_eq!(pools.len(), 2);
        assert_eq!(pools[0].client, "undici.Agent:lib/http.js");
        assert_eq!(pools[0].max, Some(Setting::set(8.0, 2)));
        assert_eq!(pools[0].idle_timeout, Some(Setting::set(10.0, 2)));
        assert_eq!(pools[1].client, "undici.Pool:lib/http.js:pool");
        assert_eq!(pools[1].max, None);
        assert_eq!(
            pools[1].idle_timeout,
            Some(Setting::default(4.0, 3, "undici"))
        );
        let messages: Vec<&str> = out.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "lib/http.js: undici pipelines up to 4 requests on each connection",
                "lib/http.js: undici's `connections` is unset or null: no bound on connections per origin (not reported as `pool.max`)",
            ]
        );
    }
}
