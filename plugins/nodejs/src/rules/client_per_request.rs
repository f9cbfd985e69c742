use oxc_span::Span;
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::model::{Kind, Lib};
use crate::walk::Walker;

declare_rule! {
    /// ## What it does
    /// Flags database, cache, queue, mail and HTTP clients (and pools) created
    /// inside a request handler: `new Pool()`, `new PrismaClient()`,
    /// `new Redis()`, `mysql.createPool()`, `nodemailer.createTransport()`,
    /// `axios.create()` ... Lazily created singletons (`pool ??= new Pool()`)
    /// are exempt.
    ///
    /// ## Why is this bad?
    /// Every request pays a TCP + TLS + authentication handshake (often
    /// 5-50 ms), connections are never reused, and under load the database's
    /// connection limit is exhausted.
    ///
    /// ## Example
    /// ```js
    /// app.get('/users', async (req, res) => {
    ///   const pool = new Pool();
    ///   res.json((await pool.query('SELECT id FROM users LIMIT 50')).rows);
    /// });
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const pool = new Pool({ max: 10 }); // once, at module level
    /// app.get('/users', async (req, res) => res.json((await pool.query('SELECT id FROM users LIMIT 50')).rows));
    /// ```
    pub static RULE = {
        id: "NODE007",
        name: "client-created-per-request",
        summary: "Client or connection pool created inside a request handler",
        policy: "anti_patterns.no_connection_pool",
    }
}

pub fn check(w: &Walker<'_>, kind: Kind, span: Span) -> Option<Finding> {
    if !w.in_handler() || w.memoized.contains(&span.start) {
        return None;
    }
    let what = match kind {
        Kind::Db(lib) => format!("{} database client", lib.name()),
        Kind::Cache(lib) => format!("{} cache client", lib.name()),
        Kind::Queue(lib) => format!("{} queue", lib.name()),
        Kind::Http(lib @ (Lib::Axios | Lib::Got)) => format!("{} HTTP client", lib.name()),
        Kind::Mailer => "mail transport".to_owned(),
        _ => return None,
    };
    Some(
        Finding::new(&RULE, format!("a new {what} is created on every request"))
            .span(w.span(span))
            .evidence(w.snippet(span))
            .fix("Create the client once at module level and reuse it (it pools connections)")
            .confidence(Confidence::High),
    )
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
            "src/app.js",
            &[
                "const { Pool } = require('pg');\nconst pool = new Pool({ statement_timeout: 5000 });\nconst app = require('express')();\napp.get('/u', async (req, res) => res.json((await pool.query('SELECT 1')).rows));",
                "const { Pool } = require('pg');\nlet pool;\nexports.h = async (req, res) => { pool ??= new Pool({ statement_timeout: 5000 }); res.json((await pool.query('SELECT 1')).rows); };",
            ],
            &[
                "const { Pool } = require('pg');\nconst app = require('express')();\napp.get('/u', async (req, res) => { const pool = new Pool({ statement_timeout: 5000 }); res.json((await pool.query('SELECT 1')).rows); });",
                "import Redis from 'ioredis';\nexport async function handler(req, res) { const redis = new Redis(); res.json(await redis.get('k')); }",
            ],
        );
    }
}
