//! Connection URLs in `.env` files and `schema.prisma`: Prisma's
//! `connection_limit` (pool size) and timeouts in URL parameters.

use perfwarden_sdk::{Output, Span};

use crate::parse::js::{Tok, tokenize};
use crate::parse::keyvalue::parse_dotenv;
use crate::parse::url;
use crate::pools::{Pool, number, plain};
use crate::template::template_kind;
use crate::units::postgres_duration_s;

/// Pools of a dotenv file: one per variable holding a database URL.
pub fn dotenv_pools(path: &str, text: &str, out: &mut Output) -> Vec<Pool> {
    let (entries, errors) = parse_dotenv(text);
    for (line, message) in errors {
        out.note(format!("{path}: {message}"), Some(Span::line(path, line)));
    }
    entries
        .iter()
        .filter_map(|e| url_pool(path, &e.key, &e.value, e.line, out))
        .collect()
}

/// Pools of a schema.prisma `datasource` whose `url` is a literal.
pub fn prisma_pools(path: &str, text: &str, out: &mut Output) -> Vec<Pool> {
    let tokens = match tokenize(text) {
        Ok(tokens) => tokens,
        Err(offset) => {
            let line = text[..offset.min(text.len())].matches('\n').count() as u32 + 1;
            out.note(
                format!("{path}: unterminated string or comment"),
                Some(Span::line(path, line)),
            );
            return Vec::new();
        }
    };
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() as u32 + 1;
    let mut pools = Vec::new();
    let mut i = 0;
    while i + 2 < tokens.len() {
        let is_datasource =
            tokens[i].0 == Tok::Ident("datasource".into()) && tokens[i + 2].0 == Tok::Punct('{');
        if !is_datasource {
            i += 1;
            continue;
        }
        let name = match &tokens[i + 1].0 {
            Tok::Ident(n) => n.clone(),
            _ => String::new(),
        };
        let mut j = i + 3;
        while j < tokens.len() && tokens[j].0 != Tok::Punct('}') {
            let is_url = tokens[j].0 == Tok::Ident("url".into())
                && tokens.get(j + 1).map(|t| &t.0) == Some(&Tok::Punct('='));
            if is_url {
                match tokens.get(j + 2) {
                    Some((Tok::Str(value), offset)) => {
                        pools.extend(url_pool(path, &format!("datasource {name}"), value, line_of(*offset), out));
                    }
                    Some((Tok::Ident(f), offset)) if f == "env" => out.note(
                        format!("{path}: datasource `{name}` reads its URL from the environment; its pool parameters are read from the analyzed .env files"),
                        Some(Span::line(path, line_of(*offset))),
                    ),
                    _ => {}
                }
            }
            j += 1;
        }
        i = j;
    }
    pools
}

/// The pool settings of a database URL; `None` for other values.
fn url_pool(path: &str, name: &str, value: &str, line: u32, out: &mut Output) -> Option<Pool> {
    if let Some(kind) = template_kind(value) {
        if value.contains("://") {
            out.note(
                format!("{path}: `{name}` is {kind}-templated: its pool parameters are set at deploy time"),
                Some(Span::line(path, line)),
            );
        }
        return None;
    }
    let parsed = url::parse(value)?;
    let database = matches!(
        parsed.scheme.as_str(),
        "postgres" | "postgresql" | "mysql" | "mariadb" | "sqlserver" | "cockroachdb"
    );
    if !database {
        return None;
    }
    let mut pool = Pool::new("database", format!("url:{name}"), line);
    let param = |key: &str| parsed.param(key).map(|v| (v, line));
    pool.max = number(
        param("connection_limit"),
        "connection_limit",
        path,
        1.0,
        plain,
        out,
    )
    .ok()
    .flatten();
    if parsed.param("connection_limit").is_none() && parsed.param("pgbouncer").is_none() {
        out.note(
            format!("{path}: `{name}` sets no `connection_limit`: Prisma then opens 2 × CPU cores + 1 connections per instance"),
            Some(Span::line(path, line)),
        );
    }
    let options_timeout = parsed.param("options").and_then(|options| {
        options
            .split_whitespace()
            .filter(|w| *w != "-c")
            .find_map(|w| {
                w.trim_start_matches("-c")
                    .strip_prefix("statement_timeout=")
            })
    });
    let statement = parsed
        .param("statement_timeout")
        .or(options_timeout)
        .map(|v| (v, line));
    pool.statement_timeout = number(
        statement,
        "statement_timeout",
        path,
        1.0,
        postgres_duration_s,
        out,
    )
    .ok()
    .flatten();
    let has_any = pool.max.is_some() || pool.statement_timeout.is_some();
    has_any.then_some(pool)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pools::Setting;

    #[test]
    fn prisma_url_parameters() {
        let text = "# db\nDATABASE_URL=\"postgresql://u:p@db:5432/shop?schema=public&connection_limit=40&pool_timeout=10\"\nREDIS_URL=redis://cache:6379\n";
        let mut out = Output::default();
        let pools = dotenv_pools(".env", text, &mut out);
        assert_eq!(pools.len(), 1);
        assert_eq!(pools[0].client, "url:DATABASE_URL");
        assert_eq!(pools[0].max, Some(Setting::set(40.0, 2)));
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    #[test]
    fn missing_limit_is_a_note_and_options_timeout_is_read() {
        let text = "DATABASE_URL=postgres://db/shop?options=-c%20statement_timeout%3D5000\n";
        let mut out = Output::default();
        let pools = dotenv_pools(".env", text, &mut out);
        assert_eq!(pools[0].statement_timeout, Some(Setting::set(5.0, 1)));
        assert!(out.notes[0].message.contains("2 × CPU cores + 1"));
    }

    #[test]
    fn schema_prisma_literal_and_env_urls() {
        let text = "datasource db {\n  provider = \"postgresql\"\n  url = \"postgresql://db/shop?connection_limit=8\"\n}\n\
                    datasource other {\n  url = env(\"OTHER_URL\")\n}\n";
        let mut out = Output::default();
        let pools = prisma_pools("prisma/schema.prisma", text, &mut out);
        assert_eq!(pools[0].client, "url:datasource db");
        assert_eq!(pools[0].max, Some(Setting::set(8.0, 3)));
        assert_eq!(out.notes.len(), 1);
        assert_eq!(out.notes[0].span.as_ref().unwrap().line, 6);
    }
}
