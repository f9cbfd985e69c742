//! Helpers shared by the configs integration tests (`mod common;`): run the
//! plugin on fixture files from disk and look up what it reported.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use perfwarden_plugin_configs::Plugin;
use perfwarden_sdk::testing::Tester;
use perfwarden_sdk::{Metric, Output};

/// A path relative to this crate's directory (e.g. `tests/fixtures/k8s`).
pub fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A file under tests/fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    crate_path("tests/fixtures").join(rel)
}

/// Run the plugin on `(path in the analyzed project, file under dir)` pairs,
/// `dir` being relative to this crate's directory.
pub fn run_in(dir: &str, files: &[(&str, &str)]) -> Output {
    let dir = crate_path(dir);
    let paths: Vec<(&str, PathBuf)> = files.iter().map(|(n, f)| (*n, dir.join(f))).collect();
    let borrowed: Vec<(&str, &Path)> = paths.iter().map(|(n, p)| (*n, p.as_path())).collect();
    Tester::new(Plugin).run_files(&borrowed)
}

/// [`run_in`] tests/fixtures.
pub fn run(files: &[(&str, &str)]) -> Output {
    run_in("tests/fixtures", files)
}

/// The metric `name` carrying every one of `labels`; panics with the metrics
/// when there is none.
pub fn metric<'a>(out: &'a Output, name: &str, labels: &[(&str, &str)]) -> &'a Metric {
    out.metrics
        .iter()
        .find(|m| m.name == name && labels.iter().all(|(k, v)| m.label_value(k) == Some(*v)))
        .unwrap_or_else(|| panic!("no {name} {labels:?} in {:#?}", out.metrics))
}
