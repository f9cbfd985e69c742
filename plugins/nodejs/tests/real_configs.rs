//! Real pool configurations from public repositories (see fixtures/real/SOURCES.txt).

use std::path::Path;

use perfwarden_plugin_nodejs::Plugin;
use perfwarden_sdk::Output;
use perfwarden_sdk::testing::Tester;

fn run(name: &str, path: &str) -> Output {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
    let file = format!("{dir}{path}");
    Tester::new(Plugin).run_files(&[(name, Path::new(&file))])
}

fn pool(out: &Output) -> Vec<(&str, f64, Option<&str>)> {
    out.metrics
        .iter()
        .map(|m| (m.name.as_str(), m.value, m.label_value("derivation")))
        .collect()
}

#[test]
fn prisma_with_pg_adapter_reports_the_pg_pool() {
    let out = run(
        "config/prismaClient.js",
        "IandelaTorre_BasicAPI__config_prismaClient.js",
    );
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
    assert_eq!(
        pool(&out),
        [
            ("pool.min", 0.0, Some("default")),
            ("pool.max", 10.0, None),
            ("pool.idle_timeout", 30.0, None),
            ("db.statement_timeout", 0.0, Some("default")),
        ]
    );
    assert!(
        out.metrics
            .iter()
            .all(|m| m.label_value("client") == Some("pool"))
    );
    let rules: Vec<_> = out.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["NODE006"]);
    assert_eq!(out.findings[0].span.as_ref().map(|s| s.line), Some(7));
}

#[test]
fn exported_typescript_pool_reports_its_bounds() {
    let out = run("core/src/db.ts", "MattMoony_glass-pane__core_src_db.ts");
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
    assert_eq!(
        pool(&out),
        [
            ("pool.min", 0.0, Some("default")),
            ("pool.max", 20.0, None),
            ("pool.idle_timeout", 30.0, None),
            ("db.statement_timeout", 0.0, Some("default")),
        ]
    );
    let rules: Vec<_> = out.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["NODE006"]);
}

#[test]
fn parse_errors_become_located_notes() {
    let out = Tester::new(Plugin).run(&[
        ("src/broken.js", "const a = ;\nfunction {"),
        (
            "src/ok.js",
            "const { Pool } = require('pg');\nconst pool = new Pool();",
        ),
    ]);
    assert_eq!(out.notes.len(), 1, "{:#?}", out.notes);
    let span = out.notes[0].span.as_ref().expect("located");
    assert_eq!((span.path.as_str(), span.line), ("src/broken.js", 1));
    // The other file is still analysed.
    assert_eq!(
        out.findings.iter().filter(|f| f.rule == "NODE006").count(),
        1
    );
}
