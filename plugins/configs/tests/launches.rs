//! A project that starts Redis outside redis.conf (tests/fixtures/redis/launch):
//! a script, a Dockerfile that bakes a config with an include glob, compose
//! services (a mounted config, a folded command with a compose variable, a
//! bare image) and a Procfile. Each server is assembled the way Redis
//! reads it and judged once.

mod common;

use perfwarden_sdk::testing::{finding_lines_with_confidence, note_lines};
use perfwarden_sdk::{Confidence, Output};

fn run() -> Output {
    common::run_in(
        "tests/fixtures/redis/launch",
        &[
            ("ops/start-redis.sh", "start-redis.sh"),
            ("ops/Dockerfile", "Dockerfile"),
            ("ops/redis.conf", "redis.conf"),
            ("ops/conf.d/memory.conf", "conf.d/memory.conf"),
            ("ops/docker-compose.yml", "docker-compose.yml"),
            ("Procfile", "Procfile"),
        ],
    )
}

#[test]
fn each_server_is_judged_where_its_settings_are_made() {
    let out = run();
    let mut found = finding_lines_with_confidence(&out);
    found.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    assert_eq!(
        found,
        [
            // Procfile `jobs`: no cap; not named a cache.
            ("CFG001", "Procfile", 4, Confidence::Medium),
            // Compose `queue`: the bare redis image runs with Redis's defaults.
            ("CFG001", "ops/docker-compose.yml", 18, Confidence::Medium),
            // Dockerfile: the baked redis.conf's noeviction under the CMD's 200mb
            // (which overrides the 512mb of the included conf.d/memory.conf).
            ("CFG002", "ops/redis.conf", 4, Confidence::Medium),
        ],
        "{:#?}",
        out.findings
    );
    // ops/redis.conf is loaded by the image and by compose: not a server of its own.
    assert!(
        !out.findings.iter().any(|f| f.message.contains("is not set")
            && f.span.as_ref().is_some_and(|s| s.path == "ops/redis.conf"))
    );
    assert!(
        out.findings[0].message.contains("209715200"),
        "{}",
        out.findings[0].message
    );
}

#[test]
fn unknown_values_are_noted_not_judged() {
    let out = run();
    let messages = note_lines(&out);
    // compose `cache` mounts redis.conf but not conf.d: its include is unknown,
    // so the missing maxmemory is not a finding.
    assert!(
        messages.iter().any(|(m, line)| *line == 5
            && m.starts_with("ops/redis.conf: includes `/usr/local/etc/redis/conf.d/*.conf`")),
        "{messages:#?}"
    );
    // compose `sessions`: `${SESSIONS_MAXMEMORY:-128mb}` is interpolated by compose
    // (the folded command starts on line 15).
    assert!(
        messages
            .iter()
            .any(|(m, line)| *line == 15 && m.contains("`maxmemory` is set at deploy time")),
        "{messages:#?}"
    );
    assert_eq!(messages.len(), 2, "{messages:#?}");
}
