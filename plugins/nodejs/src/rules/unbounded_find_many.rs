use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::consts::{arg, has_key_deep, has_spread, object, prop};
use crate::model::Lib;
use crate::walk::{Query, Walker};

declare_rule! {
    /// ## What it does
    /// Flags collection reads without a bound: Prisma `findMany` without
    /// `take`, Sequelize `findAll` without `limit`, TypeORM `find` without
    /// `take` (and `findBy`), Mongoose `find` without `.limit()`. Reads by a
    /// list of ids (`in`) are bounded by that list and exempt.
    ///
    /// ## Why is this bad?
    /// The response grows with the table: a query that returns 100 rows today
    /// returns a million next year, with the memory, serialisation time and
    /// database I/O that go with it.
    ///
    /// ## Example
    /// ```js
    /// const products = await prisma.product.findMany({ where: { active: true } });
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const products = await prisma.product.findMany({ where: { active: true }, take: 50, cursor });
    /// ```
    pub static RULE = {
        id: "NODE004",
        name: "unbounded-find-many",
        summary: "Collection query without a limit",
        policy: "queries.unbounded",
    }
}

const BOUNDING_METHODS: [&str; 6] = ["limit", "take", "first", "paginate", "cursor", "stream"];

pub fn check(w: &Walker<'_>, query: &Query<'_, '_>) -> Option<Finding> {
    let (options_index, limit_keys): (usize, &[&str]) = match (query.lib, query.method) {
        (Lib::Prisma, "findMany") => (0, &["take"]),
        (Lib::Sequelize, "findAll") => (0, &["limit"]),
        (Lib::TypeOrm, "find" | "findAndCount") => (0, &["take", "limit"]),
        (Lib::TypeOrm, "findBy") => (usize::MAX, &[]),
        (Lib::Mongoose, "find") => (2, &["limit"]),
        _ => return None,
    };
    let methods: Vec<&str> = query
        .chain
        .iter()
        .filter_map(|c| crate::model::method_name(&c.callee))
        .collect();
    if methods.iter().any(|m| BOUNDING_METHODS.contains(m)) {
        return None;
    }
    let call = query
        .chain
        .iter()
        .find(|c| crate::model::method_name(&c.callee) == Some(query.method))?;
    let mut filtered = false;
    if options_index != usize::MAX {
        let options = arg(&call.arguments, options_index);
        match (options, object(options)) {
            (None, _) => {}
            (Some(_), None) => return None,
            (Some(_), Some(obj)) => {
                if has_spread(obj) || limit_keys.iter().any(|k| prop(obj, k).is_some()) {
                    return None;
                }
                if let Some(filter) = object(prop(obj, "where")) {
                    if has_key_deep(filter, &["in"]) || w.source(filter.span).contains("Op.in") {
                        return None;
                    }
                    filtered = true;
                }
            }
        }
        if query.lib == Lib::Mongoose && arg(&call.arguments, 0).is_some() {
            filtered = true;
        }
    } else {
        filtered = true;
    }
    Some(
        Finding::new(
            &RULE,
            format!(
                "{} `{}` has no limit: the result grows with the table",
                query.lib.name(),
                query.method
            ),
        )
        .span(w.span(call.span))
        .evidence(w.snippet(call.span))
        .fix("Bound the read (`take`/`limit`) and paginate with a cursor")
        .confidence(if filtered {
            Confidence::Medium
        } else {
            Confidence::High
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
            "src/products.ts",
            &[
                "import { PrismaClient } from '@prisma/client';\nconst prisma = new PrismaClient();\nexport const list = () => prisma.product.findMany({ take: 50 });",
                "import { PrismaClient } from '@prisma/client';\nconst prisma = new PrismaClient();\nexport const byIds = (ids: number[]) => prisma.product.findMany({ where: { id: { in: ids } } });",
                "import mongoose from 'mongoose';\nconst Product = mongoose.model('Product', schema);\nexport const list = () => Product.find({ active: true }).limit(20);",
                "const products = [];\nexport const f = () => products.find((p) => p.id === 1);",
            ],
            &[
                "import { PrismaClient } from '@prisma/client';\nconst prisma = new PrismaClient();\nexport const list = () => prisma.product.findMany({ where: { active: true } });",
                "const { Sequelize, Model } = require('sequelize');\nconst sequelize = new Sequelize('postgres://x');\nclass Order extends Model {}\nmodule.exports = () => Order.findAll();",
                "@Injectable()\nexport class UsersService {\n  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}\n  list() { return this.users.find({ order: { id: 'ASC' } }); }\n}",
            ],
        );
    }
}
