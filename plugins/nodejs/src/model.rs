//! The context model: which values are database, cache, queue, HTTP, mail
//! and notification clients, web apps or rate limiters, derived from the
//! packages they come from and followed through assignments, imports and
//! requires.

use oxc_ast::ast::{Argument, Expression};

/// A library the model knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lib {
    Prisma,
    Sequelize,
    TypeOrm,
    Knex,
    Mongoose,
    Pg,
    Mysql2,
    Redis,
    IoRedis,
    NodeCache,
    LruCache,
    CacheManager,
    BullMq,
    Bull,
    BeeQueue,
    Agenda,
    Axios,
    Got,
    Undici,
    Fetch,
    Nodemailer,
    Twilio,
    FirebaseAdmin,
    WebPush,
    Sns,
    Slack,
    Apn,
    PushNotifications,
    Expo,
    Express,
    Fastify,
    Koa,
    Limiter,
}

impl Lib {
    /// Package name as users know it, for messages and labels.
    pub fn name(self) -> &'static str {
        match self {
            Lib::Prisma => "prisma",
            Lib::Sequelize => "sequelize",
            Lib::TypeOrm => "typeorm",
            Lib::Knex => "knex",
            Lib::Mongoose => "mongoose",
            Lib::Pg => "pg",
            Lib::Mysql2 => "mysql2",
            Lib::Redis => "redis",
            Lib::IoRedis => "ioredis",
            Lib::NodeCache => "node-cache",
            Lib::LruCache => "lru-cache",
            Lib::CacheManager => "cache-manager",
            Lib::BullMq => "bullmq",
            Lib::Bull => "bull",
            Lib::BeeQueue => "bee-queue",
            Lib::Agenda => "agenda",
            Lib::Axios => "axios",
            Lib::Got => "got",
            Lib::Undici => "undici",
            Lib::Fetch => "fetch",
            Lib::Nodemailer => "nodemailer",
            Lib::Twilio => "twilio",
            Lib::FirebaseAdmin => "firebase-admin",
            Lib::WebPush => "web-push",
            Lib::Sns => "sns",
            Lib::Slack => "slack",
            Lib::Apn => "apn",
            Lib::PushNotifications => "node-pushnotifications",
            Lib::Expo => "expo-server-sdk",
            Lib::Express => "express",
            Lib::Fastify => "fastify",
            Lib::Koa => "koa",
            Lib::Limiter => "rate-limit",
        }
    }
}

/// What a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A database client, pool, ORM model or repository.
    Db(Lib),
    /// A cache client.
    Cache(Lib),
    /// A job queue producer.
    Queue(Lib),
    /// An outbound HTTP client (or function such as `fetch`).
    Http(Lib),
    /// A mail transport.
    Mailer,
    /// A push, SMS or chat notification client (Twilio, FCM, web-push, SNS,
    /// Slack, APNs, Expo).
    Notifier(Lib),
    /// A web application or router on which routes are registered.
    App(Lib),
    /// A rate-limiting middleware.
    Limiter,
}

/// How a name is bound, before project-wide resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A package or one of its members (`path` from the package root).
    Pkg { module: String, path: Vec<String> },
    /// A value whose kind is known.
    Known(Kind),
    /// An export of another project file; `*` is the whole module.
    Relative { file: usize, export: String },
}

/// Name lookup used while evaluating expressions.
pub trait Scope {
    /// The binding of an identifier, if it is interesting.
    fn get(&self, name: &str) -> Option<Binding>;
    /// The binding of `this.<field>` in the current class.
    fn this_field(&self, _field: &str) -> Option<Binding> {
        None
    }
    /// Resolve a relative binding to a kind (project-wide).
    fn resolve(&self, binding: &Binding) -> Option<Kind>;
}

