//! Every parser on the real tool outputs in `tests/fixtures/` (origins in
//! `tests/fixtures/SOURCES.txt`), asserting the numbers, plus the truth
//! pairs: a tool's raw samples against the summary the tool computed from
//! them.

use perfwarden_plugin_loadtest::Plugin;
use perfwarden_sdk::Output;
use perfwarden_sdk::testing::Tester;

#[path = "common/metrics.rs"]
mod metrics;
use metrics::{find, value};

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            std::path::Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/",
                $name
            )),
        )
    };
}

fn run(file: (&str, &std::path::Path)) -> Output {
    Tester::new(Plugin).run_files(&[file])
}

fn latency(out: &Output, percentile: &str) -> f64 {
    value(out, "http.latency", &[("percentile", percentile)])
}

fn endpoint_latency(out: &Output, endpoint: &str, percentile: &str) -> f64 {
    value(
        out,
        "http.latency",
        &[("endpoint", endpoint), ("percentile", percentile)],
    )
}

fn assert_close(got: f64, expected: f64, tolerance: f64) {
    let error = (got - expected).abs() / expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        error <= tolerance,
        "{got} vs {expected}: relative error {error} > {tolerance}"
    );
}

fn rule_count(out: &Output, rule: &str) -> usize {
    out.findings.iter().filter(|f| f.rule == rule).count()
}

#[test]
fn k6_legacy_summary_export() {
    let out = run(fixture!(
        "andreposman_qr-code-generator__summary-export.json"
    ));
    assert_eq!(latency(&out, "p99"), 348.6492700000003);
    assert_eq!(latency(&out, "p99.9"), 787.1129890000226);
    assert_eq!(latency(&out, "p50"), 3.12);
    assert_eq!(latency(&out, "mean"), 19.40724789726824);
    // summaryTrendStats had no p(95): absent, never 0.
    assert!(find(&out, "http.latency", &[("percentile", "p95")]).is_none());
    assert_eq!(value(&out, "http.requests", &[]), 493_168.0);
    assert_eq!(value(&out, "http.throughput", &[]), 4288.100370179589);
    // Legacy `http_req_failed.value` is the error rate.
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        0.0
    );
    assert_eq!(rule_count(&out, "LT001"), 0);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
}

#[test]
fn k6_handle_summary() {
    let out = run(fixture!(
        "benc-uk_k6-reporter__tests_data_simple.handleSummary.json"
    ));
    assert_eq!(latency(&out, "p95"), 30.0256841);
    assert_eq!(latency(&out, "p90"), 26.358651200000008);
    assert_eq!(latency(&out, "max"), 143.326605);
    assert_eq!(value(&out, "http.requests", &[]), 878.0);
    assert_eq!(value(&out, "http.throughput", &[]), 35.94634922417172);
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        0.39749430523917995
    );
    // Its thresholds passed; 878 samples cannot support p99.9.
    assert_eq!(rule_count(&out, "LT002"), 0);
    assert_eq!(rule_count(&out, "LT001"), 1);
}

#[test]
fn k6_ndjson_points_become_per_endpoint_percentiles() {
    let out = run(fixture!(
        "grafana_xk6-dashboard__testdata_result.out-json.ndjson"
    ));
    // Checked against numpy's default (linear) percentile of the 322
    // http_req_duration points: k6 interpolates the same way.
    assert_eq!(latency(&out, "p95"), 125.2926859);
    assert_eq!(latency(&out, "p99"), 126.49753705);
    assert_close(latency(&out, "mean"), 122.46639151552786, 1e-12);
    assert_eq!(value(&out, "http.requests", &[]), 322.0);
    assert_eq!(
        value(
            &out,
            "http.requests",
            &[("endpoint", "https://test.k6.io/")]
        ),
        161.0
    );
    let get = find(
        &out,
        "http.latency",
        &[("endpoint", "http://test.k6.io"), ("percentile", "p95")],
    )
    .expect("per-endpoint p95");
    assert_eq!(get.label_value("method"), Some("GET"));
    assert_eq!(get.value, 122.694815);
    assert_close(value(&out, "http.throughput", &[]), 16.0828599, 1e-6);
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "status")]),
        0.0
    );
    // 322 samples: p99.9 is withheld, not guessed.
    assert!(find(&out, "http.latency", &[("percentile", "p99.9")]).is_none());
}

#[test]
fn k6_ndjson_gzip_gives_the_same_numbers() {
    use std::io::Write;
    let plain = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/grafana_xk6-dashboard__testdata_result.out-json.ndjson"
    ))
    .expect("fixture");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&plain).expect("in memory");
    let gz = encoder.finish().expect("in memory");
    let zipped = Tester::new(Plugin)
        .try_run_bytes(&[("out.json.gz", &gz)])
        .expect("analysis");
    let text = Tester::new(Plugin)
        .try_run_bytes(&[("out.json.gz", &plain)])
        .expect("analysis");
    assert_eq!(zipped.metrics, text.metrics);
    assert_eq!(latency(&zipped, "p95"), 125.2926859);
}

#[test]
fn k6_ndjson_matches_its_summary_export() {
    // Truth pair: one real k6 1.1.0 run's `--out json` points and its
    // `--summary-export`. 1 500 samples are past the exact-sample limit, so
    // the NDJSON percentiles come from the histogram: within its stated 1 %;
    // counts, error rates, mean, min and max agree exactly.
    let points = run(fixture!("k6-1.1.0_loopback-run.out-json.ndjson.gz"));
    let summary = run(fixture!("k6-1.1.0_loopback-run.summary-export.json"));
    for percentile in ["p50", "p90", "p95", "p99"] {
        assert_close(
            latency(&points, percentile),
            latency(&summary, percentile),
            0.01,
        );
    }
    for stat in ["mean", "min", "max"] {
        assert_close(latency(&points, stat), latency(&summary, stat), 1e-9);
    }
    assert_eq!(latency(&summary, "p95"), 51.9918549);
    assert_eq!(value(&points, "http.requests", &[]), 1500.0);
    assert_eq!(value(&summary, "http.requests", &[]), 1500.0);
    let failed = 50.0 / 1500.0;
    assert_close(
        value(&summary, "http.error_rate", &[("definition", "tool")]),
        failed,
        1e-9,
    );
    assert_close(
        value(&points, "http.error_rate", &[("definition", "tool")]),
        failed,
        1e-9,
    );
    // Every 10th POST answered 500: the status definition agrees.
    assert_close(
        value(&points, "http.error_rate", &[("definition", "status")]),
        failed,
        1e-9,
    );
    // k6 divides by the whole test's duration, start-up included; the
    // points span first request to last response: within 2 %.
    assert_close(
        value(&points, "http.throughput", &[]),
        value(&summary, "http.throughput", &[]),
        0.02,
    );
    // Per endpoint only from the points: the summary has no breakdown.
    assert_eq!(
        value(
            &points,
            "http.requests",
            &[("endpoint", "/api/users/:id"), ("method", "GET")]
        ),
        500.0
    );
}

#[test]
fn k6_csv_output() {
    let csv = "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags\n\
http_reqs,1595325560,1.000000,,,,true,,GET,http://test.k6.io,HTTP/1.1,default,,200,,,http://test.k6.io,\n\
http_req_duration,1595325560,120.5,,,,true,,GET,http://test.k6.io,HTTP/1.1,default,,200,,,http://test.k6.io,\n\
http_req_duration,1595325561,80.5,,,,false,,POST,/api/orders,HTTP/1.1,default,,503,,,http://test.k6.io/api/orders,\n\
http_req_duration,1595325562,100.0,,,,true,,GET,http://test.k6.io,HTTP/1.1,default,,200,,,http://test.k6.io,\n";
    let out = Tester::new(Plugin).run(&[("k6.csv", csv)]);
    assert_eq!(value(&out, "http.requests", &[]), 3.0);
    assert_eq!(latency(&out, "p50"), 100.0);
    assert_close(
        value(&out, "http.error_rate", &[("definition", "status")]),
        1.0 / 3.0,
        1e-12,
    );
    assert_eq!(
        value(
            &out,
            "http.latency",
            &[
                ("endpoint", "/api/orders"),
                ("method", "POST"),
                ("percentile", "max")
            ]
        ),
        80.5
    );
}

