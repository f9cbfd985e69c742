//! What an analyzer reports, with builders, and its conversion to the WIT
//! types the host receives.

use crate::__private::wit::perfwarden::analyzer::types as wit;
use crate::rule::Rule;

/// A project file offered to the analyzer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Path relative to the project root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
}

impl From<wit::Artifact> for Artifact {
    fn from(a: wit::Artifact) -> Self {
        Self {
            path: a.path,
            size: a.size,
        }
    }
}

/// A location in an artifact. Lines and columns are 1-based, ends inclusive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Path relative to the project root.
    pub path: String,
    /// First line.
    pub line: u32,
    /// First column (in characters).
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Last column.
    pub end_column: u32,
}

impl Span {
    /// A span from `(line, column)` to `(end_line, end_column)`.
    pub fn new(
        path: impl Into<String>,
        line: u32,
        column: u32,
        end_line: u32,
        end_column: u32,
    ) -> Self {
        Self {
            path: path.into(),
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// A whole line, when the column is unknown.
    pub fn line(path: impl Into<String>, line: u32) -> Self {
        Self::new(path, line, 1, line, 1)
    }

    /// A whole file, for facts about a file rather than a place in it.
    pub fn file(path: impl Into<String>) -> Self {
        Self::line(path, 1)
    }
}

/// How sure a rule is that its finding is real.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// The pattern is unambiguous.
    #[default]
    High,
    /// Likely, but the code could be intentional or context is missing.
    Medium,
    /// A heuristic worth a look.
    Low,
}

/// A fact at a location, reported under a [`Rule`].
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Id of the rule that produced it.
    pub rule: &'static str,
    /// What is wrong, specific to this place.
    pub message: String,
    /// Where.
    pub span: Option<Span>,
    /// The offending code or value.
    pub evidence: Option<String>,
    /// How to fix it.
    pub fix: Option<String>,
    /// How sure the rule is.
    pub confidence: Confidence,
}

impl Finding {
    /// A finding of `rule` with a message.
    pub fn new(rule: &Rule, message: impl Into<String>) -> Self {
        Self {
            rule: rule.id,
            message: message.into(),
            span: None,
            evidence: None,
            fix: None,
            confidence: Confidence::High,
        }
    }

    /// Set the location.
    pub fn span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Set the offending code or value (keep it short: one line or a value).
    pub fn evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = Some(evidence.into());
        self
    }

    /// Set the suggested fix.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// Set the confidence (default [`Confidence::High`]).
    pub fn confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }
}

/// A measured or configured number. See [`crate::vocabulary`] for names,
/// units and labels the default policy understands.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Vocabulary name, e.g. `http.latency`.
    pub name: String,
    /// Value in `unit`.
    pub value: f64,
    /// Normalised unit, e.g. `ms`.
    pub unit: String,
    /// Number of samples behind the value.
    pub samples: Option<u64>,
    /// Labels such as `percentile=p95`, `endpoint=GET /users`, in insertion order.
    pub labels: Vec<(String, String)>,
    /// Where the value was read or configured.
    pub span: Option<Span>,
}

impl Metric {
    /// A metric `name = value unit`.
    pub fn new(name: impl Into<String>, value: f64, unit: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value,
            unit: unit.into(),
            samples: None,
            labels: Vec::new(),
            span: None,
        }
    }

    /// Add a label; a label set twice keeps the last value.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        let value = value.into();
        match self.labels.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.labels.push((key, value)),
        }
        self
    }

    /// Set the sample count.
    pub fn samples(mut self, samples: u64) -> Self {
        self.samples = Some(samples);
        self
    }

    /// Set the location.
    pub fn span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// The value of a label, if set.
    pub fn label_value(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A message for the user that is not a finding, e.g. a parse error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The message.
    pub message: String,
    /// Where it applies.
    pub span: Option<Span>,
}