/// Strip wrappers that do not change the value.
pub fn unwrap<'e, 'a>(mut expr: &'e Expression<'a>) -> &'e Expression<'a> {
    loop {
        expr = match expr {
            Expression::ParenthesizedExpression(e) => &e.expression,
            Expression::TSAsExpression(e) => &e.expression,
            Expression::TSSatisfiesExpression(e) => &e.expression,
            Expression::TSNonNullExpression(e) => &e.expression,
            Expression::TSTypeAssertion(e) => &e.expression,
            Expression::AwaitExpression(e) => &e.argument,
            _ => return expr,
        };
    }
}

/// `require("x")` → `"x"`.
pub fn require_source<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    let Expression::CallExpression(call) = unwrap(expr) else {
        return None;
    };
    let Expression::Identifier(callee) = &call.callee else {
        return None;
    };
    if callee.name.as_str() != "require" || call.arguments.len() != 1 {
        return None;
    }
    match call.arguments.first()? {
        Argument::StringLiteral(s) => Some(s.value.as_str()),
        _ => None,
    }
}

/// Evaluate what an expression is bound to. `relative` maps a relative
/// `require` specifier to a project file.
pub fn eval(
    expr: &Expression<'_>,
    scope: &dyn Scope,
    relative: &dyn Fn(&str) -> Option<usize>,
) -> Option<Binding> {
    eval_depth(expr, scope, relative, 0)
}

fn eval_depth(
    expr: &Expression<'_>,
    scope: &dyn Scope,
    relative: &dyn Fn(&str) -> Option<usize>,
    depth: u32,
) -> Option<Binding> {
    // Member chains are short in real code; the cap keeps adversarial input cheap.
    if depth > 64 {
        return None;
    }
    let expr = unwrap(expr);
    if let Some(source) = require_source(expr) {
        return Some(match relative(source) {
            Some(file) => Binding::Relative {
                file,
                export: "*".into(),
            },
            None => Binding::Pkg {
                module: source.to_owned(),
                path: Vec::new(),
            },
        });
    }
    match expr {
        Expression::Identifier(id) => {
            let name = id.name.as_str();
            if name == "fetch" && scope.get(name).is_none() {
                return Some(Binding::Known(Kind::Http(Lib::Fetch)));
            }
            scope.get(name)
        }
        Expression::ChainExpression(chain) => match &chain.expression {
            oxc_ast::ast::ChainElement::CallExpression(call) => {
                let callee = eval_depth(&call.callee, scope, relative, depth + 1)?;
                call_result(callee, method_name(&call.callee), scope)
            }
            other => {
                let member = other.as_member_expression()?;
                let object = eval_depth(member.object(), scope, relative, depth + 1)?;
                Some(member_of(object, member.static_property_name()?))
            }
        },
        Expression::StaticMemberExpression(member) => {
            if let Expression::ThisExpression(_) = &member.object {
                return scope.this_field(member.property.name.as_str());
            }
            let object = eval_depth(&member.object, scope, relative, depth + 1)?;
            Some(member_of(object, member.property.name.as_str()))
        }
        Expression::ComputedMemberExpression(member) => {
            let object = eval_depth(&member.object, scope, relative, depth + 1)?;
            match object {
                Binding::Known(kind) => Some(Binding::Known(kind)),
                _ => None,
            }
        }
        Expression::CallExpression(call) => {
            let callee = eval_depth(&call.callee, scope, relative, depth + 1)?;
            call_result(callee, method_name(&call.callee), scope)
        }
        Expression::NewExpression(new) => {
            let callee = eval_depth(&new.callee, scope, relative, depth + 1)?;
            match callee {
                Binding::Pkg { module, path } => package_new(&module, &path).map(Binding::Known),
                other => Some(other),
            }
        }
        _ => None,
    }
}