#[test]
fn jmeter_jtl_matches_its_dashboard_statistics() {
    // Truth pair: statistics.json is JMeter's own report of this JTL.
    // Percentiles (type 6 interpolation, exact below 1,024 samples) and
    // counts agree exactly; throughput within 0.1 %.
    let jtl = run(fixture!(
        "BrunoDorea_petstore_jmeter__result_PetStore.jtl.csv"
    ));
    let stats = run(fixture!(
        "BrunoDorea_petstore_jmeter__report_statistics.json"
    ));
    for endpoint in [
        "add to cart",
        "product",
        "item",
        "enter the store",
        "category",
        "home",
    ] {
        // p99 of 70 samples is withheld (LT001); JMeter reports its max.
        for percentile in ["p50", "p90", "p95", "mean", "min", "max"] {
            let from_samples = endpoint_latency(&jtl, endpoint, percentile);
            let from_tool = endpoint_latency(&stats, endpoint, percentile);
            assert_close(from_samples, from_tool, 1e-9);
        }
        let e = [("endpoint", endpoint)];
        assert_eq!(
            value(&jtl, "http.requests", &e),
            value(&stats, "http.requests", &e)
        );
        assert_close(
            value(&jtl, "http.throughput", &e),
            value(&stats, "http.throughput", &e),
            1e-3,
        );
    }
    assert_eq!(latency(&stats, "p95"), 658.0);
    assert_eq!(latency(&jtl, "p95"), 658.0);
    assert_close(latency(&jtl, "p99"), 675.79, 1e-9);
    assert_close(
        value(&jtl, "http.throughput", &[]),
        3.5006417843271267,
        1e-3,
    );
    assert_eq!(
        value(&jtl, "http.error_rate", &[("definition", "tool")]),
        0.0
    );
}

#[test]
fn jmeter_statistics_states_the_assumed_ranks() {
    let out = run(fixture!(
        "BrunoDorea_petstore_jmeter__report_statistics.json"
    ));
    let p90 = find(
        &out,
        "http.latency",
        &[("endpoint", "add to cart"), ("percentile", "p90")],
    )
    .expect("pct1ResTime");
    assert_eq!(p90.value, 220.9);
    assert_eq!(
        p90.label_value("derivation"),
        Some("assumed-rank:aggregate_rpt_pct1=90")
    );
    assert_eq!(value(&out, "http.requests", &[]), 420.0);
    // 70 samples per request cannot support p99; 420 overall neither.
    assert_eq!(rule_count(&out, "LT001"), 7);
}

#[test]
fn jmeter_jtl_variants() {
    // Tab-delimited.
    let tabs = run(fixture!(
        "Blazemeter_taurus__tests_resources_jmeter_jtl_tabs.jtl"
    ));
    assert_eq!(value(&tabs, "http.requests", &[]), 4.0);
    assert_eq!(latency(&tabs, "mean"), 456.25);
    assert_eq!(latency(&tabs, "p50"), 282.0);
    // Formatted timestamps still give a throughput: 3 samples over 2.002 s.
    let formatted = run(fixture!(
        "jenkinsci_performance-plugin__src_test_resources_JMeterPublisher_formatted_timeStamp.csv"
    ));
    assert_close(value(&formatted, "http.throughput", &[]), 3.0 / 2.001, 1e-9);
    assert_close(
        value(&formatted, "http.error_rate", &[("definition", "status")]),
        1.0 / 3.0,
        1e-12,
    );
    // 404s: failed by the tool and by status.
    let kpi = run(fixture!(
        "Blazemeter_taurus__tests_resources_jmeter_jtl_simple.kpi.jtl"
    ));
    assert_eq!(
        value(&kpi, "http.error_rate", &[("definition", "tool")]),
        0.5
    );
    assert_eq!(
        value(
            &kpi,
            "http.error_rate",
            &[
                ("endpoint", "http://blazedemo.com/not-found"),
                ("definition", "status")
            ]
        ),
        1.0
    );
    // Transaction-controller parents only: the tool says failed, the HTTP
    // status (200) does not.
    let tc = run(fixture!(
        "Blazemeter_taurus__tests_resources_jmeter_jtl_tranctl.jtl"
    ));
    assert_eq!(value(&tc, "http.requests", &[]), 2.0);
    assert_eq!(
        value(&tc, "http.error_rate", &[("definition", "tool")]),
        0.5
    );
    assert_eq!(
        value(&tc, "http.error_rate", &[("definition", "status")]),
        0.0
    );
}

#[test]
fn jmeter_transaction_parents_stay_out_of_the_overall_numbers() {
    let jtl = "timeStamp,elapsed,label,responseCode,responseMessage,success\n\
1700000000000,100,GET /api/products,200,OK,true\n\
1700000000100,50,GET /api/products/:id,200,OK,true\n\
1700000000000,150,Browse,200,\"Number of samples in transaction : 2, number of failing samples : 0\",true\n";
    let out = Tester::new(Plugin).run(&[("tc.jtl", jtl)]);
    assert_eq!(value(&out, "http.requests", &[]), 2.0);
    assert_eq!(latency(&out, "max"), 100.0);
    assert_eq!(value(&out, "http.requests", &[("endpoint", "Browse")]), 1.0);
}

#[test]
fn jmeter_xml_jtl() {
    let out = run(fixture!(
        "jenkinsci_performance-plugin__src_test_resources_JMeterResults.jtl"
    ));
    assert_eq!(value(&out, "http.requests", &[]), 8.0);
    assert_eq!(latency(&out, "max"), 15_902.0);
    assert_eq!(latency(&out, "mean"), 4142.125);
    assert_eq!(
        value(&out, "http.requests", &[("endpoint", "Workgroup")]),
        4.0
    );
    // Sub-results nested in a sample are not counted twice.
    let errors = run(fixture!(
        "Blazemeter_taurus__tests_resources_jmeter_jtl_simple.error.jtl"
    ));
    assert_eq!(value(&errors, "http.requests", &[]), 3.0);
    assert_eq!(
        value(&errors, "http.error_rate", &[("definition", "status")]),
        1.0
    );
}

#[test]
fn headerless_jtl_uses_the_default_columns() {
    let jtl = "1700000000000,120,GET /api/products,200,OK,Thread 1-1,text,true,,512,100,1,1,http://shop/api/products,110,0,5\n\
1700000001000,480,GET /api/products,500,Internal Server Error,Thread 1-1,text,false,boom,512,100,1,1,http://shop/api/products,470,0,5\n";
    let out = Tester::new(Plugin).run(&[("raw.jtl", jtl)]);
    assert_eq!(value(&out, "http.requests", &[]), 2.0);
    assert_eq!(latency(&out, "max"), 480.0);
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "status")]),
        0.5
    );
}

#[test]
fn gatling_log_matches_its_stats_json() {
    // Truth pair: the report Gatling 3.1.2 generated from this log.
    // Gatling's percentiles come from its own digest: within 1.1 % here.
    let log = run(fixture!(
        "AndreyLysov_gatling_demo__googletest-20190624__simulation-v3.1.2.log"
    ));
    let stats = run(fixture!(
        "AndreyLysov_gatling_demo__googletest-20190624__stats.json"
    ));
    for percentile in ["p50", "p75", "p95", "p99"] {
        assert_close(
            latency(&log, percentile),
            latency(&stats, percentile),
            0.011,
        );
    }
    assert_close(latency(&log, "mean"), latency(&stats, "mean"), 1e-3);
    assert_eq!(latency(&log, "max"), latency(&stats, "max"));
    assert_eq!(value(&log, "http.requests", &[]), 388.0);
    assert_eq!(value(&stats, "http.requests", &[]), 388.0);
    assert_eq!(
        value(&log, "http.error_rate", &[("definition", "tool")]),
        value(&stats, "http.error_rate", &[("definition", "tool")])
    );
    // Gatling divides by whole seconds of the run: within 2 %.
    assert_close(
        value(&log, "http.throughput", &[]),
        value(&stats, "http.throughput", &[]),
        0.02,
    );
    let p95 = find(&stats, "http.latency", &[("percentile", "p95")]).expect("percentiles3");
    assert_eq!(
        p95.label_value("derivation"),
        Some("assumed-rank:percentile3=95")
    );
}

