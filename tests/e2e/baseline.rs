//! Baseline round trip: record, hide known findings, report new ones,
//! prune fixed ones.

use crate::support::{describe, env_pools_plugin, json_report, perfwarden, project};

#[test]
fn baseline_create_apply_prune() {
    let wasm = env_pools_plugin();
    let wasm = wasm.to_str().unwrap();
    let dir = project(&[(
        ".env",
        "DB_STATEMENT_TIMEOUT=0\nDB_POOL_MAX=10\nDB_STATEMENT_TIMEOUT=0\n",
    )]);
    let root = dir.path().to_str().unwrap();
    let file = dir.path().join("baseline.json");
    let file = file.to_str().unwrap();

    let output = perfwarden(&[
        "baseline", "create", root, "--plugin", wasm, "--output", file,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(
        baseline["entries"].as_array().unwrap().len(),
        1,
        "{baseline:#}"
    );
    assert_eq!(baseline["entries"][0]["count"], 2);

    // Lines shift and a new violation appears: only the new one is reported.
    std::fs::write(
        dir.path().join(".env"),
        "# shifted\nDB_STATEMENT_TIMEOUT=0\nDB_POOL_MAX=10\nDB_STATEMENT_TIMEOUT=0\nREPORTS_STATEMENT_TIMEOUT=0\nDB_STATEMENT_TIMEOUT=\n",
    )
    .unwrap();
    let output = perfwarden(&[
        "analyze",
        root,
        "--plugin",
        wasm,
        "--format",
        "json",
        "--baseline",
        file,
        "--fail-on",
        "never",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let report = json_report(&output);
    let lines: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["span"]["line"])
        .collect();
    assert_eq!(lines, [6], "{:#}", report["findings"]);
    assert_eq!(report["baseline"]["baselined"], 2);
    assert_eq!(report["baseline"]["new"], 1);

    // One known violation fixed: prune drops it.
    std::fs::write(dir.path().join(".env"), "DB_STATEMENT_TIMEOUT=0\n").unwrap();
    let output = perfwarden(&[
        "baseline",
        "prune",
        root,
        "--plugin",
        wasm,
        "--baseline",
        file,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("dropped 1 fixed"),
        "{}",
        describe(&output)
    );
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(baseline["entries"][0]["count"], 1);

    let missing = perfwarden(&["analyze", root, "--baseline", "/nonexistent/b.json"]);
    assert_eq!(missing.status.code(), Some(2), "{}", describe(&missing));
}
