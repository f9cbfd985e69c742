//! Redis started by supervisord (tests/fixtures/supervisord): a program
//! loading a project redis.conf through `%(here)s` with flags continued on
//! the next lines, and one running through `sh -c`. Each program is a
//! server named after it, judged where its settings are made.

use std::path::Path;

use perfwarden_plugin_configs::Plugin;
use perfwarden_sdk::testing::Tester;
use perfwarden_sdk::{Confidence, Output};

macro_rules! fixture {
    ($name:literal) => {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/supervisord/",
            $name
        )
    };
}

fn run() -> Output {
    let files = [
        ("docker/supervisord.conf", fixture!("supervisord.conf")),
        ("docker/conf.d/redis.conf", fixture!("conf.d/redis.conf")),
        ("docker/redis/cache.conf", fixture!("redis/cache.conf")),
    ];
    let paths: Vec<(&str, &Path)> = files.iter().map(|(n, p)| (*n, Path::new(*p))).collect();
    Tester::new(Plugin).run_files(&paths)
}

#[test]
fn programs_are_servers_of_their_own() {
    let out = run();
    let found: Vec<(&str, &str, u32, Confidence)> = out
        .findings
        .iter()
        .map(|f| {
            let span = f.span.as_ref().unwrap();
            (f.rule, span.path.as_str(), span.line, f.confidence)
        })
        .collect();
    assert_eq!(
        found,
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
