//! Invalid policies: every error names the file, line, column and key.

use std::path::PathBuf;

use perfwarden_policy::{Policy, PolicyError, check};

/// The error of `text` (which extends the default policy), as displayed.
fn error_of(text: &str) -> String {
    match Policy::from_toml(text, "policies/x.toml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn bad_duration() {
    let text = "extends = \"default\"\n\n[latency.p95]\nalert = \"fast\"\n";
    assert_eq!(
        error_of(text),
        "policies/x.toml:4:1: latency.p95.alert: expected a duration or number of ms"
    );
}

#[test]
fn wrong_dimension() {
    let text = "extends = \"default\"\n[tracking.error_rate]\nalert = \"1s\"\n";
    assert_eq!(
        error_of(text),
        "policies/x.toml:3:1: tracking.error_rate.alert: expected a percentage (\"0.1%\") or a ratio"
    );
}

#[test]
fn unknown_key_is_a_typo() {
    let text = "extends = \"default\"\n[latency.p95]\nalret = \"1s\"\n";
    let err = error_of(text);
    assert!(
        err.starts_with("policies/x.toml:3:1: latency.p95.alret: unknown key (expected one of: title, area, metric,"),
        "{err}"
    );
}

#[test]
fn unknown_status() {
    let text = "extends = \"default\"\n[queries.n_plus_one]\nstatus = \"critical\"\n";
    assert_eq!(
        error_of(text),
        "policies/x.toml:3:1: queries.n_plus_one.status: unknown status `critical` (expected met, acceptable, at-risk or alert)"
    );
}

#[test]
fn missing_key_points_at_its_table() {
    let text = "extends = \"default\"\n\n[security.open_redirect]\nstatus = \"alert\"\narea = \"security\"\n";
    assert_eq!(
        error_of(text),
        "policies/x.toml:3:11: security.open_redirect.title: missing key"
    );
}

#[test]
fn wrong_type() {
    let text = "extends = \"default\"\n[endpoint_classes.read]\nmatch = \"GET *\"\n";
    assert_eq!(
        error_of(text),
        "policies/x.toml:3:1: endpoint_classes.read.match: expected an array of strings, found a string"
    );
}

#[test]
fn bad_endpoint_pattern_names_its_index() {
    let text = "extends = \"default\"\n[endpoint_classes.read]\nmatch = [\"GET *\", \"G3T /x\"]\n";
    let err = error_of(text);
    assert!(
        err.starts_with("policies/x.toml:3:19: endpoint_classes.read.match[1]: `G3T /x`"),
        "{err}"
    );
}

#[test]
fn bands_out_of_order() {
    let text = "extends = \"default\"\n[latency.p50]\ntarget = \"300ms\"\n";
    assert_eq!(
        error_of(text),
        "policies/x.toml:3:1: latency.p50.target: bands out of order: need target <= acceptable <= alert (lower is better)"
    );
}

#[test]
fn cross_references_are_checked() {
    let judged_by =
        "extends = \"default\"\n[tracking.api_latency_p95]\njudged_by = \"latency.p96\"\n";
    assert_eq!(
        error_of(judged_by),
        "policies/x.toml:3:1: tracking.api_latency_p95.judged_by: `latency.p96` is not a metric row of this policy"
    );
    let class = "extends = \"default\"\n[throughput.read]\nwhere = { class = \"reads\" }\n";
    assert_eq!(
        error_of(class),
        "policies/x.toml:3:11: throughput.read.where.class: unknown endpoint class `reads`"
    );
    let checklist = "extends = \"default\"\n[[checklist.design]]\ntext = \"x\"\nrefs = [\"queries.n_plus_two\"]\n";
    assert_eq!(
        error_of(checklist),
        "policies/x.toml:4:9: checklist.design[0].refs[0]: `queries.n_plus_two` matches no policy entry"
    );
}

#[test]
fn escalation_needs_a_threshold_and_metric_units() {
    let text = "extends = \"default\"\n[escalations.x]\nsituation = \"s\"\naction = \"a\"\nowner = \"o\"\nmetric = \"http.latency\"\n";
    assert_eq!(
        error_of(text),
        "policies/x.toml:2:14: escalations.x.above: missing key (`above` or `below`)"
    );
    let custom = "extends = \"default\"\n[latency.gc]\ntitle = \"GC pause\"\nmetric = \"jvm.gc\"\ntarget = 5\n";
    assert_eq!(
        error_of(custom),
        "policies/x.toml:2:10: latency.gc.unit: `jvm.gc` is not in the metric vocabulary: add `unit = \"...\"`"
    );
}

#[test]
fn scoring_ranges() {
    let text = "extends = \"default\"\n[scoring]\nrepeat_decay = 2\n";
    assert_eq!(
        error_of(text),
        "policies/x.toml:3:1: scoring.repeat_decay: must be between 0 and 1"
    );
}

#[test]
fn syntax_error_has_a_position() {
    let err = Policy::from_toml("[latency.p95]\nalert = \n", "bad.toml").expect_err("invalid");
    let PolicyError::Syntax { origin, line, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!((origin.as_str(), *line), ("bad.toml", 2));
    assert!(err.to_string().starts_with("bad.toml:2:"), "{err}");
}

#[test]
fn config_section_keeps_its_line_numbers() {
    // The host blanks the other lines of perfwarden.toml and strips `policy.`.
    let section = "\n\n\nextends = \"default\"\n\n[latency.p95]\nalert = 12.5.3\n";
    let err = Policy::default_policy()
        .extend(section, "perfwarden.toml")
        .expect_err("invalid");
    assert!(err.to_string().starts_with("perfwarden.toml:7:"), "{err}");
    let section = "\n\n\nextends = \"default\"\n\n[latency.p95]\nalert = \"800 furlongs\"\n";
    let err = Policy::default_policy()
        .extend(section, "perfwarden.toml")
        .expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "perfwarden.toml:7:1: latency.p95.alert: expected a duration or number of ms"
    );
    assert_eq!(err.location(), Some(("perfwarden.toml", 7, 1)));
    assert_eq!(err.key(), Some("latency.p95.alert"));
}

#[test]
fn check_reports_every_error() {
    let text = "extends = \"default\"\n[latency.p95]\nalert = \"fast\"\n[queries.timeout]\nstatus = \"bad\"\n[pooling.redis]\nmin = \"x\"\n";
    let errors = check(text, "many.toml").expect_err("three errors");
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("many.toml:3:1: latency.p95.alert:"))
    );
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("many.toml:5:1: queries.timeout.status:"))
    );
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("many.toml:7:1: pooling.redis.min:"))
    );
    assert_eq!(
        check(perfwarden_policy::DEFAULT_POLICY_TOML, "default.toml").map_err(|e| e.len()),
        Ok(())
    );
}

