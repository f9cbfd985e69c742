//! HTTP agents: the pools of connections to external APIs
//! (`resource=external-api`). Node's `http.Agent` / `https.Agent`,
//! agentkeepalive's, undici's `Agent` and `Pool`, wherever they are passed
//! (`axios.create({ httpAgent })`, `setGlobalDispatcher(...)`). An unset
//! option is the library's default (`derivation=default`,
//! `source=<library>`); an unbounded pool or a computed option is a note,
//! never a guess.

use oxc_ast::ast::{Argument, Expression, ObjectExpression};
use oxc_span::{GetSpan, Span};
use perfwarden_sdk::vocabulary::{self as v, label, unit};

use crate::consts::{number, object, prop};
use crate::facts::{Value, emit};
use crate::model::{AgentClass, unwrap};
use crate::walk::Walker;

/// A setting and the span that decides it (the construction for a default).
#[derive(Debug, Clone, Copy)]
struct Setting {
    value: f64,
    span: Span,
    default: bool,
}

/// What an agent bounds, as the `pool.*` metrics report it.
#[derive(Default)]
struct Pool {
    max: Option<Setting>,
    idle_timeout: Option<Setting>,
    max_idle: Option<Setting>,
}

impl AgentClass {
    /// Client label when the agent is not bound to a name.
    fn label(self) -> &'static str {
        match self {
            AgentClass::Node("https") => "https.Agent",
            AgentClass::Node(_) => "http.Agent",
            AgentClass::KeepAlive => "agentkeepalive",
            AgentClass::UndiciAgent => "undici.Agent",
            AgentClass::UndiciPool => "undici.Pool",
        }
    }

    /// Whose defaults apply (`https.Agent` extends `http.Agent`).
    fn source(self) -> &'static str {
        match self {
            AgentClass::Node(_) => "node:http",
            AgentClass::KeepAlive => "agentkeepalive",
            AgentClass::UndiciAgent | AgentClass::UndiciPool => "undici",
        }
    }
}

