//! What the benches share: the workspace root and the test components.

use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The component of the test plugin `package` (under `tests/plugins`),
/// built on demand.
pub fn test_component(package: &str) -> Vec<u8> {
    let paths = perfwarden_wasm_build::build_components(
        &root(),
        &[package],
        &root().join("target/wasm-plugins"),
        &[],
    );
    std::fs::read(&paths[0]).expect("built component")
}
