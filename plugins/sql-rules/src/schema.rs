//! The schema model built from DDL: tables, columns, indexes and foreign
//! keys, updated statement by statement as migrations are applied.

use std::collections::BTreeMap;

use sqlparser::ast::{
    AlterIndexOperation, AlterTableOperation, ColumnDef, ColumnOption, CreateIndex, CreateTable,
    Expr, ForeignKeyConstraint, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    IndexColumn, ObjectName, ObjectType, RenameTableNameKind, Statement, TableConstraint, Value,
};

use crate::Dialect;
use crate::analysis::conjuncts;
use crate::parse::{ParsedStatement, parse_sql};

/// Lower-cased identifier: PostgreSQL folds unquoted names, MySQL and SQLite
/// compare them case-insensitively, and quoted mixed-case names are rare.
pub(crate) fn ident(ident: &Ident) -> String {
    ident.value.to_lowercase()
}

/// The unqualified, lower-cased name of a table or index (`public.users` is
/// `users`: one schema per project is the common case).
pub fn object(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map_or_else(|| name.to_string().to_lowercase(), self::ident)
}

/// Where a schema element was declared: which applied text (`source`, the
/// caller's number for it) and which bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Origin {
    /// The caller's id of the text (e.g. the index of a migration file).
    pub source: usize,
    /// Byte offset of the declaring statement.
    pub start: usize,
    /// End of the declaring statement (exclusive).
    pub end: usize,
}

/// One key of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexKey {
    /// A plain column, lower-cased.
    Column(String),
    /// An expression such as `lower(email)`, as normalised SQL text.
    Expression(String),
}

/// An index, declared or implied by a primary key or unique constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Its name, when known.
    pub name: Option<String>,
    /// Keys in index order (left prefix first).
    pub keys: Vec<IndexKey>,
    /// Unique (primary keys included).
    pub unique: bool,
    /// `AND`-ed terms of a partial index's `WHERE`, as normalised SQL
    /// text; empty for a full index.
    pub predicate: Vec<String>,
}

impl Index {
    /// The leading key, if it is a plain column.
    pub fn leading_column(&self) -> Option<&str> {
        match self.keys.first() {
            Some(IndexKey::Column(c)) => Some(c),
            _ => None,
        }
    }

    /// Whether the index starts with exactly these columns in some order
    /// (the left-prefix rule).
    pub fn has_prefix(&self, columns: &[String]) -> bool {
        columns.len() <= self.keys.len()
            && self.keys[..columns.len()].iter().all(|key| match key {
                IndexKey::Column(c) => columns.contains(c),
                IndexKey::Expression(_) => false,
            })
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Constraint name, when given.
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub references: String,
    /// Where it was declared.
    pub origin: Origin,
}

/// A table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Lower-cased unqualified name.
    pub name: String,
    /// Columns in declaration order; empty when unknown (`CREATE TABLE AS`).
    pub columns: Vec<String>,
    /// Indexes, implicit ones included.
    pub indexes: Vec<Index>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
}

impl Table {
    /// Whether the table has this column (unknown column lists say yes).
    pub fn has_column(&self, column: &str) -> bool {
        self.columns.is_empty() || self.columns.iter().any(|c| c == column)
    }

    fn add_index(&mut self, index: Index) {
        if let Some(name) = &index.name {
            self.indexes.retain(|i| i.name.as_ref() != Some(name));
        }
        self.indexes.push(index);
    }

    fn add_foreign_key(&mut self, fk: ForeignKey, dialect: Dialect) {
        // InnoDB creates an index for every foreign key that lacks one.
        if dialect == Dialect::MySql && !self.indexes.iter().any(|i| i.has_prefix(&fk.columns)) {
            self.indexes.push(Index {
                name: fk.name.clone(),
                keys: fk.columns.iter().cloned().map(IndexKey::Column).collect(),
                unique: false,
                predicate: Vec::new(),
            });
        }
        self.foreign_keys.push(fk);
    }
}