#[test]
fn gatling_stats_js_and_global_stats() {
    let js = run(fixture!(
        "AndreyLysov_gatling_demo__googletest-20190624__stats.js"
    ));
    let global = run(fixture!(
        "AndreyLysov_gatling_demo__googletest-20190624__global_stats.json"
    ));
    for out in [&js, &global] {
        assert_eq!(latency(out, "p50"), 1101.0);
        assert_eq!(latency(out, "p99"), 24_858.0);
        assert_eq!(value(out, "http.requests", &[]), 388.0);
    }
    assert_eq!(
        value(
            &js,
            "http.requests",
            &[("endpoint", "Getting Google Homepage")]
        ),
        10.0
    );
}

#[test]
fn gatling_2_log() {
    let out = run(fixture!(
        "gatling_gatling__simulation_with_known_stats.text-v2.0.log"
    ));
    assert_eq!(value(&out, "http.requests", &[]), 8.0);
    assert_eq!(latency(&out, "mean"), 5000.0);
    assert_eq!(latency(&out, "min"), 2000.0);
    assert_eq!(latency(&out, "max"), 9000.0);
}

#[test]
fn artillery_v1_and_v2() {
    let v1 = run(fixture!(
        "djaustin_fyp-server__tests_artillery_output.v1-report.json"
    ));
    assert_eq!(latency(&v1, "p95"), 308.5);
    assert_eq!(latency(&v1, "p50"), 106.2);
    assert_eq!(value(&v1, "http.throughput", &[]), 1.01);
    assert_eq!(value(&v1, "http.requests", &[]), 60.0);
    let v2 = run(fixture!(
        "kimhyunmook_codi-it-be__perf_results_get-products.v2-report.json"
    ));
    assert_eq!(latency(&v2, "p99.9"), 242.3);
    assert_eq!(latency(&v2, "p95"), 82.3);
    assert_eq!(endpoint_latency(&v2, "/api/products", "p99"), 186.8);
    assert_eq!(value(&v2, "http.requests", &[]), 600.0);
    let error = value(&v2, "http.error_rate", &[("definition", "status")]);
    assert!(error == 0.0 && error.is_sign_positive());
}

#[test]
fn vegeta_nanoseconds_and_success_ratio() {
    let out = run(fixture!("khamonsol_ratelimiter__metrics.json"));
    assert_eq!(latency(&out, "p99"), 30_008.855_75);
    assert_eq!(latency(&out, "min"), 1.726583);
    assert_close(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        1.0 - 0.013333333333333334,
        1e-12,
    );
    // 390 transport errors (code 0) + 202 503s of 600.
    assert_close(
        value(&out, "http.error_rate", &[("definition", "status")]),
        592.0 / 600.0,
        1e-12,
    );
    assert!(find(&out, "http.latency", &[("percentile", "p99.9")]).is_none());
}

#[test]
fn autocannon_keeps_real_ranks() {
    let out = run(fixture!(
        "mcollina_autocannon__test_fixtures_example-result.json"
    ));
    assert_eq!(latency(&out, "p97.5"), 378.0);
    assert_eq!(latency(&out, "p99"), 386.0);
    // autocannon does not measure p95.
    assert!(find(&out, "http.latency", &[("percentile", "p95")]).is_none());
    assert_eq!(value(&out, "http.requests", &[]), 500.0);
    assert_close(value(&out, "http.throughput", &[]), 500.0 / 2.06, 1e-12);
}

#[test]
fn wrk_text() {
    let out = run(fixture!(
        "jenkinsci_performance-plugin__src_test_resources_WrkResultsWithLatencyFlag.wrk"
    ));
    assert_eq!(latency(&out, "p50"), 40.25);
    assert_eq!(latency(&out, "p99"), 46.51);
    assert_eq!(latency(&out, "mean"), 42.28);
    assert_eq!(value(&out, "http.throughput", &[]), 17.81);
    assert_eq!(value(&out, "http.requests", &[]), 18.0);
    // wrk --latency prints no p95.
    assert!(find(&out, "http.latency", &[("percentile", "p95")]).is_none());
    let long = run(fixture!(
        "jenkinsci_performance-plugin__src_test_resources_WrkResultsLong.wrk"
    ));
    assert_eq!(latency(&long, "mean"), 78_270.0);
    assert_eq!(latency(&long, "max"), 235_540.0);
}

#[test]
fn hey_text() {
    let text = "\nSummary:\n  Total:\t2.0034 secs\n  Slowest:\t0.4213 secs\n  Fastest:\t0.0102 secs\n  Average:\t0.0523 secs\n  Requests/sec:\t99.8302\n\n\nResponse time histogram:\n  0.010 [1]\t|\n\n\nLatency distribution:\n  10%% in 0.0204 secs\n  50%% in 0.0411 secs\n  95%% in 0.1702 secs\n  99%% in 0.3901 secs\n\nDetails (average, fastest, slowest):\n  DNS+dialup:\t0.0010 secs, 0.0102 secs, 0.4213 secs\n\nStatus code distribution:\n  [200]\t190 responses\n  [503]\t8 responses\n\nError distribution:\n  [2]\tGet http://127.0.0.1:8080/: dial tcp: connection refused\n";
    let out = Tester::new(Plugin).run(&[("hey.txt", text)]);
    assert_eq!(latency(&out, "p95"), 170.2);
    assert_eq!(latency(&out, "max"), 421.3);
    assert_eq!(value(&out, "http.requests", &[]), 200.0);
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        0.01
    );
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "status")]),
        0.05
    );
}

#[test]
fn locust_stats_csv() {
    let out = run(fixture!("Bortlesboat_bitcoin-api__results_stats.csv"));
    assert_eq!(value(&out, "http.requests", &[]), 2210.0);
    assert_close(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        1607.0 / 2210.0,
        1e-12,
    );
    assert_eq!(latency(&out, "p99.9"), 2100.0);
    let p95 = find(
        &out,
        "http.latency",
        &[("endpoint", "/api/v1/health"), ("percentile", "p95")],
    )
    .expect("per endpoint");
    assert_eq!(p95.label_value("method"), Some("GET"));
    assert_eq!(
        p95.label_value("derivation"),
        Some("locust-rounded-buckets")
    );
    // The failure file holds no numbers: ignored silently.
    let failures = run(fixture!("Bortlesboat_bitcoin-api__results_failures.csv"));
    assert!(failures.metrics.is_empty() && failures.notes.is_empty());
}

#[test]
fn locust_history_reports_the_final_cumulative_row() {
    // Aggregated rows only (no `--csv-full-history`): Locust 1.2+ writes the
    // run's percentiles in them.
    let out = run(fixture!(
        "Bortlesboat_bitcoin-api__results_stats_history.csv"
    ));
    assert_eq!(value(&out, "http.requests", &[]), 2050.0);
    assert_close(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        1496.0 / 2050.0,
        1e-12,
    );
    let p95 = find(&out, "http.latency", &[("percentile", "p95")]).expect("p95");
    assert_eq!(p95.value, 8.0);
    assert_eq!(
        p95.label_value("derivation"),
        Some("locust-rounded-buckets")
    );
    assert_eq!(latency(&out, "p50"), 3.0);
    assert_eq!(latency(&out, "p98"), 2000.0);
    assert_eq!(latency(&out, "p99.9"), 2100.0);
    assert_eq!(latency(&out, "mean"), 53.77800819475385);
    assert_eq!(latency(&out, "max"), 2160.2996999863535);
    // 100% is the maximum, not a percentile.
    assert!(find(&out, "http.latency", &[("percentile", "p100")]).is_none());
    // 2050 requests from 1772849612 (0 requests) to 1772849668: 56 s.
    let rps = find(&out, "http.throughput", &[]).expect("throughput");
    assert_close(rps.value, 2050.0 / 56.0, 1e-12);
    assert_eq!(rps.label_value("peak_users"), Some("50"));
    // The span points at the series' first row.
    assert_eq!(rps.span.as_ref().map(|s| s.line), Some(2));
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    // 2050 samples support p99.9.
    assert_eq!(rule_count(&out, "LT001"), 0);
}

