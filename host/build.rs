//! Compiles the built-in analyzers to wasm32-wasip2 components and embeds
//! them, so the `perfwarden` binary is one file that works offline.

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// Built-in analyzers: `plugins/<name>`, package `perfwarden-plugin-<name>`.
const BUILTINS: &[&str] = &["configs", "loadtest", "nodejs", "sql", "wordpress"];

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let root = perfwarden_wasm_build::workspace_root(&manifest_dir);
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("wasm-plugins");

    let packages: Vec<String> = BUILTINS
        .iter()
        .map(|name| format!("perfwarden-plugin-{name}"))
        .collect();
    let package_refs: Vec<&str> = packages.iter().map(String::as_str).collect();
    let mut watch = vec![root.join("sdk")];
    watch.extend(BUILTINS.iter().map(|name| root.join("plugins").join(name)));
    let components = if package_refs.is_empty() {
        Vec::new()
    } else {
        perfwarden_wasm_build::build_components(&root, &package_refs, &target_dir, &watch)
    };

    // The hashes key the compile cache: computed here, a run need not hash
    // megabytes of embedded components before it can look them up.
    let mut code = String::from(
        "/// Built-in analyzers embedded at build time.\npub static BUILTINS: &[super::BuiltinComponent] = &[\n",
    );
    for (name, path) in BUILTINS.iter().zip(&components) {
        let bytes = std::fs::read(path).expect("read the built component");
        writeln!(
            code,
            "    super::BuiltinComponent {{ name: {name:?}, wasm: include_bytes!({:?}), sha256: \"{:x}\" }},",
            path.display().to_string(),
            Sha256::digest(&bytes)
        )
        .expect("write to String");
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("builtins.rs"), code).expect("write builtins.rs");
}