/// The database schema as the applied DDL leaves it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    tables: BTreeMap<String, Table>,
    /// Per table name, the value of `changes` when DDL last touched it
    /// (created, altered, indexed, dropped): a query judged earlier knows
    /// whether its verdict still holds without keeping its syntax tree.
    changed: BTreeMap<String, u32>,
    /// How many times DDL has touched a table so far.
    changes: u32,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Apply the DDL statements of `sql` (other statements are ignored) and
    /// return one message per statement that did not parse.
    pub fn apply(&mut self, sql: &str, dialect: Dialect) -> Vec<String> {
        let parsed = parse_sql(sql, dialect);
        for statement in &parsed.statements {
            self.apply_statement(statement, dialect, 0);
        }
        let lines = perfwarden_sdk::LineIndex::new(sql);
        parsed
            .errors
            .into_iter()
            .map(|err| {
                let (line, column) = lines.line_col(err.start);
                format!("line {line}, column {column}: {}", err.message)
            })
            .collect()
    }

    /// Apply one parsed statement from the text the caller numbers `source`.
    pub fn apply_statement(&mut self, parsed: &ParsedStatement, dialect: Dialect, source: usize) {
        let origin = Origin {
            source,
            start: parsed.start,
            end: parsed.end,
        };
        match &parsed.statement {
            Statement::CreateTable(create) => self.create_table(create, dialect, origin),
            Statement::CreateIndex(create) => self.create_index(create),
            Statement::AlterTable(alter) => {
                let mut name = object(&alter.name);
                for operation in &alter.operations {
                    name = self.alter_table(name, operation, dialect, origin);
                }
            }
            Statement::Drop {
                object_type,
                names,
                table,
                ..
            } => match object_type {
                ObjectType::Table => {
                    for name in names {
                        let name = object(name);
                        self.touch(&name);
                        self.tables.remove(&name);
                    }
                }
                ObjectType::Index => {
                    let on = table.as_ref().map(object);
                    for name in names {
                        self.drop_index(on.as_deref(), &object(name));
                    }
                }
                _ => {}
            },
            Statement::AlterIndex {
                name,
                operation: AlterIndexOperation::RenameIndex { index_name },
            } => {
                let (old, new) = (object(name), object(index_name));
                let mut renamed = Vec::new();
                for table in self.tables.values_mut() {
                    for index in &mut table.indexes {
                        if index.name.as_deref() == Some(old.as_str()) {
                            index.name = Some(new.clone());
                            renamed.push(table.name.clone());
                        }
                    }
                }
                for table in renamed {
                    self.touch(&table);
                }
            }
            _ => {}
        }
    }

    /// A table by (case-insensitive, unqualified) name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(&name.to_lowercase())
    }

    /// Every table, by name.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    /// Whether no table is known (rules that need the schema stay silent).
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// A mark of the schema's state: compare it later with
    /// [`Schema::changed_since`].
    pub fn changes(&self) -> u32 {
        self.changes
    }

    /// Whether DDL touched the (case-insensitive, unqualified) table
    /// `name`, or created or dropped it, after the mark `changes`.
    pub fn changed_since(&self, name: &str, changes: u32) -> bool {
        self.changed
            .get(&name.to_lowercase())
            .is_some_and(|&at| at > changes)
    }

    fn touch(&mut self, name: &str) {
        self.changes += 1;
        match self.changed.get_mut(name) {
            Some(at) => *at = self.changes,
            None => {
                self.changed.insert(name.to_owned(), self.changes);
            }
        }
    }

    fn create_table(&mut self, create: &CreateTable, dialect: Dialect, origin: Origin) {
        let name = object(&create.name);
        if create.if_not_exists && self.tables.contains_key(&name) {
            return;
        }
        let mut table = Table {
            name: name.clone(),
            ..Table::default()
        };
        for column in &create.columns {
            add_column(&mut table, column, dialect, origin);
        }
        for constraint in &create.constraints {
            add_constraint(&mut table, constraint, dialect, origin);
        }
        if let Some(like) = &create.like {
            let source = match like {
                sqlparser::ast::CreateTableLikeKind::Parenthesized(l)
                | sqlparser::ast::CreateTableLikeKind::Plain(l) => object(&l.name),
            };
            if let Some(src) = self.tables.get(&source) {
                table.columns.clone_from(&src.columns);
            }
        }
        self.touch(&name);
        self.tables.insert(name, table);
    }

    fn create_index(&mut self, create: &CreateIndex) {
        let table = self.table_entry(&object(&create.table_name));
        table.add_index(Index {
            name: create.name.as_ref().map(object),
            keys: index_keys(&create.columns),
            unique: create.unique,
            predicate: create
                .predicate
                .as_ref()
                .map(|p| conjuncts(p).into_iter().map(normalise).collect())
                .unwrap_or_default(),
        });
    }

    /// Returns the table's name after the operation (`RENAME TO`).
    fn alter_table(
        &mut self,
        name: String,
        operation: &AlterTableOperation,
        dialect: Dialect,
        origin: Origin,
    ) -> String {
        match operation {
            AlterTableOperation::AddConstraint { constraint, .. } => {
                add_constraint(self.table_entry(&name), constraint, dialect, origin);
            }
            AlterTableOperation::AddColumn { column_def, .. } => {
                add_column(self.table_entry(&name), column_def, dialect, origin);
            }
            AlterTableOperation::DropColumn { column_names, .. } => {
                let table = self.table_entry(&name);
                for dropped in column_names.iter().map(ident) {
                    table.columns.retain(|c| *c != dropped);
                    // Dropping a column drops the indexes and keys that use it.
                    table
                        .indexes
                        .retain(|i| !i.keys.contains(&IndexKey::Column(dropped.clone())));
                    table
                        .foreign_keys
                        .retain(|fk| !fk.columns.contains(&dropped));
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let (old, new) = (ident(old_column_name), ident(new_column_name));
                let table = self.table_entry(&name);
                for column in &mut table.columns {
                    if *column == old {
                        column.clone_from(&new);
                    }
                }
                for key in table.indexes.iter_mut().flat_map(|i| &mut i.keys) {
                    if *key == IndexKey::Column(old.clone()) {
                        *key = IndexKey::Column(new.clone());
                    }
                }
                for column in table.foreign_keys.iter_mut().flat_map(|f| &mut f.columns) {
                    if *column == old {
                        column.clone_from(&new);
                    }
                }
            }
            AlterTableOperation::RenameTable { table_name } => {
                let new = match table_name {
                    RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => object(n),
                };
                self.touch(&name);
                self.touch(&new);
                if let Some(mut table) = self.tables.remove(&name) {
                    table.name.clone_from(&new);
                    self.tables.insert(new.clone(), table);
                }
                return new;
            }
            AlterTableOperation::DropConstraint { name: dropped, .. }
            | AlterTableOperation::DropForeignKey { name: dropped, .. } => {
                let dropped = ident(dropped);
                let table = self.table_entry(&name);
                table
                    .indexes
                    .retain(|i| i.name.as_deref() != Some(dropped.as_str()));
                table
                    .foreign_keys
                    .retain(|fk| fk.name.as_deref() != Some(dropped.as_str()));
            }
            AlterTableOperation::DropIndex { name: dropped } => {
                self.drop_index(Some(&name), &ident(dropped));
            }
            AlterTableOperation::DropPrimaryKey { .. } => {
                let table = self.table_entry(&name);
                table
                    .indexes
                    .retain(|i| i.name.as_deref() != Some("primary"));
            }
            _ => {}
        }
        name
    }

    fn drop_index(&mut self, table: Option<&str>, index: &str) {
        let mut dropped = Vec::new();
        for (name, t) in &mut self.tables {
            if table.is_none_or(|only| only == name) {
                let before = t.indexes.len();
                t.indexes.retain(|i| i.name.as_deref() != Some(index));
                if t.indexes.len() < before {
                    dropped.push(name.clone());
                }
            }
        }
        for table in dropped {
            self.touch(&table);
        }
    }

    /// The table, created empty when DDL names one we have not seen (a
    /// migration that alters a table created outside the project's files).
    fn table_entry(&mut self, name: &str) -> &mut Table {
        self.touch(name);
        self.tables.entry(name.to_owned()).or_insert_with(|| Table {
            name: name.to_owned(),
            ..Table::default()
        })
    }
}

