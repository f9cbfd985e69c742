use perfwarden_sdk::{Confidence, declare_rule};

use crate::analysis::SchemaIssue;
use crate::{Dialect, Schema};

declare_rule! {
    /// ## What it does
    /// Flags foreign keys whose referencing columns are not the leading
    /// columns of any index (MySQL's InnoDB creates one itself; PostgreSQL
    /// and SQLite do not). Reported at the statement that declared the key,
    /// with the statement that adds the index.
    ///
    /// ## Why is this bad?
    /// Every `DELETE` or key `UPDATE` on the referenced table scans the
    /// referencing table to check the constraint (while holding locks), and
    /// the join the key exists for (`orders` of a `user`) cannot use an
    /// index: both cost a full scan that grows with the table.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);
    /// ```
    pub static FOREIGN_KEY_WITHOUT_INDEX = {
        id: "SQL004",
        name: "foreign-key-without-index",
        summary: "foreign key columns without an index",
        policy: "queries.index_required",
    }
}

pub(crate) fn check(schema: &Schema, dialect: Dialect) -> Vec<SchemaIssue> {
    let mut issues = Vec::new();
    for table in schema.tables() {
        for fk in &table.foreign_keys {
            if fk.columns.is_empty() || table.indexes.iter().any(|ix| ix.has_prefix(&fk.columns)) {
                continue;
            }
            issues.push(SchemaIssue {
                rule: &FOREIGN_KEY_WITHOUT_INDEX,
                message: format!(
                    "foreign key `{}({})` to `{}` has no index: deletes in `{}` and joins from it scan `{}`",
                    table.name,
                    fk.columns.join(", "),
                    fk.references,
                    fk.references,
                    table.name
                ),
                origin: fk.origin,
                fix: Some(dialect.create_index_fix(&table.name, &fk.columns)),
                confidence: Confidence::High,
            });
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::FOREIGN_KEY_WITHOUT_INDEX;
    use crate::test_support::test_rule;

    #[test]
    fn test() {
        test_rule(
            &FOREIGN_KEY_WITHOUT_INDEX,
            &[
                "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
                 CREATE INDEX orders_user ON orders (user_id, id);",
                "CREATE TABLE order_items (order_id bigint REFERENCES orders (id), product_id bigint,
                   PRIMARY KEY (order_id, product_id));",
                "CREATE TABLE `orders` (`id` INT PRIMARY KEY, `user_id` INT,
                   FOREIGN KEY (`user_id`) REFERENCES `users` (`id`)) ENGINE=InnoDB;",
            ],
            &[
                "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));",
                "CREATE TABLE order_items (order_id bigint, product_id bigint, PRIMARY KEY (order_id, product_id));
                 ALTER TABLE order_items ADD CONSTRAINT fk_product FOREIGN KEY (product_id) REFERENCES products (id) NOT VALID;",
                "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
                 CREATE INDEX orders_user ON orders (user_id);
                 DROP INDEX orders_user;",
                // A key added with its column, on a table of an earlier migration.
                "CREATE TABLE orders (id bigint PRIMARY KEY);
                 ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);",
            ],
        );
    }
}
