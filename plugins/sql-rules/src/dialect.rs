//! SQL dialects: parser selection and detection from the text itself.

use sqlparser::dialect::{GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};

/// Bytes of a text [`Dialect::detect`] looks at.
const DETECT_LEN: usize = 64 * 1024;

/// The SQL dialect of a text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// PostgreSQL.
    PostgreSql,
    /// MySQL and MariaDB.
    MySql,
    /// SQLite.
    Sqlite,
    /// Anything else: a permissive parser, and no engine-specific advice.
    #[default]
    Generic,
}

impl Dialect {
    /// The dialect a configuration names: `postgres`/`postgresql`/`pg`,
    /// `mysql`/`mariadb`, `sqlite`, `generic`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Some(Self::PostgreSql),
            "mysql" | "mariadb" => Some(Self::MySql),
            "sqlite" | "sqlite3" => Some(Self::Sqlite),
            "generic" | "ansi" => Some(Self::Generic),
            _ => None,
        }
    }

    /// Guess the dialect from engine-specific syntax: backquoted names and
    /// `AUTO_INCREMENT`/`ENGINE` for MySQL, `AUTOINCREMENT`/`PRAGMA` for
    /// SQLite, `::` casts, `$1` parameters and PostgreSQL-only keywords and
    /// types for PostgreSQL. Generic when nothing decides, or when a string,
    /// quoted name or comment of a text that is not cut never ends.
    pub fn detect(sql: &str) -> Self {
        // The head of a file shows its engine. It is scanned, not
        // tokenized: a tokenizer pass here cost as much as the parse that
        // follows it (every space a token, every word a String).
        let mut end = sql.len().min(DETECT_LEN);
        while !sql.is_char_boundary(end) {
            end -= 1;
        }
        let Some(votes) = Votes::count(&sql.as_bytes()[..end], end < sql.len()) else {
            return Self::Generic;
        };
        let Votes { pg, my, lite } = votes;
        let best = pg.max(my).max(lite);
        if best == 0 {
            Self::Generic
        } else if best == pg {
            Self::PostgreSql
        } else if best == my {
            Self::MySql
        } else {
            Self::Sqlite
        }
    }

    pub(crate) fn parser_dialect(self) -> Box<dyn sqlparser::dialect::Dialect> {
        match self {
            Self::PostgreSql => Box::new(PostgreSqlDialect {}),
            Self::MySql => Box::new(MySqlDialect {}),
            Self::Sqlite => Box::new(SQLiteDialect {}),
            Self::Generic => Box::new(GenericDialect {}),
        }
    }

    /// The statement that adds an index without blocking writes, where the
    /// engine has one.
    pub fn create_index_fix(self, table: &str, columns: &[String]) -> String {
        let mut name = format!("idx_{table}");
        // Expression keys such as `(lower(email))` name as `lower_email`.
        for word in columns
            .iter()
            .flat_map(|c| c.split(|ch: char| !ch.is_alphanumeric() && ch != '_'))
            .filter(|w| !w.is_empty())
        {
            name.push('_');
            name.push_str(word);
        }
        // PostgreSQL truncates identifiers at 63 bytes; MySQL refuses > 64.
        if name.len() > 63 {
            let mut cut = 63;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            name.truncate(cut);
        }
        let list = columns.join(", ");
        match self {
            Self::PostgreSql | Self::Generic => {
                format!("CREATE INDEX CONCURRENTLY {name} ON {table} ({list});")
            }
            Self::MySql => {
                format!(
                    "ALTER TABLE {table} ADD INDEX {name} ({list}), ALGORITHM=INPLACE, LOCK=NONE;"
                )
            }
            Self::Sqlite => format!("CREATE INDEX {name} ON {table} ({list});"),
        }
    }
}

/// Engine-specific signs in a SQL text, found by a scan that follows the
/// lexical rules of sqlparser's generic dialect where they matter: words,
/// quoted strings and names, comments, dollar quotes and `::`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Votes {
    pg: u32,
    my: u32,
    lite: u32,
}

impl Votes {
    /// `None` when a string, quoted name, dollar quote or block comment
    /// runs past the end of a text that was not `cut` (the tokenizer
    /// rejects such a text, and it says nothing reliable).
    fn count(text: &[u8], cut: bool) -> Option<Self> {
        let mut votes = Self::default();
        let mut i = 0;
        while let Some(&b) = text.get(i) {
            let next = text.get(i + 1).copied();
            i = match b {
                b'-' if next == Some(b'-') => {
                    Some(memchr(b'\n', text, i).map_or(text.len(), |nl| nl + 1))
                }
                b'/' if next == Some(b'*') => block_comment_end(text, i + 2),
                b'\'' => quoted_end(text, i + 1, b'\'', false),
                b'"' => quoted_end(text, i + 1, b'"', false),
                b'`' => {
                    votes.my += 1;
                    quoted_end(text, i + 1, b'`', false)
                }
                b'$' => {
                    let tag_end = i + 1 + text[i + 1..].iter().take_while(|c| is_tag(**c)).count();
                    if text.get(tag_end) == Some(&b'$') {
                        let delimiter = &text[i..=tag_end];
                        find(text, delimiter, tag_end + 1).map(|at| at + delimiter.len())
                    } else {
                        // `$1`, `$name`, a lone `$`: a placeholder.
                        votes.pg += 1;
                        Some(tag_end)
                    }
                }
                b':' if next == Some(b':') => {
                    votes.pg += 1;
                    Some(i + 2)
                }
                _ if is_word_start(b) => {
                    let end = i + text[i..].iter().take_while(|c| is_word_part(**c)).count();
                    // `E'...'` strings take backslash escapes.
                    if end == i + 1 && b.eq_ignore_ascii_case(&b'e') && next == Some(b'\'') {
                        quoted_end(text, end + 1, b'\'', true)
                    } else {
                        votes.word(&text[i..end]);
                        Some(end)
                    }
                }
                _ => Some(i + 1),
            }
            .or(cut.then_some(text.len()))?;
        }
        Some(votes)
    }