fn add_column(table: &mut Table, column: &ColumnDef, dialect: Dialect, origin: Origin) {
    let name = ident(&column.name);
    if !table.columns.contains(&name) {
        table.columns.push(name.clone());
    }
    for option in &column.options {
        match &option.option {
            ColumnOption::PrimaryKey(_) => table.add_index(Index {
                name: Some(
                    option
                        .name
                        .as_ref()
                        .map_or_else(|| "primary".to_owned(), ident),
                ),
                keys: vec![IndexKey::Column(name.clone())],
                unique: true,
                predicate: Vec::new(),
            }),
            ColumnOption::Unique(_) => table.add_index(Index {
                name: option.name.as_ref().map(ident),
                keys: vec![IndexKey::Column(name.clone())],
                unique: true,
                predicate: Vec::new(),
            }),
            ColumnOption::ForeignKey(fk) => table.add_foreign_key(
                ForeignKey {
                    name: option.name.as_ref().or(fk.name.as_ref()).map(ident),
                    columns: vec![name.clone()],
                    references: object(&fk.foreign_table),
                    origin,
                },
                dialect,
            ),
            _ => {}
        }
    }
}

fn add_constraint(
    table: &mut Table,
    constraint: &TableConstraint,
    dialect: Dialect,
    origin: Origin,
) {
    match constraint {
        TableConstraint::PrimaryKey(pk) => table.add_index(Index {
            name: Some(pk.name.as_ref().map_or_else(|| "primary".to_owned(), ident)),
            keys: index_keys(&pk.columns),
            unique: true,
            predicate: Vec::new(),
        }),
        TableConstraint::Unique(unique) => table.add_index(Index {
            name: unique
                .name
                .as_ref()
                .or(unique.index_name.as_ref())
                .map(ident),
            keys: index_keys(&unique.columns),
            unique: true,
            predicate: Vec::new(),
        }),
        TableConstraint::Index(index) => table.add_index(Index {
            name: index.name.as_ref().map(ident),
            keys: index_keys(&index.columns),
            unique: false,
            predicate: Vec::new(),
        }),
        TableConstraint::ForeignKey(fk) => table.add_foreign_key(foreign_key(fk, origin), dialect),
        _ => {}
    }
}

