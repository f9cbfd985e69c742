use oxc_ast::ast::{AwaitExpression, Expression};
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::model::{Kind, unwrap};
use crate::walk::{LoopKind, Walker};

declare_rule! {
    /// ## What it does
    /// Flags `await` directly inside a `for`/`while` loop body of a request
    /// handler, where each
    /// iteration waits for the previous one. `for await`, paging loops (the
    /// loop condition reads a cursor the body updates), polling loops
    /// (`while (true)` with a `break`) and retry loops are exempt, and so are
    /// database calls (reported as N+1).
    ///
    /// ## Why is this bad?
    /// Independent I/O runs one after another: ten 100 ms calls take one
    /// second instead of 100 ms, and the handler's latency grows with the
    /// collection.
    ///
    /// ## Example
    /// ```js
    /// for (const url of urls) {
    ///   results.push(await fetchPrice(url));
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const results = await Promise.all(urls.map((url) => fetchPrice(url)));
    /// ```
    pub static RULE = {
        id: "NODE002",
        name: "await-in-loop",
        summary: "`await` inside a loop serialises independent I/O",
        policy: "anti_patterns.sync_processing",
    }
}

/// Calls whose sequential await is the point (back-off, throttling).
const DELAYS: [&str; 5] = ["sleep", "delay", "wait", "setTimeout", "timeout"];

pub fn check(w: &Walker<'_>, it: &AwaitExpression<'_>) -> Option<Finding> {
    // Sequential scripts, migrations and workers are often sequential by
    // design; the latency that matters is the request's.
    if !w.in_handler() {
        return None;
    }
    let innermost = w.enclosing_loops().next()?;
    if innermost.kind != LoopKind::Statement
        || innermost.fn_depth != w.fn_depth()
        || innermost.sequential_by_design
    {
        return None;
    }
    if let Expression::CallExpression(call) = unwrap(&it.argument) {
        let name = match unwrap(&call.callee) {
            Expression::Identifier(id) => Some(id.name.as_str()),
            other => other
                .as_member_expression()
                .and_then(|m| m.static_property_name()),
        };
        if name.is_some_and(|n| DELAYS.contains(&n)) {
            return None;
        }
        if is_db_chain(w, &call.callee) {
            return None;
        }
    }
    let (line, _) = w.lines().line_col(innermost.span.start as usize);
    Some(
        Finding::new(
            &RULE,
            format!("`await` inside the loop at line {line} runs each iteration's I/O one after another"),
        )
        .span(w.span(it.span))
        .evidence(w.snippet(it.span))
        .fix("Start the operations first and `await Promise.all(...)` (bounded with p-limit for large collections)")
        .confidence(Confidence::Medium),
    )
}

/// A call on a database client, already judged by the N+1 rule.
fn is_db_chain(w: &Walker<'_>, callee: &Expression<'_>) -> bool {
    let mut expr = unwrap(callee);
    for _ in 0..64 {
        if let Some(Kind::Db(_)) = w.kind_of(expr) {
            return true;
        }
        expr = match expr {
            Expression::CallExpression(c) => unwrap(&c.callee),
            other => match other.as_member_expression() {
                Some(m) => unwrap(m.object()),
                None => return false,
            },
        };
    }
    false
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
            "src/jobs.ts",
            &[
                "export async function h(req, res) { res.json(await Promise.all(req.body.urls.map((u) => fetch(u, { signal: AbortSignal.timeout(3000) })))); }",
                "export async function h(req, res) { for await (const chunk of req) { await save(chunk); } res.end(); }",
                "export async function h(req, res) { let cursor = null; do { const page = await list(cursor); cursor = page.next; } while (cursor); res.end(); }",
                "export async function h(req, res) { for (let attempt = 0; attempt < 3; attempt++) { try { return res.json(await call()); } catch (e) { await sleep(100); } } }",
                "export async function h(req, res) { while (true) { const job = await next(); if (!job) break; } res.end(); }",
                "export async function script(urls: string[]) { for (const u of urls) { await price(u); } }",
            ],
            &[
                "export async function h(req, res) { const out = []; for (const u of req.body.urls) { out.push(await price(u)); } res.json(out); }",
                "import { Router } from 'express';\nconst router = Router();\nrouter.post('/notify', async (req, res) => { for (let i = 0; i < 3; i++) { await notify(i); } res.end(); });",
            ],
        );
    }
}
