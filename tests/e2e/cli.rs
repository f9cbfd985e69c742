//! The exit-code contract and the plugin commands.

use crate::support::{describe, perfwarden, project, test_plugin};

#[test]
fn usage_and_config_errors_exit_2() {
    let dir = project(&[("a.sql", "SELECT 1;")]);
    let root = dir.path().to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["analyze", "/nonexistent/project"], "not a directory"),
        (
            vec!["analyze", root, "--fail-on", "sometimes"],
            "invalid value",
        ),
        (
            vec!["analyze", root, "--plugin", "/nonexistent/p.wasm"],
            "cannot read plugin",
        ),
        (
            vec!["analyze", root, "--policy", "/nonexistent/policy.toml"],
            "policy.toml",
        ),
        (vec!["analyze", root, "--output", "yaml=out.yaml"], "yaml"),
        (vec!["frobnicate"], "unrecognized subcommand"),
    ];
    for (args, expected) in cases {
        let output = perfwarden(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            describe(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(expected),
            "{args:?}: expected {expected:?} in stderr: {stderr}"
        );
    }
}

#[test]
fn invalid_config_names_file_line_and_key() {
    let dir = project(&[("perfwarden.toml", "jobs = 2\n[limits]\ntimeout = 5\n")]);
    let output = perfwarden(&["analyze", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("perfwarden.toml:3:") && stderr.contains("timeout"),
        "{stderr}"
    );
}

#[test]
fn pinned_plugin_with_wrong_hash_is_refused() {
    let wasm = test_plugin("escape");
    let config = format!(
        "[[plugins]]\npath = {:?}\nsha256 = \"{}\"\n",
        wasm.display().to_string(),
        "ab".repeat(32)
    );
    let dir = project(&[("perfwarden.toml", &config)]);
    let output = perfwarden(&["analyze", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("refusing to load"),
        "{}",
        describe(&output)
    );
}

#[test]
fn plugins_list_and_info_describe_user_plugins() {
    let wasm = test_plugin("escape");
    let wasm = wasm.to_str().unwrap();
    let output = perfwarden(&["plugins", "list", "--format", "json", "--plugin", wasm]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["info"]["name"] == "hostile-escape")
        .unwrap_or_else(|| panic!("{list:#}"));
    assert_eq!(entry["api_version"], "1.0.0");
    assert_eq!(entry["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(entry["info"]["patterns"][0], "**/*.sql");

    let output = perfwarden(&["plugins", "info", "hostile-escape", "--plugin", wasm]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("reads paths it was not offered"));

    let output = perfwarden(&["plugins", "info", "no-such-plugin", "--plugin", wasm]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
}

/// The committed rule pages (`docs/rules`, where SARIF `helpUri` points)
/// are what `plugins docs` writes for the built-ins today.
/// `PERFWARDEN_BLESS=1` rewrites them.
#[test]
fn committed_rule_docs_match_the_builtin_plugins() {
    let committed = crate::support::root().join("docs/rules");
    let generated = tempfile::tempdir().expect("temp dir");
    let out = if std::env::var_os("PERFWARDEN_BLESS").is_some() {
        committed.clone()
    } else {
        generated.path().to_path_buf()
    };
    let output = perfwarden(&["plugins", "docs", "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let listing = |dir: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let names = listing(&out);
    assert!(names.len() > 40, "a page per built-in rule: {names:?}");
    assert_eq!(
        listing(&committed),
        names,
        "docs/rules is stale: rerun with PERFWARDEN_BLESS=1"
    );
    for name in names {
        let read = |dir: &std::path::Path| std::fs::read_to_string(dir.join(&name)).unwrap();
        assert_eq!(
            read(&committed),
            read(&out),
            "docs/rules/{name} is stale: rerun with PERFWARDEN_BLESS=1"
        );
    }
}

/// `--lang`, then perfwarden.toml `lang`, then the locale pick the report
/// language; JSON keys and statuses stay the same in every language.
#[test]
fn report_language_follows_flag_config_and_locale() {
    let dir = project(&[("db/q.sql", "SELECT * FROM users;\n")]);
    let root = dir.path().to_str().unwrap();
    let markdown = |args: &[&str], vars: &[(&str, &str)]| {
        let mut all = vec![
            "analyze",
            root,
            "--format",
            "markdown",
            "--fail-on",
            "never",
        ];
        all.extend_from_slice(args);
        let output = crate::support::perfwarden_with_env(&all, vars);
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(markdown(&[], &[]).contains("| Area | Score |"));
    assert!(markdown(&["--lang", "fr"], &[]).contains("| Domaine | Score |"));
    let french_locale = [("LANG", "fr_FR.UTF-8")];
    assert!(markdown(&[], &french_locale).contains("Politique default"));
    assert!(markdown(&["--lang", "en"], &french_locale).contains("Policy default"));

    std::fs::write(dir.path().join("perfwarden.toml"), "lang = \"fr\"\n").unwrap();
    assert!(markdown(&[], &[]).contains("constats"));
    let json = perfwarden(&["analyze", root, "--format", "json", "--fail-on", "never"]);
    let report = crate::support::json_report(&json);
    assert_eq!(report["lang"], "fr");
    let statuses: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["status"].as_str())
        .collect();
    assert!(
        !statuses.is_empty()
            && statuses
                .iter()
                .all(|s| ["met", "acceptable", "at-risk", "alert"].contains(s)),
        "{statuses:?}"
    );

    let bad = perfwarden(&["analyze", root, "--lang", "de"]);
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
}
