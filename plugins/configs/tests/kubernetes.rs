//! Redis in Kubernetes (tests/fixtures/k8s): a StatefulSet loading the
//! redis.conf of a ConfigMap, a Deployment passing flags to the image's
//! entrypoint through `$(VAR)`, another running it through `sh -c`, and a
//! Helm chart whose values decide part of the config. Each server is
//! judged where its settings are written in the manifests.

mod common;

use perfwarden_plugin_configs::Plugin;
use perfwarden_sdk::testing::{Tester, finding_lines_with_confidence, note_lines};
use perfwarden_sdk::{Confidence, Output};

fn run() -> Output {
    common::run_in(
        "tests/fixtures/k8s",
        &[
            ("deploy/k8s/redis-cache.yaml", "redis-cache.yaml"),
            ("deploy/k8s/workers.yaml", "workers.yaml"),
            (
                "deploy/chart/templates/redis.yaml",
                "chart/templates/redis.yaml",
            ),
        ],
    )
}

#[test]
fn servers_are_judged_at_their_manifest_lines() {
    let out = run();
    assert_eq!(
        finding_lines_with_confidence(&out),
        [
            // The ConfigMap's redis.conf, mounted over the image's config directory.
            (
                "CFG002",
                "deploy/k8s/redis-cache.yaml",
                12,
                Confidence::High
            ),
            // `jobs` runs redis-server through `sh -c` without a cap (a block
            // list is located at its first item).
            ("CFG001", "deploy/k8s/workers.yaml", 45, Confidence::Medium),
        ],
        "{:#?}",
        out.findings
    );
    assert!(out.findings[0].message.contains("536870912"));
}

#[test]
fn helm_values_are_noted_not_judged() {
    let out = run();
    assert_eq!(
        note_lines(&out),
        [
            (
                "deploy/chart/templates/redis.yaml: `{{- . | nindent 4 }}` inserts directives at deploy time: settings made before it are not known",
                12
            ),
            (
                "deploy/chart/templates/redis.yaml: `maxmemory` is set at deploy time (`{{ .Values.redis.maxmemory | quote }}`): its value is not guessed",
                35
            ),
        ]
    );
}

#[test]
fn a_config_map_without_its_workload_is_a_config_of_its_own() {
    let text = std::fs::read_to_string(common::fixture("k8s/redis-cache.yaml")).unwrap();
    let config_map = text.split("---").next().unwrap();
    let out = Tester::new(Plugin).run(&[("k8s/redis-cache-config.yaml", config_map)]);
    let found: Vec<(&str, u32)> = out
        .findings
        .iter()
        .map(|f| (f.rule, f.span.as_ref().unwrap().line))
        .collect();
    assert_eq!(found, [("CFG002", 12)]);
    // Without the ConfigMap, the StatefulSet's config is not known.
    let workload = text.splitn(3, "---").nth(2).unwrap();
    let out = Tester::new(Plugin).run(&[("k8s/redis-cache.yaml", workload)]);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(
        out.notes[0].message.contains(
            "loads `/usr/local/etc/redis/redis.conf`, which is not among the analyzed files"
        ),
        "{:?}",
        out.notes
    );
}
