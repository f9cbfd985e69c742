//! Report renderers on a fixed synthetic report judged by the default
//! policy: golden files per format, SARIF against the 2.1.0 schema, GitLab
//! and JUnit parsed back, the Markdown size cap, the HTML page in a real
//! headless Chromium (when `PERFWARDEN_CHROMIUM` names one).
//!
//! Goldens live in `host/tests/fixtures/report/`; `PERFWARDEN_BLESS=1`
//! rewrites them after an intended change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use perfwarden::analyze::PluginRun;
use perfwarden::discovery::Discovered;
use perfwarden::model::{PluginSource, PluginStatus, RuleInfo};
use perfwarden::report::{Report, annotations, gitlab, html, junit, markdown, sarif, terminal};
use perfwarden::runtime::Limits;
use perfwarden_policy::i18n::Lang;
use perfwarden_policy::model::{Confidence, RawFinding, RawMetric, Span};
use perfwarden_policy::{JudgeInput, Policy, Status};

use crate::support;

fn fixtures() -> PathBuf {
    support::root().join("host/tests/fixtures/report")
}

fn span(path: &str, line: u32, column: u32, end_column: u32) -> Option<Span> {
    Some(Span {
        path: path.to_owned(),
        line,
        column,
        end_line: line,
        end_column,
    })
}

fn finding(
    rule: &str,
    name: &str,
    policy_ref: &str,
    message: &str,
    at: Option<Span>,
    fix: Option<&str>,
) -> RawFinding {
    RawFinding {
        rule: rule.to_owned(),
        rule_name: name.to_owned(),
        plugin: "fixture".to_owned(),
        policy_ref: policy_ref.to_owned(),
        message: message.to_owned(),
        span: at,
        evidence: None,
        fix: fix.map(str::to_owned),
        confidence: Confidence::High,
        fingerprint: None,
    }
}

fn metric(
    name: &str,
    value: f64,
    unit: &str,
    labels: &[(&str, &str)],
    at: Option<Span>,
) -> RawMetric {
    RawMetric {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
        samples: Some(12_000),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        span: at,
        plugin: "loadtest".to_owned(),
    }
}

fn plugin_run(name: &str, status: PluginStatus, error: Option<&str>) -> PluginRun {
    PluginRun {
        name: name.to_owned(),
        version: Some("0.1.0".to_owned()),
        api_version: Some("1.0.0".to_owned()),
        source: PluginSource::Builtin,
        sha256: "0".repeat(64),
        status,
        error: error.map(str::to_owned),
        duration_ms: 12.5,
        load_ms: 3.0,
        artifacts: 2,
        compile_cache: "hit",
        findings: 0,
        metrics: 0,
        bytes_read: 1024,
        fuel_consumed: 1000,
        refused_reads: Vec::new(),
        logs: Vec::new(),
        isolated: Vec::new(),
    }
}

/// The fixed report: every kind of entry, and text that needs escaping in
/// every target syntax.
fn report_for(root: &Path, findings: Vec<RawFinding>) -> Report {
    report_in(root, findings, Lang::En)
}

fn report_in(root: &Path, findings: Vec<RawFinding>, lang: Lang) -> Report {
    let metrics = vec![
        metric(
            "http.latency",
            120.0,
            "ms",
            &[("percentile", "p50"), ("endpoint", "GET /api/orders")],
            span("loadtest/orders.jtl", 1, 1, 1),
        ),
        metric(
            "http.latency",
            1350.0,
            "ms",
            &[("percentile", "p95"), ("endpoint", "GET /api/orders")],
            span("loadtest/orders.jtl", 1, 1, 1),
        ),
        metric(
            "http.latency",
            1800.0,
            "ms",
            &[("percentile", "p99"), ("endpoint", "GET /api/orders")],
            span("loadtest/orders.jtl", 1, 1, 1),
        ),
        metric(
            "http.latency",
            80.0,
            "ms",
            &[
                ("percentile", "p95"),
                ("endpoint", "POST /api/<orders>&\"x\""),
            ],
            None,
        ),
        metric(
            "http.throughput",
            450.0,
            "req/s",
            &[("endpoint", "GET /api/orders")],
            None,
        ),
        metric(
            "cache.ttl",
            600.0,
            "s",
            &[("data_class", "api"), ("cache", "api")],
            span("src/orders.js", 9, 3, 37),
        ),
        metric(
            "cache.ttl",
            0.0,
            "s",
            &[("data_class", "session"), ("cache", "sess")],
            span("src/orders.js", 9, 3, 37),
        ),
    ];
    let policy = Policy::default_policy();
    let judgement = policy.judge(JudgeInput {
        findings,
        metrics,
        rules_run: vec![("SQL001".to_owned(), "anti_patterns.select_star".to_owned())],
        lang,
        ..JudgeInput::default()
    });
    let rules = vec![
        RuleInfo {
            id: "NODE001".to_owned(),
            name: "query-in-loop".to_owned(),
            summary: "A query per loop iteration (N+1)".to_owned(),
            policy_ref: "queries.n_plus_one".to_owned(),
            docs: "## What it does\nFlags `await db.query()` inside a loop.\n\n## Why is this bad?\nO(n) round trips instead of one.".to_owned(),
            help_uri: Some(RuleInfo::builtin_docs_uri("NODE001")),
        },
        RuleInfo {
            id: "SQL001".to_owned(),
            name: "select-star".to_owned(),
            summary: "SELECT * transfers unused columns".to_owned(),
            policy_ref: "anti_patterns.select_star".to_owned(),
            docs: "## What it does\nFlags `SELECT *`.".to_owned(),
            help_uri: None,
        },
    ];
    Report::new(
        root,
        judgement,
        vec![
            plugin_run("sql", PluginStatus::Ok, None),
            plugin_run(
                "hostile",
                PluginStatus::Trap,
                Some("wasm trap: unreachable <&>"),
            ),
        ],
        &Discovered::default(),
        Limits::default(),
        Some(Status::Alert),
        Duration::from_millis(42),
    )
    .with_rules(rules)
    .with_cache_policy(&policy)
}