#[test]
fn locust_full_history_agrees_with_its_stats_csv() {
    // A real Locust 2.47.0 run with `--csv-full-history` (see SOURCES.txt).
    let history = run(fixture!("locust-2.47.0_loopback-run_stats_history.csv"));
    let stats = run(fixture!("locust-2.47.0_loopback-run_stats.csv"));
    // Totals of the last history row are the ones `_stats.csv` printed.
    for (name, labels) in [
        ("http.requests", &[][..]),
        ("http.error_rate", &[("definition", "tool")][..]),
        ("http.latency", &[("percentile", "mean")][..]),
        ("http.latency", &[("percentile", "min")][..]),
        ("http.latency", &[("percentile", "max")][..]),
        ("http.requests", &[("endpoint", "/api/products")][..]),
        (
            "http.latency",
            &[("endpoint", "/api/orders"), ("percentile", "mean")][..],
        ),
    ] {
        assert_eq!(
            value(&history, name, labels),
            value(&stats, name, labels),
            "{name} {labels:?}"
        );
    }
    assert_eq!(value(&history, "http.requests", &[]), 1140.0);
    assert_close(
        value(&history, "http.error_rate", &[("definition", "tool")]),
        113.0 / 1140.0,
        1e-12,
    );
    // Throughput from the 9 s between the first and last rows, against
    // Locust's own over its exact run time: within 1 % (the timestamps are
    // whole seconds).
    assert_close(value(&history, "http.throughput", &[]), 1140.0 / 9.0, 1e-12);
    assert_close(
        value(&history, "http.throughput", &[]),
        value(&stats, "http.throughput", &[]),
        0.01,
    );
    // `/api/missing` first appears after the first timestamp: counted from 0.
    assert_close(
        value(&history, "http.throughput", &[("endpoint", "/api/missing")]),
        93.0 / 9.0,
        1e-12,
    );
    // The percentile columns are Locust's ~10 s window here: only the run
    // median is reported, and a note says why.
    assert!(find(&history, "http.latency", &[("percentile", "p95")]).is_none());
    assert_eq!(latency(&history, "p50"), 6.0);
    assert_eq!(history.notes.len(), 1, "{:?}", history.notes);
    assert!(history.notes[0].message.contains("last ~10 s"));
    assert_eq!(
        find(&history, "http.throughput", &[]).and_then(|m| m.label_value("peak_users")),
        Some("20")
    );
    // The four `/api/users/<id>` rows are one endpoint in both files.
    for out in [&history, &stats] {
        let users = find(
            out,
            "http.requests",
            &[("endpoint", "/api/users/:id"), ("method", "GET")],
        )
        .expect("ids collapsed");
        assert_eq!(users.value, 88.0 + 81.0 + 74.0 + 99.0);
        assert_eq!(users.label_value("naming"), Some("ids-collapsed"));
        assert!(
            out.metrics
                .iter()
                .all(|m| m.label_value("endpoint") != Some("/api/users/1"))
        );
    }
}

#[test]
fn locust_history_older_layouts() {
    // Locust 1.0-1.1 (locust/stats.py `stats_history_csv`): quoted, a
    // `99.999%` column, and window percentiles even without full history.
    let v1 = concat!(
        "\"Timestamp\",\"User Count\",\"Type\",\"Name\",\"Requests/s\",\"Failures/s\",\"50%\",\"66%\",\"75%\",\"80%\",\"90%\",\"95%\",\"98%\",\"99%\",\"99.9%\",\"99.99%\",\"99.999%\",\"100%\",\"Total Request Count\",\"Total Failure Count\",\"Total Median Response Time\",\"Total Average Response Time\",\"Total Min Response Time\",\"Total Max Response Time\",\"Total Average Content Size\"\n",
        "\"1600000000\",\"5\",\"\",\"Aggregated\",0.00,0.00,\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",0,0,0,0,0,0,0\n",
        "\"1600000004\",\"10\",\"\",\"Aggregated\",25.00,1.00,40,40,41,41,60,90,120,130,130,130,130,130,100,4,40,45,12,130,512\n",
    );
    let out = Tester::new(Plugin).run(&[("run_stats_history.csv", v1)]);
    assert_eq!(value(&out, "http.requests", &[]), 100.0);
    assert_eq!(value(&out, "http.throughput", &[]), 25.0);
    assert_eq!(latency(&out, "p50"), 40.0);
    assert!(find(&out, "http.latency", &[("percentile", "p90")]).is_none());
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    // Locust 0.13's full history, as printed in locustio/locust#1146.
    let v013 = concat!(
        "\"Type\",\"Name\",\"Timestamp\",\"# requests\",\"# failures\",\"Requests/s\",\"Requests Failed/s\",\"Median response time\",\"Average response time\",\"Min response time\",\"Max response time\",\"Average Content Size\",\"50%\",\"66%\",\"75%\",\"80%\",\"90%\",\"95%\",\"98%\",\"99%\",\"99.9%\",\"99.99%\",\"99.999\",\"100%\"\n",
        "\"None\",\"Aggregated\",\"1574373141\",0,0,0.00,0.00,0,0,0,0.00,0.00,\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\"\n",
        "\"GET\",\"Login\",\"1574373143\",1,0,0.00,0.00,28,28,28,28.74,0.00,28,28,28,28,28,28,28,28,28,28,28,28\n",
        "\"POST\",\"page1\",\"1574373143\",1,0,0.00,0.00,520,520,520,520.62,452939.00,520,520,520,520,520,520,520,520,520,520,520,520\n",
        "\"None\",\"Aggregated\",\"1574373143\",7,0,0.00,0.00,110,160,28,520.62,153124.86,110,120,160,160,520,520,520,520,520,520,520,520\n",
    );
    let out = Tester::new(Plugin).run(&[("old_stats_history.csv", v013)]);
    assert_eq!(value(&out, "http.requests", &[]), 7.0);
    assert_eq!(latency(&out, "p50"), 110.0);
    assert_eq!(latency(&out, "max"), 520.62);
    assert_eq!(value(&out, "http.throughput", &[]), 3.5);
    let login = find(
        &out,
        "http.latency",
        &[("endpoint", "Login"), ("percentile", "mean")],
    );
    assert_eq!(login.map(|m| m.value), Some(28.0));
    assert_eq!(login.and_then(|m| m.label_value("method")), Some("GET"));
    // A history whose header lost its count columns gets a note.
    let broken = "Timestamp,User Count,Type,Name,Requests/s\n1,2,,Aggregated,0\n";
    let out = Tester::new(Plugin).run(&[("x_stats_history.csv", broken)]);
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert!(out.metrics.is_empty());
}

