//! Each built-in analyzer on a corpus, inside the sandbox and natively, in
//! the same run: throughput in MiB/s and the wasm/native ratio.
//!
//! Corpora: `PERFWARDEN_NODE_CORPUS` (a `node_modules`) for nodejs,
//! `PERFWARDEN_WP_CORE` (WordPress core) for wordpress, falling back to the
//! example project; `PERFWARDEN_SQL_CORPUS` (a directory of `.sql` files)
//! for sql, falling back to its fixtures; the config fixtures; a synthetic 64 MiB JMeter
//! JTL for loadtest (streamed with `read-range`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perfwarden::discovery::{self, DiscoveryConfig, glob_set};
use perfwarden::registry::{builtin_components, sha256_hex};
use perfwarden::runtime::{Limits, Offered, Runtime};
use perfwarden_sdk::Analyzer;
use perfwarden_sdk::testing::Tester;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Files under `dir` matching the analyzer's own patterns, relative paths.
fn corpus(dir: &Path, analyzer: &impl Analyzer) -> Vec<(String, u64)> {
    let patterns = glob_set(&analyzer.info().patterns).expect("valid patterns");
    let config = DiscoveryConfig {
        hidden: true,
        ..DiscoveryConfig::default()
    };
    discovery::discover(dir, &config)
        .expect("walk")
        .artifacts
        .into_iter()
        .filter(|a| patterns.is_match(&a.path))
        .map(|a| (a.path, a.size))
        .collect()
}

fn synthetic_jtl(dir: &Path) {
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(dir.join("results.jtl")).expect("create"));
    writeln!(file, "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect").expect("write");
    let labels = [
        "GET /api/products",
        "GET /api/products/:id",
        "POST /api/orders",
        "POST /api/login",
    ];
    let mut written = 0usize;
    let mut i = 0u64;
    while written < 64 << 20 {
        let label = labels[(i % 4) as usize];
        let elapsed = 20 + (i * 7919) % 900;
        let ok = !i.is_multiple_of(97);
        let line = format!(
            "{},{elapsed},{label},{},{},Users 1-{},text,{ok},,{},{},8,8,http://shop.local/api,{},0,{}\n",
            1_700_000_000_000 + i * 13,
            if ok { 200 } else { 500 },
            if ok { "OK" } else { "Internal Server Error" },
            i % 8 + 1,
            1200 + i % 300,
            180 + i % 40,
            elapsed / 2,
            i % 5
        );
        written += line.len();
        file.write_all(line.as_bytes()).expect("write");
        i += 1;
    }
}

fn bench_plugin<A: Analyzer + Default>(c: &mut Criterion, name: &str, dir: &Path) {
    let analyzer = A::default();
    let files = corpus(dir, &analyzer);
    if files.is_empty() {
        eprintln!("{name}: empty corpus at {}", dir.display());
        return;
    }
    let bytes: u64 = files.iter().map(|(_, size)| size).sum();
    let wasm = builtin_components()
        .iter()
        .find(|(n, _)| *n == name)
        .expect("built-in")
        .1;
    // A large corpus legitimately yields more than a project's default
    // output caps; the bench measures analysis, not the caps.
    let limits = Limits {
        timeout_ms: 600_000,
        max_findings: usize::MAX,
        max_notes: usize::MAX,
        max_output_bytes: u64::MAX,
        ..Limits::default()
    };
    let runtime = Runtime::new(limits, None).expect("runtime");
    let compiled = runtime.compile(wasm, &sha256_hex(wasm)).expect("compile");
    let offered = Arc::new(Offered {
        root: dir.to_path_buf(),
        paths: files.iter().map(|(p, _)| p.clone()).collect(),
    });
    let contents: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, _)| (p.clone(), std::fs::read(dir.join(p)).expect("read corpus")))
        .collect();
    let borrowed: Vec<(&str, &[u8])> = contents
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let tester = Tester::new(A::default());

    let mut group = c.benchmark_group(format!("plugin/{name}"));
    group.sample_size(10).throughput(Throughput::Bytes(bytes));
    eprintln!(
        "{name}: {} files, {:.1} MiB",
        files.len(),
        bytes as f64 / (1 << 20) as f64
    );
    group.bench_function("native", |b| {
        b.iter(|| tester.try_run_bytes(&borrowed).expect("native run"))
    });
    group.bench_function("sandbox", |b| {
        b.iter(|| {
            let (result, _) =
                runtime.analyze(&compiled, name, Arc::clone(&offered), files.clone(), "{}");
            result.expect("sandbox run")
        })
    });
    group.finish();
}

fn env_dir(var: &str, fallback: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(fallback))
}

fn plugins(c: &mut Criterion) {
    bench_plugin::<perfwarden_plugin_nodejs::Plugin>(
        c,
        "nodejs",
        &env_dir("PERFWARDEN_NODE_CORPUS", "examples/api"),
    );
    bench_plugin::<perfwarden_plugin_wordpress::Plugin>(
        c,
        "wordpress",
        &env_dir("PERFWARDEN_WP_CORE", "examples/wordpress"),
    );
    bench_plugin::<perfwarden_plugin_sql::Sql>(
        c,
        "sql",
        &env_dir("PERFWARDEN_SQL_CORPUS", "plugins/sql/tests/fixtures"),
    );
    bench_plugin::<perfwarden_plugin_configs::Plugin>(
        c,
        "configs",
        &root().join("plugins/configs/tests/fixtures"),
    );
    let jtl = tempfile::tempdir().expect("temp dir");
    synthetic_jtl(jtl.path());
    bench_plugin::<perfwarden_plugin_loadtest::Plugin>(c, "loadtest", jtl.path());
}

criterion_group!(benches, plugins);
criterion_main!(benches);
