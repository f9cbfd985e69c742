use oxc_ast::ast::{CallExpression, Expression};
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::model::unwrap;
use crate::routes::root_name;
use crate::walk::Walker;

declare_rule! {
    /// ## What it does
    /// Flags synchronous calls (`readFileSync`, `execSync`, `pbkdf2Sync`, any
    /// `*Sync`) inside request handlers. Module top level (start-up) is allowed.
    ///
    /// ## Why is this bad?
    /// A `*Sync` call blocks Node's single event loop: while one request waits
    /// 50 ms on `pbkdf2Sync` or a disk read, every other request waits too, so
    /// p99 latency grows with concurrency.
    ///
    /// ## Example
    /// ```js
    /// app.get('/report', (req, res) => res.send(fs.readFileSync('report.html')));
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// app.get('/report', async (req, res) => res.send(await fs.promises.readFile('report.html')));
    /// ```
    pub static RULE = {
        id: "NODE003",
        name: "sync-call-in-request-handler",
        summary: "Blocking `*Sync` call inside a request handler",
        policy: "anti_patterns.sync_processing",
    }
}

/// Modules whose `*Sync` functions are known to block on I/O or CPU.
const BLOCKING_MODULES: [&str; 7] = [
    "fs",
    "child_process",
    "crypto",
    "zlib",
    "bcrypt",
    "bcryptjs",
    "argon2",
];

pub fn check(w: &Walker<'_>, call: &CallExpression<'_>) -> Option<Finding> {
    if !w.in_handler() {
        return None;
    }
    let callee = unwrap(&call.callee);
    let name = match callee {
        Expression::Identifier(id) => id.name.as_str(),
        other => other.as_member_expression()?.static_property_name()?,
    };
    if name.len() <= 4 || !name.ends_with("Sync") {
        return None;
    }
    let known = match w.binding_of(callee) {
        Some(crate::model::Binding::Pkg { module, .. }) => {
            BLOCKING_MODULES.contains(&module.trim_start_matches("node:"))
        }
        _ => root_name(callee).is_some_and(|r| BLOCKING_MODULES.contains(&r)),
    };
    Some(
        Finding::new(
            &RULE,
            format!("`{name}` blocks the event loop for every request while this handler runs"),
        )
        .span(w.span(call.span))
        .evidence(w.snippet(call.span))
        .fix(format!(
            "Use the asynchronous form (`{}`), or move the work to start-up or a worker",
            name.trim_end_matches("Sync")
        ))
        .confidence(if known {
            Confidence::High
        } else {
            Confidence::Medium
        }),
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
                "const fs = require('fs');\nconst express = require('express');\nconst app = express();\nconst tpl = fs.readFileSync('tpl.html', 'utf8');\napp.get('/', (req, res) => res.send(tpl));",
                "const fs = require('fs');\nfunction loadConfig() { return JSON.parse(fs.readFileSync('c.json')); }",
            ],
            &[
                "const fs = require('fs');\nconst express = require('express');\nconst app = express();\napp.get('/r', (req, res) => res.send(fs.readFileSync('r.html')));",
                "import crypto from 'node:crypto';\nexport function login(req, res) { const h = crypto.pbkdf2Sync(req.body.password, 'salt', 100000, 64, 'sha512'); res.json({ h }); }",
                "import { execSync } from 'child_process';\nimport { Router } from 'express';\nconst router = Router();\nrouter.post('/export', async (req, res) => { execSync('tar czf out.tgz data'); res.end(); });",
            ],
        );
    }
}
