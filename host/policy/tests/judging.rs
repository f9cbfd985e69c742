//! Judging with the default policy: band edges, units, endpoint classes,
//! no-data entries, findings, escalations, checklist, scores, determinism.

use perfwarden_policy::i18n::Lang;
use perfwarden_policy::model::{Confidence, RawFinding, RawMetric, Span};
use perfwarden_policy::{ItemStatus, JudgeInput, JudgedMetric, Judgement, Policy, Status};

fn metric(name: &str, value: f64, unit: &str, labels: &[(&str, &str)]) -> RawMetric {
    RawMetric {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
        samples: Some(1_000),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        span: None,
        plugin: "loadtest".to_owned(),
    }
}

fn finding(rule: &str, policy_ref: &str, line: u32) -> RawFinding {
    RawFinding {
        rule: rule.to_owned(),
        rule_name: "some-rule".to_owned(),
        plugin: "sql".to_owned(),
        policy_ref: policy_ref.to_owned(),
        message: format!("{rule} at line {line}"),
        span: Some(Span {
            path: "src/app.js".to_owned(),
            line,
            column: 1,
            end_line: line,
            end_column: 10,
        }),
        evidence: None,
        fix: None,
        confidence: Confidence::High,
        fingerprint: None,
    }
}

fn judge_metrics(policy: &Policy, metrics: Vec<RawMetric>) -> Judgement {
    policy.judge(JudgeInput {
        metrics,
        ..JudgeInput::default()
    })
}

/// The judged entry of the only reported metric.
fn judged(policy: &Policy, m: RawMetric) -> JudgedMetric {
    let judgement = judge_metrics(policy, vec![m.clone()]);
    judgement
        .metrics
        .into_iter()
        .find(|j| j.value == Some(m.value) && j.name == m.name)
        .expect("the reported metric is in the judgement")
}

fn status(policy: &Policy, m: RawMetric) -> Status {
    judged(policy, m).status
}

fn p95(value: f64, unit: &str) -> RawMetric {
    metric("http.latency", value, unit, &[("percentile", "p95")])
}

#[test]
fn latency_band_edges_lower_is_better() {
    let policy = Policy::default_policy();
    let cases = [
        (150.0, Status::Met),
        (200.0, Status::Met), // exactly at target
        (200.5, Status::Acceptable),
        (500.0, Status::Acceptable), // exactly at acceptable
        (500.5, Status::AtRisk),
        (1_000.0, Status::AtRisk), // exactly at alert: the seed alerts "> 1s"
        (1_000.5, Status::Alert),
    ];
    for (value, expected) in cases {
        assert_eq!(
            status(&policy, p95(value, "ms")),
            expected,
            "p95 = {value} ms"
        );
    }
    let p50 = |v| metric("http.latency", v, "ms", &[("percentile", "p50")]);
    assert_eq!(status(&policy, p50(50.0)), Status::Met);
    assert_eq!(status(&policy, p50(100.0)), Status::Acceptable);
    assert_eq!(status(&policy, p50(150.0)), Status::AtRisk);
    assert_eq!(status(&policy, p50(201.0)), Status::Alert);
    let p999 = |v| metric("http.latency", v, "ms", &[("percentile", "p99.9")]);
    assert_eq!(status(&policy, p999(1_999.0)), Status::Met);
    assert_eq!(status(&policy, p999(10_001.0)), Status::Alert);
}

#[test]
fn units_are_converted() {
    let policy = Policy::default_policy();
    assert_eq!(status(&policy, p95(0.2, "s")), Status::Met);
    assert_eq!(status(&policy, p95(1.2, "s")), Status::Alert);
    let shown = judged(&policy, p95(1.2, "s"));
    let thresholds = shown.thresholds.expect("thresholds");
    // Thresholds are shown in the metric's unit.
    assert_eq!(
        (thresholds.target, thresholds.acceptable, thresholds.alert),
        (Some(0.2), Some(0.5), Some(1.0))
    );
    // 300 000 req/min = 5 000 req/s: the read target exactly.
    let read = |v, unit| {
        metric(
            "http.throughput",
            v,
            unit,
            &[("endpoint", "GET /api/products")],
        )
    };
    assert_eq!(status(&policy, read(300_000.0, "req/min")), Status::Met);
    assert_eq!(status(&policy, read(299_940.0, "req/min")), Status::AtRisk);
    // Percent and ratio are the same dimension.
    let errors = |v, unit| metric("http.error_rate", v, unit, &[]);
    assert_eq!(status(&policy, errors(0.1, "%")), Status::Met);
    assert_eq!(status(&policy, errors(0.005, "ratio")), Status::AtRisk);
    assert_eq!(status(&policy, errors(1.5, "%")), Status::Alert);
}

