use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::consts::{arg, object, prop};
use crate::walk::{LoopKind, Query, Walker};

declare_rule! {
    /// ## What it does
    /// Flags bulk imports done inline in a request handler: database writes
    /// in a loop over request input (`for (const row of req.body.items)`),
    /// or `createMany`/`bulkCreate`/`insertMany` fed straight from the request.
    ///
    /// ## Why is this bad?
    /// An import of thousands of rows holds the request open for seconds to
    /// minutes, hits proxy timeouts (30-60 s), and a client retry imports
    /// twice. Imports over 100 items belong in a background job.
    ///
    /// ## Example
    /// ```js
    /// app.post('/import', async (req, res) => {
    ///   for (const row of req.body.products) await prisma.product.create({ data: row });
    /// });
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const job = await importQueue.add('products', { rows: req.body.products });
    /// res.status(202).json({ jobId: job.id });
    /// ```
    pub static RULE = {
        id: "NODE011",
        name: "bulk-import-in-request-handler",
        summary: "Bulk import processed inline in a request handler",
        policy: "async.imports",
    }
}

const WRITES: [&str; 12] = [
    "create",
    "createMany",
    "insert",
    "save",
    "upsert",
    "bulkCreate",
    "insertMany",
    "update",
    "updateOne",
    "builder",
    "query",
    "execute",
];

pub fn check(w: &mut Walker<'_>, query: &Query<'_, '_>) -> Option<Finding> {
    if !w.in_handler() || !WRITES.contains(&query.method) {
        return None;
    }
    let call = query.chain.first()?;
    let loop_index = w
        .loops
        .iter()
        .rposition(|l| l.kind != LoopKind::Barrier)
        .filter(|&i| !w.loops[i + 1..].iter().any(|l| l.kind == LoopKind::Barrier));
    if let Some(index) = loop_index
        && w.loops[index].over_request
    {
        if w.loops[index].import_reported {
            return None;
        }
        w.loops[index].import_reported = true;
        let span = w.loops[index].span;
        return Some(
            Finding::new(
                &RULE,
                "request-sized import written row by row inside the handler",
            )
            .span(w.span(span))
            .evidence(w.snippet(span))
            .fix("Enqueue the import (BullMQ) and answer 202 with a job id")
            .confidence(Confidence::High),
        );
    }
    let bulk = matches!(query.method, "createMany" | "bulkCreate" | "insertMany");
    if bulk
        && query.chain.iter().any(|c| {
            arg(&c.arguments, 0).is_some_and(|a| {
                w.is_request_input(a)
                    || object(Some(a))
                        .and_then(|o| prop(o, "data"))
                        .is_some_and(|d| w.is_request_input(d))
            })
        })
    {
        return Some(
            Finding::new(&RULE, "request-sized bulk insert runs inside the handler")
                .span(w.span(call.span))
                .evidence(w.snippet(call.span))
                .fix("Enqueue the import (BullMQ) and answer 202 with a job id")
                .confidence(Confidence::Medium),
        );
    }
    None
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
            "src/import.js",
            &[
                "const { Queue } = require('bullmq');\nconst q = new Queue('import');\nconst app = require('express')();\napp.post('/import', async (req, res) => { const job = await q.add('rows', { rows: req.body.rows }); res.status(202).json({ id: job.id }); });",
            ],
            &[
                "const { PrismaClient } = require('@prisma/client');\nconst prisma = new PrismaClient();\nconst app = require('express')();\napp.post('/import', async (req, res) => { for (const row of req.body.rows) { await prisma.product.create({ data: row }); } res.end(); });",
                "const { PrismaClient } = require('@prisma/client');\nconst prisma = new PrismaClient();\nconst app = require('express')();\napp.post('/import', async (req, res) => { await prisma.product.createMany({ data: req.body.rows }); res.end(); });",
            ],
        );
    }
}
