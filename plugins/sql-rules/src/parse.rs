//! Splitting SQL text into statements with byte ranges, and parsing each
//! one on its own so a bad statement never hides the good ones around it.

use sqlparser::ast::Statement;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};

use perfwarden_sdk::LineIndex;

use crate::Dialect;

/// Deep enough for real queries, shallow enough that hostile nesting fails
/// with a parse error instead of exhausting the (small, wasm) stack.
const RECURSION_LIMIT: usize = 48;

/// One parsed statement and where it sits in the text.
#[derive(Debug, Clone)]
pub struct ParsedStatement {
    /// The syntax tree.
    pub statement: Statement,
    /// Byte offset of the statement's first token.
    pub start: usize,
    /// Byte offset just past the statement (its `;` included).
    pub end: usize,
}

/// A statement (or the whole text) that did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The parser's message.
    pub message: String,
    /// Byte range of the statement that failed.
    pub start: usize,
    /// End of that range (exclusive).
    pub end: usize,
}

/// Every statement of a SQL text: those that parsed and those that did not.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Parsed statements, in text order.
    pub statements: Vec<ParsedStatement>,
    /// Statements that failed to parse, in text order.
    pub errors: Vec<ParseError>,
}

/// Maps the parser's 1-based line/column locations (columns count
/// characters) back to byte offsets of the text, through the SDK's line
/// index, which also locates the findings.
#[derive(Debug, Clone)]
pub struct Locator<'a> {
    lines: LineIndex<'a>,
}

impl<'a> Locator<'a> {
    /// Index the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        Self::from_lines(LineIndex::new(text))
    }

    /// A locator over an existing line index.
    pub fn from_lines(lines: LineIndex<'a>) -> Self {
        Self { lines }
    }

    /// The line index, to locate findings in the same text.
    pub fn lines(&self) -> &LineIndex<'a> {
        &self.lines
    }

    /// Byte offset of a location; `None` for the parser's empty location.
    pub fn offset(&self, location: Location) -> Option<usize> {
        self.lines.offset(
            u32::try_from(location.line).ok()?,
            u32::try_from(location.column).ok()?,
        )
    }

    /// The parser's location of a byte offset (the inverse of
    /// [`Locator::offset`]).
    fn location(&self, offset: usize) -> Location {
        let (line, column) = self.lines.line_col(offset);
        Location {
            line: line.into(),
            column: column.into(),
        }
    }

    /// Byte range of a parser span, if it is not empty.
    pub fn range(&self, span: sqlparser::tokenizer::Span) -> Option<(usize, usize)> {
        let start = self.offset(span.start)?;
        let end = self.offset(span.end)?;
        (end > start).then_some((start, end))
    }
}

/// Split `sql` on top-level `;` and parse each statement with `dialect`.
pub fn parse_sql(sql: &str, dialect: Dialect) -> Parsed {
    StatementParser::new().parse(sql, dialect)
}

/// [`parse_sql`] for many texts: one token buffer serves them all. A text's
/// tokens take some fifty times its bytes (every space is a token), and a
/// fresh buffer per file spent more time growing and faulting in memory
/// than the tokenizer spent filling it.
#[derive(Debug, Default)]
pub struct StatementParser {
    tokens: Vec<TokenWithSpan>,
}

impl StatementParser {
    /// A parser with an empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Split `sql` on top-level `;` and parse each statement with `dialect`.
    pub fn parse(&mut self, sql: &str, dialect: Dialect) -> Parsed {
        self.parse_range(&Locator::new(sql), 0, sql.len(), dialect)
    }

