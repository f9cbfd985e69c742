//! Baselines: adopt perfwarden on a codebase that already has findings.
//!
//! `perfwarden baseline create` records the current findings; `analyze
//! --baseline FILE` then reports only new ones. A finding is keyed by rule,
//! path and a fingerprint of its normalised source line (or its message
//! when it has no location), never by line number, so unrelated edits above
//! it do not resurrect it. Keys are counted: two identical findings in a
//! file need two baseline entries.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::report::support::Sources;

use perfwarden_policy::model::RawFinding;

/// Version of the baseline file format.
const BASELINE_VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<BaselineEntry>,
}

/// One recorded finding (or several identical ones).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
    pub count: usize,
    /// For people reading the file; not part of the key.
    pub message: String,
}

/// What a baseline did in a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BaselineReport {
    pub file: String,
    /// Findings hidden because the baseline knows them.
    pub baselined: usize,
    /// Findings not in the baseline (reported).
    pub new: usize,
    /// Baseline entries with no finding any more (`baseline prune` drops them).
    pub fixed: usize,
}

/// A baseline file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid baseline {path}: {message}")]
    Invalid { path: String, message: String },
}

type Key = (String, String, String);

/// Computes fingerprints, reading each source file once.
pub struct Fingerprinter<'a> {
    sources: Sources<'a>,
}

impl<'a> Fingerprinter<'a> {
    pub fn new(root: &'a Path) -> Self {
        Self {
            sources: Sources::new(root),
        }
    }

    /// `(rule, path, fingerprint)` of a finding; a fingerprint the host
    /// already set is reused.
    pub fn key(&mut self, finding: &RawFinding) -> Key {
        let path = finding
            .span
            .as_ref()
            .map_or_else(String::new, |span| span.path.clone());
        if let Some(fingerprint) = &finding.fingerprint {
            return (finding.rule.clone(), path, fingerprint.clone());
        }
        let (path, material) = match &finding.span {
            Some(span) => {
                let line = self
                    .sources
                    .line(&span.path, span.line)
                    .map_or_else(|| finding.message.clone(), str::to_owned);
                (span.path.clone(), line)
            }
            None => (String::new(), finding.message.clone()),
        };
        let normalised: String = material.split_whitespace().collect::<Vec<_>>().join(" ");
        let digest = Sha256::digest(format!("{}\0{path}\0{normalised}", finding.rule));
        (finding.rule.clone(), path, hex::encode(&digest[..8]))
    }
}

/// Set every finding's fingerprint.
pub fn fingerprint_all(root: &Path, findings: &mut [RawFinding]) {
    let mut fingerprints = Fingerprinter::new(root);
    for finding in findings {
        finding.fingerprint = Some(fingerprints.key(finding).2);
    }
}

impl Baseline {
    /// Record `findings`.
    pub fn from_findings(root: &Path, findings: &[RawFinding]) -> Self {
        let mut fingerprints = Fingerprinter::new(root);
        let mut entries: BTreeMap<Key, BaselineEntry> = BTreeMap::new();
        for finding in findings {
            let key = fingerprints.key(finding);
            entries
                .entry(key.clone())
                .and_modify(|entry| entry.count += 1)
                .or_insert_with(|| BaselineEntry {
                    rule: key.0,
                    path: key.1,
                    fingerprint: key.2,
                    count: 1,
                    message: finding.message.clone(),
                });
        }
        Self {
            version: BASELINE_VERSION,
            entries: entries.into_values().collect(),
        }
    }

