//! Each built-in analyzer on a corpus, inside the sandbox and natively, in
//! the same run: throughput in MiB/s and the wasm/native ratio.
//!
//! Corpora: `PERFWARDEN_NODE_CORPUS` (a `node_modules`) for nodejs,
//! `PERFWARDEN_WP_CORE` (WordPress core) for wordpress, falling back to the
//! example project; `PERFWARDEN_SQL_CORPUS` (a directory of `.sql` files)
//! for sql, falling back to its fixtures; the config fixtures; a synthetic
//! 64 MiB JMeter JTL and k6 NDJSON for loadtest (streamed with `read-range`).
//!
//! After each criterion group, alternating native/sandbox pairs give the
//! ratio as a median, robust to a machine whose speed drifts.
//!
//! Each parsing analyzer is followed by its parser alone on the same files
//! (`parser/<name>/<input>`, the `test-plugin-parsers` component): the
//! floor of the analyzer's ratio, since rules cannot run faster than the
//! code they walk is parsed.
//!
//! Both sides do the same job per iteration: read the files from disk
//! (the page cache, after the first) and analyze them. The sandbox's is a
//! fresh instance, so it also pays for first touching its memory; the
//! native side reuses the process's warm heap.

mod support;
#[path = "../../plugins/loadtest/tests/common/synthetic.rs"]
mod synthetic;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perfwarden::discovery::{self, DiscoveryConfig, glob_set};
use perfwarden::registry::{builtin_components, sha256_hex};
use perfwarden::runtime::{Limits, Offered, Runtime};
use perfwarden_sdk::Analyzer;
use perfwarden_sdk::testing::Tester;
use support::{root, test_component};
use synthetic::{Kind, Synthetic};
use test_plugin_parsers::Parsers;

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

/// 64 MiB of `kind` written to `dir/name`, by the loadtest crate's own
/// generator (the rows its parse bench streams); prints the sample count,
/// for samples/s.
fn synthetic(dir: &Path, name: &str, kind: Kind) {
    let mut file = std::fs::File::create(dir.join(name)).expect("create");
    let mut rows = Synthetic::new(kind, 64 << 20);
    std::io::copy(&mut rows, &mut file).expect("write");
    eprintln!("{name}: {} samples", rows.rows());
}

/// Bench group `plugin/<name>/<input>`; with `parsers`, the group
/// `parser/<name>/<input>` follows on the same files.
fn bench_plugin<A: Analyzer + Default>(
    c: &mut Criterion,
    name: &str,
    input: &str,
    dir: &Path,
    parsers: Option<&[u8]>,
) {
    let files = corpus(dir, &A::default());
    if files.is_empty() {
        eprintln!("{name}/{input}: empty corpus at {}", dir.display());
        return;
    }
    let bytes: u64 = files.iter().map(|(_, size)| size).sum();
    eprintln!(
        "{name}/{input}: {} files, {:.1} MiB",
        files.len(),
        bytes as f64 / (1 << 20) as f64
    );
    let builtin = builtin_components()
        .iter()
        .find(|b| b.name == name)
        .expect("built-in");
    let group = format!("plugin/{name}/{input}");
    bench_component::<A>(c, &group, name, (builtin.wasm, builtin.sha256), dir, &files);
    if let Some(wasm) = parsers {
        let group = format!("parser/{name}/{input}");
        let sha = sha256_hex(wasm);
        bench_component::<Parsers>(c, &group, "parsers", (wasm, &sha), dir, &files);
    }
}