#[test]
fn bad_input_gives_a_note_never_a_crash() {
    let cases: [(&str, &[u8]); 7] = [
        ("truncated.json", br#"{"metrics": {"http_req_duration": {"avg": 1"#),
        ("changed.csv", b"timeStamp,duration,label,responseCode\n1700000000000,5,x,200\n"),
        ("renamed.jtl", b"ts,duration,name\n1700000000000,5,x\n"),
        ("garbage.ndjson", b"{\"type\":\"Point\",\"metric\":\"http_req_duration\"}\n{\"type\":\"Point\",\"metric\":\"http_req_duration\",\"data\":{\"value\":\"x\"\n"),
        ("empty.jtl", b"timeStamp,elapsed,label\n"),
        ("stats.js", b"var stats = { type: \"GROUP\", stats: { \"numberOfRequests\": "),
        ("bad.gz", &[0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff]),
    ];
    for (path, bytes) in cases {
        let out = Tester::new(Plugin)
            .try_run_bytes(&[(path, bytes)])
            .unwrap_or_else(|err| panic!("{path}: analyzer failed: {err}"));
        if path == "bad.gz" {
            // Binary garbage that is no recognisable result: silent.
            assert!(out.notes.is_empty() && out.metrics.is_empty());
            continue;
        }
        assert_eq!(out.notes.len(), 1, "{path}: {:?}", out.notes);
        assert_eq!(
            out.notes[0].span.as_ref().map(|s| s.path.as_str()),
            Some(path)
        );
        assert!(out.metrics.is_empty(), "{path}: {:?}", out.metrics);
    }
}

#[test]
fn unrelated_files_are_ignored_silently() {
    let out = Tester::new(Plugin).run(&[
        ("package.json", r#"{"name": "shop", "version": "1.0.0"}"#),
        ("broken-config.json", r#"{"name": "#),
        ("data/users.csv", "id,email\n1,a@b.c\n"),
        ("server.log", "2024-01-01 INFO started\n"),
    ]);
    assert!(out.metrics.is_empty() && out.notes.is_empty() && out.findings.is_empty());
}

#[test]
fn config_can_force_a_format() {
    let jtl = "1700000000000;120;GET /x\n";
    // Not recognisable by content (`;` delimiter): silent without config,
    // and an explicit format gets a note rather than silence.
    assert!(Tester::new(Plugin).run(&[("x.csv", jtl)]).notes.is_empty());
    let out = Tester::new(Plugin)
        .config(r#"{"format": {"**/*.csv": "jmeter-csv"}}"#)
        .run(&[("results/x.csv", jtl)]);
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert!(Tester::new(Plugin).try_run_bytes(&[("x.csv", b"")]).is_ok());
}

/// A snapshot in the shape of a Spring/Micrometer or prom-client service
/// scraped after a load test (hand-written: no real Prometheus snapshot is
/// in the shared fixtures).
const PROMETHEUS_SNAPSHOT: &str = r#"# HELP http_server_requests_seconds Duration of HTTP server requests
# TYPE http_server_requests_seconds histogram
http_server_requests_seconds_bucket{method="GET",route="/api/products",le="0.05"} 600
http_server_requests_seconds_bucket{method="GET",route="/api/products",le="0.1"} 900
http_server_requests_seconds_bucket{method="GET",route="/api/products",le="0.25"} 980
http_server_requests_seconds_bucket{method="GET",route="/api/products",le="0.5"} 995
http_server_requests_seconds_bucket{method="GET",route="/api/products",le="1"} 1000
http_server_requests_seconds_bucket{method="GET",route="/api/products",le="+Inf"} 1000
http_server_requests_seconds_sum{method="GET",route="/api/products"} 62.5
http_server_requests_seconds_count{method="GET",route="/api/products"} 1000
http_server_requests_seconds_bucket{method="POST",route="/api/orders",le="0.05"} 10
http_server_requests_seconds_bucket{method="POST",route="/api/orders",le="0.1"} 40
http_server_requests_seconds_bucket{method="POST",route="/api/orders",le="0.25"} 120
http_server_requests_seconds_bucket{method="POST",route="/api/orders",le="0.5"} 170
http_server_requests_seconds_bucket{method="POST",route="/api/orders",le="1"} 196
http_server_requests_seconds_bucket{method="POST",route="/api/orders",le="+Inf"} 200
http_server_requests_seconds_sum{method="POST",route="/api/orders"} 60.2
http_server_requests_seconds_count{method="POST",route="/api/orders"} 200
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api/products",status="200"} 998
http_requests_total{method="GET",route="/api/products",status="500"} 2
http_requests_total{method="POST",route="/api/orders",status="201"} 190
http_requests_total{method="POST",route="/api/orders",status="503"} 10
# TYPE app_cache_hits_total counter
app_cache_hits_total{cache="products"} 870
# TYPE app_cache_misses_total counter
app_cache_misses_total{cache="products"} 130
# TYPE hikaricp_connections_active gauge
hikaricp_connections_active{pool="main"} 8
# TYPE hikaricp_connections_max gauge
hikaricp_connections_max{pool="main"} 10
# TYPE bull_queue_waiting gauge
bull_queue_waiting{queue="emails"} 42
"#;

#[test]
fn prometheus_histograms_are_interpolated_and_say_so() {
    let out = Tester::new(Plugin).run(&[("metrics.prom", PROMETHEUS_SNAPSHOT)]);
    let p95 = find(
        &out,
        "http.latency",
        &[("endpoint", "/api/products"), ("percentile", "p95")],
    )
    .expect("interpolated p95");
    // Rank 950 lies 50/80 of the way through the (0.1 s, 0.25 s] bucket.
    assert_close(p95.value, 193.75, 1e-12);
    assert_eq!(p95.label_value("derivation"), Some("bucket-interpolation"));
    assert_eq!(p95.label_value("method"), Some("GET"));
    assert_close(
        endpoint_latency(&out, "/api/products", "p50"),
        41.666_666_666,
        1e-9,
    );
    assert_close(
        endpoint_latency(&out, "/api/products", "p99.9"),
        900.0,
        1e-12,
    );
    assert_close(endpoint_latency(&out, "/api/products", "mean"), 62.5, 1e-12);
    assert_close(
        endpoint_latency(&out, "/api/orders", "p95"),
        500.0 + 500.0 * 20.0 / 26.0,
        1e-12,
    );
    // 200 samples: no p99.9 for /api/orders, and LT001 says why.
    assert!(
        find(
            &out,
            "http.latency",
            &[("endpoint", "/api/orders"), ("percentile", "p99.9")]
        )
        .is_none()
    );
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule == "LT001" && f.message.contains("/api/orders"))
    );
    let errors = |endpoint| {
        value(
            &out,
            "http.error_rate",
            &[("endpoint", endpoint), ("definition", "status")],
        )
    };
    assert_close(errors("/api/products"), 0.002, 1e-12);
    assert_close(errors("/api/orders"), 0.05, 1e-12);
    assert_close(
        value(&out, "http.error_rate", &[("definition", "status")]),
        0.01,
        1e-12,
    );
    assert_eq!(value(&out, "http.requests", &[]), 1200.0);
    assert_close(
        value(&out, "cache.hit_ratio", &[("cache", "products")]),
        0.87,
        1e-12,
    );
    assert_close(
        value(&out, "db.pool.usage", &[("pool", "main")]),
        0.8,
        1e-12,
    );
    assert_eq!(value(&out, "queue.backlog", &[("queue", "emails")]), 42.0);
    // A snapshot has no time window: no throughput is invented.
    assert!(out.metrics.iter().all(|m| m.name != "http.throughput"));
}

#[test]
fn generic_metrics_json_and_csv() {
    let json = r#"{"metrics": [
  {"name": "batch.throughput", "value": 1250, "unit": "items/s", "labels": {"job": "nightly-import"}},
  {"name": "http.latency", "value": 0.231, "unit": "s", "labels": {"percentile": "p95", "endpoint": "GET /users"}, "samples": 1200},
  {"name": "cache.hit_ratio", "value": 92, "unit": "%", "labels": {"cache": "sessions"}},
  {"name": "http.latency", "value": 12, "unit": "bytes"}
]}"#;
    let out = Tester::new(Plugin).run(&[("apm-export.json", json)]);
    assert_eq!(
        value(&out, "batch.throughput", &[("job", "nightly-import")]),
        75_000.0
    );
    let latency = find(&out, "http.latency", &[("endpoint", "GET /users")]).expect("latency");
    assert_eq!((latency.value, latency.unit.as_str()), (231.0, "ms"));
    assert_eq!(latency.samples, Some(1200));
    assert_eq!(
        value(&out, "cache.hit_ratio", &[("cache", "sessions")]),
        0.92
    );
    // The entry in bytes is refused with a located note, not converted.
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert_eq!(out.notes[0].span.as_ref().map(|s| s.line), Some(5));

    let array = r#"[{"name": "queue.backlog", "value": 3, "unit": "count", "labels": {"queue": "webhooks"}}]"#;
    let out = Tester::new(Plugin).run(&[("backlog.json", array)]);
    assert_eq!(value(&out, "queue.backlog", &[("queue", "webhooks")]), 3.0);

    let csv = "name,value,unit,labels\nqueue.backlog,17,count,queue=emails\nhttp.error_rate,1.5,%,endpoint=POST /api/login;definition=status\n";
    let out = Tester::new(Plugin).run(&[("metrics.csv", csv)]);
    assert_eq!(value(&out, "queue.backlog", &[("queue", "emails")]), 17.0);
    let login = find(&out, "http.error_rate", &[("endpoint", "POST /api/login")]).expect("rate");
    assert_eq!(login.value, 0.015);
    assert_eq!(login.label_value("definition"), Some("status"));
    assert_eq!(login.span.as_ref().map(|s| s.line), Some(3));
}

