//! HTTP agents in a client module (tests/fixtures/http-clients.ts): each
//! is an external-API pool under the names and labels the policy's pooling
//! bounds judge, located on the option that sets each value.

use std::path::Path;

use perfwarden_plugin_nodejs::Plugin;
use perfwarden_sdk::testing::{Tester, note_lines};

#[test]
fn node_http_agents_are_external_api_pools() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/http-clients.ts"
    );
    let out = Tester::new(Plugin).run_files(&[("src/http-clients.ts", Path::new(fixture))]);
    let pools: Vec<(&str, &str, f64, u32)> = out
        .metrics
        .iter()
        .filter(|m| m.name.starts_with("pool."))
        .map(|m| {
            assert_eq!(m.label_value("resource"), Some("external-api"));
            (
                m.name.as_str(),
                m.label_value("client").unwrap(),
                m.value,
                m.span.as_ref().unwrap().line,
            )
        })
        .collect();
    assert_eq!(
        pools,
        [
            ("pool.max", "httpsAgent", 8.0, 15),
            ("pool.idle_timeout", "httpsAgent", 20.0, 17),
            ("pool.max_idle", "httpsAgent", 4.0, 16),
            // Node's defaults: each socket closes when its request ends.
            ("pool.idle_timeout", "httpAgent", 0.0, 24),
            ("pool.max_idle", "httpAgent", 0.0, 24),
            ("pool.max", "undici.Agent", 16.0, 28),
            ("pool.idle_timeout", "undici.Agent", 10.0, 28),
        ]
    );
    assert_eq!(
        note_lines(&out),
        [(
            "Node's `http.Agent` sets no `maxSockets`: its default, Infinity, puts no bound on connections per host (not reported as `pool.max`)",
            24
        )]
    );
}