/// Everything an analyzer reports for one call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    /// Findings, in any order (the host sorts).
    pub findings: Vec<Finding>,
    /// Metrics.
    pub metrics: Vec<Metric>,
    /// Notes.
    pub notes: Vec<Note>,
}

impl Output {
    /// Add a finding.
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Add a metric.
    pub fn metric(&mut self, metric: Metric) {
        self.metrics.push(metric);
    }

    /// Add a note, optionally located.
    pub fn note(&mut self, message: impl Into<String>, span: Option<Span>) {
        self.notes.push(Note {
            message: message.into(),
            span,
        });
    }

    /// Append another output (e.g. one per artifact).
    pub fn extend(&mut self, other: Output) {
        self.findings.extend(other.findings);
        self.metrics.extend(other.metrics);
        self.notes.extend(other.notes);
    }
}

/// Static description of an analyzer.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    /// Short unique name, e.g. `sql`.
    pub name: String,
    /// Plugin version (usually `env!("CARGO_PKG_VERSION")`).
    pub version: String,
    /// One sentence.
    pub description: String,
    /// Gitignore-style globs of the artifacts to offer.
    pub patterns: Vec<String>,
    /// Every rule the analyzer can report.
    pub rules: Vec<&'static Rule>,
}

impl PluginInfo {
    /// Name, version and description; add patterns and rules with the builders.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            description: description.into(),
            patterns: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// Add artifact patterns.
    pub fn patterns<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.patterns.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Add rules.
    pub fn rules(mut self, rules: impl IntoIterator<Item = &'static Rule>) -> Self {
        self.rules.extend(rules);
        self
    }
}

impl From<Span> for wit::Span {
    fn from(s: Span) -> Self {
        Self {
            path: s.path,
            line: s.line,
            column: s.column,
            end_line: s.end_line,
            end_column: s.end_column,
        }
    }
}

impl From<Confidence> for wit::Confidence {
    fn from(c: Confidence) -> Self {
        match c {
            Confidence::High => Self::High,
            Confidence::Medium => Self::Medium,
            Confidence::Low => Self::Low,
        }
    }
}

impl From<Output> for wit::Output {
    fn from(o: Output) -> Self {
        Self {
            findings: o
                .findings
                .into_iter()
                .map(|f| wit::Finding {
                    rule: f.rule.to_owned(),
                    message: f.message,
                    span: f.span.map(Into::into),
                    evidence: f.evidence,
                    fix: f.fix,
                    confidence: f.confidence.into(),
                })
                .collect(),
            metrics: o
                .metrics
                .into_iter()
                .map(|m| wit::Metric {
                    name: m.name,
                    value: m.value,
                    unit: m.unit,
                    samples: m.samples,
                    labels: m.labels,
                    span: m.span.map(Into::into),
                })
                .collect(),
            notes: o
                .notes
                .into_iter()
                .map(|n| wit::Note {
                    message: n.message,
                    span: n.span.map(Into::into),
                })
                .collect(),
        }
    }
}

impl From<PluginInfo> for wit::PluginInfo {
    fn from(p: PluginInfo) -> Self {
        Self {
            name: p.name,
            version: p.version,
            description: p.description,
            patterns: p.patterns,
            rules: p
                .rules
                .into_iter()
                .map(|r| wit::RuleInfo {
                    id: r.id.to_owned(),
                    name: r.name.to_owned(),
                    summary: r.summary.to_owned(),
                    policy_ref: r.policy_ref.to_owned(),
                    docs: r.docs(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_set_twice_keeps_last_value_in_place() {
        let m = Metric::new("http.latency", 1.0, "ms")
            .label("percentile", "p50")
            .label("endpoint", "GET /")
            .label("percentile", "p95");
        assert_eq!(
            m.labels,
            vec![
                ("percentile".into(), "p95".into()),
                ("endpoint".into(), "GET /".into())
            ]
        );
        assert_eq!(m.label_value("percentile"), Some("p95"));
        assert_eq!(m.label_value("method"), None);
    }
}