    /// Read a baseline file.
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| BaselineError::Read {
            path: display.clone(),
            source,
        })?;
        let baseline: Self =
            serde_json::from_slice(&bytes).map_err(|err| BaselineError::Invalid {
                path: display.clone(),
                message: err.to_string(),
            })?;
        if baseline.version != BASELINE_VERSION {
            return Err(BaselineError::Invalid {
                path: display,
                message: format!(
                    "version {} (this perfwarden reads version {BASELINE_VERSION})",
                    baseline.version
                ),
            });
        }
        Ok(baseline)
    }

    /// The file's JSON, one entry per line block, sorted.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }

    /// Split findings into new ones (returned) and baselined ones (counted).
    pub fn apply(
        &self,
        root: &Path,
        findings: Vec<RawFinding>,
        file: &str,
    ) -> (Vec<RawFinding>, BaselineReport) {
        let mut budget: HashMap<Key, usize> = self
            .entries
            .iter()
            .map(|e| {
                (
                    (e.rule.clone(), e.path.clone(), e.fingerprint.clone()),
                    e.count,
                )
            })
            .collect();
        let mut fingerprints = Fingerprinter::new(root);
        let mut report = BaselineReport {
            file: file.to_owned(),
            ..BaselineReport::default()
        };
        let kept: Vec<RawFinding> = findings
            .into_iter()
            .filter(|finding| match budget.get_mut(&fingerprints.key(finding)) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    report.baselined += 1;
                    false
                }
                _ => true,
            })
            .collect();
        report.new = kept.len();
        report.fixed = budget.values().sum();
        (kept, report)
    }

    /// Keep only the entries that still match a current finding.
    pub fn prune(&self, root: &Path, current: &[RawFinding]) -> (Self, usize) {
        let now = Self::from_findings(root, current);
        let counts: HashMap<Key, usize> = now
            .entries
            .iter()
            .map(|e| {
                (
                    (e.rule.clone(), e.path.clone(), e.fingerprint.clone()),
                    e.count,
                )
            })
            .collect();
        let mut dropped = 0;
        let entries = self
            .entries
            .iter()
            .filter_map(|entry| {
                let key = (
                    entry.rule.clone(),
                    entry.path.clone(),
                    entry.fingerprint.clone(),
                );
                let still = counts.get(&key).copied().unwrap_or(0).min(entry.count);
                dropped += entry.count - still;
                (still > 0).then(|| BaselineEntry {
                    count: still,
                    ..entry.clone()
                })
            })
            .collect();
        (
            Self {
                version: BASELINE_VERSION,
                entries,
            },
            dropped,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfwarden_policy::model::{Confidence, Span};

    fn finding(rule: &str, path: &str, line: u32) -> RawFinding {
        RawFinding {
            rule: rule.into(),
            rule_name: "r".into(),
            plugin: "p".into(),
            policy_ref: "x".into(),
            message: format!("{rule} at {line}"),
            span: Some(Span {
                path: path.into(),
                line,
                column: 1,
                end_line: line,
                end_column: 1,
            }),
            evidence: None,
            fix: None,
            confidence: Confidence::High,
            fingerprint: None,
        }
    }

    #[test]
    fn survives_line_shifts_and_whitespace_but_not_new_findings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("q.sql"),
            "SELECT * FROM a;\nSELECT * FROM b;\n",
        )
        .unwrap();
        let before = vec![finding("SQL001", "q.sql", 1), finding("SQL001", "q.sql", 2)];
        let baseline = Baseline::from_findings(dir.path(), &before);
        assert_eq!(baseline.entries.len(), 2);

        // Lines moved down, reindented, and one new select-star added.
        std::fs::write(
            dir.path().join("q.sql"),
            "-- header\n  SELECT *   FROM a;\nSELECT * FROM b;\nSELECT * FROM c;\n",
        )
        .unwrap();
        let after = vec![
            finding("SQL001", "q.sql", 2),
            finding("SQL001", "q.sql", 3),
            finding("SQL001", "q.sql", 4),
        ];
        let (kept, report) = baseline.apply(dir.path(), after.clone(), "b.json");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].span.as_ref().unwrap().line, 4);
        assert_eq!((report.baselined, report.new, report.fixed), (2, 1, 0));

        let round_trip: Baseline = serde_json::from_str(&baseline.to_json()).unwrap();
        assert_eq!(round_trip, baseline);
    }

    #[test]
    fn identical_findings_are_counted_and_prune_drops_fixed_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("q.sql"),
            "SELECT * FROM a;\nSELECT * FROM a;\nSELECT * FROM b;\n",
        )
        .unwrap();
        let all = vec![
            finding("SQL001", "q.sql", 1),
            finding("SQL001", "q.sql", 2),
            finding("SQL001", "q.sql", 3),
        ];
        let baseline = Baseline::from_findings(dir.path(), &all);
        assert_eq!(baseline.entries.iter().map(|e| e.count).sum::<usize>(), 3);

        std::fs::write(dir.path().join("q.sql"), "SELECT * FROM a;\n").unwrap();
        let now = vec![finding("SQL001", "q.sql", 1)];
        let (_, report) = baseline.apply(dir.path(), now.clone(), "b.json");
        assert_eq!((report.baselined, report.new, report.fixed), (1, 0, 2));
        let (pruned, dropped) = baseline.prune(dir.path(), &now);
        assert_eq!(dropped, 2);
        assert_eq!(pruned.entries.len(), 1);
        assert_eq!(pruned.entries[0].count, 1);
    }

    #[test]
    fn bad_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{").unwrap();
        assert!(matches!(
            Baseline::load(&path),
            Err(BaselineError::Invalid { .. })
        ));
        std::fs::write(&path, r#"{"version": 9, "entries": []}"#).unwrap();
        assert!(
            Baseline::load(&path)
                .unwrap_err()
                .to_string()
                .contains("version 9")
        );
        assert!(matches!(
            Baseline::load(&dir.path().join("none.json")),
            Err(BaselineError::Read { .. })
        ));
    }
}
