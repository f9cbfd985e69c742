//! The context model follows imports and requires across files.

use perfwarden_plugin_nodejs::Plugin;
use perfwarden_sdk::testing::Tester;

#[test]
fn handlers_and_clients_are_followed_across_files() {
    let out = Tester::new(Plugin).run(&[
        (
            "src/lib/db.ts",
            "import { PrismaClient } from '@prisma/client';\nconst prisma = new PrismaClient();\nexport default prisma;",
        ),
        (
            "src/controllers/products.js",
            // Parameter names that do not look like a handler: only the
            // route registration in another file makes `list` one.
            "const fs = require('fs');\nconst db = require('../lib/db');\nexports.list = async function (rq, rs) {\n  const tpl = fs.readFileSync('list.html');\n  rs.send(await db.product.findMany());\n};\nexports.helper = function (a, b) { return fs.readFileSync(a); };",
        ),
        (
            "src/routes.ts",
            "import { Router } from 'express';\nimport * as products from './controllers/products.js';\nconst router = Router();\nrouter.get('/products', products.list);\nexport default router;",
        ),
    ]);
    let found: Vec<_> = out
        .findings
        .iter()
        .map(|f| (f.rule, f.span.as_ref().map(|s| (s.path.as_str(), s.line))))
        .collect();
    assert_eq!(
        found,
        [
            // `readFileSync` in the routed handler, not in `helper`.
            ("NODE003", Some(("src/controllers/products.js", 4))),
            // `db` is the Prisma client exported by src/lib/db.ts.
            ("NODE004", Some(("src/controllers/products.js", 5))),
        ]
    );
}
