//! Inline suppressions, in the comment syntax of each language:
//!
//! ```text
//! SELECT * FROM audit_log; -- perfwarden-ignore: SQL001 -- export needs every column
//! // perfwarden-ignore: NODE003, await-in-loop -- sequential by design (rate-limited API)
//! # perfwarden-ignore-file: CFG002 -- staging config, not served
//! ```
//!
//! A trailing comment applies to its own line; a comment alone on its line
//! applies to the next line that is not a comment. `-file` applies to the
//! whole file. Rules are named by id or name. A reason after `--` is
//! required: a suppression without one is reported and ignored. A
//! suppression that matched no finding is reported as unused.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use perfwarden_policy::model::{RawFinding, Span};

const MARKER: &str = "perfwarden-ignore";

/// One parsed suppression comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// Where the comment is.
    pub path: String,
    pub line: u32,
    /// Line it applies to; `None` for the whole file.
    pub target_line: Option<u32>,
    /// Rule ids or names.
    pub rules: Vec<String>,
    pub reason: String,
    /// Findings it suppressed.
    pub used: usize,
}

/// A comment that looks like a suppression but cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidSuppression {
    pub path: String,
    pub line: u32,
    pub problem: String,
}

/// What suppressions did in a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SuppressionReport {
    /// Findings removed by a suppression.
    pub suppressed: usize,
    /// Suppressions that matched at least one finding.
    pub applied: Vec<Suppression>,
    /// Suppressions that matched nothing (stale: remove them).
    pub unused: Vec<Suppression>,
    /// Comments that could not be honoured (no reason, no rule).
    pub invalid: Vec<InvalidSuppression>,
}

/// Comment openers per file type; `None` for files without comments we know.
fn comment_openers(path: &str) -> Option<&'static [&'static str]> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    Some(match extension {
        "sql" | "psql" | "pgsql" => &["--", "/*", "*"],
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => &["//", "/*", "*"],
        "php" | "phtml" | "inc" => &["//", "#", "/*", "*"],
        "yml" | "yaml" | "conf" | "ini" | "toml" | "env" | "cnf" | "sh" | "rb" | "py" => &["#"],
        "properties" => &["#", "!"],
        "prisma" => &["//"],
        _ if name.starts_with(".env") || name == "dockerfile" || name.ends_with(".conf.j2") => {
            &["#"]
        }
        _ => return None,
    })
}

/// Parse the suppressions of one file.
pub fn parse(path: &str, text: &str) -> (Vec<Suppression>, Vec<InvalidSuppression>) {
    let Some(openers) = comment_openers(path) else {
        return (Vec::new(), Vec::new());
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut suppressions = Vec::new();
    let mut invalid = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let before = &line[..at];
        let Some(opener_at) = openers.iter().filter_map(|o| before.rfind(o)).max() else {
            continue;
        };
        let line_number = index as u32 + 1;
        let rest = &line[at + MARKER.len()..];
        let (whole_file, rest) = match rest.strip_prefix("-file") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let Some(rest) = rest.strip_prefix(':') else {
            invalid.push(InvalidSuppression {
                path: path.to_owned(),
                line: line_number,
                problem: format!("expected `{MARKER}: <rule> -- <reason>`"),
            });
            continue;
        };
        let rest = rest
            .trim_end()
            .trim_end_matches("*/")
            .trim_end_matches("-->")
            .trim_end();
        let (rules, reason) = match rest.split_once("--") {
            Some((rules, reason)) => (rules, reason.trim()),
            None => (rest, ""),
        };
        let rules: Vec<String> = rules
            .split([',', ' '])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect();
        if rules.is_empty() || reason.is_empty() {
            let problem = if rules.is_empty() {
                "names no rule"
            } else {
                "has no reason after `--`: a reason is required"
            };
            invalid.push(InvalidSuppression {
                path: path.to_owned(),
                line: line_number,
                problem: problem.to_owned(),
            });
            continue;
        }
        let own_line = before[..opener_at].trim().is_empty();
        let target_line = if whole_file {
            None
        } else if own_line {
            let next = lines[index + 1..]
                .iter()
                .position(|l| {
                    let t = l.trim_start();
                    !t.is_empty() && !openers.iter().any(|o| t.starts_with(o))
                })
                .map_or(line_number + 1, |offset| line_number + 1 + offset as u32);
            Some(next)
        } else {
            Some(line_number)
        };
        suppressions.push(Suppression {
            path: path.to_owned(),
            line: line_number,
            target_line,
            rules,
            reason: reason.to_owned(),
            used: 0,
        });
    }
    (suppressions, invalid)
}

fn covers(suppression: &Suppression, finding: &RawFinding, span: &Span) -> bool {
    let line_matches = match suppression.target_line {
        None => true,
        Some(line) => {
            (span.line..=span.end_line.max(span.line)).contains(&line) || span.line == line
        }
    };
    line_matches
        && suppression
            .rules
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&finding.rule) || *r == finding.rule_name)
}

