//! Robustness on real npm packages: when `PERFWARDEN_NODE_CORPUS` points at
//! a `node_modules` directory (`.ci/run` installs express, fastify, knex,
//! sequelize, typeorm and bullmq), analyse every JS/TS file there natively:
//! nothing panics and every parse error is a located note.

use std::path::{Path, PathBuf};

use perfwarden_plugin_nodejs::Plugin;
use perfwarden_sdk::testing::Tester;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            collect(&path, out);
        } else if kind.is_file()
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("js" | "ts" | "mjs" | "cjs")
            )
        {
            out.push(path);
        }
    }
}

#[test]
fn node_modules_corpus_never_panics() {
    let Ok(root) = std::env::var("PERFWARDEN_NODE_CORPUS") else {
        eprintln!("PERFWARDEN_NODE_CORPUS not set: corpus test skipped");
        return;
    };
    let root = PathBuf::from(root);
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 500,
        "expected the installed packages under {}, found {} files",
        root.display(),
        files.len()
    );
    let contents: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter_map(|p| {
            let rel = p
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((rel, std::fs::read(p).ok()?))
        })
        .collect();
    let bytes: usize = contents.iter().map(|(_, b)| b.len()).sum();
    let refs: Vec<(&str, &[u8])> = contents
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let out = Tester::new(Plugin)
        .try_run_bytes(&refs)
        .expect("the analyzer returns an output for any input");
    for note in &out.notes {
        let span = note.span.as_ref().expect("every note is located");
        assert!(
            contents.iter().any(|(p, _)| *p == span.path),
            "note on an unknown file: {note:?}"
        );
    }
    eprintln!(
        "corpus: {} files, {} bytes, {} findings, {} metrics, {} notes",
        contents.len(),
        bytes,
        out.findings.len(),
        out.metrics.len(),
        out.notes.len()
    );
}