fn fixture_findings() -> Vec<RawFinding> {
    vec![
        finding(
            "NODE001",
            "query-in-loop",
            "queries.n_plus_one",
            "query in a loop over `users`: one query per user",
            span("src/orders.js", 7, 19, 95),
            Some("Load the orders of all users at once: WHERE user_id IN (...)"),
        ),
        finding(
            "SQL001",
            "select-star",
            "anti_patterns.select_star",
            "SELECT * in <script>alert(\"x\")</script> | & 'q' *bold* [link](u)",
            span("src/orders.js", 5, 29, 53),
            None,
        ),
        finding(
            "SQL002",
            "missing-index",
            "queries.index_required",
            "orders.customer_email is filtered without an index",
            span("db/queries.sql", 2, 1, 78),
            Some("CREATE INDEX idx_orders_customer_email\n  ON orders (customer_email);"),
        ),
        finding(
            "SQL003",
            "offset-pagination",
            "anti_patterns.offset_pagination",
            "OFFSET 4000 scans and drops 4000 rows",
            span("db/queries.sql", 3, 48, 58),
            Some("Paginate on id: WHERE id > $last ORDER BY id LIMIT 20"),
        ),
        finding(
            "NODE002",
            "cache-without-ttl",
            "anti_patterns.cache_without_ttl",
            "cache.set without a TTL",
            span("src/orders.js", 9, 3, 37),
            None,
        ),
        finding(
            "CFG001",
            "no-pool",
            "anti_patterns.no_connection_pool",
            "no connection pool configured",
            None,
            None,
        ),
    ]
}

fn fixture_report() -> Report {
    report_for(&fixtures().join("project"), fixture_findings())
}

type Renderer = fn(&Report, &mut dyn std::io::Write) -> std::io::Result<()>;

fn rendered(report: &Report, renderer: Renderer) -> String {
    let mut out = Vec::new();
    renderer(report, &mut out).expect("render");
    String::from_utf8(out).expect("UTF-8 output")
}

fn sarif_value(report: &Report) -> serde_json::Value {
    serde_json::from_str(&rendered(report, sarif::render)).expect("SARIF is JSON")
}

/// Machine-dependent text (the project path) replaced by a placeholder.
fn normalised(text: &str, report: &Report) -> String {
    text.replace(&report.project.root, "<root>")
}

