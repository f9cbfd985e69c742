use oxc_ast::ast::Argument;
use oxc_span::Span;
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::consts::{arg, has_key_deep, has_spread, object, prop, string};
use crate::model::{Kind, Lib};
use crate::walk::Walker;

declare_rule! {
    /// ## What it does
    /// Flags PostgreSQL clients created without a statement timeout: pg
    /// `new Pool()`/`new Client()` without `statement_timeout` or
    /// `query_timeout`, Knex with a `pg` client and no timeout in its
    /// connection, Sequelize (postgres) without `dialectOptions.statement_timeout`.
    ///
    /// ## Why is this bad?
    /// pg's default is no timeout: one pathological query holds a pooled
    /// connection for minutes, the pool (10 connections by default) drains,
    /// and every request queues behind it.
    ///
    /// ## Example
    /// ```js
    /// const pool = new Pool({ max: 20 });
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const pool = new Pool({ max: 20, statement_timeout: 5000, query_timeout: 6000 });
    /// ```
    pub static RULE = {
        id: "NODE006",
        name: "query-without-timeout",
        summary: "Database client without a statement timeout",
        policy: "queries.timeout",
    }
}

/// Option names that bound query time.
pub const TIMEOUT_KEYS: [&str; 2] = ["statement_timeout", "query_timeout"];

/// Whether a construction of `kind` with `args` lacks a query timeout;
/// `None` when unknowable (options built elsewhere) or not PostgreSQL.
pub fn lacks_timeout(w: &Walker<'_>, kind: Kind, args: &[Argument<'_>]) -> Option<bool> {
    match kind {
        Kind::Db(Lib::Pg) => match arg(args, 0) {
            None => Some(true),
            Some(config) => {
                let obj = object(Some(config))?;
                (!has_spread(obj)).then(|| !has_key_deep(obj, &TIMEOUT_KEYS))
            }
        },
        Kind::Db(Lib::Knex) => {
            let obj = object(arg(args, 0))?;
            let client = prop(obj, "client").and_then(string)?;
            if !matches!(client, "pg" | "postgres" | "postgresql" | "pg-native") || has_spread(obj)
            {
                return None;
            }
            Some(
                !has_key_deep(obj, &TIMEOUT_KEYS)
                    && !w.source(obj.span).contains("statement_timeout"),
            )
        }
        Kind::Db(Lib::Sequelize) => {
            let obj = args.iter().rev().find_map(|a| object(a.as_expression()))?;
            let dialect = prop(obj, "dialect").and_then(string);
            let url_is_pg = arg(args, 0)
                .and_then(string)
                .is_some_and(|u| u.starts_with("postgres"));
            if !(dialect.is_some_and(|d| d.starts_with("postgres")) || url_is_pg) || has_spread(obj)
            {
                return None;
            }
            Some(!has_key_deep(obj, &TIMEOUT_KEYS))
        }
        _ => None,
    }
}

pub fn check(w: &Walker<'_>, kind: Kind, args: &[Argument<'_>], span: Span) -> Option<Finding> {
    if !lacks_timeout(w, kind, args)? {
        return None;
    }
    let Kind::Db(lib) = kind else {
        return None;
    };
    Some(
        Finding::new(
            &RULE,
            format!("{} client has no statement timeout: a slow query holds its connection indefinitely", lib.name()),
        )
        .span(w.span(span))
        .evidence(w.snippet(span))
        .fix("Set `statement_timeout` (e.g. 5000 ms) in the client options")
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
            "src/db.ts",
            &[
                "import { Pool } from 'pg';\nexport const pool = new Pool({ max: 10, statement_timeout: 5000 });",
                "import { Pool } from 'pg';\nexport const pool = new Pool(config);",
                "import knex from 'knex';\nexport const db = knex({ client: 'mysql2', connection: {} });",
            ],
            &[
                "import { Pool } from 'pg';\nexport const pool = new Pool({ max: 20 });",
                "import knex from 'knex';\nexport const db = knex({ client: 'pg', connection: process.env.DATABASE_URL });",
                "const { Sequelize } = require('sequelize');\nmodule.exports = new Sequelize('db', 'u', 'p', { dialect: 'postgres' });",
            ],
        );
    }
}
