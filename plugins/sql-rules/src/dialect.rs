//! SQL dialects: parser selection and detection from the text itself.

use sqlparser::dialect::{GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::tokenizer::{Token, Tokenizer};

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
    /// types for PostgreSQL. Generic when nothing decides.
    pub fn detect(sql: &str) -> Self {
        // The head of a file shows its engine; tokenizing all of a large
        // dump twice would double the cost of parsing it.
        let mut end = sql.len().min(DETECT_LEN);
        while !sql.is_char_boundary(end) {
            end -= 1;
        }
        // A cut inside a string literal fails to tokenize: back off to the
        // last statement end.
        let head = match sql[..end].rfind(';') {
            Some(semi) if end < sql.len() => &sql[..=semi],
            _ => &sql[..end],
        };
        let Ok(tokens) = Tokenizer::new(&GenericDialect {}, head).tokenize() else {
            return Self::Generic;
        };
        let (mut pg, mut my, mut lite) = (0u32, 0u32, 0u32);
        for token in &tokens {
            match token {
                Token::DoubleColon => pg += 1,
                Token::Placeholder(p) if p.starts_with('$') => pg += 1,
                Token::Word(w) if w.quote_style == Some('`') => my += 1,
                Token::Word(w) if w.quote_style.is_none() => {
                    match w.value.to_ascii_lowercase().as_str() {
                        "concurrently" | "serial" | "bigserial" | "jsonb" | "timestamptz"
                        | "ilike" | "returning" | "plpgsql" => pg += 1,
                        "auto_increment" | "engine" | "unsigned" | "tinyint" | "mediumtext" => {
                            my += 1;
                        }
                        "autoincrement" | "pragma" | "without" => lite += 1,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
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
