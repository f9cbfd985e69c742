//! Throughput of the analyzer (files/s and MB/s) against a parse-only
//! baseline in the same run, over WordPress core when `PERFWARDEN_WP_CORE`
//! points at it (`/usr/share/wordpress` from Debian's `wordpress` package),
//! else over the example site and its clean twin.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perfwarden_plugin_wordpress::{Plugin, parse_only};
use perfwarden_sdk::testing::Tester;

fn php_files(root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path: PathBuf = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            php_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "php")
            && let Ok(bytes) = std::fs::read(&path)
        {
            out.push((path.to_string_lossy().into_owned(), bytes));
        }
    }
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    match std::env::var("PERFWARDEN_WP_CORE") {
        Ok(root) => php_files(Path::new(&root), &mut files),
        Err(_) => {
            let manifest = env!("CARGO_MANIFEST_DIR");
            php_files(
                &Path::new(manifest).join("../../examples/wordpress"),
                &mut files,
            );
            php_files(
                &Path::new(manifest).join("tests/fixtures/clean-plugin"),
                &mut files,
            );
        }
    }
    files.sort();
    files
}

fn bench(c: &mut Criterion) {
    let files = corpus();
    let bytes: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let tester = Tester::new(Plugin);
    eprintln!("corpus: {} PHP files, {bytes} bytes", files.len());

    for (name, throughput) in [
        ("bytes", Throughput::Bytes(bytes)),
        ("files", Throughput::Elements(files.len() as u64)),
    ] {
        let mut group = c.benchmark_group(format!("wordpress/{name}"));
        group
            .throughput(throughput)
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(8));
        group.bench_function("parse_only", |b| {
            b.iter(|| {
                let statements: usize = files.iter().map(|(_, bytes)| parse_only(bytes)).sum();
                black_box(statements)
            });
        });
        group.bench_function("analyze", |b| {
            b.iter(|| black_box(tester.try_run_bytes(&borrowed).map(|o| o.findings.len())));
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