    /// Parse the statements of `locator`'s text in `start..end` (a range
    /// this parser reported, to parse a statement again without keeping
    /// its tree), with byte ranges and spans that point into the whole
    /// text.
    pub fn parse_range(
        &mut self,
        locator: &Locator<'_>,
        start: usize,
        end: usize,
        dialect: Dialect,
    ) -> Parsed {
        let dialect = dialect.parser_dialect();
        let sql = locator.lines.text().get(start..end).unwrap_or_default();
        let base = locator.location(start);
        // The tokenizer counts from line 1, column 1 of the slice.
        let shift = |mut location: Location| {
            if location.line == 1 {
                location.column += base.column - 1;
            }
            if location.line > 0 {
                location.line += base.line - 1;
            }
            location
        };
        let mut parsed = Parsed::default();
        self.tokens.clear();
        if let Err(err) = Tokenizer::new(dialect.as_ref(), sql)
            .with_unescape(false)
            .tokenize_with_location_into_buf_with_mapper(&mut self.tokens, |mut token| {
                token.span.start = shift(token.span.start);
                token.span.end = shift(token.span.end);
                token
            })
        {
            self.tokens.clear();
            let error_at = locator.offset(shift(err.location)).unwrap_or(start);
            parsed.errors.push(ParseError {
                message: err.message,
                start: error_at,
                end,
            });
            return parsed;
        }
        let mut rest = self.tokens.drain(..);
        while !rest.as_slice().is_empty() {
            let len = rest
                .as_slice()
                .iter()
                .position(|t| matches!(t.token, Token::SemiColon))
                .map_or(rest.len(), |semi| semi + 1);
            let chunk = collapse_whitespace(rest.by_ref().take(len), len);
            parse_chunk(chunk, dialect.as_ref(), locator, &mut parsed);
        }
        parsed
    }
}

/// One statement's tokens, moved into a vector the parser can own, with
/// each run of spaces, tabs and line breaks made one token. The parser
/// skips whitespace; where it looks at it, it asks only whether there is
/// some and whether it holds a line break, which the merged token answers
/// the same, so an indented statement hands it half the tokens. Comments
/// are kept: they can carry optimizer hints.
fn collapse_whitespace(
    tokens: impl Iterator<Item = TokenWithSpan>,
    capacity: usize,
) -> Vec<TokenWithSpan> {
    let blank = |t: &Token| {
        matches!(
            t,
            Token::Whitespace(Whitespace::Space | Whitespace::Tab | Whitespace::Newline)
        )
    };
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(capacity);
    for token in tokens {
        if blank(&token.token)
            && let Some(last) = out.last_mut()
            && blank(&last.token)
        {
            if token.token == Token::Whitespace(Whitespace::Newline) {
                last.token = token.token;
            }
            last.span.end = token.span.end;
            continue;
        }
        out.push(token);
    }
    out
}

