//! Metric lookups shared by the integration tests.

use perfwarden_sdk::{Metric, Output};

/// The metric `name` whose labels include `labels`; without an `endpoint`
/// in `labels`, the overall metric (no endpoint label).
pub fn find<'a>(out: &'a Output, name: &str, labels: &[(&str, &str)]) -> Option<&'a Metric> {
    out.metrics.iter().find(|m| {
        m.name == name
            && labels.iter().all(|(k, v)| m.label_value(k) == Some(v))
            && (labels.iter().any(|(k, _)| *k == "endpoint") || m.label_value("endpoint").is_none())
    })
}

/// The value of [`find`]'s metric; panics, listing the metrics, when absent.
pub fn value(out: &Output, name: &str, labels: &[(&str, &str)]) -> f64 {
    find(out, name, labels)
        .unwrap_or_else(|| panic!("no {name} {labels:?} in {:#?}", out.metrics))
        .value
}
