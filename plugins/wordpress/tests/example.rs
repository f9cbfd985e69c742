//! The example WordPress site in `examples/wordpress` exercises every rule;
//! its clean twin in `tests/fixtures/clean-plugin` produces no finding.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use perfwarden_plugin_wordpress::{Plugin, rules};
use perfwarden_sdk::{Output, testing::Tester};

fn analyze(root: &str) -> Output {
    let files = common::php_files(Path::new(root));
    assert!(!files.is_empty(), "no PHP files under {root}");
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    Tester::new(Plugin)
        .try_run_bytes(&borrowed)
        .expect("analysis succeeds")
}

fn counts(out: &Output) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for finding in &out.findings {
        *counts.entry(finding.rule).or_default() += 1;
    }
    counts
}

#[test]
fn example_exercises_every_rule() {
    let out = analyze(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/wordpress"
    ));
    let counts = counts(&out);
    for def in rules::ALL {
        assert!(
            counts.contains_key(def.rule.id),
            "{} ({}) never fires on the example",
            def.rule.id,
            def.rule.name
        );
    }
    let expected: BTreeMap<&str, usize> = [
        // SQL rules on `$wpdb` SQL, with the table created by dbDelta().
        ("SQL001", 1),
        ("SQL003", 1),
        ("SQL010", 1),
        ("WP001", 3),
        ("WP002", 1),
        ("WP003", 1),
        ("WP004", 1),
        ("WP005", 1),
        ("WP006", 1),
        ("WP007", 1),
        ("WP008", 2),
        ("WP010", 1),
        ("WP011", 2),
        ("WP012", 2),
        ("WP020", 1),
        ("WP021", 1),
        ("WP022", 1),
        ("WP030", 2),
        ("WP031", 2),
        ("WP032", 2),
        ("WP040", 2),
        ("WP041", 2),
        ("WP042", 1),
        ("WP050", 1),
        ("WP051", 1),
        ("WP052", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected);
    assert!(out.notes.is_empty(), "{:#?}", out.notes);

    let mut metrics: Vec<(&str, f64, String)> = out
        .metrics
        .iter()
        .map(|m| {
            (
                m.name.as_str(),
                m.value,
                m.labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
            )
        })
        .collect();
    metrics.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    assert_eq!(
        metrics,
        vec![
            ("cache.ttl", 30.0, "cache=object-cache".to_owned()),
            ("cache.ttl", 3600.0, "cache=transient".to_owned()),
            (
                "http.client_timeout",
                5.0,
                "client=wp_remote_get,derivation=default".to_owned()
            ),
            (
                "http.client_timeout",
                15.0,
                "client=wp_remote_get".to_owned()
            ),
        ]
    );
}

#[test]
fn phpcs_ignore_silences_the_equivalent_rule_only() {
    let out = analyze(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/wordpress"
    ));
    let legacy_line = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/wordpress/wp-content/plugins/shop-feed/includes/queries.php"
    ))
    .expect("example source")
    .lines()
    .position(|l| l.contains("'orderby' => 'rand', 'numberposts' => 3"))
    .expect("legacy query in the example") as u32
        + 1;
    let on_line: Vec<_> = out
        .findings
        .iter()
        .filter(|f| {
            f.span
                .as_ref()
                .is_some_and(|s| s.path.ends_with("queries.php") && s.line == legacy_line)
        })
        .collect();
    assert!(on_line.is_empty(), "{on_line:#?}");
}

#[test]
fn phpcs_comments_match_by_sniff() {
    let run = |php: &str| Tester::new(Plugin).run(&[("p.php", php)]).findings;
    // Trailing comment, same line; own-line comment, next line.
    assert!(run("<?php get_posts( [ 'orderby' => 'rand' ] ); // phpcs:ignore WordPressVIPMinimum.Performance.OrderByRand").is_empty());
    assert!(run("<?php\n// phpcs:ignore WordPressVIPMinimum.Performance -- ok\nget_posts( [ 'orderby' => 'rand' ] );").is_empty());
    // Another sniff, or no sniff at all, does not hide the finding.
    assert_eq!(run("<?php get_posts( [ 'orderby' => 'rand' ] ); // phpcs:ignore WordPress.Security.EscapeOutput").len(), 1);
    assert_eq!(
        run("<?php get_posts( [ 'orderby' => 'rand' ] ); // phpcs:ignore").len(),
        1
    );
    // disable / enable regions.
    let php = "<?php\n// phpcs:disable WordPress.WP.PostsPerPage\nget_posts( [ 'numberposts' => -1 ] );\n// phpcs:enable\nget_posts( [ 'numberposts' => -1 ] );";
    let lines: Vec<u32> = run(php)
        .iter()
        .filter_map(|f| f.span.as_ref().map(|s| s.line))
        .collect();
    assert_eq!(lines, vec![5]);
}

#[test]
fn clean_twin_has_no_findings() {
    let out = analyze(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/clean-plugin"
    ));
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
}
