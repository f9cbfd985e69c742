//! Splitting SQL text into statements with byte ranges, and parsing each
//! one on its own so a bad statement never hides the good ones around it.

use sqlparser::ast::Statement;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

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
/// characters) back to byte offsets of the text.
#[derive(Debug, Clone)]
pub struct Locator<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    /// Index the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { text, line_starts }
    }

    /// Byte offset of a location; `None` for the parser's empty location.
    pub fn offset(&self, location: Location) -> Option<usize> {
        let line = usize::try_from(location.line).ok()?.checked_sub(1)?;
        let column = usize::try_from(location.column).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(line)?;
        let rest = &self.text[start..];
        Some(
            start
                + rest
                    .char_indices()
                    .nth(column)
                    .map_or(rest.len(), |(i, _)| i),
        )
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
    let dialect = dialect.parser_dialect();
    let locator = Locator::new(sql);
    let mut parsed = Parsed::default();
    let tokens = match Tokenizer::new(dialect.as_ref(), sql)
        .with_unescape(false)
        .tokenize_with_location()
    {
        Ok(tokens) => tokens,
        Err(err) => {
            let start = locator.offset(err.location).unwrap_or(0);
            parsed.errors.push(ParseError {
                message: err.message,
                start,
                end: sql.len(),
            });
            return parsed;
        }
    };

    let mut chunk: Vec<TokenWithSpan> = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let is_end = matches!(token.token, Token::SemiColon);
        chunk.push(token);
        if is_end || tokens.peek().is_none() {
            parse_chunk(
                std::mem::take(&mut chunk),
                dialect.as_ref(),
                &locator,
                &mut parsed,
            );
        }
    }
    parsed
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
    let words: Vec<(usize, String)> = chunk
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match &t.token {
            Token::Word(w) => Some((i, w.value.to_ascii_uppercase())),
            Token::Whitespace(_) => None,
            _ => Some((i, String::new())),
        })
        .take(3)
        .collect();
    if let [(_, a), (_, b), (at, c)] = words.as_slice()
        && a == "DROP"
        && b == "INDEX"
        && c == "CONCURRENTLY"
    {
        chunk.remove(*at);
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