#[test]
fn incompatible_units_are_no_data_with_a_note() {
    let policy = Policy::default_policy();
    let judgement = judge_metrics(&policy, vec![p95(0.3, "ratio")]);
    let entry = judgement
        .metrics
        .iter()
        .find(|m| m.value == Some(0.3))
        .expect("entry");
    assert_eq!(entry.status, Status::NoData);
    assert!(
        entry
            .note
            .as_deref()
            .is_some_and(|n| n.contains("cannot be compared"))
    );
    assert!(
        judgement
            .judgement_notes
            .iter()
            .any(|n| n.starts_with("latency.p95 (loadtest)"))
    );
    let nan = judge_metrics(&policy, vec![p95(f64::NAN, "ms")]);
    let nan = nan
        .metrics
        .iter()
        .find(|m| m.plugin.is_some())
        .expect("entry");
    assert_eq!(nan.status, Status::NoData);
    assert_eq!(
        nan.note.as_deref(),
        Some("the value is not a finite number")
    );
    let unknown = judged(&policy, metric("jvm.gc_pause", 3.0, "ms", &[]));
    assert_eq!(unknown.status, Status::NoData);
    assert_eq!(
        unknown.note.as_deref(),
        Some("no policy row judges this metric")
    );
}

#[test]
fn higher_is_better_edges() {
    let policy = Policy::default_policy();
    let hit = |v| metric("cache.hit_ratio", v, "ratio", &[("cache", "redis")]);
    assert_eq!(status(&policy, hit(0.95)), Status::Met);
    assert_eq!(status(&policy, hit(0.90)), Status::Met); // exactly at target
    assert_eq!(status(&policy, hit(0.80)), Status::AtRisk);
    assert_eq!(status(&policy, hit(0.70)), Status::AtRisk); // exactly at alert: "< 70%" alerts
    assert_eq!(status(&policy, hit(0.69)), Status::Alert);
    // Throughput has a target only: below it is at-risk, never alert.
    let write = |v| {
        metric(
            "http.throughput",
            v,
            "req/s",
            &[("endpoint", "POST /api/orders")],
        )
    };
    assert_eq!(status(&policy, write(500.0)), Status::Met);
    assert_eq!(status(&policy, write(1.0)), Status::AtRisk);
    let batch = |v| {
        metric(
            "batch.throughput",
            v,
            "items/min",
            &[("job", "import-users")],
        )
    };
    assert_eq!(status(&policy, batch(12_000.0)), Status::Met);
    assert_eq!(status(&policy, batch(9_000.0)), Status::AtRisk);
}

#[test]
fn database_and_tracking_rows() {
    let policy = Policy::default_policy();
    let query = |v| metric("db.query.latency", v, "ms", &[("percentile", "p95")]);
    assert_eq!(status(&policy, query(50.0)), Status::Met);
    assert_eq!(status(&policy, query(120.0)), Status::AtRisk);
    assert_eq!(status(&policy, query(201.0)), Status::Alert);
    let usage = |v| metric("db.pool.usage", v, "ratio", &[("pool", "main")]);
    assert_eq!(status(&policy, usage(0.7)), Status::Met);
    assert_eq!(status(&policy, usage(0.91)), Status::Alert);
    let repeated = |v| {
        metric(
            "db.repeated_queries",
            v,
            "count",
            &[("statement", "SELECT ...")],
        )
    };
    assert_eq!(status(&policy, repeated(0.0)), Status::Met);
    assert_eq!(status(&policy, repeated(12.0)), Status::Alert);
    let slow_rate = |v| metric("db.slow_query_rate", v, "per-min", &[("threshold", "1s")]);
    assert_eq!(status(&policy, slow_rate(0.0)), Status::Met);
    assert_eq!(status(&policy, slow_rate(5.0)), Status::AtRisk);
    assert_eq!(status(&policy, slow_rate(6.0)), Status::Alert);
    let backlog = |v| metric("queue.backlog", v, "count", &[("queue", "emails")]);
    assert_eq!(status(&policy, backlog(100.0)), Status::Met);
    assert_eq!(status(&policy, backlog(1_001.0)), Status::Alert);
    // The p95 latency is judged by the latency table, not the tracking row
    // that restates it.
    assert_eq!(
        judged(&policy, p95(700.0, "ms")).policy_ref.as_deref(),
        Some("latency.p95")
    );
}