fn member_of(object: Binding, property: &str) -> Binding {
    match object {
        Binding::Pkg { module, mut path } => {
            path.push(property.to_owned());
            Binding::Pkg { module, path }
        }
        Binding::Relative { file, export } if export == "*" => Binding::Relative {
            file,
            export: property.to_owned(),
        },
        // A member of a client is the same kind of thing: `prisma.user`,
        // `db.models.User`, `redis.pipeline`.
        other => other,
    }
}

/// The property name of a method call's callee (`a.b.find` → `find`).
pub fn method_name<'a>(callee: &Expression<'a>) -> Option<&'a str> {
    unwrap(callee)
        .as_member_expression()
        .and_then(|m| m.static_property_name())
}

/// Methods of clients that return another client-like object rather than data.
const DERIVING_METHODS: [&str; 16] = [
    "getRepository",
    "getCustomRepository",
    "getTreeRepository",
    "model",
    "define",
    "collection",
    "db",
    "table",
    "withSchema",
    "$extends",
    "extend",
    "create",
    "duplicate",
    "child",
    "useDb",
    "connect",
];

fn call_result(callee: Binding, method: Option<&str>, scope: &dyn Scope) -> Option<Binding> {
    match callee {
        Binding::Pkg { module, path } => Some(match package_call(&module, &path) {
            Some(kind) => Binding::Known(kind),
            None => Binding::Pkg { module, path },
        }),
        // A bare call of a knex instance is a query builder; of others, data.
        Binding::Known(Kind::Db(Lib::Knex)) if method.is_none() => {
            Some(Binding::Known(Kind::Db(Lib::Knex)))
        }
        Binding::Known(kind) => method
            .filter(|m| DERIVING_METHODS.contains(m))
            .map(|_| Binding::Known(kind)),
        relative @ Binding::Relative { .. } => match scope.resolve(&relative) {
            Some(kind) => call_result(Binding::Known(kind), method, scope),
            // Unknown until linked: a factory exported by another file.
            None => method.is_none().then_some(relative),
        },
    }
}

/// Module specifiers of the same package family.
fn family(module: &str) -> &str {
    match module {
        "mysql2/promise" | "mysql" => "mysql2",
        "koa-router" | "@koa/router" => "koa-router",
        "node:http" => "http",
        "node:https" => "https",
        "firebase-admin/app" | "firebase-admin/messaging" => "firebase-admin",
        "@parse/node-apn" => "apn",
        "aws-sdk/clients/sns" => "aws-sdk/sns",
        other => other,
    }
}

/// Kind of a package member referenced as is.
pub fn package_value(module: &str, path: &[String]) -> Option<Kind> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    Some(match (family(module), path.as_slice()) {
        ("axios", [] | ["default"]) => Kind::Http(Lib::Axios),
        ("got", [] | ["default"]) => Kind::Http(Lib::Got),
        ("node-fetch", [] | ["default"]) => Kind::Http(Lib::Fetch),
        ("undici", ["request" | "fetch"]) => Kind::Http(Lib::Undici),
        ("mongoose", [] | ["default"]) => Kind::Db(Lib::Mongoose),
        ("web-push", [] | ["default"]) => Kind::Notifier(Lib::WebPush),
        _ => return None,
    })
}

/// Kind of the value returned by calling a package member, when that call
/// creates a client (a construction site).
pub fn package_call(module: &str, path: &[String]) -> Option<Kind> {
    package_factory(module, path).or_else(|| package_value(module, path))
}

