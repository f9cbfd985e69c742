//! Compile plugin crates of this workspace to `wasm32-wasip2` components
//! from a build script.
//!
//! The nested `cargo` uses its own target directory, so it never waits on
//! the lock held by the outer build, and the `plugin` profile (speed-optimised,
//! LTO, `panic = "abort"`).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Target every analyzer is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// Environment variables of the outer build that must not leak into the
/// nested one: they would point it at the host target, the outer target
/// directory, or clippy's driver.
const SCRUBBED_ENV: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_WRAPPER",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_PROFILE_RELEASE_DEBUG",
    "CARGO_PROFILE_RELEASE_LTO",
    "DEBUG",
    "OPT_LEVEL",
    "PROFILE",
    "TARGET",
    "HOST",
];

/// The workspace root, two levels above a crate in `host/<crate>` or
/// `<crate>` at the root: the first ancestor with a `Cargo.lock`.
pub fn workspace_root(manifest_dir: &Path) -> PathBuf {
    manifest_dir
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .unwrap_or(manifest_dir)
        .to_path_buf()
}

/// Build `packages` (Cargo package names) of the workspace at `root` for
/// wasm32-wasip2 into `target_dir`, and return the path of each component,
/// in the order given. Emits `rerun-if-changed` for `watch` paths.
///
/// # Panics
/// When cargo cannot run or the build fails: a build script has no better
/// way to report it, and the message names the failing command.
pub fn build_components(
    root: &Path,
    packages: &[&str],
    target_dir: &Path,
    watch: &[PathBuf],
) -> Vec<PathBuf> {
    for path in watch {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    // The lock file, the profiles and the target's flags change the output.
    // Only existing files: cargo counts a missing one as changed and would
    // rerun this script, and rebuild the host, on every build.
    for file in ["Cargo.lock", "Cargo.toml", ".cargo/config.toml"] {
        let path = root.join(file);
        if path.is_file() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rerun-if-env-changed=RUSTFLAGS");

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--target",
            TARGET,
            "--profile",
            "plugin",
            "--quiet",
        ])
        .arg("--target-dir")
        .arg(target_dir);
    for package in packages {
        command.args(["-p", package]);
    }
    for var in SCRUBBED_ENV {
        command.env_remove(var);
    }
    let status = command
        .status()
        .unwrap_or_else(|err| panic!("cannot run cargo to build the plugins: {err}"));
    assert!(
        status.success(),
        "building plugins for {TARGET} failed ({status}); is the target installed? \
         `rustup target add {TARGET}`"
    );

    packages
        .iter()
        .map(|package| {
            let file = format!("{}.wasm", package.replace('-', "_"));
            let path = target_dir.join(TARGET).join("plugin").join(file);
            assert!(
                path.is_file(),
                "cargo built {package} but {} is missing",
                path.display()
            );
            path
        })
        .collect()
}