    fn word(&mut self, word: &[u8]) {
        let is = |keywords: &[&str]| {
            keywords
                .iter()
                .any(|k| word.eq_ignore_ascii_case(k.as_bytes()))
        };
        if is(&[
            "concurrently",
            "serial",
            "bigserial",
            "jsonb",
            "timestamptz",
            "ilike",
            "returning",
            "plpgsql",
        ]) {
            self.pg += 1;
        } else if is(&[
            "auto_increment",
            "engine",
            "unsigned",
            "tinyint",
            "mediumtext",
        ]) {
            self.my += 1;
        } else if is(&["autoincrement", "pragma", "without"]) {
            self.lite += 1;
        }
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'#' | b'@') || b >= 0x80
}

fn is_word_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'#' | b'@' | b'$') || b >= 0x80
}

fn is_tag(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn memchr(needle: u8, text: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(needle, &text[from..]).map(|p| from + p)
}

fn find(text: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(text.get(from..)?, needle).map(|p| from + p)
}

/// Just past the closing quote; a doubled quote is an escaped one.
fn quoted_end(text: &[u8], mut i: usize, quote: u8, backslash: bool) -> Option<usize> {
    while let Some(&b) = text.get(i) {
        if backslash && b == b'\\' {
            i += 2;
        } else if b == quote {
            if text.get(i + 1) != Some(&quote) {
                return Some(i + 1);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

/// Just past the `*/` closing a (nestable) block comment.
fn block_comment_end(text: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 1;
    while i + 1 < text.len() {
        match (text[i], text[i + 1]) {
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::Dialect;

    #[test]
    fn detects_engines_from_their_syntax() {
        assert_eq!(
            Dialect::detect("CREATE TABLE u (id bigserial PRIMARY KEY, d jsonb)"),
            Dialect::PostgreSql
        );
        assert_eq!(
            Dialect::detect("SELECT id FROM users WHERE id = $1 AND created_at > now()::date"),
            Dialect::PostgreSql
        );
        assert_eq!(
            Dialect::detect("CREATE TABLE `u` (`id` INT AUTO_INCREMENT) ENGINE=InnoDB"),
            Dialect::MySql
        );
        assert_eq!(
            Dialect::detect("CREATE TABLE u (id INTEGER PRIMARY KEY AUTOINCREMENT)"),
            Dialect::Sqlite
        );
        assert_eq!(Dialect::detect("SELECT id FROM users"), Dialect::Generic);
        assert_eq!(Dialect::detect("SELECT 'unterminated"), Dialect::Generic);
    }

    #[test]
    fn detection_skips_strings_comments_and_dollar_quotes() {
        // Engine words inside literals, names and comments do not vote.
        assert_eq!(
            Dialect::detect(
                "-- ENGINE=InnoDB, AUTO_INCREMENT\n/* unsigned /* nested */ tinyint */\n\
                 SELECT 'engine', \"unsigned\" FROM t WHERE note = 'it''s pragma' AND x = 1;"
            ),
            Dialect::Generic
        );
        // A dollar-quoted body is one literal; `E'...'` escapes with a backslash.
        assert_eq!(
            Dialect::detect(
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT `a` AUTO_INCREMENT $body$ LANGUAGE sql;\n\
                 SELECT E'it\\'s `x`', id FROM t WHERE id = $1;"
            ),
            Dialect::PostgreSql
        );
        assert_eq!(Dialect::detect("SELECT $$ unterminated"), Dialect::Generic);
        // A large file is judged by its head, even when the cut falls in a string.
        let mut dump =
            "CREATE TABLE `t` (`id` INT AUTO_INCREMENT) ENGINE=InnoDB;\nINSERT INTO `t` VALUES ('"
                .to_owned();
        dump.push_str(&"x".repeat(super::DETECT_LEN));
        dump.push_str("');");
        assert_eq!(Dialect::detect(&dump), Dialect::MySql);
    }

    #[test]
    fn names_and_fixes() {
        assert_eq!(Dialect::from_name("PostgreSQL"), Some(Dialect::PostgreSql));
        assert_eq!(Dialect::from_name("mariadb"), Some(Dialect::MySql));
        assert_eq!(Dialect::from_name("oracle"), None);
        let cols = ["user_id".to_owned(), "created_at".to_owned()];
        assert_eq!(
            Dialect::PostgreSql.create_index_fix("orders", &cols),
            "CREATE INDEX CONCURRENTLY idx_orders_user_id_created_at ON orders (user_id, created_at);"
        );
        assert!(
            Dialect::MySql
                .create_index_fix("orders", &cols)
                .contains("LOCK=NONE")
        );
        let long = ["c".repeat(80)];
        let fix = Dialect::Sqlite.create_index_fix("t", &long);
        assert_eq!(fix.split(' ').nth(2).map(str::len), Some(63));
        assert_eq!(
            Dialect::PostgreSql.create_index_fix("users", &["(lower(email))".to_owned()]),
            "CREATE INDEX CONCURRENTLY idx_users_lower_email ON users ((lower(email)));"
        );
    }
}
