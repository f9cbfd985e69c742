//! Configuration facts reported as metrics for the policy to judge: pool
//! bounds and idle timeouts, statement and HTTP timeouts, cache TTLs and
//! rate-limit windows. Unset values are reported with the library default
//! and `derivation=default`, `source=<library>`.

use oxc_ast::ast::{Argument, CallExpression, Expression, ObjectExpression};
use oxc_span::Span;
use perfwarden_sdk::Metric;
use perfwarden_sdk::vocabulary::{self as v, label, unit};

use crate::consts::{arg, number, object, prop, string, string_prefix};
use crate::model::{Kind, Lib};
use crate::walk::Walker;

/// One configured value: from the code, or the library default.
pub struct Value {
    pub value: f64,
    pub default: bool,
}

fn value(obj: Option<&ObjectExpression<'_>>, key: &str, default: f64, scale: f64) -> Option<Value> {
    match obj.and_then(|o| prop(o, key)) {
        Some(expr) => number(expr).map(|n| Value {
            value: n * scale,
            default: false,
        }),
        None => Some(Value {
            value: default * scale,
            default: true,
        }),
    }
}

/// Push a metric, labelled as a default of `source` when it is one.
pub fn emit(
    w: &mut Walker<'_>,
    name: &str,
    unit: &str,
    v: Value,
    labels: &[(&str, &str)],
    source: &str,
    span: Span,
) {
    let mut metric = Metric::new(name, v.value, unit);
    for (k, val) in labels {
        metric = metric.label(*k, *val);
    }
    if v.default {
        metric = metric
            .label(label::DERIVATION, "default")
            .label(label::SOURCE, source);
    }
    let span = w.span(span);
    w.sink.metrics.push(metric.span(span));
}

