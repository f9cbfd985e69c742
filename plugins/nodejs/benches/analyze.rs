//! Throughput of the analyzer (native) against an oxc parse-only baseline,
//! on the `PERFWARDEN_NODE_CORPUS` node_modules when set, else on a
//! synthetic corpus built from the example API.
//!
//! `PERFWARDEN_NODE_CORPUS=/tmp/corpus/node_modules cargo bench -p perfwarden-plugin-nodejs`

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::SourceType;
use perfwarden_plugin_nodejs::Plugin;
use perfwarden_sdk::testing::Tester;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(&path, out),
            Ok(kind)
                if kind.is_file()
                    && matches!(
                        path.extension().and_then(|e| e.to_str()),
                        Some("js" | "ts" | "mjs" | "cjs")
                    ) =>
            {
                out.push(path);
            }
            _ => {}
        }
    }
}

fn corpus() -> Vec<(String, String)> {
    let (root, copies) = match std::env::var("PERFWARDEN_NODE_CORPUS") {
        Ok(dir) => (PathBuf::from(dir), 1),
        // ~40 KB of example code repeated to a few MB.
        Err(_) => (
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/api")),
            100,
        ),
    };
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = Vec::new();
    for copy in 0..copies {
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let rel = path.strip_prefix(&root).unwrap_or(path).to_string_lossy();
            out.push((format!("c{copy}/{rel}"), text));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let files = corpus();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    eprintln!("corpus: {} files, {} bytes", files.len(), bytes);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let mut group = c.benchmark_group("nodejs");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("parse_only", |b| {
        b.iter(|| {
            let mut statements = 0;
            for (path, text) in &refs {
                let allocator = Allocator::default();
                let source_type = SourceType::from_path(path).unwrap_or_default();
                statements += Parser::new(&allocator, text, source_type)
                    .parse()
                    .program
                    .body
                    .len();
            }
            statements
        });
    });
    let tester = Tester::new(Plugin);
    group.bench_function("analyze", |b| {
        b.iter(|| tester.run(&refs).findings.len());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
