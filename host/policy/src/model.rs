//! What plugins report, as the host holds it before judging: plugin output
//! converted from the WIT types and tagged with its plugin and rule metadata.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A location in the project. Lines and columns are 1-based, ends inclusive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Span {
    /// A whole file, pointed at by its first line.
    pub fn file(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        }
    }
}

/// How sure a rule is of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

/// A finding reported by a plugin, with the metadata of its rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawFinding {
    /// Rule id, e.g. `SQL001`.
    pub rule: String,
    /// Rule name, e.g. `select-star`.
    pub rule_name: String,
    /// Plugin that reported it.
    pub plugin: String,
    /// Policy entry the rule refers to, e.g. `anti_patterns.select_star`.
    pub policy_ref: String,
    pub message: String,
    pub span: Option<Span>,
    pub evidence: Option<String>,
    pub fix: Option<String>,
    pub confidence: Confidence,
    /// Identity across runs (rule, path, normalised source line), set by
    /// the host: survives line shifts, for baselines and `compare`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// A metric reported by a plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawMetric {
    /// Vocabulary name, e.g. `http.latency`.
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub samples: Option<u64>,
    /// Labels, e.g. `percentile=p95`, `endpoint=GET /users`.
    pub labels: BTreeMap<String, String>,
    pub span: Option<Span>,
    /// Plugin that reported it.
    pub plugin: String,
}

/// A plugin's note (e.g. a parse error), kept in the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RawNote {
    pub plugin: String,
    pub message: String,
    pub span: Option<Span>,
}