#[test]
fn pooling_cache_timeouts_rate_limits() {
    let policy = Policy::default_policy();
    let db = |name, v, unit| metric(name, v, unit, &[("resource", "database"), ("client", "pg")]);
    assert_eq!(
        status(&policy, db("pool.max", 10.0, "connections")),
        Status::Met
    );
    assert_eq!(
        status(&policy, db("pool.max", 50.0, "connections")),
        Status::AtRisk
    );
    assert_eq!(
        status(&policy, db("pool.max", 2.0, "connections")),
        Status::AtRisk
    );
    assert_eq!(
        status(&policy, db("pool.min", 2.0, "connections")),
        Status::Acceptable
    );
    assert_eq!(
        status(&policy, db("pool.idle_timeout", 30.0, "s")),
        Status::Met
    );
    assert_eq!(
        status(&policy, db("pool.idle_timeout", 600.0, "s")),
        Status::Acceptable
    );
    let redis = |v| metric("pool.max", v, "connections", &[("resource", "redis")]);
    assert_eq!(status(&policy, redis(50.0)), Status::Met);

    let ttl = |class, v| metric("cache.ttl", v, "s", &[("data_class", class)]);
    assert_eq!(status(&policy, ttl("session", 3_600.0)), Status::Met);
    assert_eq!(status(&policy, ttl("session", 7_200.0)), Status::Acceptable);
    assert_eq!(status(&policy, ttl("api", 0.0)), Status::AtRisk);
    // Full-page TTL is "Variable" in the seed: nothing to judge against.
    assert_eq!(status(&policy, ttl("page", 60.0)), Status::NoData);

    let timeout = |v| metric("db.statement_timeout", v, "s", &[("client", "pg")]);
    assert_eq!(status(&policy, timeout(0.0)), Status::AtRisk);
    assert_eq!(status(&policy, timeout(5.0)), Status::Met);
    assert_eq!(status(&policy, timeout(30.0)), Status::AtRisk);
    assert_eq!(
        status(
            &policy,
            metric("http.client_timeout", 0.0, "s", &[("client", "axios")])
        ),
        Status::AtRisk
    );

    // Login: 10 per minute is 150 per 15 min, far above the seed's 5.
    let login = [("route_class", "login"), ("route", "/login")];
    let judgement = judge_metrics(
        &policy,
        vec![
            metric("rate_limit.limit", 10.0, "count", &login),
            metric("rate_limit.window", 60.0, "s", &login),
        ],
    );
    let limits: Vec<&JudgedMetric> = judgement
        .metrics
        .iter()
        .filter(|m| m.policy_ref.as_deref() == Some("rate_limit.login"))
        .collect();
    assert_eq!(limits.len(), 2);
    assert!(limits.iter().all(|m| m.status == Status::AtRisk));
    assert!(
        limits[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("150 per policy window of 900 s"))
    );
    let judgement = judge_metrics(
        &policy,
        vec![
            metric("rate_limit.limit", 5.0, "count", &login),
            metric("rate_limit.window", 15.0, "min", &login),
        ],
    );
    assert!(judgement.metrics.iter().all(|m| m.status == Status::Met));
    // A limit without its window is read in the policy's window, and says so.
    let standard = judged(
        &policy,
        metric(
            "rate_limit.limit",
            500.0,
            "count",
            &[("route_class", "standard")],
        ),
    );
    assert_eq!(standard.status, Status::Met);
    assert!(
        standard
            .note
            .as_deref()
            .is_some_and(|n| n.contains("assumed"))
    );
}

