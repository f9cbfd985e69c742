use oxc_ast::ast::{Argument, Expression};
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::consts::{arg, object, prop, string};
use crate::model::unwrap;
use crate::walk::{Query, Walker};

declare_rule! {
    /// ## What it does
    /// Flags offset pagination whose offset comes from the request: Prisma /
    /// TypeORM `skip`, Sequelize `offset`, Knex `.offset()`, Mongoose
    /// `.skip()`, or an SQL `OFFSET` parameter bound to request input.
    ///
    /// ## Why is this bad?
    /// The database reads and discards every skipped row: page 10 000 of 20
    /// rows reads 200 000 rows, and any client can ask for it. Latency grows
    /// with the page number.
    ///
    /// ## Example
    /// ```js
    /// const page = Number(req.query.page);
    /// await prisma.order.findMany({ skip: page * 20, take: 20 });
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// await prisma.order.findMany({ take: 20, cursor: { id: req.query.after }, skip: 1 });
    /// ```
    pub static RULE = {
        id: "NODE005",
        name: "offset-pagination-from-request",
        summary: "Offset pagination driven by request input",
        policy: "anti_patterns.offset_pagination",
    }
}

pub fn check(w: &Walker<'_>, query: &Query<'_, '_>) -> Option<Finding> {
    for call in &query.chain {
        let method = crate::model::method_name(&call.callee);
        // `.offset(n)` / `.skip(n)` builder calls.
        if matches!(method, Some("offset" | "skip"))
            && arg(&call.arguments, 0).is_some_and(|a| w.is_request_input(a))
        {
            return Some(finding(w, call.span));
        }
        for argument in call.arguments.iter().filter_map(Argument::as_expression) {
            // `{ skip: page * 20 }` with a cursor is the keyset form: `skip: 1`.
            if let Some(obj) = object(Some(argument)) {
                let offset = prop(obj, "skip").or_else(|| prop(obj, "offset"));
                if offset.is_some_and(|o| w.is_request_input(o)) && prop(obj, "cursor").is_none() {
                    return Some(finding(w, call.span));
                }
            }
        }
        // `pool.query('... OFFSET $2', [limit, offset])`
        if let Some(sql) = arg(&call.arguments, 0).and_then(sql_text)
            && sql.to_ascii_uppercase().contains("OFFSET")
            && let Some(Expression::ArrayExpression(values)) = arg(&call.arguments, 1).map(unwrap)
            && values
                .elements
                .iter()
                .filter_map(|e| e.as_expression())
                .any(|e| w.is_request_input(e))
        {
            return Some(finding(w, call.span));
        }
    }
    None
}

fn sql_text<'a>(expr: &Expression<'a>) -> Option<&'a str> {
    string(expr).or_else(|| match unwrap(expr) {
        Expression::TemplateLiteral(t) => t.quasis.last().map(|q| q.value.raw.as_str()),
        _ => None,
    })
}

fn finding(w: &Walker<'_>, span: oxc_span::Span) -> Finding {
    Finding::new(
        &RULE,
        "offset pagination from request input: the database reads every skipped row",
    )
    .span(w.span(span))
    .evidence(w.snippet(span))
    .fix("Paginate with a cursor (`WHERE id > $after ORDER BY id LIMIT n`, Prisma `cursor`)")
    .confidence(Confidence::High)
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
            "src/routes.js",
            &[
                "const { PrismaClient } = require('@prisma/client');\nconst prisma = new PrismaClient();\nconst app = require('express')();\napp.get('/orders', async (req, res) => { res.json(await prisma.order.findMany({ take: 20, cursor: { id: Number(req.query.after) }, skip: 1 })); });",
                "const { PrismaClient } = require('@prisma/client');\nconst prisma = new PrismaClient();\nasync function page(n) { return prisma.order.findMany({ take: 20, skip: n * 20 }); }",
            ],
            &[
                "const { PrismaClient } = require('@prisma/client');\nconst prisma = new PrismaClient();\nconst app = require('express')();\napp.get('/orders', async (req, res) => { const page = Number(req.query.page) || 0; res.json(await prisma.order.findMany({ skip: page * 20, take: 20 })); });",
                "const { Pool } = require('pg');\nconst pool = new Pool({ statement_timeout: 5000 });\nexports.list = async (req, res) => { const { rows } = await pool.query('SELECT id FROM orders ORDER BY id LIMIT $1 OFFSET $2', [20, req.query.offset]); res.json(rows); };",
                "import knex from 'knex';\nconst db = knex({ client: 'mysql2' });\nexport async function list(req, res) { res.json(await db('orders').select('id').limit(20).offset(req.query.offset)); }",
            ],
        );
    }
}