/// Kind of the client created by calling a package factory (`express()`,
/// `mysql.createPool()`, `axios.create()`).
pub fn package_factory(module: &str, path: &[String]) -> Option<Kind> {
    let tail: Vec<&str> = path.iter().map(String::as_str).collect();
    let kind = match (family(module), tail.as_slice()) {
        ("express", [] | ["default"] | ["Router"]) => Kind::App(Lib::Express),
        ("fastify", [] | ["default"] | ["fastify"]) => Kind::App(Lib::Fastify),
        ("knex", [] | ["default"] | ["knex"]) => Kind::Db(Lib::Knex),
        ("redis", ["createClient" | "createCluster"]) => Kind::Cache(Lib::Redis),
        ("mysql2", ["createPool" | "createConnection" | "createPoolCluster"]) => {
            Kind::Db(Lib::Mysql2)
        }
        ("nodemailer", ["createTransport"]) => Kind::Mailer,
        // `require('twilio')(sid, token)`, `twilio(sid, token)`.
        ("twilio", [] | ["default"]) => Kind::Notifier(Lib::Twilio),
        // `admin.messaging()`, `admin.app().messaging()`, `getMessaging(app)`.
        ("firebase-admin", [.., "messaging"] | ["getMessaging"]) => {
            Kind::Notifier(Lib::FirebaseAdmin)
        }
        ("axios", ["create"]) => Kind::Http(Lib::Axios),
        ("got", ["extend"]) => Kind::Http(Lib::Got),
        ("express-rate-limit", [] | ["default" | "rateLimit"]) => Kind::Limiter,
        ("express-slow-down", [] | ["default" | "slowDown"]) => Kind::Limiter,
        ("cache-manager", ["caching" | "createCache"]) => Kind::Cache(Lib::CacheManager),
        ("mongoose", ["model" | "createConnection"]) => Kind::Db(Lib::Mongoose),
        _ => return None,
    };
    Some(kind)
}

/// Kind of an instance constructed with `new` from a package member.
pub fn package_new(module: &str, path: &[String]) -> Option<Kind> {
    let tail: Vec<&str> = path.iter().map(String::as_str).collect();
    Some(match (family(module), tail.as_slice()) {
        ("pg", ["Pool" | "Client"]) => Kind::Db(Lib::Pg),
        ("@prisma/client", ["PrismaClient"]) => Kind::Db(Lib::Prisma),
        ("sequelize", [] | ["Sequelize" | "default"]) => Kind::Db(Lib::Sequelize),
        ("typeorm", ["DataSource"]) => Kind::Db(Lib::TypeOrm),
        ("ioredis", [] | ["default" | "Redis" | "Cluster"]) => Kind::Cache(Lib::IoRedis),
        ("node-cache", [] | ["default"]) => Kind::Cache(Lib::NodeCache),
        ("lru-cache", [] | ["default" | "LRUCache"]) => Kind::Cache(Lib::LruCache),
        ("bullmq", ["Queue"]) => Kind::Queue(Lib::BullMq),
        ("bull", [] | ["default"]) => Kind::Queue(Lib::Bull),
        ("bee-queue", [] | ["default"]) => Kind::Queue(Lib::BeeQueue),
        ("agenda", [] | ["default" | "Agenda"]) => Kind::Queue(Lib::Agenda),
        ("koa", [] | ["default"]) => Kind::App(Lib::Koa),
        ("koa-router", [] | ["default"]) => Kind::App(Lib::Koa),
        ("twilio", [] | ["default" | "Twilio"]) => Kind::Notifier(Lib::Twilio),
        ("@aws-sdk/client-sns", ["SNSClient" | "SNS"]) => Kind::Notifier(Lib::Sns),
        ("aws-sdk", ["SNS"]) => Kind::Notifier(Lib::Sns),
        ("aws-sdk/sns", [] | ["default"]) => Kind::Notifier(Lib::Sns),
        ("@slack/web-api", ["WebClient"]) => Kind::Notifier(Lib::Slack),
        ("@slack/webhook", ["IncomingWebhook"]) => Kind::Notifier(Lib::Slack),
        ("apn", ["Provider" | "MultiProvider"]) => Kind::Notifier(Lib::Apn),
        ("node-pushnotifications", [] | ["default"]) => Kind::Notifier(Lib::PushNotifications),
        ("expo-server-sdk", [] | ["default" | "Expo"]) => Kind::Notifier(Lib::Expo),
        ("rate-limiter-flexible", [name]) if name.starts_with("RateLimiter") => Kind::Limiter,
        _ => return None,
    })
}

