//! The third-party example plugin builds on its own (depending only on
//! the SDK) and loads with `--plugin`.

use std::process::Command;

use crate::support::{describe, json_report, perfwarden, plugin_entry, project, root};

#[test]
fn example_plugin_builds_and_loads() {
    let manifest = root().join("examples/plugins/env-pools/Cargo.toml");
    let target_dir = root().join("target/example-plugin");
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "build",
            "--quiet",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .status()
        .expect("run cargo");
    assert!(status.success(), "building the example plugin failed");
    let wasm = target_dir.join("wasm32-wasip2/release/env_pools.wasm");

    let dir = project(&[(".env", "DB_POOL_MAX=50\nDB_STATEMENT_TIMEOUT=0\n")]);
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