/// A client, pool, cache or limiter was constructed.
pub fn constructed(
    w: &mut Walker<'_>,
    kind: Kind,
    args: &[Argument<'_>],
    span: Span,
    name: Option<&str>,
) {
    match kind {
        Kind::Db(lib) => database(w, lib, args, span, name),
        Kind::Cache(lib) => cache_constructor(w, lib, args, span, name),
        Kind::Http(lib @ (Lib::Axios | Lib::Got)) => {
            let client = name.unwrap_or(lib.name()).to_owned();
            let obj = object(arg(args, 0));
            let scale = 0.001;
            if let Some(v) = value(obj, "timeout", 0.0, scale) {
                emit(
                    w,
                    v::HTTP_CLIENT_TIMEOUT,
                    unit::S,
                    v,
                    &[(label::CLIENT, &client)],
                    lib.name(),
                    span,
                );
            }
        }
        Kind::Limiter => limiter(w, args, span, name),
        _ => {}
    }
}

/// A pool's options object and its `(key, default)` for min, max and idle timeout (ms).
type PoolShape<'b, 'a> = (
    Option<&'b ObjectExpression<'a>>,
    Option<(&'static str, f64)>,
    (&'static str, f64),
    Option<(&'static str, f64)>,
);

fn database(w: &mut Walker<'_>, lib: Lib, args: &[Argument<'_>], span: Span, name: Option<&str>) {
    let client = name.unwrap_or(lib.name()).to_owned();
    let labels = [
        (label::RESOURCE, "database"),
        (label::CLIENT, client.as_str()),
    ];
    let source_text = w.source(span);
    // (options object, min key/default, max key/default, idle key/default in ms)
    let (obj, min, max, idle): PoolShape<'_, '_> = match lib {
        // pg: max 10, min 0, idleTimeoutMillis 10 000. `new Client` is no pool.
        Lib::Pg if !source_text.contains("Client") => (
            object(arg(args, 0)),
            Some(("min", 0.0)),
            ("max", 10.0),
            Some(("idleTimeoutMillis", 10_000.0)),
        ),
        // mysql2 pools: connectionLimit 10, idleTimeout 60 000.
        Lib::Mysql2 if source_text.contains("createPool") => (
            object(arg(args, 0)),
            None,
            ("connectionLimit", 10.0),
            Some(("idleTimeout", 60_000.0)),
        ),
        // knex (tarn): pool { min 2, max 10, idleTimeoutMillis 30 000 }.
        Lib::Knex => (
            object(object(arg(args, 0)).and_then(|o| prop(o, "pool"))),
            Some(("min", 2.0)),
            ("max", 10.0),
            Some(("idleTimeoutMillis", 30_000.0)),
        ),
        // Sequelize: pool { max 5, min 0, idle 10 000 }.
        Lib::Sequelize => (
            args.iter()
                .rev()
                .find_map(|a| object(a.as_expression()))
                .and_then(|o| object(prop(o, "pool"))),
            Some(("min", 0.0)),
            ("max", 5.0),
            Some(("idle", 10_000.0)),
        ),
        _ => return statement_timeout(w, lib, args, span, &client),
    };
    // Options built elsewhere (`new Pool(config)`) are unknown: report nothing.
    if arg(args, 0).is_some_and(|a| object(Some(a)).is_none()) && lib != Lib::Sequelize {
        return;
    }
    let source = lib.name();
    if let Some((key, default)) = min
        && let Some(v) = value(obj, key, default, 1.0)
    {
        emit(w, v::POOL_MIN, unit::CONNECTIONS, v, &labels, source, span);
    }
    if let Some(v) = value(obj, max.0, max.1, 1.0) {
        emit(w, v::POOL_MAX, unit::CONNECTIONS, v, &labels, source, span);
    }
    if let Some((key, default)) = idle
        && let Some(v) = value(obj, key, default, 0.001)
    {
        emit(w, v::POOL_IDLE_TIMEOUT, unit::S, v, &labels, source, span);
    }
    statement_timeout(w, lib, args, span, &client);
}

fn statement_timeout(
    w: &mut Walker<'_>,
    lib: Lib,
    args: &[Argument<'_>],
    span: Span,
    client: &str,
) {
    let Some(lacking) = crate::rules::query_without_timeout::lacks_timeout(w, Kind::Db(lib), args)
    else {
        return;
    };
    let v = if lacking {
        // pg's default: no statement timeout.
        Some(Value {
            value: 0.0,
            default: true,
        })
    } else {
        find_number(args, "statement_timeout").map(|ms| Value {
            value: ms / 1000.0,
            default: false,
        })
    };
    if let Some(v) = v {
        emit(
            w,
            v::DB_STATEMENT_TIMEOUT,
            unit::S,
            v,
            &[(label::CLIENT, client)],
            lib.name(),
            span,
        );
    }
}

fn find_number(args: &[Argument<'_>], key: &str) -> Option<f64> {
    fn walk(obj: &ObjectExpression<'_>, key: &str, depth: u32) -> Option<f64> {
        if depth > 8 {
            return None;
        }
        prop(obj, key).and_then(number).or_else(|| {
            obj.properties.iter().find_map(|p| match p {
                oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p) => {
                    object(Some(&p.value)).and_then(|inner| walk(inner, key, depth + 1))
                }
                oxc_ast::ast::ObjectPropertyKind::SpreadProperty(_) => None,
            })
        })
    }
    args.iter()
        .filter_map(|a| object(a.as_expression()))
        .find_map(|o| walk(o, key, 0))
}

fn cache_constructor(
    w: &mut Walker<'_>,
    lib: Lib,
    args: &[Argument<'_>],
    span: Span,
    name: Option<&str>,
) {
    let (key, scale) = match lib {
        Lib::NodeCache => ("stdTTL", 1.0),
        // lru-cache and cache-manager (v5+) count milliseconds.
        Lib::LruCache | Lib::CacheManager => ("ttl", 0.001),
        _ => return,
    };
    let cache = name.unwrap_or(lib.name()).to_owned();
    let ttl = args
        .iter()
        .filter_map(|a| object(a.as_expression()))
        .find_map(|o| prop(o, key))
        .and_then(number);
    if let Some(ttl) = ttl {
        let class = data_class(&cache);
        emit(
            w,
            v::CACHE_TTL,
            unit::S,
            Value {
                value: ttl * scale,
                default: false,
            },
            &[(label::DATA_CLASS, class), (label::CACHE, &cache)],
            lib.name(),
            span,
        );
    }
}

/// TTL written with a Redis `set ... EX n` / `setex(key, n, v)`.
pub fn cache_write(w: &mut Walker<'_>, call: &CallExpression<'_>, lib: Lib, method: &str) {
    let args = &call.arguments;
    let seconds = match method {
        "setex" | "setEx" => arg(args, 1).and_then(number),
        "psetex" | "pSetEx" => arg(args, 1).and_then(number).map(|ms| ms / 1000.0),
        "set" => {
            let rest: Vec<&Expression<'_>> = args
                .iter()
                .skip(2)
                .filter_map(Argument::as_expression)
                .collect();
            let by_word = rest.windows(2).find_map(|pair| match string(pair[0]) {
                Some(word) if word.eq_ignore_ascii_case("EX") => number(pair[1]),
                Some(word) if word.eq_ignore_ascii_case("PX") => {
                    number(pair[1]).map(|ms| ms / 1000.0)
                }
                _ => None,
            });
            by_word.or_else(|| {
                rest.iter().find_map(|e| {
                    let o = object(Some(e))?;
                    prop(o, "EX")
                        .and_then(number)
                        .or_else(|| prop(o, "PX").and_then(number).map(|ms| ms / 1000.0))
                })
            })
        }
        _ => None,
    };
    let Some(seconds) = seconds else {
        return;
    };
    let key = arg(args, 0).and_then(string_prefix).unwrap_or("");
    let class = data_class(key);
    let cache = key.split([':', '/', '.']).next().unwrap_or(key).to_owned();
    let cache = if cache.is_empty() {
        lib.name().to_owned()
    } else {
        cache
    };
    emit(
        w,
        v::CACHE_TTL,
        unit::S,
        Value {
            value: seconds,
            default: false,
        },
        &[(label::DATA_CLASS, class), (label::CACHE, &cache)],
        lib.name(),
        call.span,
    );
}

/// Data class of a cache by its key prefix or name (the policy's classes).
fn data_class(key: &str) -> &'static str {
    let lower = key.to_ascii_lowercase();
    if lower.contains("session") || lower.contains("sess:") {
        "session"
    } else if ["count", "views", "rate", "hits", "stats"]
        .iter()
        .any(|w| lower.contains(w))
    {
        "counter"
    } else if lower.contains("page") || lower.contains("html") {
        "page"
    } else if ["static", "config", "categor", "countr", "settings"]
        .iter()
        .any(|w| lower.contains(w))
    {
        "static"
    } else {
        "api"
    }
}

/// express-rate-limit / express-slow-down options: window and limit.
fn limiter(w: &mut Walker<'_>, args: &[Argument<'_>], span: Span, name: Option<&str>) {
    let Some(obj) = object(arg(args, 0)) else {
        return;
    };
    let route = name.unwrap_or("rate-limit").to_owned();
    let lower = route.to_ascii_lowercase();
    let class = if ["login", "auth", "signin", "password"]
        .iter()
        .any(|k| lower.contains(k))
    {
        "login"
    } else if lower.contains("webhook") {
        "webhook"
    } else if ["heavy", "upload", "import", "export", "report"]
        .iter()
        .any(|k| lower.contains(k))
    {
        "heavy"
    } else {
        "standard"
    };
    let labels = [(label::ROUTE_CLASS, class), (label::ROUTE, route.as_str())];
    // express-rate-limit v7 defaults: windowMs 60 000, limit 5.
    if let Some(v) = value(Some(obj), "windowMs", 60_000.0, 0.001) {
        emit(
            w,
            v::RATE_LIMIT_WINDOW,
            unit::S,
            v,
            &labels,
            "express-rate-limit",
            span,
        );
    }
    let limit_key = if prop(obj, "max").is_some() {
        "max"
    } else {
        "limit"
    };
    if let Some(v) = value(Some(obj), limit_key, 5.0, 1.0) {
        emit(
            w,
            v::RATE_LIMIT_LIMIT,
            unit::COUNT,
            v,
            &labels,
            "express-rate-limit",
            span,
        );
    }
}
