//! Endpoint names: how a tool's raw request labels become the `endpoint`
//! label of the metrics.
//!
//! # `endpoint_labels`
//!
//! Tools name requests after whatever the test author wrote: a URL with ids
//! in it (`/users/123`), a JMeter sampler label (`HTTP Request 1`), a
//! Gatling request name. Map them to the endpoint names the policy's
//! endpoint classes and the team know, in `perfwarden.toml`:
//!
//! ```toml
//! [plugin.loadtest.endpoint_labels]
//! "/api/users/*" = "/api/users/:id"
//! "**/orders/*/items" = "/orders/:id/items"
//! "HTTP Request 1" = "GET /api/products"
//! ```
//!
//! Keys are gitignore-style globs over the raw label (`*` stays within a
//! path segment, `**` crosses segments, `?` is one character); a key
//! without wildcards is an exact rename. An exact key wins, then the
//! longest matching glob. Samples whose labels map to one name are
//! aggregated together; such metrics carry `naming = "config"`.
//!
//! Without a matching key, URL-like labels (`/path`, `GET /path` or
//! `https://host/path`) have their id segments collapsed to `:id`: all
//! digits, a UUID, or 16+ hex digits with a digit among them (Mongo
//! ObjectIds, hashes). `/users/123?x=1` becomes `/users/:id?x=1`, and the
//! metrics carry `naming = "ids-collapsed"`, so thousands of ids cannot
//! explode the per-endpoint metrics. `collapse_ids = false` in the same
//! table keeps raw labels.
//!
//! Raw samples (JTL, k6 NDJSON/CSV, Gatling logs, Prometheus histograms)
//! are merged exactly. Summaries that only carry percentiles per raw label
//! (Locust, JMeter statistics.json, Gatling stats, k6 summaries) merge their
//! counts, rates, mean, min and max exactly; a merged percentile is the
//! highest of the parts (an upper bound, `derivation` says
//! `max-of-merged`), and absent when a part lacks it.

use std::collections::BTreeMap;

use crate::glob_match;

/// `naming` label of a name taken from `endpoint_labels`.
pub const CONFIGURED: &str = "config";
/// `naming` label of a URL whose id segments were collapsed.
pub const COLLAPSED_IDS: &str = "ids-collapsed";

/// The raw label -> endpoint name mapping of one analysis.
#[derive(Debug, Clone)]
pub struct EndpointNames {
    /// (glob, name), most specific first.
    rules: Vec<(String, String)>,
    collapse_ids: bool,
}

impl Default for EndpointNames {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            collapse_ids: true,
        }
    }
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

impl EndpointNames {
    pub fn new(labels: &BTreeMap<String, String>, collapse_ids: bool) -> Self {
        let mut rules: Vec<(String, String)> = labels
            .iter()
            .map(|(glob, name)| (glob.clone(), name.clone()))
            .collect();
        // Exact names first, then longer (more specific) globs; the map's
        // order breaks ties, so the choice is deterministic.
        rules.sort_by_key(|(glob, _)| (is_glob(glob), std::cmp::Reverse(glob.len())));
        Self {
            rules,
            collapse_ids,
        }
    }

    /// Append the endpoint name of `raw` to `out`; returns how it was
    /// derived (`None`: the raw label as it is). Writing into a caller's
    /// buffer keeps the per-sample path free of allocations.
    pub fn write_name(&self, raw: &str, out: &mut String) -> Option<&'static str> {
        for (glob, name) in &self.rules {
            let hit = if is_glob(glob) {
                glob_match(glob, raw)
            } else {
                glob == raw
            };
            if hit {
                out.push_str(name);
                return Some(CONFIGURED);
            }
        }
        if self.collapse_ids && collapse_ids(raw, out) {
            return Some(COLLAPSED_IDS);
        }
        out.push_str(raw);
        None
    }

    /// The endpoint name of `raw` and how it was derived.
    pub fn name(&self, raw: &str) -> (String, Option<&'static str>) {
        let mut out = String::with_capacity(raw.len());
        let naming = self.write_name(raw, &mut out);
        (out, naming)
    }
}