#[test]
fn k6_new_machine_readable_summary() {
    let json = r#"{"version": "1.0.0", "metadata": {"k6Version": "1.5.0"}, "results": {"metrics": [
  {"name": "http_req_duration", "type": "trend", "contains": "time", "values": {"avg": 120.5, "min": 10.1, "med": 98.2, "max": 901.0, "p(90)": 210.4, "p(95)": 312.9}},
  {"name": "http_reqs", "type": "counter", "contains": "default", "values": {"count": 5000, "rate": 83.3}},
  {"name": "http_req_failed", "type": "rate", "contains": "default", "values": {"rate": 0.012}}
]}}"#;
    let out = Tester::new(Plugin).run(&[("summary.json", json)]);
    assert_eq!(latency(&out, "p95"), 312.9);
    assert_eq!(latency(&out, "p50"), 98.2);
    assert_eq!(value(&out, "http.requests", &[]), 5000.0);
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        0.012
    );
    // This format drops p99 even when configured: absent, not 0.
    assert!(find(&out, "http.latency", &[("percentile", "p99")]).is_none());
}

#[test]
fn jmeter_statistical_mode_rows_count_every_sample() {
    // `mode=Statistical`: one row per batch of samples, with their count.
    let jtl = "timeStamp,elapsed,label,responseCode,success,SampleCount,ErrorCount\n\
1700000000000,120,GET /api/products,200,true,10,2\n\
1700000001000,80,GET /api/products,200,true,30,0\n";
    let out = Tester::new(Plugin).run(&[("stat.jtl", jtl)]);
    assert_eq!(value(&out, "http.requests", &[]), 40.0);
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        0.05
    );
    assert_eq!(latency(&out, "mean"), 90.0);
    assert_eq!(latency(&out, "p50"), 80.0);
}

#[test]
fn oha_json_in_seconds() {
    // No real oha output is in the shared fixtures: this one follows oha's
    // own schema (tests/fixtures/hatoo_oha__schema.json.SPEC), and the test
    // checks it validates the keys we read.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/hatoo_oha__schema.json.SPEC"
        ))
        .expect("schema fixture"),
    )
    .expect("schema is JSON");
    for key in [
        "summary",
        "latencyPercentiles",
        "statusCodeDistribution",
        "errorDistribution",
    ] {
        assert!(
            schema["properties"].get(key).is_some(),
            "{key} left the schema"
        );
    }
    assert_eq!(
        schema["properties"]["summary"]["properties"]["average"]["description"],
        "The average request duration in seconds"
    );
    let output = r#"{"summary": {"successRate": 0.99, "total": 10.0, "slowest": 0.5123, "fastest": 0.0021,
  "average": 0.0412, "requestsPerSec": 199.8, "totalData": 204800, "sizePerRequest": 1024, "sizePerSec": 20480.0},
  "latencyPercentiles": {"p10": 0.01, "p25": 0.02, "p50": 0.035, "p75": 0.05, "p90": 0.08, "p95": 0.1205,
  "p99": 0.301, "p99.9": 0.5, "p99.99": 0.5123},
  "statusCodeDistribution": {"200": 1960, "503": 20}, "errorDistribution": {"connection closed": 20}}"#;
    let out = Tester::new(Plugin).run(&[("oha.json", output)]);
    assert_close(latency(&out, "p95"), 120.5, 1e-12);
    assert_close(latency(&out, "p99.9"), 500.0, 1e-12);
    assert_close(latency(&out, "mean"), 41.2, 1e-12);
    assert_eq!(value(&out, "http.requests", &[]), 2000.0);
    assert_close(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        0.01,
        1e-12,
    );
    assert_close(
        value(&out, "http.error_rate", &[("definition", "status")]),
        0.02,
        1e-12,
    );
    assert_eq!(value(&out, "http.throughput", &[]), 199.8);
}

#[test]
fn wrk2_hdr_distribution_keeps_its_ranks() {
    let text = "Running 30s test @ http://127.0.0.1:8080/api/products\n  2 threads and 100 connections\n  Thread calibration: mean lat.: 1.234ms, rate sampling interval: 10ms\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency     1.21ms  612.30us   9.87ms   70.12%\n    Req/Sec     1.05k   123.45     1.80k    71.00%\n  Latency Distribution (HdrHistogram - Recorded Latency)\n 50.000%    1.12ms\n 75.000%    1.55ms\n 90.000%    1.98ms\n 99.000%    3.41ms\n 99.900%    6.02ms\n 99.990%    9.10ms\n 99.999%    9.87ms\n100.000%    9.87ms\n\n  Detailed Percentile spectrum:\n       Value   Percentile   TotalCount 1/(1-Percentile)\n\n       0.250     0.000000            1         1.00\n#[Mean    =        1.210, StdDeviation   =        0.612]\n  59998 requests in 30.00s, 8.21MB read\n  Non-2xx or 3xx responses: 1200\nRequests/sec:   1999.93\nTransfer/sec:    280.11KB\n";
    let out = Tester::new(Plugin).run(&[("wrk2.txt", text)]);
    assert_eq!(latency(&out, "p99.9"), 6.02);
    assert_eq!(latency(&out, "p99.99"), 9.1);
    assert_eq!(latency(&out, "p100"), 9.87);
    assert_close(latency(&out, "mean"), 1.21, 1e-12);
    assert_eq!(value(&out, "http.requests", &[]), 59_998.0);
    assert_close(
        value(&out, "http.error_rate", &[("definition", "status")]),
        1200.0 / 59_998.0,
        1e-12,
    );
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        0.0
    );
}

#[test]
fn gatling_2_2_log_with_scenario_and_user() {
    // The 2.2 writer: REQUEST, scenario, user id, groups, name, start, end,
    // status, message.
    let log = "RUN\tcom.shop.Checkout\tcheckout\t1500000000000\t \t2.0\n\
REQUEST\tCheckout\t1\t\tGET /api/products\t1500000000100\t1500000000180\tOK\t \n\
REQUEST\tCheckout\t1\t\tPOST /api/orders\t1500000000200\t1500000000900\tKO\tstatus.find.is(201), but actually found 500\n";
    let out = Tester::new(Plugin).run(&[("simulation.log", log)]);
    assert_eq!(value(&out, "http.requests", &[]), 2.0);
    assert_eq!(endpoint_latency(&out, "POST /api/orders", "max"), 700.0);
    assert_eq!(
        value(&out, "http.error_rate", &[("definition", "tool")]),
        0.5
    );
}