/// An agent was constructed: report its bounds.
pub fn constructed(
    w: &mut Walker<'_>,
    class: AgentClass,
    args: &[Argument<'_>],
    span: Span,
    name: Option<&str>,
) {
    // undici's `Pool` takes the origin first.
    let index = usize::from(class == AgentClass::UndiciPool);
    // Options built elsewhere (`new Agent(options)`) are unknown: report nothing.
    let options = match args.get(index) {
        None => None,
        Some(arg) => match object(arg.as_expression()) {
            Some(options) => Some(options),
            None => return,
        },
    };
    let pool = match class {
        AgentClass::Node(_) | AgentClass::KeepAlive => {
            node_agent(w, class == AgentClass::KeepAlive, options, span)
        }
        AgentClass::UndiciAgent | AgentClass::UndiciPool => undici(w, options, span),
    };
    let client = name.unwrap_or(class.label()).to_owned();
    let labels = [
        (label::RESOURCE, "external-api"),
        (label::CLIENT, client.as_str()),
    ];
    let fields = [
        (v::POOL_MAX, unit::CONNECTIONS, pool.max),
        (v::POOL_IDLE_TIMEOUT, unit::S, pool.idle_timeout),
        (v::POOL_MAX_IDLE, unit::CONNECTIONS, pool.max_idle),
    ];
    for (metric, unit, setting) in fields {
        if let Some(setting) = setting {
            let value = Value {
                value: setting.value,
                default: setting.default,
            };
            emit(
                w,
                metric,
                unit,
                value,
                &labels,
                class.source(),
                setting.span,
            );
        }
    }
}

fn note(w: &mut Walker<'_>, message: String, span: Span) {
    let span = w.span(span);
    w.sink.notes.push((message, span));
}

fn option<'b, 'a>(
    options: Option<&'b ObjectExpression<'a>>,
    key: &str,
) -> Option<&'b Expression<'a>> {
    options.and_then(|o| prop(o, key))
}

/// An option whose value is known only at run time: noted, not read.
fn computed<T>(w: &mut Walker<'_>, key: &str, span: Span) -> Result<T, ()> {
    let shown = w.snippet(span);
    note(
        w,
        format!("`{key}` is computed (`{shown}`): its value is known only at run time"),
        span,
    );
    Err(())
}

/// A numeric option: `Ok(Some)` set, `Ok(None)` absent, `Err` computed (noted).
fn read(
    w: &mut Walker<'_>,
    options: Option<&ObjectExpression<'_>>,
    key: &str,
    scale: f64,
) -> Result<Option<Setting>, ()> {
    let Some(expr) = option(options, key) else {
        return Ok(None);
    };
    let span = expr.span();
    match number(expr).filter(|n| n.is_finite()) {
        Some(n) => Ok(Some(Setting {
            value: n * scale,
            span,
            default: false,
        })),
        None => computed(w, key, span),
    }
}

/// A connection bound: `Ok(None)` when absent or unbounded (`Infinity`,
/// `null`), `Err` computed (noted).
fn limit(
    w: &mut Walker<'_>,
    options: Option<&ObjectExpression<'_>>,
    key: &str,
) -> Result<Option<Setting>, ()> {
    let unbounded = option(options, key).is_some_and(|expr| match unwrap(expr) {
        Expression::Identifier(id) => id.name == "Infinity",
        Expression::NullLiteral(_) => true,
        other => number(other) == Some(f64::INFINITY),
    });
    if unbounded {
        return Ok(None);
    }
    read(w, options, key, 1.0)
}

/// A literal boolean option: `Ok(Some)` with its span, `Ok(None)` absent,
/// `Err` computed (noted).
fn flag(
    w: &mut Walker<'_>,
    options: Option<&ObjectExpression<'_>>,
    key: &str,
) -> Result<Option<(bool, Span)>, ()> {
    let Some(expr) = option(options, key) else {
        return Ok(None);
    };
    if let Expression::BooleanLiteral(b) = unwrap(expr) {
        return Ok(Some((b.value, b.span)));
    }
    computed(w, key, expr.span())
}

/// The option when set, the default when absent, nothing when computed.
fn or_default(read: Result<Option<Setting>, ()>, default: Setting) -> Option<Setting> {
    match read {
        Ok(Some(set)) => Some(set),
        Ok(None) => Some(default),
        Err(()) => None,
    }
}

/// A Node agent (`http.Agent`, agentkeepalive): `maxSockets` per host
/// (`maxTotalSockets` when lower or alone; Infinity by default), and with
/// `keepAlive` the `maxFreeSockets` kept idle (256) closed after `timeout`
/// (agentkeepalive: `freeSocketTimeout`, 4 s; Node: none). Without
/// `keepAlive` (Node's default) a socket closes when its requests end.
fn node_agent(
    w: &mut Walker<'_>,
    keepalive_module: bool,
    options: Option<&ObjectExpression<'_>>,
    span: Span,
) -> Pool {
    let what = if keepalive_module {
        "agentkeepalive's `Agent`"
    } else {
        "Node's `http.Agent`"
    };
    let default = |value: f64| Setting {
        value,
        span,
        default: true,
    };
    let max = match (
        limit(w, options, "maxSockets"),
        limit(w, options, "maxTotalSockets"),
    ) {
        (Ok(Some(per_host)), Ok(Some(total))) if total.value < per_host.value => Some(total),
        (Ok(Some(bound)), _) | (Ok(None), Ok(Some(bound))) => Some(bound),
        (Ok(None), Ok(None)) => {
            note(
                w,
                format!(
                    "{what} sets no `maxSockets`: its default, Infinity, puts no bound on connections per host (not reported as `pool.max`)"
                ),
                span,
            );
            None
        }
        _ => None,
    };
    let mut pool = Pool {
        max,
        ..Pool::default()
    };
    let keep_alive = match flag(w, options, "keepAlive") {
        Ok(Some((on, at))) => Some((on, Some(at))),
        Ok(None) => Some((keepalive_module, None)),
        Err(()) => None,
    };
    match keep_alive {
        Some((false, at)) => {
            let closed = match at {
                Some(at) => Setting {
                    value: 0.0,
                    span: at,
                    default: false,
                },
                None => default(0.0),
            };
            pool.idle_timeout = Some(closed);
            pool.max_idle = Some(closed);
        }
        Some((true, _)) => {
            pool.max_idle = or_default(read(w, options, "maxFreeSockets", 1.0), default(256.0));
            pool.idle_timeout = if keepalive_module {
                // agentkeepalive before 4.0 named it `freeSocketKeepAliveTimeout`.
                let key = ["freeSocketTimeout", "freeSocketKeepAliveTimeout"]
                    .into_iter()
                    .find(|k| option(options, k).is_some())
                    .unwrap_or("freeSocketTimeout");
                or_default(read(w, options, key, 0.001), default(4.0))
            } else {
                let read = read(w, options, "timeout", 0.001);
                if let Ok(None) = read {
                    note(
                        w,
                        format!(
                            "{what} keeps idle sockets without `timeout`: they stay open until the server closes them"
                        ),
                        span,
                    );
                }
                read.ok().flatten()
            };
        }
        None => {}
    }
    pool
}

/// An undici `Agent` (a pool per origin) or `Pool`: `connections` (null,
/// the default: no bound), idle connections closed after
/// `keepAliveTimeout` (4 s); `pipelining` sends several requests at once
/// on each connection.
fn undici(w: &mut Walker<'_>, options: Option<&ObjectExpression<'_>>, span: Span) -> Pool {
    let max = match limit(w, options, "connections") {
        Ok(None) => {
            note(
                w,
                "undici's `connections` is unset or null: no bound on connections per origin (not reported as `pool.max`)".to_owned(),
                span,
            );
            None
        }
        read => read.ok().flatten(),
    };
    let default = Setting {
        value: 4.0,
        span,
        default: true,
    };
    let idle_timeout = or_default(read(w, options, "keepAliveTimeout", 0.001), default);
    if let Ok(Some(depth)) = read(w, options, "pipelining", 1.0)
        && depth.value > 1.0
    {
        note(
            w,
            format!(
                "undici pipelines up to {} requests on each connection",
                depth.value
            ),
            depth.span,
        );
    }
    Pool {
        max,
        idle_timeout,
        max_idle: None,
    }
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::Output;
    use perfwarden_sdk::testing::{Tester, note_lines};

    use crate::Plugin;

    /// `(metric, client, value, line, default source)` of the agents' metrics.
    fn pools(out: &Output) -> Vec<(&str, &str, f64, u32, Option<&str>)> {
        out.metrics
            .iter()
            .filter(|m| m.label_value("resource") == Some("external-api"))
            .map(|m| {
                (
                    m.name.as_str(),
                    m.label_value("client").unwrap(),
                    m.value,
                    m.span.as_ref().unwrap().line,
                    m.label_value("source"),
                )
            })
            .collect()
    }

    #[test]
    fn node_agents_by_module_and_keep_alive() {
        let text = "import http from 'node:http';\nimport * as https from 'https';\nimport axios from 'axios';\nconst HttpAgent = require('agentkeepalive');\n\nexport const api = axios.create({\n  httpAgent: new http.Agent({ keepAlive: true, maxSockets: 10, maxFreeSockets: 5, timeout: 30000 }),\n  httpsAgent: new https.Agent({ keepAlive: true }),\n});\nconst plain = new http.Agent();\nconst pooled = new HttpAgent({ maxSockets: Infinity, maxTotalSockets: 20, freeSocketTimeout: 15000 });\n";
        let out = Tester::new(Plugin).run(&[("src/api.ts", text)]);
        assert_eq!(
            pools(&out),
            [
                ("pool.max", "httpAgent", 10.0, 7, None),
                ("pool.idle_timeout", "httpAgent", 30.0, 7, None),
                ("pool.max_idle", "httpAgent", 5.0, 7, None),
                // keepAlive without timeout or maxSockets: unbounded, idle sockets kept.
                ("pool.max_idle", "httpsAgent", 256.0, 8, Some("node:http")),
                // Node's default agent closes each socket when its requests end.
                ("pool.idle_timeout", "plain", 0.0, 10, Some("node:http")),
                ("pool.max_idle", "plain", 0.0, 10, Some("node:http")),
                // maxSockets: Infinity, so the total bounds it.
                ("pool.max", "pooled", 20.0, 11, None),
                ("pool.idle_timeout", "pooled", 15.0, 11, None),
                ("pool.max_idle", "pooled", 256.0, 11, Some("agentkeepalive")),
            ]
        );
        assert!(
            out.metrics
                .iter()
                .filter(|m| m.label_value("source").is_some())
                .all(|m| m.label_value("derivation") == Some("default"))
        );
        assert_eq!(
            note_lines(&out),
            [
                (
                    "Node's `http.Agent` sets no `maxSockets`: its default, Infinity, puts no bound on connections per host (not reported as `pool.max`)",
                    8
                ),
                (
                    "Node's `http.Agent` keeps idle sockets without `timeout`: they stay open until the server closes them",
                    8
                ),
                (
                    "Node's `http.Agent` sets no `maxSockets`: its default, Infinity, puts no bound on connections per host (not reported as `pool.max`)",
                    10
                ),
            ]
        );
    }

    #[test]
    fn undici_dispatchers_and_unknown_agents() {
        let text = "const { Agent, Pool, setGlobalDispatcher } = require('undici');\nsetGlobalDispatcher(new Agent({ connections: 8, keepAliveTimeout: 10_000, pipelining: 4 }));\nconst pool = new Pool(new URL('https://api.example'), {\n  connections: null,\n});\nconst custom = new Agent(options);\nnew Other.Agent({ maxSockets: 1 });\n";
        let out = Tester::new(Plugin).run(&[("lib/http.js", text)]);
        assert_eq!(
            pools(&out),
            [
                ("pool.max", "undici.Agent", 8.0, 2, None),
                ("pool.idle_timeout", "undici.Agent", 10.0, 2, None),
                ("pool.idle_timeout", "pool", 4.0, 3, Some("undici")),
            ]
        );
        assert_eq!(
            note_lines(&out),
            [
                ("undici pipelines up to 4 requests on each connection", 2),
                (
                    "undici's `connections` is unset or null: no bound on connections per origin (not reported as `pool.max`)",
                    3
                ),
            ]
        );
    }

    #[test]
    fn computed_unbounded_and_unbound_namespaces() {
        // `http` bound by no import (TypeScript's `import x = require()`) is Node's module.
        let text = "import http = require('http');\nnew http.Agent({ maxSockets: Infinity, keepAlive: maybe, timeout: 1e999 });\nnew (require('undici').Pool)(x, {});\nconst agentkeepalive = require('agentkeepalive');\nexport const keep = new agentkeepalive.HttpsAgent({ keepAlive: false, maxSockets: limits.max, maxTotalSockets: 50 });\n";
        let out = Tester::new(Plugin).run(&[("src/http.ts", text)]);
        assert!(out.metrics.iter().all(|m| m.value.is_finite()));
        assert_eq!(
            pools(&out),
            [
                ("pool.idle_timeout", "undici.Pool", 4.0, 3, Some("undici")),
                // A computed per-host bound may be the lower one: not reported.
                ("pool.idle_timeout", "keep", 0.0, 5, None),
                ("pool.max_idle", "keep", 0.0, 5, None),
            ]
        );
        assert_eq!(
            note_lines(&out),
            [
                (
                    "Node's `http.Agent` sets no `maxSockets`: its default, Infinity, puts no bound on connections per host (not reported as `pool.max`)",
                    2
                ),
                (
                    "`keepAlive` is computed (`maybe`): its value is known only at run time",
                    2
                ),
                (
                    "undici's `connections` is unset or null: no bound on connections per origin (not reported as `pool.max`)",
                    3
                ),
                (
                    "`maxSockets` is computed (`limits.max`): its value is known only at run time",
                    5
                ),
            ]
        );
    }
}