/// An HTTP agent class: a pool of connections to external APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentClass {
    /// Node's `http.Agent` or `https.Agent`, by module.
    Node(&'static str),
    /// agentkeepalive's `HttpAgent` / `HttpsAgent`.
    KeepAlive,
    /// undici's `Agent`: a pool per origin.
    UndiciAgent,
    /// undici's `Pool`: one origin.
    UndiciPool,
}

/// The agent class a package member constructed with `new` is.
pub fn agent_class(module: &str, path: &[String]) -> Option<AgentClass> {
    let tail: Vec<&str> = path.iter().map(String::as_str).collect();
    Some(match (family(module), tail.as_slice()) {
        ("http", ["Agent"]) => AgentClass::Node("http"),
        ("https", ["Agent"]) => AgentClass::Node("https"),
        // agentkeepalive exports its HTTP agent as the module itself.
        ("agentkeepalive", [] | ["default" | "HttpAgent" | "HttpsAgent"]) => AgentClass::KeepAlive,
        ("undici", ["Agent"]) => AgentClass::UndiciAgent,
        ("undici", ["Pool"]) => AgentClass::UndiciPool,
        _ => return None,
    })
}

/// Kind of a class that extends a package class (`class Db extends PrismaClient`,
/// `class User extends Model`).
pub fn package_superclass(module: &str, path: &[String]) -> Option<Kind> {
    let tail: Vec<&str> = path.iter().map(String::as_str).collect();
    match (family(module), tail.as_slice()) {
        ("sequelize", ["Model"]) => Some(Kind::Db(Lib::Sequelize)),
        _ => package_new(module, path),
    }
}

/// Kind from a TypeScript type name on an injected constructor parameter
/// (NestJS style: `private readonly prisma: PrismaService`).
pub fn kind_of_type_name(name: &str) -> Option<Kind> {
    Some(match name {
        "PrismaClient" | "PrismaService" => Kind::Db(Lib::Prisma),
        "Repository" | "DataSource" | "EntityManager" => Kind::Db(Lib::TypeOrm),
        "Model" => Kind::Db(Lib::Mongoose),
        "Sequelize" => Kind::Db(Lib::Sequelize),
        "Knex" => Kind::Db(Lib::Knex),
        "Redis" => Kind::Cache(Lib::IoRedis),
        "Cache" => Kind::Cache(Lib::CacheManager),
        "Queue" => Kind::Queue(Lib::BullMq),
        "HttpService" => Kind::Http(Lib::Axios),
        "MailerService" => Kind::Mailer,
        "Twilio" | "TwilioService" => Kind::Notifier(Lib::Twilio),
        "Messaging" => Kind::Notifier(Lib::FirebaseAdmin),
        "SNSClient" | "SNS" => Kind::Notifier(Lib::Sns),
        "WebClient" => Kind::Notifier(Lib::Slack),
        "Expo" => Kind::Notifier(Lib::Expo),
        _ => return None,
    })
}

/// The argument index of the job processor when a package class is a worker
/// constructed with one (`new Worker(queue, processor)` of BullMQ).
pub fn worker_class(module: &str, path: &[String]) -> Option<usize> {
    let tail: Vec<&str> = path.iter().map(String::as_str).collect();
    match (family(module), tail.as_slice()) {
        ("bullmq", ["Worker"]) => Some(1),
        _ => None,
    }
}

/// Whether `method` on a value of `kind` registers a job processor (its last
/// argument): `queue.process([name], [concurrency], fn)` of Bull and
/// Bee-Queue, `agenda.define(name, [options], fn)`.
pub fn registers_processor(kind: Kind, method: &str) -> bool {
    matches!(
        (kind, method),
        (Kind::Queue(Lib::Bull | Lib::BeeQueue), "process") | (Kind::Queue(Lib::Agenda), "define")
    )
}