/// A scratch directory for policy files that extend each other.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perfwarden-policy-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn extends_a_file_and_locates_errors_in_it() {
    let dir = scratch("chain");
    std::fs::write(
        dir.join("base.toml"),
        "extends = \"default\"\n[latency.p99]\nalert = \"3s\"\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("team.toml"),
        "[policy]\nname = \"team\"\nextends = \"base.toml\"\n",
    )
    .expect("write");
    let team = Policy::load(&dir.join("team.toml")).expect("chain loads");
    assert_eq!(team.name(), "team");
    assert!(team.to_toml().contains("alert = \"3s\""));

    std::fs::write(
        dir.join("base.toml"),
        "extends = \"default\"\n\n[latency.p99]\nalert = \"3 parsecs\"\n",
    )
    .expect("write");
    let err = Policy::load(&dir.join("team.toml")).expect_err("base is invalid");
    let base = dir.join("base.toml").display().to_string();
    assert_eq!(
        err.to_string(),
        format!("{base}:4:1: latency.p99.alert: expected a duration or number of ms")
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn extends_errors() {
    let dir = scratch("cycle");
    std::fs::write(dir.join("a.toml"), "extends = \"b.toml\"\n").expect("write");
    std::fs::write(dir.join("b.toml"), "extends = \"a.toml\"\n").expect("write");
    let err = Policy::load(&dir.join("a.toml")).expect_err("cycle");
    assert!(matches!(err, PolicyError::Extends { .. }), "{err}");
    assert!(err.to_string().contains("nested `extends`"), "{err}");

    let missing = Policy::from_toml("\n[policy]\nextends = \"nowhere.toml\"\n", "p/x.toml")
        .expect_err("missing");
    assert!(
        missing
            .to_string()
            .starts_with("p/x.toml:3:1: policy.extends: cannot read `p/nowhere.toml`"),
        "{missing}"
    );
    let wrong_type = Policy::from_toml("extends = 3\n", "x.toml").expect_err("type");
    assert_eq!(
        wrong_type.to_string(),
        "x.toml:1:1: policy.extends: expected \"default\" or a policy file path"
    );
    let io = Policy::load(&dir.join("absent.toml")).expect_err("io");
    assert!(matches!(io, PolicyError::Io { .. }));
    assert_eq!(io.location(), None);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn regression_tolerances_default_override_and_validate() {
    let default = Policy::default_policy();
    assert_eq!(default.regression_tolerance("http.latency"), 0.1);
    assert_eq!(default.regression_tolerance("http.throughput"), 0.05);
    assert_eq!(
        default.regression_tolerance("cache.ttl"),
        0.1,
        "default_tolerance"
    );

    let custom = default
        .extend(
            "[regression]\ndefault_tolerance = \"25%\"\n[regression.metrics]\n\"http.latency\" = 0.02\n",
            "team.toml",
        )
        .unwrap();
    assert_eq!(custom.regression_tolerance("http.latency"), 0.02);
    assert_eq!(custom.regression_tolerance("cache.ttl"), 0.25);

    let message = error_of("extends = \"default\"\n[regression]\ndefault_tolerance = \"5s\"\n");
    assert!(
        message.contains("regression.default_tolerance"),
        "{message}"
    );
    let message = error_of("extends = \"default\"\n[regression]\ntolerance = 0.1\n");
    assert!(
        message.contains("regression.tolerance") && message.contains("unknown key"),
        "{message}"
    );
}