fn foreign_key(fk: &ForeignKeyConstraint, origin: Origin) -> ForeignKey {
    ForeignKey {
        name: fk.name.as_ref().map(ident),
        columns: fk.columns.iter().map(ident).collect(),
        references: object(&fk.foreign_table),
        origin,
    }
}

fn index_keys(columns: &[IndexColumn]) -> Vec<IndexKey> {
    columns
        .iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(id) => IndexKey::Column(ident(id)),
            Expr::CompoundIdentifier(parts) => match parts.last() {
                Some(last) => IndexKey::Column(ident(last)),
                None => IndexKey::Expression(normalise(&c.column.expr)),
            },
            expr => match prefix_length_column(expr) {
                Some(column) => IndexKey::Column(column),
                None => IndexKey::Expression(normalise(expr)),
            },
        })
        .collect()
}

/// MySQL's prefix-length key `meta_key(191)` parses as a call with one
/// number; it indexes the column (lookups on it use the index).
fn prefix_length_column(expr: &Expr) -> Option<String> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let [name] = function.name.0.as_slice() else {
        return None;
    };
    let FunctionArguments::List(list) = &function.args else {
        return None;
    };
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(length)))] = list.args.as_slice()
    else {
        return None;
    };
    matches!(length.value, Value::Number(..)).then(|| name.as_ident().map(ident))?
}