#[test]
fn endpoint_classes_pick_the_throughput_row() {
    let policy = Policy::default_policy();
    let throughput = |endpoint: &str| {
        judged(
            &policy,
            metric("http.throughput", 800.0, "req/s", &[("endpoint", endpoint)]),
        )
    };
    let read = throughput("GET /api/products");
    assert_eq!(
        (read.class.as_deref(), read.status),
        (Some("read"), Status::AtRisk)
    );
    let write = throughput("PUT /api/products/1");
    assert_eq!(
        (write.class.as_deref(), write.status),
        (Some("write"), Status::Met)
    );
    let standard = throughput("checkout");
    assert_eq!(
        (standard.class.as_deref(), standard.policy_ref.as_deref()),
        (Some("standard"), Some("throughput.standard"))
    );
    // No throughput target for login endpoints: listed, not passed.
    let login = throughput("POST /api/login");
    assert_eq!(
        (login.class.as_deref(), login.status),
        (Some("login"), Status::NoData)
    );
    // The method label counts when the endpoint has none.
    let labelled = judged(
        &policy,
        metric(
            "http.throughput",
            900.0,
            "req/s",
            &[("endpoint", "/api/cart"), ("method", "POST")],
        ),
    );
    assert_eq!(labelled.class.as_deref(), Some("write"));
    assert_eq!(
        policy.endpoint_class(None, Some("POST /api/import")),
        "batch"
    );
    assert_eq!(
        policy.endpoint_class(None, Some("GET /reports/daily")),
        "heavy"
    );
    assert_eq!(
        policy.endpoint_class(None, Some("POST /webhooks/stripe")),
        "webhook"
    );
}

#[test]
fn expected_metrics_nobody_reported_are_no_data() {
    let policy = Policy::default_policy();
    let judgement = judge_metrics(
        &policy,
        vec![metric(
            "http.latency",
            180.0,
            "ms",
            &[("percentile", "p95"), ("endpoint", "GET /api/products")],
        )],
    );
    let missing: Vec<&str> = judgement
        .metrics
        .iter()
        .filter(|m| m.status == Status::NoData && m.value.is_none())
        .filter_map(|m| m.policy_ref.as_deref())
        .collect();
    // p50/p99, the read class's throughput and the error rate are expected
    // once a load test reported anything; p99.9 and other classes are not.
    assert_eq!(
        missing,
        vec![
            "latency.p50",
            "latency.p99",
            "tracking.error_rate",
            "throughput.read"
        ]
    );
    let p50 = judgement
        .metrics
        .iter()
        .find(|m| m.policy_ref.as_deref() == Some("latency.p50"))
        .expect("p50 entry");
    assert_eq!(
        p50.labels.get("percentile").map(String::as_str),
        Some("p50")
    );
    assert_eq!(p50.thresholds.as_ref().and_then(|t| t.alert), Some(200.0));
    assert!(
        p50.note
            .as_deref()
            .is_some_and(|n| n.contains("http.* metrics were reported"))
    );
    assert_eq!(judgement.summary.statuses.get("no-data"), Some(&4));

    // p95 absent while other load-test data is present.
    let judgement = judge_metrics(
        &policy,
        vec![metric("http.latency", 80.0, "ms", &[("percentile", "p50")])],
    );
    assert!(
        judgement
            .metrics
            .iter()
            .any(|m| m.policy_ref.as_deref() == Some("latency.p95") && m.status == Status::NoData)
    );
    // Throughput of the default class, since the metric names no endpoint.
    assert!(
        judgement
            .metrics
            .iter()
            .any(|m| m.policy_ref.as_deref() == Some("throughput.standard")
                && m.status == Status::NoData)
    );

    // No load test at all: nothing is expected.
    let judgement = judge_metrics(&policy, vec![metric("db.pool.usage", 0.5, "ratio", &[])]);
    assert_eq!(judgement.metrics.len(), 1);
}