/// Remove suppressed findings. `files` are the artifacts whose comments
/// count (those offered to plugins that ran); `rules_run` decides whether a
/// suppression that matched nothing is stale (its rule ran) or just idle.
pub fn apply(
    root: &Path,
    files: &[String],
    findings: Vec<RawFinding>,
    rules_run: &[(String, String)],
    rule_names: &BTreeMap<String, String>,
) -> (Vec<RawFinding>, SuppressionReport) {
    let mut report = SuppressionReport::default();
    let mut by_file: BTreeMap<String, Vec<Suppression>> = BTreeMap::new();
    for path in files {
        if comment_openers(path).is_none() {
            continue;
        }
        let Ok(bytes) = std::fs::read(root.join(path)) else {
            continue;
        };
        // Cheap pre-filter: most files have no suppression at all.
        if memchr::memmem::find(&bytes, MARKER.as_bytes()).is_some() {
            let (suppressions, invalid) = parse(path, &String::from_utf8_lossy(&bytes));
            report.invalid.extend(invalid);
            if !suppressions.is_empty() {
                by_file.insert(path.clone(), suppressions);
            }
        }
    }
    let kept: Vec<RawFinding> = findings
        .into_iter()
        .filter(|finding| {
            let Some(span) = &finding.span else {
                return true;
            };
            let Some(suppressions) = by_file.get_mut(&span.path) else {
                return true;
            };
            match suppressions.iter_mut().find(|s| covers(s, finding, span)) {
                Some(suppression) => {
                    suppression.used += 1;
                    false
                }
                None => true,
            }
        })
        .collect();
    let ran = |rule: &str| {
        rules_run
            .iter()
            .any(|(id, _)| id.eq_ignore_ascii_case(rule))
            || rule_names
                .iter()
                .any(|(id, name)| name == rule && rules_run.iter().any(|(r, _)| r == id))
    };
    for suppression in by_file.into_values().flatten() {
        if suppression.used > 0 {
            report.suppressed += suppression.used;
            report.applied.push(suppression);
        } else if suppression.rules.iter().any(|r| ran(r)) {
            report.unused.push(suppression);
        }
    }
    (kept, report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfwarden_policy::model::Confidence;

    fn finding(rule: &str, name: &str, path: &str, line: u32) -> RawFinding {
        RawFinding {
            rule: rule.into(),
            rule_name: name.into(),
            plugin: "p".into(),
            policy_ref: "x".into(),
            message: "m".into(),
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
    fn comment_syntax_per_language() {
        let sql = "SELECT * FROM t; -- perfwarden-ignore: SQL001 -- needs all columns\n";
        assert_eq!(parse("q.sql", sql).0[0].target_line, Some(1));
        let js = "// perfwarden-ignore: NODE001, await-in-loop -- sequential by design\n\n// more\nfor (;;) {}\n";
        let (s, _) = parse("a.ts", js);
        assert_eq!(s[0].rules, ["NODE001", "await-in-loop"]);
        assert_eq!(s[0].target_line, Some(4), "skips blank and comment lines");
        let php = "<?php\n# perfwarden-ignore: WP001 -- cron only\n$q = new WP_Query();\n";
        assert_eq!(parse("x.php", php).0[0].target_line, Some(3));
        let yaml = "pool: 50 # perfwarden-ignore: CFG001 -- batch worker\n";
        assert_eq!(parse("database.yml", yaml).0[0].target_line, Some(1));
        let block = "/* perfwarden-ignore: SQL002 -- admin report */\nSELECT 1 OFFSET 10;\n";
        assert_eq!(parse("r.sql", block).0[0].reason, "admin report");
    }

    #[test]
    fn marker_outside_a_comment_or_unknown_language_is_ignored() {
        assert!(
            parse("q.sql", "SELECT 'perfwarden-ignore: SQL001 -- x';\n")
                .0
                .is_empty()
        );
        assert!(
            parse("data.csv", "# perfwarden-ignore: X -- y\n")
                .0
                .is_empty()
        );
    }

    #[test]
    fn reason_and_rule_are_required() {
        let (s, invalid) = parse(
            "q.sql",
            "-- perfwarden-ignore: SQL001\n-- perfwarden-ignore: -- why\n-- perfwarden-ignore SQL1\n",
        );
        assert!(s.is_empty());
        let problems: Vec<&str> = invalid.iter().map(|i| i.problem.as_str()).collect();
        assert_eq!(problems.len(), 3);
        assert!(problems[0].contains("reason"));
        assert!(problems[1].contains("no rule"));
    }

    #[test]
    fn apply_removes_matches_and_reports_unused_and_file_level() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("q.sql"),
            "-- perfwarden-ignore-file: offset-pagination -- legacy admin screen\nSELECT * FROM a; -- perfwarden-ignore: SQL001 -- export\nSELECT * FROM b;\n-- perfwarden-ignore: SQL009 -- stale\nSELECT 1;\n",
        )
        .unwrap();
        let findings = vec![
            finding("SQL001", "select-star", "q.sql", 2),
            finding("SQL001", "select-star", "q.sql", 3),
            finding("SQL002", "offset-pagination", "q.sql", 5),
        ];
        let rules_run = vec![
            ("SQL001".into(), "x".into()),
            ("SQL002".into(), "x".into()),
            ("SQL009".into(), "x".into()),
        ];
        let names = BTreeMap::from([("SQL002".to_owned(), "offset-pagination".to_owned())]);
        let (kept, report) = apply(dir.path(), &["q.sql".into()], findings, &rules_run, &names);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].span.as_ref().unwrap().line, 3);
        assert_eq!(report.suppressed, 2);
        assert_eq!(report.applied.len(), 2);
        assert_eq!(report.unused.len(), 1);
        assert_eq!(report.unused[0].rules, ["SQL009"]);
    }
}
