//! The example project's database directory (`examples/db`) through the
//! whole plugin: migrations in file-name order build the schema, queries are
//! checked against it, diagnostics become metrics.

use std::path::PathBuf;

use perfwarden_plugin_sql::Sql;
use perfwarden_sdk::testing::Tester;

fn example(relative: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/db")).join(relative)
}

const FILES: &[&str] = &[
    "queries.sql",
    "migrations/0005_orders_status_index.sql",
    "migrations/0001_create_users.sql",
    "migrations/0004_order_items_product_fk.sql",
    "migrations/0003_create_orders.sql",
    "migrations/0002_create_products.sql",
    "diagnostics/explain_pending_orders.json",
    "diagnostics/pg_stat_statements.csv",
    "diagnostics/postgresql.log",
];

#[test]
fn example_db_findings() {
    let paths: Vec<(String, PathBuf)> = FILES
        .iter()
        .map(|f| (format!("examples/db/{f}"), example(f)))
        .collect();
    let files: Vec<(&str, &std::path::Path)> = paths
        .iter()
        .map(|(n, p)| (n.as_str(), p.as_path()))
        .collect();
    let out = Tester::new(Sql).run_files(&files);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    let mut found: Vec<(&str, String)> = out
        .findings
        .iter()
        .map(|f| {
            let span = f.span.as_ref().expect("every finding is located");
            let file = span.path.trim_start_matches("examples/db/");
            (f.rule, format!("{file}:{}", span.line))
        })
        .collect();
    found.sort();
    let expected = [
        ("SQL001", "queries.sql:7"),
        ("SQL002", "queries.sql:14"),
        ("SQL003", "queries.sql:32"),
        ("SQL003", "queries.sql:38"),
        ("SQL004", "migrations/0004_order_items_product_fk.sql:2"),
        ("SQL005", "queries.sql:29"),
        ("SQL006", "queries.sql:26"),
        ("SQL007", "queries.sql:38"),
        ("SQL008", "queries.sql:41"),
        ("SQL009", "queries.sql:44"),
        ("SQL010", "queries.sql:17"),
        ("SQL010", "queries.sql:20"),
        ("SQL020", "migrations/0004_order_items_product_fk.sql:6"),
        ("SQL021", "migrations/0004_order_items_product_fk.sql:2"),
        ("SQL022", "migrations/0004_order_items_product_fk.sql:2"),
        ("SQL022", "migrations/0004_order_items_product_fk.sql:2"),
        ("SQL030", "diagnostics/explain_pending_orders.json:1"),
        ("SQL031", "diagnostics/explain_pending_orders.json:1"),
        ("SQL032", "diagnostics/explain_pending_orders.json:1"),
        ("SQL032", "diagnostics/explain_pending_orders.json:1"),
        ("SQL032", "diagnostics/explain_pending_orders.json:1"),
        ("SQL033", "diagnostics/explain_pending_orders.json:1"),
        ("SQL034", "diagnostics/explain_pending_orders.json:1"),
        ("SQL034", "diagnostics/pg_stat_statements.csv:12"),
        ("SQL034", "diagnostics/pg_stat_statements.csv:19"),
        ("SQL034", "diagnostics/postgresql.log:1"),
        ("SQL034", "diagnostics/postgresql.log:1"),
        ("SQL035", "diagnostics/pg_stat_statements.csv:3"),
        ("SQL035", "diagnostics/postgresql.log:1"),
    ];
    let expected: Vec<(&str, String)> = expected
        .iter()
        .map(|(r, l)| (*r, (*l).to_owned()))
        .collect();
    assert_eq!(found, expected);

    let missing_index = out
        .findings
        .iter()
        .find(|f| f.rule == "SQL003" && f.message.contains("category"))
        .expect("category lookup");
    assert_eq!(
        missing_index.fix.as_deref(),
        Some(
            "CREATE INDEX CONCURRENTLY idx_products_category_price_cents ON products (category, price_cents);"
        )
    );
    let fk = out
        .findings
        .iter()
        .find(|f| f.rule == "SQL004")
        .expect("fk");
    assert_eq!(
        fk.fix.as_deref(),
        Some("CREATE INDEX CONCURRENTLY idx_order_items_product_id ON order_items (product_id);")
    );

    let metric = |name: &str, source: &str, percentile: Option<&str>| {
        out.metrics
            .iter()
            .find(|m| {
                m.name == name
                    && m.label_value("source") == Some(source)
                    && m.label_value("percentile") == percentile
                    && m.label_value("statement").is_none()
            })
            .map(|m| m.value)
    };
    assert_eq!(metric("db.query.latency", "explain", None), Some(1432.806));
    assert_eq!(
        metric("db.query.latency", "postgres-log", Some("p95")),
        Some(1210.504)
    );
    assert_eq!(metric("db.slow_queries", "postgres-log", None), Some(2.0));
    // 2 slow queries between 14:02:11.214 and 14:05:40.118 (208.904 s).
    let rate = metric("db.slow_query_rate", "postgres-log", None).expect("rate");
    assert!((rate - 2.0 / (208.904 / 60.0)).abs() < 1e-9, "{rate}");
    let repeated = out
        .metrics
        .iter()
        .find(|m| m.name == "db.repeated_queries")
        .expect("N+1 in session 48211");
    assert_eq!(repeated.value, 12.0);
}
