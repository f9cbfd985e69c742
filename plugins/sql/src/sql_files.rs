//! `.sql` files: parse each once, apply DDL in file-name order to build
//! the schema, run the migration rules per file, then check every query
//! against the finished schema.

use perfwarden_sdk::{Artifact, Context, Finding, LineIndex, Output, Span};
use perfwarden_sql_rules::{
    Dialect, Locator, Parsed, Schema, StatementParser, check_schema, check_statement,
};

use crate::rules;

/// Parse-error notes reported per file before the rest are summarised.
const MAX_NOTES_PER_FILE: usize = 10;

/// One parsed SQL file.
pub(crate) struct SqlFile {
    pub path: String,
    pub text: String,
    pub dialect: Dialect,
    pub parsed: Parsed,
}

impl SqlFile {
    pub fn finding(
        &self,
        lines: &LineIndex<'_>,
        rule: &'static perfwarden_sdk::Rule,
        start: usize,
        end: usize,
        message: String,
    ) -> Finding {
        let evidence = self
            .text
            .get(start..end)
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        Finding::new(rule, message)
            .span(lines.span(&self.path, start, end))
            .evidence(evidence)
    }
}

pub(crate) fn analyze(
    cx: &Context,
    artifacts: &[&Artifact],
    dialect: Option<Dialect>,
    out: &mut Output,
) {
    let mut texts: Vec<(String, String, Dialect)> = Vec::with_capacity(artifacts.len());
    for artifact in artifacts {
        match cx.read_to_string(&artifact.path) {
            Ok(text) => {
                let detected = dialect.unwrap_or_else(|| Dialect::detect(&text));
                texts.push((artifact.path.clone(), text, detected));
            }
            Err(err) => out.note(format!("cannot read {}: {err}", artifact.path), None),
        }
    }
    // A file without engine-specific syntax (`CREATE INDEX i ON t (c);`)
    // belongs to the project's engine: the one most other files show.
    let project = project_dialect(texts.iter().map(|t| t.2));
    let mut parser = StatementParser::new();
    let mut files: Vec<SqlFile> = texts
        .into_iter()
        .map(|(path, text, detected)| {
            let dialect = if detected == Dialect::Generic {
                project
            } else {
                detected
            };
            let parsed = parser.parse(&text, dialect);
            SqlFile {
                path,
                text,
                dialect,
                parsed,
            }
        })
        .collect();
    // Migrations are numbered or timestamped: path order is apply order.
    files.sort_by(|a, b| a.path.cmp(&b.path));

    // One line index per file, shared by every finding located in it.
    let lines: Vec<LineIndex<'_>> = files.iter().map(|f| LineIndex::new(&f.text)).collect();
    let mut schema = Schema::new();
    for ((source, file), lines) in files.iter().enumerate().zip(&lines) {
        // A dump's COPY data or a script in another language fails on every
        // line: a few located notes tell the story, the rest is counted.
        for err in file.parsed.errors.iter().take(MAX_NOTES_PER_FILE) {
            out.note(
                format!(
                    "{}: statement skipped, it does not parse as {:?} SQL: {}",
                    file.path, file.dialect, err.message
                ),
                Some(lines.span(&file.path, err.start, err.end)),
            );
        }
        if let Some(more) = file
            .parsed
            .errors
            .len()
            .checked_sub(MAX_NOTES_PER_FILE)
            .filter(|n| *n > 0)
        {
            out.note(
                format!(
                    "{}: {more} more statement(s) skipped as unparsable",
                    file.path
                ),
                Some(Span::file(&file.path)),
            );
        }
        for finding in rules::check_migration(file, lines) {
            out.push(finding);
        }
        for statement in &file.parsed.statements {
            schema.apply_statement(statement, file.dialect, source);
        }
    }

    for issue in check_schema(&schema, project) {
        let (Some(file), Some(lines)) = (
            files.get(issue.origin.source),
            lines.get(issue.origin.source),
        ) else {
            continue;
        };
        let mut finding = file
            .finding(
                lines,
                issue.rule,
                issue.origin.start,
                issue.origin.end,
                issue.message,
            )
            .confidence(issue.confidence);
        if let Some(fix) = issue.fix {
            finding = finding.fix(fix);
        }
        out.push(finding);
    }

    for (file, lines) in files.iter().zip(&lines) {
        let locator = Locator::new(&file.text);
        for statement in &file.parsed.statements {
            for issue in check_statement(statement, &locator, file.dialect, &schema) {
                let mut finding = file
                    .finding(lines, issue.rule, issue.start, issue.end, issue.message)
                    .confidence(issue.confidence);
                if let Some(fix) = issue.fix {
                    finding = finding.fix(fix);
                }
                out.push(finding);
            }
        }
    }
}

fn project_dialect(detected: impl Iterator<Item = Dialect>) -> Dialect {
    let mut counts = [
        (Dialect::PostgreSql, 0),
        (Dialect::MySql, 0),
        (Dialect::Sqlite, 0),
    ];
    for d in detected {
        if let Some(slot) = counts.iter_mut().find(|(c, _)| *c == d) {
            slot.1 += 1;
        }
    }
    counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(_, n)| *n)
        .map_or(Dialect::Generic, |(d, _)| *d)
}
