//! loadtest analyzer: turns the results of load-testing tools (k6, JMeter,
//! Gatling, Artillery, wrk, hey, oha, autocannon, vegeta, Locust),
//! Prometheus snapshots and generic metrics files into the vocabulary's
//! metrics (`http.*`, `batch.throughput`, `cache.hit_ratio`,
//! `db.pool.usage`, `queue.backlog`), and reports undersampled percentiles
//! and failed tool thresholds.
//!
//! Files are recognised by content, not by name: the patterns are broad and
//! anything that is not a load-test result is ignored silently. Raw sample
//! formats (JTL, k6 NDJSON/CSV, Gatling text and binary simulation.log) are
//! streamed through [`Context::open`] in bounded memory, with percentiles
//! from a log-linear histogram (relative error <= 0.4 %, see
//! [`histogram`]). Summary formats (k6 summaries, JMeter statistics.json,
//! Gatling stats, Locust `_stats.csv` / `_stats_history.csv`, Prometheus
//! summaries...) report what the tool measured.
//!
//! # Configuration
//!
//! `[plugin.loadtest]` in `perfwarden.toml`:
//!
//! ```toml
//! [plugin.loadtest]
//! # Glob -> format, for files whose content is ambiguous (the `Format`
//! # names in kebab case: jmeter-csv, k6-ndjson, locust-history, ...).
//! format = { "results/*.csv" = "jmeter-csv" }
//! # Keep `/users/123` as it is instead of `/users/:id` (default true).
//! collapse_ids = true
//!
//! # Raw request label (glob) -> endpoint name.
//! [plugin.loadtest.endpoint_labels]
//! "/api/users/*" = "/api/users/:id"
//! "HTTP Request 1" = "GET /api/products"
//! ```
//!
//! How labels are matched, how ids are collapsed by default and how
//! renamed endpoints merge is in [`endpoints`]; every metric whose
//! endpoint name differs from the tool's label says so in its `naming`
//! label (`config` or `ids-collapsed`).

pub mod endpoints;
pub mod formats;
pub mod histogram;
pub mod model;
pub mod rules;

use std::collections::BTreeMap;
use std::io::Read;

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, Span, export_analyzer,
};
use serde::Deserialize;

use endpoints::EndpointNames;
use formats::{Format, MAX_SUMMARY_BYTES, SNIFF_LEN};
use model::Report;

#[derive(Default)]
pub struct Plugin;

/// `[plugin.loadtest]` in `perfwarden.toml`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    /// Glob -> format, for files whose content is ambiguous, e.g.
    /// `{"results/*.csv" = "jmeter-csv"}`.
    format: BTreeMap<String, Format>,
    /// Raw label glob -> endpoint name (see [`endpoints`]).
    endpoint_labels: BTreeMap<String, String>,
    /// Collapse id segments of URL-like labels to `:id` (see [`endpoints`]).
    collapse_ids: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            format: BTreeMap::new(),
            endpoint_labels: BTreeMap::new(),
            collapse_ids: true,
        }
    }
}

impl Analyzer for Plugin {
    fn info(&self) -> PluginInfo {
        PluginInfo::new(
            "loadtest",
            env!("CARGO_PKG_VERSION"),
            "Load-test results (k6, JMeter, Gatling, Artillery, wrk, hey, oha, autocannon, vegeta, Locust), Prometheus snapshots and generic metrics files as latency, throughput and error-rate metrics",
        )
        .patterns([
            "**/*.json",
            "**/*.prom",
            "**/*.metrics",
            "**/*.ndjson",
            "**/*.jsonl",
            "**/*.csv",
            "**/*.jtl",
            "**/*.xml",
            "**/*.log",
            "**/*.txt",
            "**/*.out",
            "**/*.wrk",
            "**/*.js",
            "**/*.gz",
        ])
        .rules(rules::ALL)
    }

    fn analyze(&self, cx: &Context, artifacts: &[Artifact], config: &Config) -> Result<Output> {
        let settings: Settings = config.parse_as()?;
        let names = EndpointNames::new(&settings.endpoint_labels, settings.collapse_ids);
        let mut out = Output::default();
        for artifact in artifacts {
            analyze_one(cx, artifact, &settings, &names, &mut out);
        }
        Ok(out)
    }
}

fn analyze_one(
    cx: &Context,
    artifact: &Artifact,
    settings: &Settings,
    names: &EndpointNames,
    out: &mut Output,
) {
    let path = artifact.path.as_str();
    let head = match cx.read_range(path, 0, SNIFF_LEN) {
        Ok(head) => head,
        Err(err) => {
            out.note(format!("cannot read: {err}"), Some(Span::file(path)));
            return;
        }
    };
    let gzip = formats::is_gzip(&head);
    let head = if gzip {
        formats::gunzip_head(&head, SNIFF_LEN as usize)
    } else {
        head
    };
    let configured = settings
        .format
        .iter()
        .find(|(glob, _)| glob_match(glob, path))
        .map(|(_, format)| *format);
    let Some(format) = configured.or_else(|| formats::sniff(&head)) else {
        // `.jtl` is JMeter's own extension: say why it was not read.
        if path.ends_with(".jtl") {
            out.note(
                "not a JMeter JTL: no `timeStamp,elapsed,...` header, sample row or `<testResults>`",
                Some(Span::file(path)),
            );
        }
        return;
    };
    match parse(cx, path, format, gzip, &head, names) {
        Ok(Some(mut report)) => {
            if !format.names_while_parsing() {
                report.name_endpoints(names);
            }
            report.emit(path, out);
            rules::check(&report, path, out);
        }
        Ok(None) => {}
        Err(err) => out.note(
            format!("{} not read: {err}", format.name()),
            Some(Span::file(path)),
        ),
    }
}

