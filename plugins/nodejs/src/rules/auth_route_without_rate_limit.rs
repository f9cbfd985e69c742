use oxc_ast::ast::{CallExpression, ObjectExpression};
use oxc_span::{GetSpan, Span};
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::consts::{arg, has_key_deep, object, prop, string};
use crate::model::Kind;
use crate::routes::{self, Route, root_name};
use crate::walk::Walker;

declare_rule! {
    /// ## What it does
    /// Flags login and authentication routes (`/login`, `/auth/*`,
    /// `/password/reset`, `/token`, `/register` ...) registered without a
    /// rate limiter: no limiter middleware on the route, its router or its
    /// mount path, no global `app.use(limiter)`, no Fastify `config.rateLimit`
    /// and no NestJS `@Throttle`/`ThrottlerGuard`.
    ///
    /// ## Why is this bad?
    /// Password checks are deliberately slow (bcrypt/argon2: 50-300 ms of CPU
    /// each); an unthrottled login endpoint is both a credential-stuffing
    /// target and a cheap way to saturate the CPU for every other user.
    ///
    /// ## Example
    /// ```js
    /// app.post('/login', loginHandler);
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 5 });
    /// app.post('/login', loginLimiter, loginHandler);
    /// ```
    pub static RULE = {
        id: "NODE013",
        name: "auth-route-without-rate-limit",
        summary: "Login/auth route without a rate limiter",
        policy: "rate_limit.login",
    }
}

fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "ALL")
}

fn finding(w: &Walker<'_>, method: &str, path: &str, span: Span) -> Finding {
    Finding::new(
        &RULE,
        format!("{method} {path} authenticates without a rate limiter"),
    )
    .span(w.span(span))
    .evidence(w.snippet(span))
    .fix("Add a limiter middleware (express-rate-limit, @fastify/rate-limit, @nestjs/throttler), e.g. 5 attempts per 15 min")
    .confidence(Confidence::High)
}

pub fn check(w: &Walker<'_>, call: &CallExpression<'_>, route: &Route<'_, '_>) -> Option<Finding> {
    let path = route.path?;
    if !is_write(&route.method) || !routes::is_auth_path(path) {
        return None;
    }
    let middlewares = &route.chain[..route.chain.len().saturating_sub(1)];
    let limited_inline = middlewares.iter().any(|m| {
        w.kind_of(m) == Some(Kind::Limiter) || root_name(m).is_some_and(routes::is_limiter_name)
    });
    let fastify_config =
        object(arg(&call.arguments, 1)).is_some_and(|o| has_key_deep(o, &["rateLimit"]));
    let receiver = call
        .callee
        .as_member_expression()
        .and_then(|m| root_name(m.object()));
    let limited_router = receiver.is_some_and(|r| {
        w.project
            .limited
            .get(w.file)
            .is_some_and(|set| set.contains(r))
    });
    let limited_prefix = w
        .project
        .limited_prefixes
        .iter()
        .any(|p| path.starts_with(p.as_str()));
    if limited_inline
        || fastify_config
        || limited_router
        || limited_prefix
        || w.project.global_limiter
    {
        return None;
    }
    Some(finding(w, &route.method, path, call.span))
}

/// Fastify `route({ method, url, handler, config: { rateLimit } })`.
pub fn check_fastify_route(
    w: &Walker<'_>,
    options: &ObjectExpression<'_>,
    span: Span,
) -> Option<Finding> {
    let path = prop(options, "url").and_then(string)?;
    let method = prop(options, "method")?;
    let methods = w.source(method.span()).to_ascii_uppercase();
    let verb = ["POST", "PUT", "PATCH"]
        .into_iter()
        .find(|m| methods.contains(m))?;
    if !routes::is_auth_path(path) || w.project.global_limiter {
        return None;
    }
    let hooks_limit = ["preHandler", "onRequest", "preValidation"]
        .iter()
        .any(|k| prop(options, k).is_some_and(|h| routes::is_limiter_name(w.source(h.span()))));
    if has_key_deep(options, &["rateLimit"]) || hooks_limit {
        return None;
    }
    Some(finding(w, verb, path, span))
}

/// NestJS controller methods (`@Post('login')` in `@Controller('auth')`).
pub fn check_nest(
    w: &Walker<'_>,
    method: &str,
    path: &str,
    limited: bool,
    span: Span,
) -> Option<Finding> {
    if limited || !is_write(method) || !routes::is_auth_path(path) {
        return None;
    }
    Some(finding(w, method, path, span))
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use super::RULE;
    use crate::Plugin;

    #[test]
    fn rule() {
        Tester::new(Plugin).test_rule(
            &RULE,
            "src/auth.js",
            &[
                "const rateLimit = require('express-rate-limit');\nconst app = require('express')();\nconst loginLimiter = rateLimit({ windowMs: 900000, limit: 5 });\napp.post('/login', loginLimiter, (req, res) => res.end());",
                "const rateLimit = require('express-rate-limit');\nconst app = require('express')();\napp.use(rateLimit({ windowMs: 60000, limit: 100 }));\napp.post('/login', (req, res) => res.end());",
                "const app = require('express')();\napp.get('/login', (req, res) => res.send('form'));",
                "@Controller('auth')\n@UseGuards(ThrottlerGuard)\nexport class AuthController { @Post('login') login(@Body() dto) { return dto; } }",
                "export default async function routes(fastify) { fastify.route({ method: 'POST', url: '/auth/token', config: { rateLimit: { max: 5, timeWindow: '1 minute' } }, handler: async (request, reply) => ({}) }); }",
            ],
            &[
                "const app = require('express')();\napp.post('/login', (req, res) => res.end());",
                "import { Router } from 'express';\nconst router = Router();\nrouter.post('/auth/password-reset', async (req, res) => res.end());\nexport default router;",
                "@Controller('auth')\nexport class AuthController { @Post('login') login(@Body() dto) { return dto; } }",
                "export default async function routes(fastify) { fastify.route({ method: 'POST', url: '/auth/token', handler: async (request, reply) => ({}) }); }",
            ],
        );
    }
}
