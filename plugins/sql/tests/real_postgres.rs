//! Against a real PostgreSQL server (run when `PERFWARDEN_PG=1`; `.ci/run`
//! starts one with `pg_stat_statements` preloaded and sets the libpq
//! variables `PGHOST`, `PGPORT`, `PGUSER`). The test applies the example
//! migrations, compares the schema model with the catalog, loads rows,
//! runs an N+1 pattern and an unindexed lookup, and checks what the plugin
//! finds in the server's own EXPLAIN JSON and pg_stat_statements export.

use std::io::Write;
use std::process::{Command, Stdio};

use perfwarden_plugin_sql::Sql;
use perfwarden_sdk::testing::Tester;
use perfwarden_sql_rules::{Dialect, IndexKey, Schema};

const MIGRATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/db/migrations");

fn enabled() -> bool {
    if std::env::var("PERFWARDEN_PG").as_deref() == Ok("1") {
        return true;
    }
    eprintln!(
        "SKIPPED real PostgreSQL test: set PERFWARDEN_PG=1 with PGHOST/PGPORT/PGUSER pointing at a server \
         started with shared_preload_libraries=pg_stat_statements"
    );
    false
}

/// Run SQL through `psql` (unaligned, tuples only), failing on any error.
fn psql(database: &str, sql: &str) -> String {
    let mut child = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            database,
            "-f",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql is installed");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(sql.as_bytes())
        .expect("write SQL to psql");
    let output = child.wait_with_output().expect("psql runs");
    assert!(
        output.status.success(),
        "psql failed: {}\n--- sql ---\n{}",
        String::from_utf8_lossy(&output.stderr),
        &sql[..sql.len().min(500)]
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// A scratch database, dropped at the end even when an assertion fails.
struct Database(String);

impl Database {
    fn create(test: &str) -> Self {
        let name = format!("perfwarden_sql_{test}_{}", std::process::id());
        psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name};"),
        );
        Self(name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-d",
                "postgres",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0),
            ])
            .status();
    }
}

fn migrations() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(MIGRATIONS)
        .expect("example migrations")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("migration text");
            (p.display().to_string(), text)
        })
        .collect()
}

#[test]
fn schema_model_matches_the_catalog() {
    if !enabled() {
        return;
    }
    let db = Database::create("schema");
    let mut schema = Schema::new();
    for (path, text) in migrations() {
        psql(&db.0, &text);
        assert!(
            schema.apply(&text, Dialect::PostgreSql).is_empty(),
            "{path} parses"
        );
    }

    // Index key lists per table, from the catalog and from the model.
    let catalog = psql(
        &db.0,
        "SELECT t.relname || ':' || array_to_string(ARRAY(
                 SELECT pg_get_indexdef(ix.indexrelid, k + 1, true)
                 FROM generate_subscripts(ix.indkey, 1) AS k ORDER BY k), ',')
         FROM pg_index ix
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' ORDER BY 1;",
    );
    let mut from_catalog: Vec<String> = catalog.lines().map(str::to_owned).collect();
    from_catalog.sort();
    let mut from_model: Vec<String> = schema
        .tables()
        .flat_map(|t| {
            t.indexes.iter().map(move |ix| {
                let keys: Vec<&str> = ix
                    .keys
                    .iter()
                    .map(|k| match k {
                        IndexKey::Column(c) | IndexKey::Expression(c) => c.as_str(),
                    })
                    .collect();
                format!("{}:{}", t.name, keys.join(","))
            })
        })
        .collect();
    from_model.sort();
    assert_eq!(from_model, from_catalog);

    let catalog = psql(
        &db.0,
        "SELECT conrelid::regclass || ':' || array_to_string(ARRAY(
                 SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(num, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord), ',')
                 || '->' || confrelid::regclass
         FROM pg_constraint c WHERE contype = 'f' ORDER BY 1;",
    );
    let mut from_model: Vec<String> = schema
        .tables()
        .flat_map(|t| {
            t.foreign_keys
                .iter()
                .map(move |fk| format!("{}:{}->{}", t.name, fk.columns.join(","), fk.references))
        })
        .collect();
    from_model.sort();
    assert_eq!(from_model, catalog.lines().collect::<Vec<_>>());
}

#[test]
fn real_explain_and_pg_stat_statements() {
    if !enabled() {
        return;
    }
    let db = Database::create("diagnostics");
    for (_, text) in migrations() {
        psql(&db.0, &text);
    }
    psql(
        &db.0,
        "INSERT INTO users (email, name, country)
           SELECT 'user' || i || '@example.com', 'User ' || i, 'FR' FROM generate_series(1, 2000) i;
         INSERT INTO products (sku, name, price_cents, stock, category)
           SELECT 'SKU-' || i, 'Product ' || i, 100 + i, 10, 'cat' || (i % 10) FROM generate_series(1, 200) i;
         INSERT INTO orders (user_id, status, total_cents)
           SELECT 1 + i % 2000, CASE WHEN i % 50 = 0 THEN 'pending' ELSE 'paid' END, 500 + i % 9000
           FROM generate_series(1, 30000) i;
         INSERT INTO order_items (order_id, product_id, quantity, price_cents)
           SELECT 1 + i % 30000, 1 + i % 200, 1 + i % 3, 250 FROM generate_series(1, 60000) i;
         CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
         ANALYZE;
         SELECT pg_stat_statements_reset();",
    );
    // The N+1: one lookup per order of a page, each its own statement.
    let n_plus_one: String = (1..=1200)
        .map(|i| format!("SELECT product_id, quantity FROM order_items WHERE order_id = {i};\n"))
        .collect();
    psql(&db.0, &n_plus_one);
    // The missing index: total_cents has none.
    let explain = psql(
        &db.0,
        "EXPLAIN (ANALYZE, FORMAT JSON) SELECT id, user_id FROM orders WHERE total_cents = 4242;",
    );
    let export = psql(
        &db.0,
        "COPY (SELECT s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
               WHERE d.datname = current_database()) TO STDOUT WITH (FORMAT csv, HEADER);",
    );

    let out = Tester::new(Sql).run(&[
        ("db/explain.json", &explain),
        ("db/pg_stat_statements.csv", &export),
    ]);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    let seq = out
        .findings
        .iter()
        .find(|f| f.rule == "SQL030")
        .unwrap_or_else(|| panic!("seq scan on orders expected in:\n{explain}"));
    assert!(
        seq.message.contains("Seq Scan on orders"),
        "{}",
        seq.message
    );
    assert!(out.metrics.iter().any(|m| m.name == "db.query.latency"
        && m.label_value("source") == Some("explain")
        && m.value > 0.0));
    let repeated = out
        .findings
        .iter()
        .find(|f| f.rule == "SQL035")
        .unwrap_or_else(|| panic!("N+1 expected in:\n{export}"));
    assert!(
        repeated.message.contains("ran 1200 times"),
        "{}",
        repeated.message
    );
    assert!(
        repeated.message.contains("order_items"),
        "{}",
        repeated.message
    );
}