fn parse_chunk(
    chunk: Vec<TokenWithSpan>,
    dialect: &dyn sqlparser::dialect::Dialect,
    locator: &Locator<'_>,
    parsed: &mut Parsed,
) {
    let mut significant = chunk.iter().filter(|t| {
        !matches!(
            t.token,
            Token::Whitespace(_) | Token::SemiColon | Token::EOF
        )
    });
    let Some(first) = significant.next() else {
        return;
    };
    let start = locator.offset(first.span.start).unwrap_or(0);
    let chunk = without_drop_index_concurrently(chunk);
    let end = chunk
        .last()
        .and_then(|t| locator.offset(t.span.end))
        .unwrap_or(start);
    match Parser::new(dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(chunk)
        .parse_statements()
    {
        Ok(statements) => parsed
            .statements
            .extend(statements.into_iter().map(|statement| ParsedStatement {
                statement,
                start,
                end,
            })),
        Err(err) => parsed.errors.push(ParseError {
            message: err.to_string(),
            start,
            end,
        }),
    }
}

/// sqlparser does not know PostgreSQL's `DROP INDEX CONCURRENTLY`; the
/// keyword changes locking, not the schema, so it is removed before parsing.
fn without_drop_index_concurrently(mut chunk: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut words = chunk
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_)))
        .take(3)
        .map(|(i, t)| match &t.token {
            Token::Word(w) => (i, w.value.as_str()),
            _ => (i, ""),
        });
    let is = |word: Option<(usize, &str)>, keyword: &str| {
        word.filter(|(_, w)| w.eq_ignore_ascii_case(keyword))
            .map(|(i, _)| i)
    };
    if is(words.next(), "DROP").is_some()
        && is(words.next(), "INDEX").is_some()
        && let Some(at) = is(words.next(), "CONCURRENTLY")
    {
        chunk.remove(at);
    }
    chunk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_keep_their_byte_ranges() {
        let sql = "SELECT 1;\n-- note\nSELECT é FROM t;\nSELEC oops;\nSELECT 2";
        let parsed = parse_sql(sql, Dialect::PostgreSql);
        let ranges: Vec<&str> = parsed
            .statements
            .iter()
            .map(|s| &sql[s.start..s.end])
            .collect();
        assert_eq!(ranges, ["SELECT 1;", "SELECT é FROM t;", "SELECT 2"]);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(
            &sql[parsed.errors[0].start..parsed.errors[0].end],
            "SELEC oops;"
        );
    }

    #[test]
    fn whitespace_runs_merge_and_keep_their_line_breaks() {
        let dialect = sqlparser::dialect::PostgreSqlDialect {};
        let tokens = Tokenizer::new(&dialect, "SELECT  \t 'a'\n   'b' -- note\n  FROM\tt")
            .tokenize_with_location()
            .expect("tokenizes");
        let count = tokens.len();
        let merged = collapse_whitespace(tokens.into_iter(), count);
        let kinds: Vec<String> = merged.iter().map(|t| t.token.to_string()).collect();
        assert_eq!(
            kinds,
            [
                "SELECT",
                " ",
                "'a'",
                "\n",
                "'b'",
                " ",
                "-- note\n",
                "\n",
                "FROM",
                "\t",
                "t"
            ]
        );
        // Spans still cover the whole run.
        assert_eq!(
            (merged[3].span.start.line, merged[3].span.end.column),
            (1, 4)
        );
    }

    #[test]
    fn merged_whitespace_parses_as_the_original() {
        // Whitespace-sensitive corners: adjacent literals, `:name`
        // placeholders (no space allowed), comments, `E'...'` strings.
        let samples = [
            (Dialect::MySql, "SELECT 'a'\n   'b'   'c' FROM t"),
            (Dialect::Sqlite, "SELECT * FROM t WHERE id = :id"),
            (Dialect::Sqlite, "SELECT * FROM t WHERE id = : id"),
            (
                Dialect::PostgreSql,
                "SELECT a -- note\n  ,  b /* x */ FROM\tt WHERE c = E'\\n'",
            ),
            (Dialect::PostgreSql, "SELECT\n\n  1\n  +\n  2"),
            (Dialect::MySql, "SELECT /*+ BKA(t1) */   a FROM t1"),
        ];
        for (dialect, sql) in samples {
            let ours = parse_sql(sql, dialect);
            let theirs = Parser::parse_sql(dialect.parser_dialect().as_ref(), sql);
            match theirs {
                Ok(statements) => {
                    assert!(ours.errors.is_empty(), "{sql}: {:?}", ours.errors);
                    let ours: Vec<&Statement> =
                        ours.statements.iter().map(|s| &s.statement).collect();
                    assert_eq!(ours, statements.iter().collect::<Vec<_>>(), "{sql}");
                }
                Err(err) => {
                    assert_eq!(ours.errors.len(), 1, "{sql}");
                    assert_eq!(ours.errors[0].message, err.to_string(), "{sql}");
                }
            }
        }
    }

    #[test]
    fn a_range_parses_again_with_the_spans_of_the_whole_text() {
        use sqlparser::ast::Spanned;
        let sql = "SELECT 1;\n-- é\nSELECT 'é', b FROM t WHERE c = 'x';  UPDATE t\n  SET a = 1 WHERE b > 2;";
        let whole = parse_sql(sql, Dialect::PostgreSql);
        assert_eq!(whole.statements.len(), 3);
        let locator = Locator::new(sql);
        let mut parser = StatementParser::new();
        for first in &whole.statements {
            let again = parser.parse_range(&locator, first.start, first.end, Dialect::PostgreSql);
            let [second] = again.statements.as_slice() else {
                panic!("one statement: {again:?}");
            };
            assert_eq!(second.statement, first.statement);
            assert_eq!((second.start, second.end), (first.start, first.end));
            assert_eq!(second.statement.span(), first.statement.span());
            let range = locator.range(second.statement.span()).expect("span");
            assert_eq!(
                &sql[range.0..range.1],
                sql[first.start..first.end].trim_end_matches(';')
            );
        }
    }

    #[test]
    fn unterminated_string_is_an_error_not_a_panic() {
        let parsed = parse_sql("SELECT 'abc", Dialect::Generic);
        assert!(parsed.statements.is_empty());
        assert_eq!(parsed.errors.len(), 1);
    }

    #[test]
    fn hostile_nesting_fails_cleanly() {
        let sql = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
        let parsed = parse_sql(&sql, Dialect::Generic);
        assert_eq!(parsed.errors.len(), 1);
    }
}
