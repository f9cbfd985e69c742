//! SQL embedded in JavaScript: strings passed to `query`/`execute`/`raw`
//! and tagged templates (`sql\`...\``, `prisma.$queryRaw\`...\``), checked
//! with the shared SQL rules (`perfwarden-sql-rules`).

use oxc_ast::ast::{Expression, TemplateLiteral};
use oxc_span::{GetSpan, Span};
use perfwarden_sdk::Finding;
use perfwarden_sql_rules::{Dialect, Schema, check_query};

use crate::model::{Lib, unwrap};
use crate::walk::Walker;

/// Query methods whose first argument is SQL text.
pub const SQL_METHODS: [&str; 6] = [
    "query",
    "execute",
    "raw",
    "$queryRawUnsafe",
    "$executeRawUnsafe",
    "unsafe",
];

/// The SQL dialect a client library speaks, when it is fixed.
pub fn dialect(lib: Lib) -> Dialect {
    match lib {
        Lib::Pg => Dialect::PostgreSql,
        Lib::Mysql2 => Dialect::MySql,
        _ => Dialect::Generic,
    }
}

/// SQL text with a map from SQL offsets back to file offsets.
struct Text {
    sql: String,
    /// `(sql offset, file offset)` at the start of each literal piece.
    pieces: Vec<(usize, usize)>,
}

impl Text {
    fn file_offset(&self, sql_offset: usize) -> usize {
        let index = self
            .pieces
            .partition_point(|&(start, _)| start <= sql_offset)
            .saturating_sub(1);
        self.pieces
            .get(index)
            .map_or(0, |&(start, file)| file + (sql_offset - start))
    }
}

fn looks_like_sql(text: &str) -> bool {
    let word: String = text
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .take(8)
        .collect();
    ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(&word))
}

fn template_text(template: &TemplateLiteral<'_>, dialect: Dialect) -> Text {
    let mut sql = String::new();
    let mut pieces = Vec::new();
    for (i, quasi) in template.quasis.iter().enumerate() {
        if i > 0 {
            // Substitutions are bound parameters in tagged templates and in
            // the common `query(\`... ${x}\`)` misuse alike.
            match dialect {
                Dialect::PostgreSql => sql.push_str(&format!("${i}")),
                _ => sql.push('?'),
            }
        }
        pieces.push((sql.len(), quasi.span.start as usize));
        sql.push_str(quasi.value.raw.as_str());
    }
    Text { sql, pieces }
}

fn expression_text(expr: &Expression<'_>, dialect: Dialect) -> Option<Text> {
    match unwrap(expr) {
        Expression::StringLiteral(s) => Some(Text {
            sql: s.value.to_string(),
            pieces: vec![(0, s.span.start as usize + 1)],
        }),
        Expression::TemplateLiteral(t) => Some(template_text(t, dialect)),
        _ => None,
    }
}

/// Check the SQL of a query call's first argument.
pub fn check_argument(w: &mut Walker<'_>, expr: &Expression<'_>, lib: Lib) {
    let dialect = dialect(lib);
    if let Some(text) = expression_text(expr, dialect) {
        check(w, &text, dialect, unwrap(expr).span());
    }
}

/// Check a tagged template (`sql\`...\``).
pub fn check_template(w: &mut Walker<'_>, template: &TemplateLiteral<'_>, lib: Lib) {
    let dialect = dialect(lib);
    let text = template_text(template, dialect);
    check(w, &text, dialect, template.span);
}

fn check(w: &mut Walker<'_>, text: &Text, dialect: Dialect, span: Span) {
    if !looks_like_sql(&text.sql) {
        return;
    }
    // Embedded queries see no migrations: schema-dependent rules stay quiet.
    let schema = Schema::new();
    match check_query(&text.sql, dialect, &schema) {
        Ok(issues) => {
            for issue in issues {
                let start = text.file_offset(issue.start).min(span.end as usize);
                let end = text.file_offset(issue.end).clamp(start, span.end as usize);
                let mut finding = Finding::new(issue.rule, issue.message)
                    .span(w.lines().span(w.path, start, end))
                    .evidence(w.snippet(span))
                    .confidence(issue.confidence);
                if let Some(fix) = issue.fix {
                    finding = finding.fix(fix);
                }
                w.sink.findings.push(finding);
            }
        }
        Err(err) => w
            .sink
            .notes
            .push((format!("embedded SQL does not parse: {err}"), w.span(span))),
    }
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use crate::Plugin;

    #[test]
    fn embedded_sql_is_checked_and_located() {
        let out = Tester::new(Plugin).run(&[(
            "src/report.js",
            "const { Pool } = require('pg');\nconst pool = new Pool({ statement_timeout: 5000 });\nexports.f = (id) => pool.query(`SELECT * FROM orders WHERE user_id = ${id} LIMIT 10`);",
        )]);
        let star: Vec<_> = out.findings.iter().filter(|f| f.rule == "SQL001").collect();
        assert_eq!(star.len(), 1, "{:#?}", out.findings);
        let span = star[0].span.as_ref().expect("located");
        // `*` sits at column 40 of line 3, inside the template literal.
        assert_eq!((span.line, span.column), (3, 40));
    }

    #[test]
    fn tagged_templates_and_parse_failures() {
        let out = Tester::new(Plugin).run(&[(
            "src/q.ts",
            "import { PrismaClient } from '@prisma/client';\nconst prisma = new PrismaClient();\nexport const a = () => prisma.$queryRaw`SELECT * FROM users LIMIT 5`;\nexport const b = () => prisma.$queryRawUnsafe('SELECT FROM WHERE');",
        )]);
        assert_eq!(
            out.findings.iter().filter(|f| f.rule == "SQL001").count(),
            1
        );
        assert_eq!(out.notes.len(), 1, "{:#?}", out.notes);
        assert_eq!(out.notes[0].span.as_ref().map(|s| s.line), Some(4));
    }

    #[test]
    fn strings_that_are_not_sql_are_ignored() {
        let out = Tester::new(Plugin).run(&[(
            "src/q.js",
            "const { Pool } = require('pg');\nconst pool = new Pool({ statement_timeout: 5000 });\nexports.f = () => pool.query('selected items are ready');",
        )]);
        assert!(out.notes.is_empty(), "{:#?}", out.notes);
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
    }
}