/// Append `raw` with its id path segments replaced by `:id`; `false` (and
/// nothing appended) when it is not URL-like or has no id segment.
fn collapse_ids(raw: &str, out: &mut String) -> bool {
    let path_start = if let Some(scheme_end) = raw.find("://") {
        let authority = scheme_end + 3;
        match raw[authority..].find('/') {
            Some(slash) => authority + slash,
            None => return false,
        }
    } else if raw.starts_with('/') {
        0
    } else {
        // `GET /users/1`: an upper-case method word, then the path.
        match raw.split_once(' ') {
            Some((method, path))
                if !method.is_empty()
                    && method.bytes().all(|b| b.is_ascii_uppercase())
                    && path.starts_with('/') =>
            {
                method.len() + 1
            }
            _ => return false,
        }
    };
    let path_end = raw[path_start..]
        .find(['?', '#'])
        .map_or(raw.len(), |at| path_start + at);
    let path = &raw[path_start..path_end];
    if !path.split('/').any(is_id) {
        return false;
    }
    out.push_str(&raw[..path_start]);
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(if is_id(segment) { ":id" } else { segment });
    }
    out.push_str(&raw[path_end..]);
    true
}

/// A path segment that names one record rather than a resource.
fn is_id(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let uuid = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    let hex_id = bytes.len() >= 16
        && bytes.iter().all(u8::is_ascii_hexdigit)
        && bytes.iter().any(u8::is_ascii_digit);
    uuid || hex_id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collapsed(raw: &str) -> String {
        let (name, naming) = EndpointNames::default().name(raw);
        assert_eq!(naming.is_some(), name != raw, "{raw}");
        name
    }

    #[test]
    fn id_segments_of_urls_collapse() {
        assert_eq!(collapsed("/users/123"), "/users/:id");
        assert_eq!(
            collapsed("GET /users/123/orders/9"),
            "GET /users/:id/orders/:id"
        );
        assert_eq!(
            collapsed(
                "https://api.example.com/v2/items/3f2b8c1e-9a4d-4e5f-8b6a-1c2d3e4f5a6b?full=1"
            ),
            "https://api.example.com/v2/items/:id?full=1"
        );
        assert_eq!(
            collapsed("/objects/64b7f0c2e1d3a5f6a7b8c9d0"),
            "/objects/:id"
        );
        // Words, versions and hosts stay; a label that is no URL stays.
        assert_eq!(collapsed("/api/v2/users"), "/api/v2/users");
        assert_eq!(
            collapsed("/files/deadbeefdeadbeef"),
            "/files/deadbeefdeadbeef"
        );
        assert_eq!(collapsed("https://10.0.0.1:8080"), "https://10.0.0.1:8080");
        assert_eq!(collapsed("Login 42"), "Login 42");
        assert_eq!(collapsed("/search?page=2"), "/search?page=2");
    }

    #[test]
    fn configured_names_win_exact_first_then_longest_glob() {
        let labels = BTreeMap::from([
            ("/api/*".to_owned(), "/api/other".to_owned()),
            ("/api/users/*".to_owned(), "/api/users/:id".to_owned()),
            ("/api/users/me".to_owned(), "/api/users/me".to_owned()),
            ("HTTP Request 1".to_owned(), "GET /api/products".to_owned()),
        ]);
        let names = EndpointNames::new(&labels, true);
        assert_eq!(
            names.name("/api/users/alice"),
            ("/api/users/:id".to_owned(), Some(CONFIGURED))
        );
        assert_eq!(
            names.name("/api/users/me"),
            ("/api/users/me".to_owned(), Some(CONFIGURED))
        );
        assert_eq!(
            names.name("/api/x"),
            ("/api/other".to_owned(), Some(CONFIGURED))
        );
        assert_eq!(
            names.name("HTTP Request 1"),
            ("GET /api/products".to_owned(), Some(CONFIGURED))
        );
        // `*` does not cross `/`: the built-in id collapsing applies.
        assert_eq!(
            names.name("/api/users/7/orders"),
            ("/api/users/:id/orders".to_owned(), Some(COLLAPSED_IDS))
        );
        let raw = EndpointNames::new(&BTreeMap::new(), false);
        assert_eq!(raw.name("/users/7"), ("/users/7".to_owned(), None));
    }
}