#[test]
fn findings_take_their_entry_status() {
    let policy = Policy::default_policy();
    let judgement = policy.judge(JudgeInput {
        findings: vec![
            finding("SQL001", "anti_patterns.select_star", 3),
            finding("SQL004", "queries.n_plus_one", 9),
            finding("X999", "queries.n_plus_three", 12),
            finding("X998", "", 13),
        ],
        ..JudgeInput::default()
    });
    let by_rule = |rule: &str| {
        judgement
            .findings
            .iter()
            .find(|f| f.finding.rule == rule)
            .expect("finding")
    };
    assert_eq!(by_rule("SQL001").status, Status::AtRisk);
    assert_eq!(by_rule("SQL001").area, "database");
    assert_eq!(by_rule("SQL001").title.as_deref(), Some("SELECT *"));
    assert_eq!(by_rule("SQL004").status, Status::Alert);
    let unknown = by_rule("X999");
    assert_eq!(
        (unknown.status, unknown.area.as_str()),
        (Status::AtRisk, "unknown")
    );
    assert!(
        judgement
            .judgement_notes
            .iter()
            .any(|n| n.contains("`queries.n_plus_three`, which this policy does not define"))
    );
    assert!(
        judgement
            .judgement_notes
            .iter()
            .any(|n| n.contains("X998 (sql) names no policy entry"))
    );
    assert!(judgement.violates(Status::Alert));
    assert!(judgement.violates(Status::AtRisk));
    assert_eq!(judgement.summary.worst, Some(Status::Alert));
    assert_eq!(judgement.summary.findings, 4);
}

#[test]
fn escalations_fire_with_evidence() {
    let policy = Policy::default_policy();
    let judgement = judge_metrics(
        &policy,
        vec![
            metric(
                "http.latency",
                1.5,
                "s",
                &[("percentile", "p95"), ("endpoint", "GET /slow")],
            ),
            metric(
                "http.latency",
                0.9,
                "s",
                &[("percentile", "p95"), ("endpoint", "GET /ok")],
            ),
            metric("db.cpu", 0.85, "ratio", &[("host", "db1")]),
            metric("cache.hit_ratio", 0.4, "ratio", &[("cache", "redis")]),
            metric("queue.backlog", 1_500.0, "count", &[("queue", "emails")]),
        ],
    );
    let ids: Vec<&str> = judgement
        .escalations
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(
        ids,
        vec!["cache_miss", "db_cpu", "p95_war_room", "queue_backlog"]
    );
    let war_room = &judgement.escalations[2];
    assert_eq!(war_room.owner, "Tech Lead");
    assert_eq!(war_room.action, "War room optimisation");
    assert_eq!(
        war_room.evidence,
        vec!["http.latency{endpoint=GET /slow, percentile=p95} = 1.5 s > 1 s (loadtest)"]
    );
    assert_eq!(judgement.escalations[1].owner, "DevOps");
    assert_eq!(judgement.summary.escalations, 4);

    let calm = judge_metrics(
        &policy,
        vec![p95(999.0, "ms"), metric("db.cpu", 0.8, "ratio", &[])],
    );
    assert!(calm.escalations.is_empty());
}

fn item<'j>(judgement: &'j Judgement, text: &str) -> &'j perfwarden_policy::ChecklistItem {
    judgement
        .checklist
        .iter()
        .flat_map(|phase| &phase.items)
        .find(|item| item.text == text)
        .expect("checklist item")
}

