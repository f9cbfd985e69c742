//! Recognising route registrations and middleware mounts of Express, Koa
//! routers and Fastify.

use oxc_ast::ast::{Argument, CallExpression, Expression};

use crate::consts::string;
use crate::model::{Kind, unwrap};

/// Receiver names that are routers by convention when their kind is unknown
/// (a Fastify plugin's `fastify` parameter, an app passed to a module).
const ROUTER_NAMES: [&str; 7] = [
    "app", "router", "server", "api", "fastify", "instance", "routes",
];

const METHODS: [&str; 9] = [
    "get", "post", "put", "patch", "delete", "del", "all", "head", "options",
];

/// A route registration: `app.post("/login", limiter, handler)`.
#[derive(Debug)]
pub struct Route<'b, 'a> {
    /// Upper-case HTTP method (`ALL` for `all`).
    pub method: String,
    /// The path as written, when it is a literal.
    pub path: Option<&'a str>,
    /// Middlewares and handler, in order (the handler is last).
    pub chain: Vec<&'b Expression<'a>>,
}

/// The innermost identifier a member/call chain starts from.
pub fn root_name<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    let mut expr = unwrap(expr);
    for _ in 0..64 {
        expr = match expr {
            Expression::Identifier(id) => return Some(id.name.as_str()),
            Expression::StaticMemberExpression(m) => unwrap(&m.object),
            Expression::ComputedMemberExpression(m) => unwrap(&m.object),
            Expression::CallExpression(c) => unwrap(&c.callee),
            _ => return None,
        };
    }
    None
}

/// Recognise `recv.method(path, ...fns)` or `recv.route(path).method(...fns)`;
/// `receiver_kind` is what the model knows about the receiver.
pub fn route<'b, 'a>(
    call: &'b CallExpression<'a>,
    receiver_kind: Option<Kind>,
) -> Option<Route<'b, 'a>> {
    let member = call.callee.as_member_expression()?;
    let method = member.static_property_name()?;
    if !METHODS.contains(&method) {
        return None;
    }
    let receiver = unwrap(member.object());
    let (path, handlers): (Option<&'a str>, &'b [Argument<'a>]) = match receiver {
        // `app.route("/x").get(handler)`
        Expression::CallExpression(inner)
            if inner
                .callee
                .as_member_expression()
                .and_then(|m| m.static_property_name())
                == Some("route") =>
        {
            let path = inner.arguments.first().and_then(Argument::as_expression);
            (path.and_then(string), &call.arguments[..])
        }
        _ => {
            let path = string(call.arguments.first()?.as_expression()?)?;
            if !(path.starts_with('/') || path == "*") {
                return None;
            }
            (Some(path), &call.arguments[1..])
        }
    };
    let is_router = match receiver_kind {
        Some(Kind::App(_)) => true,
        Some(_) => false,
        None => root_name(receiver).is_some_and(|name| ROUTER_NAMES.contains(&name)),
    };
    if !is_router {
        return None;
    }
    let chain: Vec<_> = handlers
        .iter()
        .filter_map(Argument::as_expression)
        .filter(|e| is_callable_ref(e))
        .collect();
    if chain.is_empty() {
        return None;
    }
    Some(Route {
        method: if method == "del" {
            "DELETE".into()
        } else {
            method.to_ascii_uppercase()
        },
        path,
        chain,
    })
}

/// Something that can be a handler or middleware: a function, a name, a
/// member (`controller.list`), or a call returning one (`limiter()`).
pub fn is_callable_ref(expr: &Expression<'_>) -> bool {
    matches!(
        unwrap(expr),
        Expression::ArrowFunctionExpression(_)
            | Expression::FunctionExpression(_)
            | Expression::Identifier(_)
            | Expression::StaticMemberExpression(_)
            | Expression::CallExpression(_)
            | Expression::ArrayExpression(_)
    )
}

/// `app.use([path], ...middlewares)`: the mount path and the arguments.
pub fn mount<'b, 'a>(
    call: &'b CallExpression<'a>,
) -> Option<(Option<&'a str>, Vec<&'b Expression<'a>>)> {
    let member = call.callee.as_member_expression()?;
    if member.static_property_name()? != "use" {
        return None;
    }
    let mut args = call.arguments.iter().filter_map(Argument::as_expression);
    let first = args.next()?;
    match string(first) {
        Some(path) => Some((Some(path), args.collect())),
        None => Some((None, std::iter::once(first).chain(args).collect())),
    }
}

/// Whether a path names an authentication endpoint.
pub fn is_auth_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [
        "login", "signin", "sign-in", "sign_in", "logon", "auth", "token", "password", "otp",
        "2fa", "mfa", "verify", "register", "signup", "sign-up",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// Whether a middleware name reads as a rate limiter (`loginLimiter`, `throttle`).
pub fn is_limiter_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("limit") || lower.contains("throttl")
}