/// Criterion group `group`: analyzer `A` on `files`, natively and as the
/// component `wasm` (named `name`, with its SHA-256), then their ratio.
fn bench_component<A: Analyzer + Default>(
    c: &mut Criterion,
    group: &str,
    name: &str,
    (wasm, sha256): (&[u8], &str),
    dir: &Path,
    files: &[(String, u64)],
) {
    let bytes: u64 = files.iter().map(|(_, size)| size).sum();
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
    let compiled = runtime.compile(wasm, sha256).expect("compile");
    let offered = Arc::new(Offered {
        root: dir.to_path_buf(),
        paths: files.iter().map(|(p, _)| p.clone()).collect(),
    });
    let tester = Tester::new(A::default());

    let mut criterion_group = c.benchmark_group(group);
    criterion_group
        .sample_size(10)
        .throughput(Throughput::Bytes(bytes));
    // The same job as in the sandbox, where the host reads every file from
    // disk for the plugin: read, then analyze.
    let native = || {
        let contents: Vec<(&str, Vec<u8>)> = files
            .iter()
            .map(|(p, _)| (p.as_str(), std::fs::read(dir.join(p)).expect("read corpus")))
            .collect();
        let borrowed: Vec<(&str, &[u8])> =
            contents.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        tester.try_run_bytes(&borrowed).expect("native run")
    };
    let sandbox = || {
        let (result, _) =
            runtime.analyze(&compiled, name, Arc::clone(&offered), files.to_vec(), "{}");
        result.expect("sandbox run")
    };
    // Criterion calls a routine only when its name passes the command
    // line's filter; the pairs follow the same choice.
    let selected = std::cell::Cell::new(false);
    criterion_group.bench_function("native", |b| {
        selected.set(true);
        b.iter(native)
    });
    criterion_group.bench_function("sandbox", |b| b.iter(sandbox));
    criterion_group.finish();
    if selected.get() {
        paired_ratio(group, native, sandbox);
    }
}

/// The wasm/native ratio from alternating runs, one of each per pair: on a
/// shared machine the CPU's speed drifts between criterion's two
/// measurement phases, while a pair sees the same conditions. Prints the
/// median ratio and the range.
fn paired_ratio<N, S>(label: &str, mut native: impl FnMut() -> N, mut sandbox: impl FnMut() -> S) {
    const PAIRS: usize = 7;
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..PAIRS)
        .map(|_| {
            let native = time(&mut || drop(black_box(native())));
            time(&mut || drop(black_box(sandbox()))) / native
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    println!(
        "{label}: wasm/native {:.2}x (median of {PAIRS} alternating pairs; {:.2}x to {:.2}x)",
        ratios[PAIRS / 2],
        ratios[0],
        ratios[PAIRS - 1]
    );
}

fn env_dir(var: &str, fallback: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(fallback))
}

fn plugins(c: &mut Criterion) {
    let parsers = test_component("test-plugin-parsers");
    bench_plugin::<perfwarden_plugin_nodejs::Plugin>(
        c,
        "nodejs",
        "corpus",
        &env_dir("PERFWARDEN_NODE_CORPUS", "examples/api"),
        Some(&parsers),
    );
    bench_plugin::<perfwarden_plugin_wordpress::Plugin>(
        c,
        "wordpress",
        "corpus",
        &env_dir("PERFWARDEN_WP_CORE", "examples/wordpress"),
        Some(&parsers),
    );
    bench_plugin::<perfwarden_plugin_sql::Sql>(
        c,
        "sql",
        "corpus",
        &env_dir("PERFWARDEN_SQL_CORPUS", "plugins/sql/tests/fixtures"),
        Some(&parsers),
    );
    bench_plugin::<perfwarden_plugin_configs::Plugin>(
        c,
        "configs",
        "fixtures",
        &root().join("plugins/configs/tests/fixtures"),
        None,
    );
    for (input, file, kind) in [
        ("jtl", "results.jtl", Kind::Jtl),
        ("k6_ndjson", "k6.ndjson", Kind::K6Ndjson),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        synthetic(dir.path(), file, kind);
        bench_plugin::<perfwarden_plugin_loadtest::Plugin>(c, "loadtest", input, dir.path(), None);
    }
}

criterion_group!(benches, plugins);
criterion_main!(benches);
