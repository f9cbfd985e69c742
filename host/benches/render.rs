//! Rendering every report format for a large synthetic report (100 000
//! findings, 10 000 metrics, judged by the default policy), against
//! `serde_json::to_vec` of the same report in the same run. Target: each
//! format within 1 s.
//!
//! Sources for code frames exist (a temporary project of 500 files), so
//! the HTML renderer reads files as it does on a real project.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use perfwarden::discovery::Discovered;
use perfwarden::model::RuleInfo;
use perfwarden::report::{
    Report, annotations, gitlab, html, json, junit, markdown, sarif, terminal,
};
use perfwarden::runtime::Limits;
use perfwarden_policy::model::{Confidence, RawFinding, RawMetric, Span};
use perfwarden_policy::{JudgeInput, Policy, Status};

/// Counts live heap bytes and their peak, so each renderer's extra memory
/// can be stated next to its time.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak heap growth while `f` runs, in bytes.
fn peak_growth(f: impl FnOnce()) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed).saturating_sub(before)
}

const FINDINGS: usize = 100_000;
const METRICS: usize = 10_000;
const FILES: usize = 500;

/// Rule id, policy ref, and a fix, cycled over the findings.
const RULES: &[(&str, &str, Option<&str>)] = &[
    (
        "SQL001",
        "anti_patterns.select_star",
        Some("List the columns"),
    ),
    (
        "SQL002",
        "queries.index_required",
        Some("CREATE INDEX idx_t_a ON t (a);"),
    ),
    ("SQL003", "anti_patterns.offset_pagination", None),
    (
        "NODE001",
        "queries.n_plus_one",
        Some("Batch with WHERE id IN (...)"),
    ),
    ("NODE002", "anti_patterns.cache_without_ttl", None),
    ("WP001", "cache.strategy", None),
    ("WP002", "anti_patterns.sync_processing", None),
];

fn synthetic(root: &std::path::Path) -> Report {
    for file in 0..FILES {
        let text: String = (0..100)
            .map(|line| {
                format!("const q{line} = db.query(\"SELECT * FROM t WHERE a = {line}\"); // <&>\n")
            })
            .collect();
        std::fs::write(root.join(format!("f{file}.js")), text).expect("write source");
    }
    let findings = (0..FINDINGS)
        .map(|i| {
            let (rule, policy_ref, fix) = RULES[i % RULES.len()];
            let line = (i % 100) as u32 + 1;
            RawFinding {
                rule: rule.to_owned(),
                rule_name: format!("rule-{rule}"),
                plugin: "bench".to_owned(),
                policy_ref: policy_ref.to_owned(),
                message: format!("finding {i}: query <{i}> & \"quoted\" | piped"),
                span: Some(Span {
                    path: format!("f{}.js", i % FILES),
                    line,
                    column: 7,
                    end_line: line,
                    end_column: 30,
                }),
                evidence: Some(format!("evidence {i}")),
                fix: fix.map(str::to_owned),
                confidence: Confidence::High,
                fingerprint: Some(format!("{i:016x}")),
            }
        })
        .collect();
    let metrics = (0..METRICS)
        .map(|i| {
            let (name, unit, labels, value) = match i % 4 {
                0 => (
                    "http.latency",
                    "ms",
                    vec![("percentile", "p95")],
                    (i % 900) as f64,
                ),
                1 => (
                    "http.latency",
                    "ms",
                    vec![("percentile", "p99")],
                    (i % 1500) as f64,
                ),
                2 => ("http.throughput", "req/s", vec![], (i % 2000) as f64),
                _ => (
                    "cache.ttl",
                    "s",
                    vec![("data_class", "api")],
                    (i % 600) as f64,
                ),
            };
            let mut labels: BTreeMap<String, String> = labels
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            labels.insert("endpoint".to_owned(), format!("GET /api/r{}", i / 4 % 100));
            RawMetric {
                name: name.to_owned(),
                value,
                unit: unit.to_owned(),
                samples: Some(1000),
                labels,
                span: Some(Span {
                    path: format!("f{}.js", i % FILES),
                    line: 1,
                    column: 1,
                    end_line: 1,
                    end_column: 5,
                }),
                plugin: "bench".to_owned(),
            }
        })
        .collect();
    let policy = Policy::default_policy();
    let judgement = policy.judge(JudgeInput {
        findings,
        metrics,
        ..JudgeInput::default()
    });
    let rules = RULES
        .iter()
        .map(|(id, policy_ref, _)| RuleInfo {
            id: (*id).to_owned(),
            name: format!("rule-{id}"),
            summary: format!("summary of {id}"),
            policy_ref: (*policy_ref).to_owned(),
            docs: "## What it does\nChecks things.\n\n## Why is this bad?\nIt is slow.".to_owned(),
            help_uri: Some(RuleInfo::builtin_docs_uri(id)),
        })
        .collect();
    Report::new(
        root,
        judgement,
        Vec::new(),
        &Discovered::default(),
        Limits::default(),
        Some(Status::Alert),
        Duration::from_millis(1234),
    )
    .with_rules(rules)
    .with_cache_policy(&policy)
}

fn render(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = synthetic(dir.path());
    let mut group = c.benchmark_group("render_100k_findings_10k_metrics");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("baseline_serde_json_to_vec", |b| {
        b.iter(|| serde_json::to_vec(&report).expect("serialize").len())
    });
    type Renderer = fn(&Report, &mut dyn std::io::Write) -> std::io::Result<()>;
    let renderers: [(&str, Renderer); 8] = [
        ("json", json::render),
        ("terminal", |r, out| terminal::render(r, false, out)),
        ("sarif", sarif::render),
        ("junit", junit::render),
        ("markdown", markdown::render),
        ("gitlab", gitlab::render),
        ("html", html::render),
        ("annotations", annotations::write_annotations),
    ];
    let json_size = serde_json::to_vec(&report).expect("serialize").len();
    let mib = |bytes: usize| bytes as f64 / (1 << 20) as f64;
    eprintln!("report as JSON: {:.1} MiB", mib(json_size));
    for (name, renderer) in renderers {
        let mut written = 0;
        let peak = peak_growth(|| {
            let mut out = Vec::new();
            renderer(&report, &mut out).expect("render");
            written = out.len();
        });
        eprintln!(
            "{name}: output {:.1} MiB, peak heap growth {:.1} MiB ({:.2}x the JSON report, output buffer included)",
            mib(written),
            mib(peak),
            peak as f64 / json_size as f64
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut out = Vec::new();
                renderer(&report, &mut out).expect("render");
                out.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