/// What client_golang's `promhttp` exposes for a `SummaryVec` by handler
/// and method (a quantile with no observation in its window is `NaN`).
const PROMETHEUS_SUMMARY_GO: &str = r#"# HELP http_request_duration_seconds Duration of HTTP requests.
# TYPE http_request_duration_seconds summary
http_request_duration_seconds{handler="/api/users/17",method="GET",quantile="0.5"} 0.0121
http_request_duration_seconds{handler="/api/users/17",method="GET",quantile="0.9"} 0.0452
http_request_duration_seconds{handler="/api/users/17",method="GET",quantile="0.99"} 0.2013
http_request_duration_seconds_sum{handler="/api/users/17",method="GET"} 30.5
http_request_duration_seconds_count{handler="/api/users/17",method="GET"} 1500
http_request_duration_seconds{handler="/api/users/42",method="GET",quantile="0.5"} 0.0133
http_request_duration_seconds{handler="/api/users/42",method="GET",quantile="0.9"} 0.0401
http_request_duration_seconds{handler="/api/users/42",method="GET",quantile="0.99"} 0.3502
http_request_duration_seconds_sum{handler="/api/users/42",method="GET"} 9.5
http_request_duration_seconds_count{handler="/api/users/42",method="GET"} 500
http_request_duration_seconds{handler="/health",method="GET",quantile="0.5"} 0.0009
http_request_duration_seconds{handler="/health",method="GET",quantile="0.9"} 0.0011
http_request_duration_seconds{handler="/health",method="GET",quantile="0.99"} NaN
http_request_duration_seconds_sum{handler="/health",method="GET"} 0.05
http_request_duration_seconds_count{handler="/health",method="GET"} 50
"#;

/// What prom-client exposes for a `Summary` in ms with its default
/// percentiles (0.01 ... 0.999) and no labels.
const PROMETHEUS_SUMMARY_NODE: &str = r#"# HELP http_request_duration_ms Duration of HTTP requests in ms
# TYPE http_request_duration_ms summary
http_request_duration_ms{quantile="0.01"} 1.2
http_request_duration_ms{quantile="0.05"} 1.9
http_request_duration_ms{quantile="0.5"} 8.4
http_request_duration_ms{quantile="0.9"} 20.1
http_request_duration_ms{quantile="0.95"} 31.7
http_request_duration_ms{quantile="0.99"} 80.2
http_request_duration_ms{quantile="0.999"} 150.3
http_request_duration_ms_sum 12345
http_request_duration_ms_count 1000
"#;

#[test]
fn prometheus_summaries_report_the_measured_quantiles() {
    let out = Tester::new(Plugin).run(&[("metrics.prom", PROMETHEUS_SUMMARY_NODE)]);
    let p95 = find(&out, "http.latency", &[("percentile", "p95")]).expect("p95");
    // As measured: no interpolation, no derivation label.
    assert_eq!(p95.value, 31.7);
    assert_eq!(p95.label_value("derivation"), None);
    assert_eq!(latency(&out, "p1"), 1.2);
    assert_eq!(latency(&out, "p99.9"), 150.3);
    assert_eq!(latency(&out, "mean"), 12.345);
    assert_eq!(value(&out, "http.requests", &[]), 1000.0);
    assert!(out.notes.is_empty(), "{:?}", out.notes);

    let out = Tester::new(Plugin).run(&[("scrape.txt", PROMETHEUS_SUMMARY_GO)]);
    let health = |percentile| {
        find(
            &out,
            "http.latency",
            &[("endpoint", "/health"), ("percentile", percentile)],
        )
    };
    assert_close(health("p50").expect("p50").value, 0.9, 1e-12);
    assert_close(health("p90").expect("p90").value, 1.1, 1e-12);
    // NaN (no observation): absent, never 0.
    assert!(health("p99").is_none());
    assert_close(health("mean").expect("mean").value, 1.0, 1e-12);
    // `/api/users/17` and `/api/users/42` are one endpoint: the count and
    // mean merge exactly, a quantile is the highest of the two.
    let users = |percentile| {
        find(
            &out,
            "http.latency",
            &[("endpoint", "/api/users/:id"), ("percentile", percentile)],
        )
        .unwrap_or_else(|| panic!("users {percentile}"))
    };
    assert_close(users("p99").value, 350.2, 1e-12);
    assert_eq!(
        users("p99").label_value("derivation"),
        Some("max-of-merged")
    );
    assert_eq!(users("p99").label_value("naming"), Some("ids-collapsed"));
    assert_close(users("p50").value, 13.3, 1e-12);
    assert_close(users("mean").value, 20.0, 1e-12);
    assert_eq!(users("mean").label_value("derivation"), None);
    assert_eq!(
        value(&out, "http.requests", &[("endpoint", "/api/users/:id")]),
        2000.0
    );
    // Overall: every series has p90, not every one has p99.
    assert_close(latency(&out, "p90"), 45.2, 1e-12);
    assert!(find(&out, "http.latency", &[("percentile", "p99")]).is_none());
    assert_close(latency(&out, "mean"), 40.05 / 2050.0 * 1000.0, 1e-12);
    assert_eq!(value(&out, "http.requests", &[]), 2050.0);
    // 50 requests on /health cannot support its p95.
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule == "LT001" && f.message.contains("/health"))
    );
}

/// JMeter samplers named by URL and by the test author.
const LABELLED_JTL: &str = "timeStamp,elapsed,label,responseCode,success
1700000000000,100,HTTP Request 1,200,true
1700000000100,300,HTTP Request 1,200,true
1700000000200,10,/users/1,200,true
1700000000300,30,/users/2,500,false
1700000000400,20,/users/3,200,true
";

