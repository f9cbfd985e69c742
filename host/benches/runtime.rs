//! Sandbox costs, each next to a baseline measured in the same run:
//! - instantiate + call of a trivial plugin, against a native call that
//!   does the same (nothing);
//! - compile of each component against loading it from the compile cache;
//! - cold start (compile + instantiate + info) and warm start per plugin;
//! - `analyze` of an empty project with every built-in on a warm cache,
//!   against a plain walk of the same directory.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use perfwarden::analyze::{self, Session};
use perfwarden::config::Config;
use perfwarden::discovery::{self, DiscoveryConfig};
use perfwarden::registry::{builtin_components, sha256_hex};
use perfwarden::runtime::{CompileCache, Limits, Offered, Runtime};
use perfwarden_policy::Policy;

mod support;

use support::test_component;

fn noop_component() -> Vec<u8> {
    test_component("test-plugin-noop")
}

fn instantiate_and_call(c: &mut Criterion) {
    let wasm = noop_component();
    let runtime = Runtime::new(Limits::default(), None).expect("runtime");
    let compiled = runtime
        .compile(&wasm, &sha256_hex(&wasm))
        .expect("compile noop");
    let offered = Arc::new(Offered::default());
    let mut group = c.benchmark_group("call");
    group.bench_function("native_baseline", |b| {
        b.iter(|| black_box(Vec::<u8>::new()))
    });
    group.bench_function("instantiate_info", |b| {
        b.iter(|| runtime.info(&compiled).expect("info"))
    });
    group.bench_function("instantiate_analyze", |b| {
        b.iter(|| {
            let (result, _) =
                runtime.analyze(&compiled, "noop", Arc::clone(&offered), Vec::new(), "{}");
            result.expect("analyze")
        })
    });
    group.finish();
}

fn components() -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = builtin_components()
        .iter()
        .map(|builtin| (builtin.name.to_owned(), builtin.wasm.to_vec()))
        .collect();
    all.push(("noop".into(), noop_component()));
    all
}

fn compile_versus_cache(c: &mut Criterion) {
    let cache_dir = tempfile::tempdir().expect("temp dir");
    let cache = CompileCache::new(cache_dir.path().to_path_buf());
    let uncached = Runtime::new(Limits::default(), None).expect("runtime");
    let cached = Runtime::new(Limits::default(), Some(cache)).expect("runtime");
    let mut group = c.benchmark_group("start");
    group.sample_size(10);
    for (name, wasm) in components() {
        let sha = sha256_hex(&wasm);
        // Fill the cache once so the warm case only ever loads.
        cached.compile(&wasm, &sha).expect("compile");
        group.bench_function(format!("{name}/cold_compile_info"), |b| {
            b.iter(|| {
                let compiled = uncached.compile(&wasm, &sha).expect("compile");
                uncached.info(&compiled).expect("info")
            })
        });
        group.bench_function(format!("{name}/warm_cache_info"), |b| {
            b.iter(|| {
                let compiled = cached.compile(&wasm, &sha).expect("load");
                assert!(compiled.cache_hit);
                cached.info(&compiled).expect("info")
            })
        });
    }
    group.finish();
}

fn analyze_empty_project(c: &mut Criterion) {
    let project = tempfile::tempdir().expect("temp dir");
    let cache_dir = tempfile::tempdir().expect("temp dir");
    // SAFETY-free global: the cache location is read from the environment.
    unsafe { std::env::set_var("PERFWARDEN_CACHE_DIR", cache_dir.path()) };
    let policy = Policy::default_policy();
    let config = Config::default();
    let run = || {
        let loaded = analyze::load_plugins(&config, &[], true).expect("plugins");
        let discovered =
            discovery::discover(project.path(), &DiscoveryConfig::default()).expect("walk");
        let session = Session {
            runtime: loaded.runtime,
            cache: loaded.cache,
            root: project.path().to_path_buf(),
            plugin_settings: Default::default(),
            jobs: 2,
            lang: perfwarden_policy::i18n::Lang::En,
        };
        let judging = analyze::Judging {
            policy: &policy,
            fail_on: None,
            baseline: None,
            started: Instant::now(),
        };
        analyze::analyze(session, loaded.plugins, &discovered, judging)
    };
    // Warm the info cache: later runs compile nothing.
    run();
    let mut group = c.benchmark_group("analyze_empty_project");
    group.bench_function("walk_baseline", |b| {
        b.iter(|| discovery::discover(project.path(), &DiscoveryConfig::default()).expect("walk"))
    });
    group.bench_function("all_builtins_warm", |b| b.iter(run));
    group.finish();
}

criterion_group!(
    benches,
    instantiate_and_call,
    compile_versus_cache,
    analyze_empty_project
);
criterion_main!(benches);