/// Keys that mark a JSON document as a load-test result, so a broken one
/// gets a note while any other broken JSON in the project stays silent.
const RESULT_MARKERS: [&str; 8] = [
    "http_req",
    "\"aggregate\"",
    "sampleCount",
    "numberOfRequests",
    "latencies",
    "latencyPercentiles",
    "non2xx",
    "\"metrics\"",
];

fn parse(
    cx: &Context,
    path: &str,
    format: Format,
    gzip: bool,
    head: &[u8],
    names: &EndpointNames,
) -> Result<Option<Report>, String> {
    let stream = || formats::open(cx, path, gzip);
    match format {
        Format::Json | Format::GatlingStatsJs | Format::Wrk | Format::Hey => {
            let mut bytes = Vec::new();
            stream()
                .take(MAX_SUMMARY_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|err| format!("read failed: {err}"))?;
            if bytes.len() as u64 > MAX_SUMMARY_BYTES {
                return Err(format!(
                    "a summary larger than {} MiB is not expected",
                    MAX_SUMMARY_BYTES >> 20
                ));
            }
            let text = String::from_utf8_lossy(&bytes);
            match format {
                Format::Wrk => formats::summary::parse_wrk(&text).map(Some),
                Format::Hey => formats::summary::parse_hey(&text).map(Some),
                Format::GatlingStatsJs => {
                    let json = formats::gatling::stats_js_to_json(&text)
                        .ok_or("unbalanced `var stats = {...}`")?;
                    formats::parse_json(&json, path)
                }
                _ => formats::parse_json(&text, path).or_else(|err| {
                    let head = String::from_utf8_lossy(head);
                    if RESULT_MARKERS.iter().any(|m| head.contains(m)) {
                        Err(err)
                    } else {
                        Ok(None)
                    }
                }),
            }
        }
        Format::K6Ndjson => formats::k6::parse_ndjson(&mut stream(), names).map(Some),
        Format::K6Csv => formats::k6::parse_csv(&mut stream(), names).map(Some),
        Format::JmeterCsv => formats::jmeter::parse_csv(&mut stream(), head, names).map(Some),
        Format::JmeterXml => formats::jmeter::parse_xml(&mut stream(), names).map(Some),
        Format::GatlingLog => formats::gatling::parse_log(&mut stream(), names).map(Some),
        Format::GatlingBinaryLog => {
            formats::gatling::parse_binary_log(&mut stream(), names).map(Some)
        }
        Format::LocustCsv => formats::locust::parse_stats(&mut stream()).map(Some),
        Format::LocustHistory => formats::locust::parse_history(&mut stream()).map(Some),
        Format::Prometheus => {
            formats::metrics::parse_prometheus(&mut stream(), path, names).map(Some)
        }
        Format::GenericCsv => formats::metrics::parse_generic_csv(&mut stream(), path).map(Some),
    }
}

/// Gitignore-style glob: `**` crosses directories, `*` and `?` do not.
pub(crate) fn glob_match(glob: &str, path: &str) -> bool {
    fn go(g: &[u8], p: &[u8]) -> bool {
        match g {
            [] => p.is_empty(),
            [b'*', b'*', b'/', rest @ ..] => {
                (0..=p.len()).any(|i| (i == 0 || p[i - 1] == b'/') && go(rest, &p[i..]))
            }
            [b'*', b'*', rest @ ..] => (0..=p.len()).any(|i| go(rest, &p[i..])),
            [b'*', rest @ ..] => (0..=p.len())
                .take_while(|&i| i == 0 || p[i - 1] != b'/')
                .any(|i| go(rest, &p[i..])),
            [b'?', rest @ ..] => p.first().is_some_and(|&c| c != b'/') && go(rest, &p[1..]),
            [c, rest @ ..] => p.first() == Some(c) && go(rest, &p[1..]),
        }
    }
    go(glob.as_bytes(), path.as_bytes())
}

export_analyzer!(Plugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_gitignore() {
        assert!(glob_match("**/*.csv", "perf/results/run.csv"));
        assert!(glob_match("**/*.csv", "run.csv"));
        assert!(glob_match("results/*.csv", "results/a.csv"));
        assert!(!glob_match("results/*.csv", "results/x/a.csv"));
        assert!(glob_match("run-?.jtl", "run-1.jtl"));
    }
}