#[test]
fn endpoint_labels_rename_and_merge_raw_samples() {
    let out = Tester::new(Plugin)
        .config(r#"{"endpoint_labels": {"HTTP Request 1": "GET /api/products", "/users/*": "/users/:user"}}"#)
        .run(&[("run.jtl", LABELLED_JTL)]);
    let products =
        find(&out, "http.requests", &[("endpoint", "GET /api/products")]).expect("renamed");
    assert_eq!(products.value, 2.0);
    assert_eq!(products.label_value("naming"), Some("config"));
    // Three raw labels, one histogram: exact statistics of all samples.
    assert_eq!(
        value(&out, "http.requests", &[("endpoint", "/users/:user")]),
        3.0
    );
    assert_eq!(endpoint_latency(&out, "/users/:user", "p50"), 20.0);
    assert_eq!(endpoint_latency(&out, "/users/:user", "max"), 30.0);
    assert_close(
        value(
            &out,
            "http.error_rate",
            &[("endpoint", "/users/:user"), ("definition", "tool")],
        ),
        1.0 / 3.0,
        1e-12,
    );
    // Without config the ids collapse; `collapse_ids = false` keeps them.
    let out = Tester::new(Plugin).run(&[("run.jtl", LABELLED_JTL)]);
    assert_eq!(
        value(&out, "http.requests", &[("endpoint", "/users/:id")]),
        3.0
    );
    assert_eq!(
        find(&out, "http.requests", &[("endpoint", "HTTP Request 1")])
            .and_then(|m| m.label_value("naming")),
        None
    );
    let out = Tester::new(Plugin)
        .config(r#"{"collapse_ids": false}"#)
        .run(&[("run.jtl", LABELLED_JTL)]);
    assert_eq!(
        value(&out, "http.requests", &[("endpoint", "/users/2")]),
        1.0
    );
    assert!(
        Tester::new(Plugin)
            .config(r#"{"endpoint_label": {}}"#)
            .try_run_bytes(&[("run.jtl", LABELLED_JTL.as_bytes())])
            .is_err()
    );
}

#[test]
fn endpoint_labels_merge_summaries_with_an_upper_bound() {
    let out = Tester::new(Plugin)
        .config(r#"{"endpoint_labels": {"/api/users/*": "/api/users/{id}"}}"#)
        .run_files(&[fixture!("locust-2.47.0_loopback-run_stats.csv")]);
    let p95 = find(
        &out,
        "http.latency",
        &[("endpoint", "/api/users/{id}"), ("percentile", "p95")],
    )
    .expect("merged p95");
    // The four rows' p95 are 6, 5, 7 and 8 ms: the merged one is at most 8.
    assert_eq!(p95.value, 8.0);
    assert_eq!(
        p95.label_value("derivation"),
        Some("max-of-merged+locust-rounded-buckets")
    );
    assert_eq!(p95.label_value("naming"), Some("config"));
    let mean = (3.956763579274345 * 88.0
        + 3.9613694197787144 * 81.0
        + 4.5088862298143795 * 74.0
        + 4.023109242552891 * 99.0)
        / 342.0;
    assert_close(
        endpoint_latency(&out, "/api/users/{id}", "mean"),
        mean,
        1e-12,
    );
    assert_eq!(
        endpoint_latency(&out, "/api/users/{id}", "max"),
        57.53404399729334
    );
    assert_close(
        value(&out, "http.throughput", &[("endpoint", "/api/users/{id}")]),
        9.766672376039379 + 8.989777982490793 + 8.212883588942205 + 10.987506423044302,
        1e-12,
    );
    // Other endpoints and the overall numbers are untouched.
    assert_eq!(endpoint_latency(&out, "/api/products", "p95"), 10.0);
    assert_eq!(value(&out, "http.requests", &[]), 1140.0);
}

/// Writes a binary simulation.log exactly as Gatling 3.13+'s
/// `BufferedFileChannelWriter` and `*MessageSerializer`s do
/// (gatling-core/.../stats/writer/LogFileDataWriter.scala): big-endian
/// ints, strings as length + the JVM `String`'s bytes + coder, cached
/// strings indexed from 1 and negated on reuse.
#[derive(Default)]
struct GatlingWriter {
    bytes: Vec<u8>,
    cache: std::collections::HashMap<String, i32>,
}

impl GatlingWriter {
    fn int(&mut self, v: i32) {
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    fn string(&mut self, s: &str) {
        if s.is_empty() {
            self.int(0);
            return;
        }
        // Java's compact strings: Latin-1 when every char fits, else
        // UTF-16 in the JVM's (little-endian) byte order.
        let (value, coder): (Vec<u8>, u8) = if s.chars().all(|c| (c as u32) < 256) {
            (s.chars().map(|c| c as u8).collect(), 0)
        } else {
            (s.encode_utf16().flat_map(u16::to_le_bytes).collect(), 1)
        };
        self.int(value.len() as i32);
        self.bytes.extend_from_slice(&value);
        self.bytes.push(coder);
    }

    fn cached(&mut self, s: &str) {
        match self.cache.get(s) {
            Some(&index) => self.int(-index),
            None => {
                let index = self.cache.len() as i32 + 1;
                self.cache.insert(s.to_owned(), index);
                self.int(index);
                self.string(s);
            }
        }
    }

    fn run(&mut self, start: i64) {
        self.bytes.push(0);
        self.string("3.13.1");
        self.string("computerdatabase.ComputerDatabaseSimulation");
        self.bytes.extend_from_slice(&start.to_be_bytes());
        self.string("");
        self.int(1);
        self.string("Users");
        // One assertion: its boopickle bytes, length-prefixed.
        self.int(1);
        self.int(3);
        self.bytes.extend_from_slice(&[7, 1, 2]);
    }

    fn user(&mut self, start: bool, at: i32) {
        self.bytes.push(2);
        self.int(0);
        self.bytes.push(u8::from(start));
        self.int(at);
    }

    fn request(
        &mut self,
        groups: &[&str],
        name: &str,
        from: i32,
        to: i32,
        ok: bool,
        message: &str,
    ) {
        self.bytes.push(1);
        self.int(groups.len() as i32);
        for group in groups {
            self.cached(group);
        }
        self.cached(name);
        self.int(from);
        self.int(to);
        self.bytes.push(u8::from(ok));
        self.cached(message);
    }

    fn group(&mut self, groups: &[&str], from: i32, to: i32, cumulated: i32) {
        self.bytes.push(3);
        self.int(groups.len() as i32);
        for group in groups {
            self.cached(group);
        }
        self.int(from);
        self.int(to);
        self.int(cumulated);
        self.bytes.push(1);
    }

    fn error(&mut self, message: &str, at: i32) {
        self.bytes.push(4);
        self.cached(message);
        self.int(at);
    }
}

/// 3 users; `Home` 40 times, `Search ☃` (UTF-16) 20 times with 7 KO, a
/// group, an error; the same requests in the text 3.4+ layout; and where
/// the last REQUEST record ends.
fn gatling_run() -> (Vec<u8>, String, usize) {
    let start = 1_700_000_000_000_i64;
    let mut w = GatlingWriter::default();
    let mut text =
        format!("RUN\tcomputerdatabase.ComputerDatabaseSimulation\tcdb\t{start}\t \t3.3.1\n");
    w.run(start);
    for user in 0..3 {
        w.user(true, user * 10);
    }
    for i in 0..60 {
        let (name, groups, elapsed): (&str, &[&str], i32) = if i % 3 == 2 {
            ("Search ☃", &["Browse"], 100 + i)
        } else {
            ("Home", &[], 20 + i)
        };
        let from = 50 + i * 100;
        let ok = !(name != "Home" && i % 9 == 2);
        let message = if ok {
            ""
        } else {
            "status.find.is(200), but actually found 500"
        };
        w.request(groups, name, from, from + elapsed, ok, message);
        text.push_str(&format!(
            "REQUEST\t{}\t{name}\t{}\t{}\t{}\t{message}\n",
            groups.join(","),
            start + i64::from(from),
            start + i64::from(from + elapsed),
            if ok { "OK" } else { "KO" },
        ));
    }
    let requests_end = w.bytes.len();
    w.group(&["Browse"], 100, 6000, 2000);
    w.error("status.find.is(200), but actually found 500", 2300);
    for user in 0..3 {
        w.user(false, 6100 + user);
    }
    (w.bytes, text, requests_end)
}

#[test]
fn gatling_binary_log_matches_the_text_layout() {
    let (binary, text, _) = gatling_run();
    let out = Tester::new(Plugin)
        .try_run_bytes(&[("results/run-1/simulation.log", &binary)])
        .expect("runs");
    let same = Tester::new(Plugin).run(&[("simulation.log", text.as_str())]);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    assert_eq!(value(&out, "http.requests", &[]), 60.0);
    assert_eq!(
        value(&out, "http.requests", &[("endpoint", "Search ☃")]),
        20.0
    );
    for (name, labels) in [
        ("http.latency", &[("percentile", "p50")][..]),
        ("http.latency", &[("percentile", "p95")][..]),
        ("http.latency", &[("percentile", "max")][..]),
        (
            "http.latency",
            &[("endpoint", "Home"), ("percentile", "p90")][..],
        ),
        ("http.error_rate", &[("definition", "tool")][..]),
        ("http.throughput", &[][..]),
    ] {
        assert_eq!(
            value(&out, name, labels),
            value(&same, name, labels),
            "{name} {labels:?}"
        );
    }
    // Search requests take 100 + i ms for i = 2, 5, ..., 59; 7 of 20 fail.
    assert_eq!(endpoint_latency(&out, "Search ☃", "max"), 159.0);
    assert_close(
        value(
            &out,
            "http.error_rate",
            &[("endpoint", "Search ☃"), ("definition", "tool")],
        ),
        7.0 / 20.0,
        1e-12,
    );
    assert_eq!(
        find(&out, "http.throughput", &[]).and_then(|m| m.label_value("peak_users")),
        Some("3")
    );
}

#[test]
fn gatling_binary_log_cut_short_keeps_what_was_written() {
    let (binary, _, requests_end) = gatling_run();
    // Cut inside the last REQUEST record.
    let cut = requests_end - 5;
    let out = Tester::new(Plugin)
        .try_run_bytes(&[("simulation.log", &binary[..cut])])
        .expect("runs");
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert!(out.notes[0].message.contains("ends inside a record"));
    assert_eq!(value(&out, "http.requests", &[]), 59.0);
    // Only the RUN record: nothing to report, and a note says so.
    let out = Tester::new(Plugin)
        .try_run_bytes(&[("simulation.log", &binary[..80])])
        .expect("runs");
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert!(out.metrics.is_empty());
}