#[test]
fn every_format_matches_its_golden_file() {
    let english = fixture_report();
    let french = report_in(&fixtures().join("project"), fixture_findings(), Lang::Fr);
    let terminal: Renderer = |report, out| terminal::render(report, false, out);
    let formats: [(&str, &Report, Renderer); 9] = [
        ("report.txt", &english, terminal),
        ("report.fr.txt", &french, terminal),
        ("report.fr.md", &french, markdown::render),
        ("report.sarif", &english, sarif::render),
        ("report.junit.xml", &english, junit::render),
        ("report.md", &english, markdown::render),
        ("report.gitlab.json", &english, gitlab::render),
        ("report.html", &english, html::render),
        ("annotations.txt", &english, annotations::write_annotations),
    ];
    let bless = std::env::var_os("PERFWARDEN_BLESS").is_some();
    let mut stale = Vec::new();
    for (file, report, renderer) in formats {
        let actual = normalised(&rendered(report, renderer), report);
        // Deterministic: the same report renders to the same bytes.
        assert_eq!(
            actual,
            normalised(&rendered(report, renderer), report),
            "{file}"
        );
        let path = fixtures().join(file);
        if bless {
            std::fs::write(&path, &actual).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from host/tests/fixtures/report/; rerun with PERFWARDEN_BLESS=1 and review the diff"
    );
}

fn fix_language_patterns(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(pattern) = map.get_mut("pattern")
                && pattern.as_str() == Some("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$")
            {
                *pattern = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
            }
            map.values_mut().for_each(fix_language_patterns);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(fix_language_patterns),
        _ => {}
    }
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let mut schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(support::root().join("tests/schemas/sarif-schema-2.1.0.json"))
            .expect("vendored schema"),
    )
    .expect("schema JSON");
    // The published schema's `language` patterns have a stray `]` that
    // strict regex engines reject when compiling the schema; perfwarden
    // never writes `language`, so the intended pattern stands in for them.
    fix_language_patterns(&mut schema);
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .build(&schema)
        .expect("compile schema");
    let report = fixture_report();
    let sarif = sarif_value(&report);
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does reject a wrong level: the check is not vacuous.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&broken));

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let node001 = rules
        .iter()
        .find(|r| r["id"] == "NODE001")
        .expect("NODE001 rule");
    assert!(
        node001["help"]["markdown"]
            .as_str()
            .is_some_and(|d| d.contains("Why is this bad?"))
    );
    assert_eq!(
        node001["helpUri"],
        "https://github.com/perfwarden/perfwarden/blob/main/docs/rules/NODE001.md"
    );
    let results = run["results"].as_array().expect("results");
    let levels: BTreeMap<&str, &str> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or(""),
                r["level"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(levels.get("NODE001"), Some(&"error"));
    assert_eq!(levels.get("SQL001"), Some(&"warning"));
    // The p95 of 1.35 s is an alert, reported on the load-test file.
    assert_eq!(levels.get("latency.p95"), Some(&"error"));
    for result in results {
        let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(uri["uriBaseId"], "%SRCROOT%");
        assert!(!uri["uri"].as_str().unwrap_or("/").starts_with('/'));
    }
    // The finding without a location is counted, not dropped silently.
    assert_eq!(run["properties"]["unlocated"], 2);
}

#[test]
fn sarif_fingerprints_survive_line_shifts() {
    let original = fixtures().join("project");
    let shifted = tempfile::tempdir().expect("temp dir");
    for file in ["src/orders.js", "db/queries.sql"] {
        let text = std::fs::read_to_string(original.join(file)).expect("fixture");
        let target = shifted.path().join(file);
        std::fs::create_dir_all(target.parent().expect("dir")).expect("mkdir");
        std::fs::write(target, format!("// a new first line\n\n{text}")).expect("write");
    }
    let moved: Vec<RawFinding> = fixture_findings()
        .into_iter()
        .map(|mut f| {
            if let Some(span) = f.span.as_mut() {
                span.line += 2;
                span.end_line += 2;
            }
            f
        })
        .collect();
    let fingerprints = |report: &Report| -> BTreeMap<String, String> {
        sarif_value(report)["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| !r["ruleId"].as_str().unwrap_or("").contains('.'))
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap_or("").to_owned(),
                    r["partialFingerprints"]["perfwarden/v1"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                )
            })
            .collect()
    };
    let before = fingerprints(&fixture_report());
    let after = fingerprints(&report_for(shifted.path(), moved));
    assert_eq!(before.len(), 5);
    assert_eq!(before, after);
}

#[test]
fn gitlab_code_quality_parses_back() {
    let report = fixture_report();
    let issues: Vec<serde_json::Value> =
        serde_json::from_str(&rendered(&report, gitlab::render)).expect("Code Quality JSON");
    let fingerprints: BTreeSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    assert_eq!(fingerprints.len(), issues.len(), "fingerprints are unique");
    for issue in &issues {
        for key in ["description", "check_name"] {
            assert!(
                issue[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key}: {issue}"
            );
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap_or(""))
        );
        assert!(
            issue["location"]["path"]
                .as_str()
                .is_some_and(|p| !p.starts_with('/'))
        );
        assert!(
            issue["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l >= 1)
        );
    }
    let n_plus_one = issues
        .iter()
        .find(|i| i["check_name"] == "NODE001")
        .expect("N+1 issue");
    assert_eq!(n_plus_one["severity"], "critical");
    assert_eq!(n_plus_one["location"]["path"], "src/orders.js");
    assert_eq!(n_plus_one["location"]["lines"]["begin"], 7);
}