#[test]
fn checklist_from_evidence() {
    let policy = Policy::default_policy();
    let n_plus_one = "N+1 queries eliminated";
    let nothing = policy.judge(JudgeInput::default());
    let phases: Vec<&str> = nothing.checklist.iter().map(|p| p.phase.as_str()).collect();
    assert_eq!(
        phases,
        vec!["design", "development", "review", "production"]
    );
    assert_eq!(item(&nothing, n_plus_one).status, ItemStatus::Unknown);
    assert_eq!(item(&nothing, "SLAs defined").status, ItemStatus::Unknown);

    let clean = policy.judge(JudgeInput {
        rules_run: vec![("SQL004".to_owned(), "queries.n_plus_one".to_owned())],
        ..JudgeInput::default()
    });
    let verified = item(&clean, n_plus_one);
    assert_eq!(verified.status, ItemStatus::Verified);
    assert_eq!(
        verified.evidence,
        vec!["rules SQL004 ran and found nothing"]
    );
    // The seed's own wording, and the host's evidence, in French.
    let en_francais = policy.judge(JudgeInput {
        rules_run: vec![("SQL004".to_owned(), "queries.n_plus_one".to_owned())],
        lang: Lang::Fr,
        ..JudgeInput::default()
    });
    assert_eq!(
        item(&en_francais, "N+1 queries éliminées").evidence,
        vec!["les règles SQL004 ont tourné sans rien trouver"]
    );

    let dirty = policy.judge(JudgeInput {
        findings: vec![finding("SQL004", "queries.n_plus_one", 9)],
        rules_run: vec![("SQL004".to_owned(), "queries.n_plus_one".to_owned())],
        ..JudgeInput::default()
    });
    let violated = item(&dirty, n_plus_one);
    assert_eq!(violated.status, ItemStatus::Violated);
    assert!(
        violated.evidence[0].contains("src/app.js:9"),
        "{:?}",
        violated.evidence
    );

    // Metrics settle items too: an alerting p95 fails "Load tests passed".
    let slow = judge_metrics(&policy, vec![p95(1_500.0, "ms")]);
    assert_eq!(
        item(&slow, "Load tests passed").status,
        ItemStatus::Violated
    );
    let fast = judge_metrics(&policy, vec![p95(150.0, "ms")]);
    assert_eq!(
        item(&fast, "Load tests passed").status,
        ItemStatus::Verified
    );
    // Glob refs: any async.* rule that ran counts.
    let async_ran = policy.judge(JudgeInput {
        rules_run: vec![("NODE007".to_owned(), "async.emails".to_owned())],
        ..JudgeInput::default()
    });
    assert_eq!(
        item(&async_ran, "Async jobs for long operations").status,
        ItemStatus::Verified
    );
    assert_eq!(nothing.summary.checklist.get("unknown"), Some(&16));
}

#[test]
fn scores_follow_the_curve() {
    let policy = Policy::default_policy();
    assert_eq!(policy.judge(JudgeInput::default()).score.overall, 100);
    let latency_score = |ms| {
        let judgement = judge_metrics(&policy, vec![p95(ms, "ms")]);
        judgement.score.areas.get("latency").map(|a| a.score)
    };
    assert_eq!(latency_score(200.0), Some(90)); // target: 0.9
    assert_eq!(latency_score(1_000.0), Some(50)); // alert: 0.5
    assert_eq!(latency_score(0.0), Some(100));
    let mut last = 100;
    for ms in [100.0, 200.0, 350.0, 500.0, 800.0, 1_000.0, 2_000.0, 5_000.0] {
        let score = latency_score(ms).expect("scored");
        assert!(score <= last, "{ms} ms scored {score} after {last}");
        last = score;
    }
    assert!(last <= 10, "{last}");
    let curve = judged(&policy, p95(200.0, "ms")).score.expect("score");
    assert!((curve - 0.9).abs() < 1e-6, "{curve}");
    // Rows the curve cannot describe score by status.
    let n_plus_one = judged(&policy, metric("db.repeated_queries", 4.0, "count", &[]));
    assert_eq!(n_plus_one.score, Some(0.0));
}

#[test]
fn findings_lower_the_score_with_diminishing_returns() {
    let policy = Policy::default_policy();
    let database = |count: u32| {
        let findings = (0..count)
            .map(|line| finding("SQL001", "anti_patterns.select_star", line + 1))
            .collect();
        let judgement = policy.judge(JudgeInput {
            findings,
            ..JudgeInput::default()
        });
        judgement
            .score
            .areas
            .get("database")
            .map_or(100, |a| a.score)
    };
    let scores: Vec<u8> = [0, 1, 2, 3, 50].into_iter().map(database).collect();
    // 8 points, then 4, then 2 ...: exp(-8/100) = 0.92, exp(-12/100) = 0.89.
    assert_eq!(scores, vec![100, 92, 89, 87, 85]);
    let alert = policy.judge(JudgeInput {
        findings: vec![finding("SQL004", "queries.n_plus_one", 1)],
        ..JudgeInput::default()
    });
    assert_eq!(alert.score.areas.get("database").map(|a| a.score), Some(82));
    let mut low = finding("SQL004", "queries.n_plus_one", 1);
    low.confidence = Confidence::Low;
    let low = policy.judge(JudgeInput {
        findings: vec![low],
        ..JudgeInput::default()
    });
    assert_eq!(low.score.areas.get("database").map(|a| a.score), Some(90));
    // The overall score weighs latency and database twice.
    let mixed = policy.judge(JudgeInput {
        findings: vec![finding("SQL004", "queries.n_plus_one", 1)],
        metrics: vec![metric("queue.backlog", 100.0, "count", &[])],
        ..JudgeInput::default()
    });
    // database 81.87 (x2) and async 90 (x1): (163.75 + 90) / 3 = 84.6.
    assert_eq!(mixed.score.overall, 85);
}

