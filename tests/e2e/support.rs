//! Shared helpers: projects in temp dirs, the binary, hostile components.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// A temporary project with the given files.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("file in a dir")).expect("mkdir");
        std::fs::write(path, content).expect("write fixture");
    }
    dir
}

/// A compile cache private to one test process, so tests do not depend on
/// the user's cache but share compiles among themselves.
pub fn cache_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("cache dir"))
        .path()
}

/// Run the binary with a clean, deterministic environment.
pub fn perfwarden(args: &[&str]) -> Output {
    perfwarden_with_env(args, &[])
}

/// [`perfwarden`] with some environment variables set on top.
pub fn perfwarden_with_env(args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfwarden"))
        .args(args)
        .env("PERFWARDEN_CACHE_DIR", cache_dir())
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .envs(vars.iter().copied())
        .output()
        .expect("run perfwarden")
}

/// Stdout and stderr, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The test components of `tests/plugins/` (hostile ones and `noop`),
/// built once per test process.
pub fn test_plugin(name: &str) -> PathBuf {
    static BUILT: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let names = ["spin", "oom", "flood", "panic", "escape", "noop"];
        let packages: Vec<String> = names.iter().map(|n| format!("test-plugin-{n}")).collect();
        let refs: Vec<&str> = packages.iter().map(String::as_str).collect();
        let paths = perfwarden_wasm_build::build_components(
            &root(),
            &refs,
            &root().join("target/wasm-plugins"),
            &[],
        );
        names.iter().map(|n| n.to_string()).zip(paths).collect()
    });
    built
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p.clone())
        .expect("known test plugin")
}

/// The JSON report written by `analyze --format json`.
pub fn json_report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}", describe(output)))
}

/// The entry of `plugins[]` named `name`.
pub fn plugin_entry<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["plugins"]
        .as_array()
        .and_then(|plugins| plugins.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no plugin {name} in {:#}", report["plugins"]))
}

/// The third-party example plugin (`examples/plugins/env-pools`), built
/// once per test process as its author would: its own workspace, only the SDK.
pub fn env_pools_plugin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
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
            target_dir.join("wasm32-wasip2/release/env_pools.wasm")
        })
        .clone()
}
