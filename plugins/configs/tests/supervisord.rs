//! Redis started by supervisord (tests/fixtures/supervisord): a program
//! loading a project redis.conf through `%(here)s` with flags continued on
//! the next lines, and one running through `sh -c`. Each program is a
//! server named after it, judged where its settings are made.

mod common;

use perfwarden_sdk::testing::finding_lines_with_confidence;
use perfwarden_sdk::{Confidence, Output};

fn run() -> Output {
    common::run_in(
        "tests/fixtures/supervisord",
        &[
            ("docker/supervisord.conf", "supervisord.conf"),
            ("docker/conf.d/redis.conf", "conf.d/redis.conf"),
            ("docker/redis/cache.conf", "redis/cache.conf"),
        ],
    )
}

#[test]
fn programs_are_servers_of_their_own() {
    let out = run();
    assert_eq!(
        finding_lines_with_confidence(&out),
        [
            // `redis-cache`: the continued `--maxmemory-policy noeviction`
            // overrides cache.conf's allkeys-lru under its 256mb.
            ("CFG002", "docker/conf.d/redis.conf", 3, Confidence::High),
            // `jobs`: no cap, and not named a cache.
            ("CFG001", "docker/conf.d/redis.conf", 12, Confidence::Medium),
        ],
        "{:#?}",
        out.findings
    );
    // cache.conf is loaded by `redis-cache`: not a server of its own.
    assert!(out.findings.iter().all(|f| {
        f.span
            .as_ref()
            .is_some_and(|s| s.path != "docker/redis/cache.conf")
    }));
    assert!(out.notes.is_empty(), "{:#?}", out.notes);
}