/// Comparable text of an expression: lower-cased, without parentheses
/// around the whole of it (`(lower(email))` in an index is `lower(email)`).
pub(crate) fn normalise(expr: &Expr) -> String {
    let mut expr = expr;
    while let Expr::Nested(inner) = expr {
        expr = inner;
    }
    expr.to_string().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(sql: &str, dialect: Dialect) -> Schema {
        let mut schema = Schema::new();
        let errors = schema.apply(sql, dialect);
        assert!(errors.is_empty(), "{errors:?}");
        schema
    }

    fn keys(index: &Index) -> Vec<String> {
        index
            .keys
            .iter()
            .map(|k| match k {
                IndexKey::Column(c) | IndexKey::Expression(c) => c.clone(),
            })
            .collect()
    }

    #[test]
    fn tables_columns_and_implicit_indexes() {
        let s = schema(
            "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text);
             CREATE TABLE orders (
               id bigint, user_id bigint NOT NULL REFERENCES users(id), status text,
               PRIMARY KEY (id), CONSTRAINT orders_status_user UNIQUE (status, user_id));",
            Dialect::PostgreSql,
        );
        let users = s.table("USERS").expect("users");
        assert_eq!(users.columns, ["id", "email", "name"]);
        assert_eq!(users.indexes.len(), 2);
        let orders = s.table("orders").expect("orders");
        assert_eq!(orders.foreign_keys.len(), 1);
        assert_eq!(orders.foreign_keys[0].columns, ["user_id"]);
        assert_eq!(orders.foreign_keys[0].references, "users");
        assert_eq!(keys(&orders.indexes[1]), ["status", "user_id"]);
        assert!(orders.indexes[1].has_prefix(&["status".into()]));
        assert!(!orders.indexes[1].has_prefix(&["user_id".into()]));
    }

    #[test]
    fn create_index_forms_and_drop() {
        let s = schema(
            "CREATE TABLE users (id int PRIMARY KEY, email text, deleted_at timestamptz);
             CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_lower ON public.users (lower(email));
             CREATE INDEX users_live ON users USING btree (id DESC) WHERE deleted_at IS NULL;
             CREATE INDEX users_tmp ON users (email);
             DROP INDEX CONCURRENTLY IF EXISTS public.users_tmp;
             ALTER INDEX users_live RENAME TO users_active;",
            Dialect::PostgreSql,
        );
        let users = s.table("users").expect("users");
        assert_eq!(users.indexes.len(), 3);
        assert_eq!(keys(&users.indexes[1]), ["lower(email)"]);
        assert!(users.indexes[1].unique);
        assert_eq!(users.indexes[2].name.as_deref(), Some("users_active"));
        assert_eq!(users.indexes[2].predicate, ["deleted_at is null"]);
    }

    #[test]
    fn alter_table_forms() {
        let s = schema(
            "CREATE TABLE orders (id int PRIMARY KEY, user_ref int, note text);
             ALTER TABLE orders RENAME COLUMN user_ref TO user_id;
             ALTER TABLE orders ADD COLUMN product_id int, DROP COLUMN note;
             ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
             CREATE INDEX orders_user_idx ON orders (user_id);
             ALTER TABLE orders RENAME TO purchases;",
            Dialect::PostgreSql,
        );
        assert!(s.table("orders").is_none());
        let t = s.table("purchases").expect("renamed");
        assert_eq!(t.columns, ["id", "user_id", "product_id"]);
        assert_eq!(t.foreign_keys[0].name.as_deref(), Some("orders_user_fk"));
        assert_eq!(keys(&t.indexes[1]), ["user_id"]);
    }

    #[test]
    fn mysql_keys_and_implicit_foreign_key_indexes() {
        let s = schema(
            "CREATE TABLE `order_items` (
               `id` INT NOT NULL AUTO_INCREMENT, `order_id` INT NOT NULL, `sku` VARCHAR(32),
               PRIMARY KEY (`id`), KEY `idx_sku` (`sku`),
               CONSTRAINT `fk_order` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`)
             ) ENGINE=InnoDB;
             ALTER TABLE order_items DROP INDEX idx_sku;",
            Dialect::MySql,
        );
        let t = s.table("order_items").expect("order_items");
        // primary, implicit fk index; idx_sku dropped
        assert_eq!(t.indexes.len(), 2);
        assert_eq!(keys(&t.indexes[1]), ["order_id"]);
    }

    #[test]
    fn sqlite_tables_and_alter_table_constraints() {
        let s = schema(
            "CREATE TABLE IF NOT EXISTS orders (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
               placed_at TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS orders_placed ON orders (placed_at DESC, user_id);
             CREATE TABLE IF NOT EXISTS orders (other INTEGER);",
            Dialect::Sqlite,
        );
        let t = s.table("orders").expect("orders");
        // The second CREATE ... IF NOT EXISTS is a no-op.
        assert_eq!(t.columns, ["id", "user_id", "placed_at"]);
        assert_eq!(keys(&t.indexes[1]), ["placed_at", "user_id"]);
        assert_eq!(t.foreign_keys[0].references, "users");

        let s = schema(
            "CREATE TABLE tags (name text, slug text);
             ALTER TABLE tags ADD PRIMARY KEY (slug);
             ALTER TABLE tags ADD CONSTRAINT tags_name_key UNIQUE (name);
             ALTER TABLE tags DROP CONSTRAINT tags_name_key;",
            Dialect::PostgreSql,
        );
        let t = s.table("tags").expect("tags");
        assert_eq!(t.indexes.len(), 1);
        assert!(t.indexes[0].unique && t.indexes[0].has_prefix(&["slug".into()]));
    }

    #[test]
    fn mysql_prefix_length_keys_index_their_column() {
        let s = schema(
            "CREATE TABLE wp_postmeta (
               meta_id bigint(20) unsigned NOT NULL auto_increment,
               post_id bigint(20) unsigned NOT NULL default '0',
               meta_key varchar(255) default NULL,
               PRIMARY KEY  (meta_id),
               KEY post_id (post_id),
               KEY meta_key (meta_key(191))
             ) ENGINE=InnoDB;
             CREATE INDEX wp_meta_key_post ON wp_postmeta (meta_key(50), post_id);",
            Dialect::MySql,
        );
        let t = s.table("wp_postmeta").expect("table");
        assert_eq!(keys(&t.indexes[2]), ["meta_key"]);
        assert_eq!(keys(&t.indexes[3]), ["meta_key", "post_id"]);
    }

    #[test]
    fn changes_are_tracked_per_table() {
        let mut schema = schema(
            "CREATE TABLE a (id int, x int); CREATE TABLE b (id int);",
            Dialect::PostgreSql,
        );
        let mark = schema.changes();
        let changed = |schema: &Schema| {
            ["a", "b", "c"]
                .into_iter()
                .filter(|t| schema.changed_since(t, mark))
                .collect::<Vec<_>>()
        };
        assert!(changed(&schema).is_empty());
        schema.apply("CREATE INDEX a_x ON a (x);", Dialect::PostgreSql);
        assert_eq!(changed(&schema), ["a"]);
        // Dropping an index that does not exist changes nothing; the one
        // that does changes its table, named or not.
        let mut later = schema.clone();
        let mark = later.changes();
        later.apply("DROP INDEX nope; SELECT * FROM b;", Dialect::PostgreSql);
        assert!(!later.changed_since("a", mark) && !later.changed_since("b", mark));
        later.apply("DROP INDEX a_x;", Dialect::PostgreSql);
        assert!(later.changed_since("A", mark));
        // A table created or dropped after the mark counts, even one
        // unknown at the mark.
        let mark = later.changes();
        later.apply(
            "CREATE TABLE c (id int); DROP TABLE b;",
            Dialect::PostgreSql,
        );
        assert!(later.changed_since("c", mark) && later.changed_since("b", mark));
        assert!(!later.changed_since("a", mark));
    }

    #[test]
    fn parse_errors_are_returned_with_lines() {
        let mut s = Schema::new();
        let errors = s.apply(
            "CREATE TABLE a (id int);\nCREATE TABLE (oops;\nCREATE TABLE b (id int);",
            Dialect::Generic,
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("line 2, column 1:"), "{errors:?}");
        assert!(s.table("a").is_some() && s.table("b").is_some());
    }
}