#[test]
fn judgement_is_deterministic() {
    let policy = Policy::default_policy();
    let metrics = vec![
        metric(
            "http.latency",
            240.0,
            "ms",
            &[("percentile", "p95"), ("endpoint", "GET /a")],
        ),
        metric(
            "http.latency",
            90.0,
            "ms",
            &[("percentile", "p50"), ("endpoint", "GET /a")],
        ),
        metric("http.throughput", 20.0, "req/s", &[("endpoint", "POST /b")]),
        metric("db.cpu", 0.9, "ratio", &[]),
        metric("cache.ttl", 0.0, "s", &[("data_class", "api")]),
    ];
    let findings = vec![
        finding("SQL001", "anti_patterns.select_star", 3),
        finding("SQL004", "queries.n_plus_one", 9),
        finding("SQL001", "anti_patterns.select_star", 1),
    ];
    let run = |reverse: bool| {
        let (mut m, mut f) = (metrics.clone(), findings.clone());
        if reverse {
            m.reverse();
            f.reverse();
        }
        let judgement = policy.judge(JudgeInput {
            findings: f,
            metrics: m,
            plugin_errors: 1,
            ..JudgeInput::default()
        });
        serde_json::to_string_pretty(&judgement).expect("serializes")
    };
    let forward = run(false);
    assert_eq!(forward, run(true));
    let value: serde_json::Value = serde_json::from_str(&forward).expect("json");
    assert_eq!(value["policy"]["name"], "default");
    assert_eq!(value["findings"][0]["status"], "at-risk");
    assert_eq!(value["findings"][0]["rule"], "SQL001");
    assert_eq!(value["summary"]["plugin_errors"], 1);
    assert!(
        value["judgement_notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("1 plugin(s) failed"))
    );
    let lines: Vec<u64> = value["findings"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["span"]["line"].as_u64())
        .collect();
    assert_eq!(lines, vec![1, 3, 9]);
}

#[test]
fn overrides_merge_into_the_default() {
    let policy = Policy::default_policy()
        .extend(
            "extends = \"default\"\n[latency.p95]\nalert = \"800ms\"\n[queries.n_plus_one]\nstatus = \"at-risk\"\n",
            "perfwarden.toml",
        )
        .expect("valid overrides");
    assert_eq!(policy.name(), "default + perfwarden");
    assert_ne!(policy.sha256(), Policy::default_policy().sha256());
    // The overridden alert applies; target and acceptable are kept.
    assert_eq!(status(&policy, p95(900.0, "ms")), Status::Alert);
    assert_eq!(status(&policy, p95(400.0, "ms")), Status::Acceptable);
    assert_eq!(status(&policy, p95(150.0, "ms")), Status::Met);
    assert_eq!(policy.status_of("queries.n_plus_one"), Some(Status::AtRisk));
    assert_eq!(
        policy.status_of("anti_patterns.select_star"),
        Some(Status::AtRisk)
    );
    // A new entry for an in-house plugin's rules.
    let extended = policy
        .extend(
            "[graphql.depth]\ntitle = \"Depth\"\narea = \"latency\"\nstatus = \"alert\"\n",
            "team.toml",
        )
        .expect("valid");
    assert_eq!(extended.status_of("graphql.depth"), Some(Status::Alert));
    assert_eq!(
        extended.status_of("queries.n_plus_one"),
        Some(Status::AtRisk)
    );
    // A standalone policy (no extends) judges only what it defines.
    let alone = Policy::from_toml(
        "[policy]\nname = \"tiny\"\nversion = \"1\"\n[latency.p95]\ntitle = \"p95\"\nmetric = \"http.latency\"\nwhere = { percentile = \"p95\" }\ntarget = \"100ms\"\nalert = \"300ms\"\n",
        "tiny.toml",
    )
    .expect("standalone");
    assert_eq!(alone.name(), "tiny");
    assert_eq!(status(&alone, p95(200.0, "ms")), Status::AtRisk);
    assert_eq!(alone.status_of("queries.n_plus_one"), None);
}

#[test]
fn rows_and_escalations_can_be_switched_off() {
    let policy = Policy::default_policy()
        .extend(
            "[throughput.read]\nenabled = false\n[escalations.p95_war_room]\nenabled = false\n",
            "perfwarden.toml",
        )
        .expect("valid");
    let judgement = judge_metrics(
        &policy,
        vec![metric(
            "http.latency",
            1_500.0,
            "ms",
            &[("percentile", "p95"), ("endpoint", "GET /a")],
        )],
    );
    assert!(judgement.escalations.is_empty());
    assert!(
        !judgement
            .metrics
            .iter()
            .any(|m| m.policy_ref.as_deref() == Some("throughput.read"))
    );
    let bad = Policy::default_policy()
        .extend("[latency.p95]\nenabled = \"no\"\n", "perfwarden.toml")
        .expect_err("not a boolean");
    assert_eq!(
        bad.to_string(),
        "perfwarden.toml:2:1: latency.p95.enabled: expected a boolean, found a string"
    );
}

#[test]
fn extending_with_nothing_keeps_the_identity() {
    let default = Policy::default_policy();
    let same = default
        .extend("\n\nextends = \"default\"\n", "perfwarden.toml")
        .expect("valid");
    assert_eq!(same.name(), "default");
    assert_eq!(same.sha256(), default.sha256());
}

#[test]
fn titles_escalations_and_notes_follow_the_language() {
    let policy = Policy::default_policy();
    let input = || JudgeInput {
        metrics: vec![
            p95(1500.0, "ms"),
            metric("mystery.metric", 1.0, "count", &[]),
        ],
        ..JudgeInput::default()
    };
    let english = policy.judge(input());
    let french = policy.judge(JudgeInput {
        lang: Lang::Fr,
        ..input()
    });
    assert_eq!(french.lang, Lang::Fr);
    let title = |j: &Judgement| {
        j.metrics
            .iter()
            .find(|m| m.policy_ref.as_deref() == Some("latency.p95"))
            .and_then(|m| m.title.clone())
    };
    assert_eq!(title(&english).as_deref(), Some("API latency p95"));
    assert_eq!(title(&french).as_deref(), Some("Latence API p95"));
    assert_eq!(french.escalations[0].action, "Optimisation en war room");
    let note = |j: &Judgement| {
        j.metrics
            .iter()
            .find(|m| m.name == "mystery.metric")
            .and_then(|m| m.note.clone())
    };
    assert_eq!(
        note(&french).as_deref(),
        Some("aucune ligne de la politique ne juge cette métrique")
    );
    // Statuses stay machine keywords whatever the language.
    let json = serde_json::to_value(&french).expect("JSON");
    let p95_status = json["metrics"]
        .as_array()
        .and_then(|metrics| {
            metrics
                .iter()
                .find(|m| m["policy_ref"] == "latency.p95" && m["value"] == 1500.0)
        })
        .map(|m| m["status"].clone());
    assert_eq!(p95_status, Some(serde_json::json!("alert")));
    assert_eq!(json["lang"], "fr");
}

#[test]
fn a_policy_text_is_a_string_or_one_per_language() {
    let policy = Policy::default_policy()
        .extend(
            "[latency.p95]\ntitle = { en = \"p95\", fr = \"p95 fr\" }\n",
            "perfwarden.toml",
        )
        .expect("valid");
    let french = policy.judge(JudgeInput {
        metrics: vec![p95(10.0, "ms")],
        lang: Lang::Fr,
        ..JudgeInput::default()
    });
    let p95_title = french
        .metrics
        .iter()
        .find(|m| m.policy_ref.as_deref() == Some("latency.p95"))
        .and_then(|m| m.title.as_deref());
    assert_eq!(p95_title, Some("p95 fr"));
    for (bad, message) in [
        ("title = { de = \"x\" }", "unknown language `de`"),
        ("title = { fr = 3 }", "expected a string"),
        (
            "title = 3",
            "expected a string or a table of strings by language",
        ),
    ] {
        let err = Policy::default_policy()
            .extend(&format!("[latency.p95]\n{bad}\n"), "perfwarden.toml")
            .expect_err(bad)
            .to_string();
        assert!(err.contains(message), "{bad}: {err}");
    }
}
