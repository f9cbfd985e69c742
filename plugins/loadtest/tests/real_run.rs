//! A real load test: a small HTTP server on loopback, loaded by `wrk`
//! for two seconds, and its real output analyzed.
//!
//! Needs `wrk` (Debian package `wrk`): runs when `PERFWARDEN_REAL_SERVERS=1`,
//! which `.ci/run` sets after installing it.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

use perfwarden_plugin_loadtest::Plugin;
use perfwarden_sdk::testing::Tester;

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
    if std::env::var("PERFWARDEN_REAL_SERVERS").is_ok_and(|v| v == "1") {
        run_wrk_against_a_loopback_server();
    } else {
        eprintln!(
            "wrk_against_a_loopback_server: skipped (set PERFWARDEN_REAL_SERVERS=1 with wrk installed)"
        );
    }
}

fn run_wrk_against_a_loopback_server() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("bound address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            std::thread::spawn(move || serve(stream));
        }
    });
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
