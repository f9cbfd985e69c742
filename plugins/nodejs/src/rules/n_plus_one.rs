use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::model::Lib;
use crate::walk::{LoopKind, Query, Walker};

declare_rule! {
    /// ## What it does
    /// Flags a database or ORM call (Prisma, Sequelize, TypeORM, Knex, Mongoose,
    /// pg, mysql2) made inside a loop or an iteration callback (`.map`,
    /// `.forEach`, ...). Prisma `findUnique` inside `Promise.all(xs.map(...))`
    /// is exempt: Prisma batches those into one query.
    ///
    /// ## Why is this bad?
    /// One query per element: a page of 50 orders costs 51 round trips instead
    /// of 2, and latency grows linearly with the data (the N+1 problem).
    ///
    /// ## Example
    /// ```js
    /// for (const order of orders) {
    ///   order.user = await prisma.user.findFirst({ where: { id: order.userId } });
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const users = await prisma.user.findMany({ where: { id: { in: orders.map((o) => o.userId) } } });
    /// ```
    pub static RULE = {
        id: "NODE001",
        name: "n-plus-one-query",
        summary: "Database call inside a loop (N+1 queries)",
        policy: "queries.n_plus_one",
    }
}

pub fn check(w: &Walker<'_>, query: &Query<'_, '_>) -> Option<Finding> {
    let innermost = w.enclosing_loops().next()?;
    if innermost.kind == LoopKind::Callback
        && innermost.promise_all
        && query.lib == Lib::Prisma
        && matches!(query.method, "findUnique" | "findUniqueOrThrow")
    {
        return None;
    }
    let call = query.chain.first()?;
    let (line, _) = w.lines().line_col(innermost.span.start as usize);
    let how = match innermost.kind {
        LoopKind::Callback if innermost.promise_all => "each element of Promise.all",
        LoopKind::Callback => "each element of the callback",
        _ => "each iteration of the loop",
    };
    let confidence = if query.inferred || innermost.promise_all {
        Confidence::Medium
    } else {
        Confidence::High
    };
    Some(
        Finding::new(
            &RULE,
            format!(
                "{} `{}` runs once for {how} at line {line}",
                query.lib.name(),
                query.method
            ),
        )
        .span(w.span(call.span))
        .evidence(w.snippet(call.span))
        .fix("Load all rows in one query (`where: { id: { in: ids } }`, `WHERE id = ANY($1)`) or batch with DataLoader")
        .confidence(confidence),
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
            "src/orders.js",
            &[
                "const { PrismaClient } = require('@prisma/client');\nconst prisma = new PrismaClient();\nasync function f(ids) { return Promise.all(ids.map((id) => prisma.user.findUnique({ where: { id } }))); }",
                "import { PrismaClient } from '@prisma/client';\nconst prisma = new PrismaClient();\nexport async function f(ids) { const users = await prisma.user.findMany({ where: { id: { in: ids } }, take: 100 }); return users.map((u) => u.find((x) => x)); }",
                "const items = [1, 2];\nfor (const i of items) { console.log(i); }",
            ],
            &[
                "const { PrismaClient } = require('@prisma/client');\nconst prisma = new PrismaClient();\nasync function f(orders) { for (const o of orders) { o.user = await prisma.user.findFirst({ where: { id: o.userId } }); } }",
                "import { Pool } from 'pg';\nconst pool = new Pool({ statement_timeout: 5000 });\nexport const f = (ids) => ids.forEach((id) => pool.query('SELECT name FROM users WHERE id = $1', [id]));",
                "import knex from 'knex';\nconst db = knex({ client: 'pg' });\nexport async function f(ids) { let i = 0; while (i < ids.length) { await db('users').where('id', ids[i]).first(); i++; } }",
            ],
        );
    }
}