#[test]
fn junit_parses_back_with_counts_that_add_up() {
    use quick_xml::Reader;
    use quick_xml::events::Event;

    let report = fixture_report();
    let xml = rendered(&report, junit::render);
    let mut reader = Reader::from_str(&xml);
    let (mut suites, mut cases, mut failures, mut skipped, mut errors) = (Vec::new(), 0, 0, 0, 0);
    let mut declared = BTreeMap::new();
    let mut messages = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let attrs: BTreeMap<String, String> = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        (
                            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                            a.unescape_value().expect("escaped value").into_owned(),
                        )
                    })
                    .collect();
                match e.name().as_ref() {
                    b"testsuites" => declared = attrs,
                    b"testsuite" => suites.push(attrs["name"].clone()),
                    b"testcase" => cases += 1,
                    b"failure" => {
                        failures += 1;
                        messages.push(attrs["message"].clone());
                    }
                    b"skipped" => skipped += 1,
                    b"error" => errors += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    assert_eq!(declared["tests"], cases.to_string());
    assert_eq!(declared["failures"], failures.to_string());
    assert_eq!(declared["skipped"], skipped.to_string());
    assert_eq!(declared["errors"], "1", "the trapped plugin");
    assert_eq!(errors, 1);
    assert!(
        suites.contains(&"latency".to_owned()) && suites.contains(&"database".to_owned()),
        "{suites:?}"
    );
    // Escaped text comes back intact.
    assert!(
        messages
            .iter()
            .any(|m| m.contains("<script>alert(\"x\")</script> | & 'q'")),
        "{messages:#?}"
    );
    // The failing p95 carries the value and the threshold.
    assert!(
        messages
            .iter()
            .any(|m| m.contains("1350 ms") && m.contains("alert")),
        "{messages:#?}"
    );
}

#[test]
fn markdown_stays_under_one_mebibyte_whatever_the_input() {
    let long = "x|<y>".repeat(2_000);
    let findings: Vec<RawFinding> = (0..3_000)
        .map(|i| {
            finding(
                &format!("R{i}"),
                &long,
                "queries.index_required",
                &long,
                span(&format!("{long}{i}.sql"), 1, 1, 1),
                Some(&format!("CREATE INDEX i{i} ON t ({long});")),
            )
        })
        .collect();
    let report = report_for(&fixtures().join("project"), findings);
    let md = markdown::to_string(&report);
    assert!(md.len() <= markdown::MAX_BYTES, "{} bytes", md.len());
    assert!(md.contains("more"), "lists are cut with a count");
}

#[test]
fn deliverables_plan_queries_and_compare_cache_ttls_with_the_policy() {
    let report = fixture_report();
    let plan = &report.deliverables.query_plan;
    assert_eq!(plan.n_plus_one.len(), 1);
    assert_eq!(
        plan.create_index,
        ["CREATE INDEX idx_orders_customer_email ON orders (customer_email);"]
    );
    assert_eq!(plan.pagination.len(), 1);
    let cache = &report.deliverables.cache_strategy;
    assert!(
        cache
            .policy
            .iter()
            .any(|p| p.data_class == "session" && p.ttl.as_deref() == Some("1h"))
    );
    let session = cache
        .ttls
        .iter()
        .find(|t| t.data_class == "session")
        .expect("session TTL");
    assert_eq!(session.status, Status::AtRisk, "no TTL is at-risk");
    assert_eq!(cache.findings.len(), 1, "cache without TTL");
    let json = serde_json::to_value(&report).expect("JSON");
    assert!(json["deliverables"]["query_plan"]["create_index"].is_array());
}

/// The page in a real browser: it renders, logs no console error (a
/// blocked request would), and a screenshot is produced.
#[test]
fn html_renders_in_headless_chromium() {
    let Some(chromium) = std::env::var_os("PERFWARDEN_CHROMIUM") else {
        println!(
            "skipped: set PERFWARDEN_CHROMIUM=/usr/bin/chromium to check the HTML report in a browser"
        );
        return;
    };
    let report = fixture_report();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("render-html");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let page = dir.join("report.html");
    std::fs::write(&page, rendered(&report, html::render)).expect("write page");
    let png = dir.join("report.png");
    let _ = std::fs::remove_file(&png);
    let profile = tempfile::tempdir().expect("profile dir");
    let output = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed:\n{stderr}");
    let console: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Content Security Policy"))
        .collect();
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );
    let image = std::fs::read(&png).expect("screenshot written");
    assert!(
        image.starts_with(b"\x89PNG\r\n\x1a\n") && image.len() > 10_000,
        "a real PNG"
    );
    println!("screenshot: {}", png.display());
}
