//! `.sql` files, in file-name order (migration order): parse one file,
//! run the migration rules on it, apply its DDL to the schema and judge
//! its queries, then drop its syntax trees. Every query is judged against
//! the finished schema: a verdict that later DDL may change (it touched a
//! table the query names) is judged again at the end, on the statement
//! parsed again from its byte range. Memory holds the texts, the schema
//! and one file's trees, never the corpus' trees (about 100 bytes per
//! byte of SQL).

use perfwarden_sdk::{Artifact, Context, Finding, LineIndex, Output, Span};
use perfwarden_sql_rules::{
    Dialect, Locator, Parsed, Schema, StatementParser, Verdict, check_schema, check_statement,
    judge_statement,
};

use crate::rules;

/// Parse-error notes reported per file before the rest are summarised.
const MAX_NOTES_PER_FILE: usize = 10;

/// One SQL file while it is analysed: its text and, during its turn,
/// its parsed statements (dropped after, so memory holds one file's
/// syntax trees, not the corpus').
pub(crate) struct SqlFile<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub dialect: Dialect,
    pub parsed: Parsed,
}

impl SqlFile<'_> {
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
            .span(lines.span(self.path, start, end))
            .evidence(evidence)
    }
}

/// A read file, before and after its turn.
struct Source {
    path: String,
    text: String,
    dialect: Dialect,
}

impl Source {
    fn view(&self, parsed: Parsed) -> SqlFile<'_> {
        SqlFile {
            path: &self.path,
            text: &self.text,
            dialect: self.dialect,
            parsed,
        }
    }
}

/// A query's verdict and where to find its statement again.
struct Judged {
    source: usize,
    start: usize,
    end: usize,
    /// Its rank among the statements parsed from the same range.
    nth: usize,
    verdict: Verdict,
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
    let mut sources: Vec<Source> = texts
        .into_iter()
        .map(|(path, text, detected)| Source {
            path,
            text,
            dialect: if detected == Dialect::Generic {
                project
            } else {
                detected
            },
        })
        .collect();
    // Migrations are numbered or timestamped: path order is apply order.
    sources.sort_by(|a, b| a.path.cmp(&b.path));

    // One line index per file serves its parses (first pass and again for
    // stale verdicts) and every finding located in it.
    let locators: Vec<Locator<'_>> = sources.iter().map(|f| Locator::new(&f.text)).collect();
    let mut parser = StatementParser::new();
    let mut schema = Schema::new();
    // Queries are judged as they come, against the schema so far; the few
    // whose tables later DDL changes are parsed and judged again against
    // the finished schema, so no syntax tree outlives its file.
    let mut judged: Vec<Judged> = Vec::new();
    for (index, (source, locator)) in sources.iter().zip(&locators).enumerate() {
        let lines = locator.lines();
        let file = source.view(parser.parse_range(locator, 0, source.text.len(), source.dialect));
        // A dump's COPY data or a script in another language fails on every
        // line: a few located notes tell the story, the rest is counted.
        for err in file.parsed.errors.iter().take(MAX_NOTES_PER_FILE) {
            out.note(
                format!(
                    "{}: statement skipped, it does not parse as {:?} SQL: {}",
                    file.path, file.dialect, err.message
                ),
                Some(lines.span(file.path, err.start, err.end)),
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
                Some(Span::file(file.path)),
            );
        }
        for finding in rules::check_migration(&file, lines) {
            out.push(finding);
        }
        let mut nth = 0;
        for (i, statement) in file.parsed.statements.iter().enumerate() {
            schema.apply_statement(statement, file.dialect, index);
            let verdict = judge_statement(statement, locator, file.dialect, &schema);
            nth = match i.checked_sub(1).map(|p| &file.parsed.statements[p]) {
                Some(previous) if previous.start == statement.start => nth + 1,
                _ => 0,
            };
            if verdict.reads_schema() || !verdict.issues.is_empty() {
                judged.push(Judged {
                    source: index,
                    start: statement.start,
                    end: statement.end,
                    nth,
                    verdict,
                });
            }
        }
    }

    for issue in check_schema(&schema, project) {
        let (Some(source), Some(locator)) = (
            sources.get(issue.origin.source),
            locators.get(issue.origin.source),
        ) else {
            continue;
        };
        let mut finding = source
            .view(Parsed::default())
            .finding(
                locator.lines(),
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

    for query in judged {
        let source = &sources[query.source];
        let locator = &locators[query.source];
        let issues = if query.verdict.is_stale(&schema) {
            let reparsed = parser.parse_range(locator, query.start, query.end, source.dialect);
            reparsed
                .statements
                .get(query.nth)
                .map(|statement| check_statement(statement, locator, source.dialect, &schema))
                .unwrap_or_default()
        } else {
            query.verdict.issues
        };
        let file = source.view(Parsed::default());
        for issue in issues {
            let mut finding = file
                .finding(
                    locator.lines(),
                    issue.rule,
                    issue.start,
                    issue.end,
                    issue.message,
                )
                .confidence(issue.confidence);
            if let Some(fix) = issue.fix {
                finding = finding.fix(fix);
            }
            out.push(finding);
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

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use crate::Sql;

    /// Each query with `rule`, as `path:line:column-end_column`.
    fn located(files: &[(&str, &str)], rule: &str) -> Vec<String> {
        Tester::new(Sql)
            .run(files)
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| {
                let span = f.span.as_ref().expect("located");
                format!(
                    "{}:{}:{}-{}",
                    span.path, span.line, span.column, span.end_column
                )
            })
            .collect()
    }

    // A query file that sorts before the migrations is judged against the
    // finished schema: parsed again, its finding sits where the first parse
    // put it (line, and characters before it on its line).
    const QUERIES: &str =
        "-- requêtes\nSELECT 1; SELECT id FROM orders\n  WHERE user_id = 1 LIMIT 5;\n";
    const CREATE: &str = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n";

    #[test]
    fn queries_before_their_migrations_are_judged_on_the_final_schema() {
        let early = located(
            &[("db/queries.sql", QUERIES), ("db/schema.sql", CREATE)],
            "SQL003",
        );
        let late = located(
            &[("db/a_schema.sql", CREATE), ("db/queries.sql", QUERIES)],
            "SQL003",
        );
        assert_eq!(early, ["db/queries.sql:3:9-15"]);
        assert_eq!(late, early);
    }

    #[test]
    fn later_ddl_clears_or_keeps_an_earlier_verdict() {
        let index = "CREATE INDEX orders_user ON orders (user_id);\n";
        let drop = "DROP TABLE orders;\n";
        let unrelated = "CREATE TABLE users (id bigint PRIMARY KEY);\n";
        let run = |later: &str| {
            located(
                &[
                    ("db/1.sql", CREATE),
                    ("db/2.sql", QUERIES),
                    ("db/3.sql", later),
                ],
                "SQL003",
            )
        };
        assert!(run(index).is_empty(), "indexed later");
        assert!(run(drop).is_empty(), "dropped later: no longer judged");
        assert_eq!(run(unrelated), ["db/2.sql:3:9-15"]);
        // Same file: the index after the query counts.
        let same = format!("{CREATE}{QUERIES}{index}");
        assert!(located(&[("db/1.sql", &same)], "SQL003").is_empty());
    }
}
