//! The shop API example results in `examples/loadtest/` say what their
//! README says.

use perfwarden_plugin_loadtest::Plugin;
use perfwarden_sdk::Output;
use perfwarden_sdk::testing::Tester;

#[path = "common/metrics.rs"]
mod metrics;
use metrics::value;

fn run(name: &str, path: &str) -> Output {
    Tester::new(Plugin).run_files(&[(name, std::path::Path::new(path))])
}

#[test]
fn k6_summary_breaks_the_policy_where_documented() {
    let out = run(
        "examples/loadtest/k6-summary.json",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/loadtest/k6-summary.json"
        ),
    );
    let orders = [("endpoint", "POST /api/orders"), ("percentile", "p95")];
    assert_eq!(value(&out, "http.latency", &orders), 687.3);
    let login = [("endpoint", "POST /api/login"), ("definition", "tool")];
    assert_eq!(value(&out, "http.error_rate", &login), 0.0213);
    assert_eq!(
        value(&out, "http.requests", &[("endpoint", "POST /api/import")]),
        120.0
    );
    // The import job's own counter: 199.99 items/s over the run.
    assert_eq!(
        value(&out, "batch.throughput", &[("job", "import_items")]),
        199.99 * 60.0
    );
    let failed: Vec<&str> = out
        .findings
        .iter()
        .filter(|f| f.rule == "LT002")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "k6 threshold `p(95)<500` on `http_req_duration{name:POST /api/orders}` failed",
            "k6 threshold `rate<0.01` on `http_req_failed{name:POST /api/login}` failed",
        ]
    );
    // Each at its own metric's threshold line, not the first `p(95)<500`.
    let lines: Vec<u32> = out
        .findings
        .iter()
        .filter(|f| f.rule == "LT002")
        .filter_map(|f| f.span.as_ref().map(|s| s.line))
        .collect();
    assert_eq!(lines, [100, 140]);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
}

#[test]
fn jtl_breaks_the_policy_where_documented() {
    let out = run(
        "examples/loadtest/results.jtl",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/loadtest/results.jtl"
        ),
    );
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    assert_eq!(
        value(&out, "http.requests", &[("endpoint", "GET /api/products")]),
        1200.0
    );
    let orders_p95 = value(
        &out,
        "http.latency",
        &[("endpoint", "POST /api/orders"), ("percentile", "p95")],
    );
    assert!(orders_p95 > 500.0, "{orders_p95}");
    let login_errors = value(
        &out,
        "http.error_rate",
        &[("endpoint", "POST /api/login"), ("definition", "status")],
    );
    assert!((0.01..0.04).contains(&login_errors), "{login_errors}");
    // One request per row: SampleCount is 1 throughout.
    assert_eq!(value(&out, "http.requests", &[]), 3000.0);
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule == "LT001" && f.message.contains("POST /api/import"))
    );
}
