//! Hostile plugins end as report entries; the other plugins' results and
//! the report survive.

use crate::support::{describe, json_report, perfwarden, plugin_entry, project, test_plugin};

const LIMITS: &str = "[limits]\ntimeout_ms = 2000\nmemory_mib = 64\nmax_findings = 1000\n";

#[test]
fn every_hostile_plugin_becomes_a_report_entry() {
    let dir = project(&[
        ("perfwarden.toml", LIMITS),
        ("db/q.sql", "SELECT 1;\n"),
        ("secret.txt", "s3cret"),
    ]);
    let wrong_version = dir.path().join("wrong-version.wasm");
    std::fs::write(
        &wrong_version,
        wat::parse_str(r#"(component (@custom "perfwarden:api-version" "2.0.0"))"#).unwrap(),
    )
    .unwrap();
    let corrupt = dir.path().join("corrupt.wasm");
    std::fs::write(&corrupt, b"\0asm\x0d\0\x01\0 this is not a component").unwrap();

    let mut args = vec![
        "analyze".to_owned(),
        dir.path().display().to_string(),
        "--format".into(),
        "json".into(),
    ];
    for name in ["spin", "oom", "flood", "panic", "escape"] {
        args.extend(["--plugin".into(), test_plugin(name).display().to_string()]);
    }
    for extra in [&wrong_version, &corrupt] {
        args.extend(["--plugin".into(), extra.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = perfwarden(&args);
    assert_ne!(output.status.code(), Some(2), "{}", describe(&output));
    let report = json_report(&output);

    let spin = plugin_entry(&report, "hostile-spin");
    assert_eq!(spin["status"], "timeout", "{spin:#}");
    let took = spin["duration_ms"].as_f64().unwrap();
    assert!(
        (1900.0..2000.0 + 1000.0).contains(&took),
        "deadline 2 s, stopped after {took} ms"
    );

    let oom = plugin_entry(&report, "hostile-oom");
    assert_eq!(oom["status"], "memory-limit", "{oom:#}");
    assert!(oom["error"].as_str().unwrap().contains("64 MiB"), "{oom:#}");

    let flood = plugin_entry(&report, "hostile-flood");
    assert_eq!(flood["status"], "output-limit", "{flood:#}");
    assert!(
        flood["error"].as_str().unwrap().contains("200000 findings"),
        "{flood:#}"
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "FLOOD001"),
        "a flooding plugin's output is dropped"
    );

    let panic = plugin_entry(&report, "hostile-panic");
    assert_eq!(panic["status"], "trap", "{panic:#}");
    // It panics with no file at all: no file is blamed.
    assert!(panic.get("isolated").is_none(), "{panic:#}");
    assert!(
        panic["error"]
            .as_str()
            .unwrap()
            .contains("panicked on purpose"),
        "{panic:#}"
    );

    let escape = plugin_entry(&report, "hostile-escape");
    assert_eq!(escape["status"], "ok", "{escape:#}");
    let refused: Vec<&str> = escape["refused_reads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        refused,
        [
            "/etc/passwd",
            "../outside.txt",
            "perfwarden.toml",
            "src/../perfwarden.toml"
        ]
    );
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["plugin"] == "hostile-escape")
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert!(notes.iter().all(|n| !n.contains("LEAKED")), "{notes:#?}");
    assert!(
        notes.contains(&"read db/q.sql: 10 bytes"),
        "the offered file is readable: {notes:#?}"
    );

    let plugins = report["plugins"].as_array().unwrap();
    let by_source = |file: &str| {
        plugins
            .iter()
            .find(|p| {
                p["source"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(file))
            })
            .unwrap_or_else(|| panic!("no entry for {file}: {plugins:#?}"))
    };
    let wrong = by_source("wrong-version.wasm");
    assert_eq!(wrong["status"], "incompatible");
    let message = wrong["error"].as_str().unwrap();
    assert!(
        message.contains("2.0.0") && message.contains("1.0.0"),
        "{message}"
    );
    assert_eq!(by_source("corrupt.wasm")["status"], "invalid");

    assert_eq!(
        report["limits"]["timeout_ms"], 2000,
        "limits in force are in the report"
    );
}

/// Failure messages follow `--lang`; the statuses stay machine keywords.
#[test]
fn failure_messages_follow_the_report_language() {
    let dir = project(&[("perfwarden.toml", LIMITS), ("db/q.sql", "SELECT 1;\n")]);
    let root = dir.path().display().to_string();
    let oom = test_plugin("oom").display().to_string();
    let flood = test_plugin("flood").display().to_string();
    let output = perfwarden(&[
        "analyze", &root, "--format", "json", "--lang", "fr", "--plugin", &oom, "--plugin", &flood,
    ]);
    assert_ne!(output.status.code(), Some(2), "{}", describe(&output));
    let report = json_report(&output);
    let oom = plugin_entry(&report, "hostile-oom");
    assert_eq!(oom["status"], "memory-limit", "{oom:#}");
    assert_eq!(
        oom["error"], "a dépassé la limite mémoire de 64 Mio",
        "{oom:#}"
    );
    let flood = plugin_entry(&report, "hostile-flood");
    assert_eq!(flood["status"], "output-limit", "{flood:#}");
    assert!(
        flood["error"]
            .as_str()
            .unwrap()
            .starts_with("a renvoyé 200000 constats"),
        "{flood:#}"
    );
}

/// A file a parser cannot survive costs that file: the host finds it,
/// runs the plugin again without it and says so; the plugin's findings on
/// the other files stay. nodejs reads a batch of files before parsing them
/// (found by bisection), wordpress parses each file as it reads it (found
/// from the file read last).
#[test]
fn a_file_that_overflows_a_parser_stack_costs_only_that_file() {
    let deep_js = format!("const x = {}1{};\n", "(".repeat(20_000), ")".repeat(20_000));
    let chain_js = format!("const y = 1{};\n", " + 1".repeat(100_000));
    let chain_php = format!("<?php $x = 'a'{};", " . 'a'".repeat(20_000));
    let dir = project(&[
        ("src/a.js", &deep_js),
        ("src/b.js", &chain_js),
        (
            "src/routes.js",
            "const express = require(\"express\");\nconst app = express();\n\
             app.get(\"/u\", async (req, res) => {\n  for (const id of req.body.ids) {\n    \
             await db.query(\"SELECT * FROM users WHERE id = \" + id);\n  }\n  res.json({});\n});\n",
        ),
        ("wp/chain.php", &chain_php),
        (
            "wp/query.php",
            "<?php get_posts( [ 'orderby' => 'rand' ] );",
        ),
    ]);
    let root = dir.path().display().to_string();
    let output = perfwarden(&["analyze", &root, "--format", "json"]);
    assert_ne!(output.status.code(), Some(2), "{}", describe(&output));
    let report = json_report(&output);

    for (plugin, isolated) in [
        ("nodejs", vec!["src/a.js", "src/b.js"]),
        ("wordpress", vec!["wp/chain.php"]),
    ] {
        let entry = plugin_entry(&report, plugin);
        assert_eq!(entry["status"], "ok", "{entry:#}");
        let mut found: Vec<&str> = entry["isolated"]
            .as_array()
            .unwrap_or_else(|| panic!("{entry:#}"))
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        found.sort_unstable();
        assert_eq!(found, isolated, "{plugin}");
        for path in isolated {
            let note = report["notes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["plugin"] == plugin && n["span"]["path"] == path)
                .unwrap_or_else(|| panic!("no note on {path}: {:#}", report["notes"]));
            assert!(
                note["message"]
                    .as_str()
                    .unwrap()
                    .contains("fails on this file alone (trapped"),
                "{note:#}"
            );
        }
    }
    let findings: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["span"]["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        findings.contains(&("NODE002", "src/routes.js")),
        "{findings:?}"
    );
    assert!(
        findings.contains(&("WP003", "wp/query.php")),
        "{findings:?}"
    );
}
