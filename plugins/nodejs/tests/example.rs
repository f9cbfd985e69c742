//! The example shop API (`examples/api`) trips every rule; its clean twin
//! (`tests/fixtures/clean-api`) trips none.

use std::path::{Path, PathBuf};

use perfwarden_plugin_nodejs::{Plugin, rules};
use perfwarden_sdk::Output;
use perfwarden_sdk::testing::Tester;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/api");
const CLEAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/clean-api");

fn sources(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(root, &path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("js" | "ts")) {
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path));
        }
    }
}

fn analyze(root: &str) -> Output {
    let root = Path::new(root);
    let mut files = Vec::new();
    sources(root, root, &mut files);
    assert!(files.len() >= 8, "expected the whole API, got {files:?}");
    let refs: Vec<(&str, &Path)> = files
        .iter()
        .map(|(r, p)| (r.as_str(), p.as_path()))
        .collect();
    Tester::new(Plugin).run_files(&refs)
}

fn count(out: &Output, id: &str) -> usize {
    out.findings.iter().filter(|f| f.rule == id).count()
}

fn lines(out: &Output, id: &str) -> Vec<(String, u32)> {
    let mut at: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule == id)
        .filter_map(|f| f.span.as_ref().map(|s| (s.path.clone(), s.line)))
        .collect();
    at.sort();
    at
}

#[test]
fn example_api_trips_every_rule() {
    let out = analyze(EXAMPLE);
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
    for rule in rules::RULES {
        assert!(
            count(&out, rule.id) > 0,
            "{} ({}) did not fire on examples/api; findings: {:#?}",
            rule.id,
            rule.name,
            out.findings
        );
    }
    let at = |path: &str, line: u32| vec![(path.to_owned(), line)];
    assert_eq!(
        lines(&out, "NODE001"),
        [
            at("src/routes/import.js", 9),
            at("src/routes/orders.ts", 13)
        ]
        .concat()
    );
    assert_eq!(lines(&out, "NODE002"), at("src/routes/orders.ts", 31));
    assert_eq!(
        lines(&out, "NODE003"),
        [
            at("src/routes/auth.js", 11),
            at("src/routes/products.js", 37)
        ]
        .concat()
    );
    assert_eq!(lines(&out, "NODE004"), at("src/routes/products.js", 10));
    assert_eq!(lines(&out, "NODE005"), at("src/routes/products.js", 10));
    assert_eq!(lines(&out, "NODE006"), at("src/db.js", 5));
    assert_eq!(lines(&out, "NODE007"), at("src/routes/orders.ts", 20));
    assert_eq!(
        lines(&out, "NODE008"),
        [at("src/cache.js", 5), at("src/routes/products.js", 22)].concat()
    );
    assert_eq!(lines(&out, "NODE009"), at("src/routes/orders.ts", 33));
    assert_eq!(lines(&out, "NODE010"), at("src/routes/orders.ts", 34));
    assert_eq!(lines(&out, "NODE011"), at("src/routes/import.js", 8));
    assert_eq!(lines(&out, "NODE012"), at("src/routes/products.js", 27));
    // Embedded SQL goes through the shared SQL rules.
    assert_eq!(lines(&out, "SQL001"), at("src/routes/products.js", 32));
    assert_eq!(lines(&out, "NODE013"), at("src/routes/auth.js", 7));
    assert_eq!(lines(&out, "NODE014"), at("src/routes/orders.ts", 35));
}

#[test]
fn example_api_reports_pool_settings_with_defaults() {
    let out = analyze(EXAMPLE);
    let pool: Vec<_> = out
        .metrics
        .iter()
        .filter(|m| m.label_value("client") == Some("pool"))
        .map(|m| (m.name.as_str(), m.value, m.label_value("derivation")))
        .collect();
    assert_eq!(
        pool,
        [
            ("pool.min", 0.0, Some("default")),
            ("pool.max", 30.0, None),
            ("pool.idle_timeout", 30.0, None),
            ("db.statement_timeout", 0.0, Some("default")),
        ]
    );
}

#[test]
fn clean_twin_has_no_findings() {
    let out = analyze(CLEAN);
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    let limiter: Vec<_> = out
        .metrics
        .iter()
        .filter(|m| m.name.starts_with("rate_limit."))
        .map(|m| (m.name.as_str(), m.value, m.label_value("route_class")))
        .collect();
    assert_eq!(
        limiter,
        [
            ("rate_limit.window", 900.0, Some("login")),
            ("rate_limit.limit", 5.0, Some("login")),
        ]
    );
    let ttl: Vec<_> = out
        .metrics
        .iter()
        .filter(|m| m.name == "cache.ttl")
        .map(|m| (m.value, m.label_value("data_class")))
        .collect();
    assert_eq!(ttl, [(86400.0, Some("api")), (300.0, Some("api"))]);
}
