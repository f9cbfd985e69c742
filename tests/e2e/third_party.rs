//! The third-party example plugin builds on its own (depending only on
//! the SDK) and loads with `--plugin`.

use crate::support::{describe, env_pools_plugin, json_report, perfwarden, plugin_entry, project};

#[test]
fn example_plugin_builds_and_loads() {
    let wasm = env_pools_plugin();

    let env = "DB_POOL_MAX=50
DB_STATEMENT_TIMEOUT=0
# perfwarden-ignore: ENVP001 -- reporting replica: long queries are expected
DB_STATEMENT_TIMEOUT=0
# perfwarden-ignore: statement-timeout-disabled
REPLICA_STATEMENT_TIMEOUT=0
# perfwarden-ignore: statement-timeout-disabled -- stale, nothing below
DB_POOL_MIN=5
";
    let dir = project(&[(".env", env)]);
    let output = perfwarden(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--plugin",
        wasm.to_str().unwrap(),
        "--fail-on",
        "never",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let report = json_report(&output);
    assert_eq!(plugin_entry(&report, "env-pools")["status"], "ok");
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "ENVP001" && f["span"]["line"] == 2),
        "{findings:#?}"
    );
    let metrics = report["metrics"].as_array().unwrap();
    assert!(
        metrics
            .iter()
            .any(|m| m["name"] == "pool.max" && m["value"] == 50.0),
        "{metrics:#?}"
    );
}
