//! Line-oriented key/value formats: INI (PgBouncer, and supervisord's as
//! Python's configparser reads it), Java `.properties` (Spring), dotenv
//! (`.env`).

/// A key, its value and its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// INI section (lower-cased for PgBouncer, as written for
    /// configparser), empty outside any section.
    pub section: String,
    /// Key as written.
    pub key: String,
    /// Unquoted value.
    pub value: String,
    /// 1-based line.
    pub line: u32,
}

/// Parse an INI file as PgBouncer reads it: `[section]`, `key = value`,
/// `;` and `#` comments. Lines that fit neither shape are returned as
/// errors with their line number.
pub fn parse_ini(text: &str) -> (Vec<Entry>, Vec<(u32, String)>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut section = String::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index as u32 + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            match rest.strip_suffix(']') {
                Some(name) => section = name.trim().to_ascii_lowercase(),
                None => errors.push((line, format!("unterminated section header `{trimmed}`"))),
            }
            continue;
        }
        match trimmed.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => entries.push(Entry {
                section: section.clone(),
                key: key.trim().to_owned(),
                value: unquote(value.trim()).to_owned(),
                line,
            }),
            _ => errors.push((line, format!("expected `key = value`, found `{trimmed}`"))),
        }
    }
    (entries, errors)
}

/// Parse an INI file as Python's configparser reads it for supervisord:
/// `[section]` headers (names as written), `key = value` or `key: value`
/// (keys lower-cased), `;` / `#` comments on their own line or after a
/// blank, values continued on lines indented deeper than their key
/// (joined with newlines, empty lines inside kept). Lines before any
/// section or without a delimiter are errors.
pub fn parse_configparser(text: &str) -> (Vec<Entry>, Vec<(u32, String)>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut errors = Vec::new();
    let mut section: Option<String> = None;
    // The entry continuation lines extend, and its key's indentation.
    let mut current: Option<(usize, usize)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index as u32 + 1;
        let inline = raw.char_indices().find(|&(i, c)| {
            matches!(c, ';' | '#') && (i == 0 || raw[..i].ends_with(char::is_whitespace))
        });
        let full = raw.trim_start().starts_with([';', '#']);
        let comment = if full {
            Some(0)
        } else {
            inline.map(|(i, _)| i)
        };
        let value = raw[..comment.unwrap_or(raw.len())].trim();
        if value.is_empty() {
            // An empty line inside a value is kept; a comment line is not.
            if let (None, Some((at, _))) = (comment, current) {
                entries[at].value.push('\n');
            }
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        if let Some((at, key_indent)) = current
            && indent > key_indent
        {
            let entry = &mut entries[at];
            entry.value.push('\n');
            entry.value.push_str(value);
            continue;
        }
        current = None;
        if let Some(header) = value
            .strip_prefix('[')
            .and_then(|rest| rest.rsplit_once(']'))
            .map(|(name, _)| name)
            .filter(|name| !name.is_empty())
        {
            section = Some(header.to_owned());
            continue;
        }
        let Some(section) = &section else {
            errors.push((line, format!("`{value}` is outside any `[section]`")));
            continue;
        };
        match value.find(['=', ':']) {
            Some(at) if !value[..at].trim().is_empty() => {
                entries.push(Entry {
                    section: section.clone(),
                    key: value[..at].trim().to_ascii_lowercase(),
                    value: value[at + 1..].trim().to_owned(),
                    line,
                });
                current = Some((entries.len() - 1, indent));
            }
            _ => errors.push((line, format!("expected `key = value`, found `{value}`"))),
        }
    }
    for entry in &mut entries {
        entry.value.truncate(entry.value.trim_end().len());
    }
    (entries, errors)
}

/// Parse a Java `.properties` file: `key=value`, `key: value` or
/// `key value`, `#`/`!` comments, `\` line continuations and escapes.
pub fn parse_properties(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut logical = String::new();
    let mut start_line = 0;
    for (index, raw) in text.lines().enumerate() {
        let piece = if logical.is_empty() {
            raw.trim_start()
        } else {
            raw.trim()
        };
        if logical.is_empty() {
            if piece.is_empty() || piece.starts_with('#') || piece.starts_with('!') {
                continue;
            }
            start_line = index as u32 + 1;
        }
        // An odd number of trailing backslashes continues the line.
        let trailing = piece.bytes().rev().take_while(|&b| b == b'\\').count();
        if trailing % 2 == 1 {
            logical.push_str(&piece[..piece.len() - 1]);
            continue;
        }
        logical.push_str(piece);
        entries.push(property_entry(&logical, start_line));
        logical.clear();
    }
    if !logical.is_empty() {
        entries.push(property_entry(&logical, start_line));
    }
    entries
}

fn property_entry(logical: &str, line: u32) -> Entry {
    let mut key = String::new();
    let mut chars = logical.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    key.push(next);
                }
            }
            '=' | ':' => break,
            c if c.is_whitespace() => {
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
                chars.next_if(|&c| c == '=' || c == ':');
                break;
            }
            c => key.push(c),
        }
    }
    let rest: String = chars.collect();
    let mut value = String::new();
    let mut rest_chars = rest.trim_start().chars();
    while let Some(c) = rest_chars.next() {
        match c {
            '\\' => match rest_chars.next() {
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some(other) => value.push(other),
                None => {}
            },
            c => value.push(c),
        }
    }
    Entry {
        section: String::new(),
        key,
        value,
        line,
    }
}

/// Parse a dotenv file: `KEY=value`, optional `export `, single or double
/// quotes, `#` comments after unquoted values. Malformed lines are errors.
pub fn parse_dotenv(text: &str) -> (Vec<Entry>, Vec<(u32, String)>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index as u32 + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let body = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let Some((key, value)) = body.split_once('=') else {
            errors.push((line, format!("expected `KEY=value`, found `{trimmed}`")));
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            errors.push((line, format!("invalid variable name `{key}`")));
            continue;
        }
        let value = value.trim();
        let value = match value.chars().next() {
            Some(q @ ('"' | '\'')) => match value[1..].find(q) {
                Some(end) => value[1..=end].to_owned(),
                None => {
                    errors.push((line, format!("unterminated quote in `{key}`")));
                    continue;
                }
            },
            _ => value
                .split_once(" #")
                .map_or(value, |(v, _)| v)
                .trim_end()
                .to_owned(),
        };
        entries.push(Entry {
            section: String::new(),
            key: key.to_owned(),
            value,
            line,
        });
    }
    (entries, errors)
}

fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_errors() {
        let (entries, errors) = parse_ini(
            "; c\n[pgbouncer]\npool_mode = transaction\n[databases]\napp = host=db pool_size=30\nbroken\n[oops\n",
        );
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].section, "pgbouncer");
        assert_eq!(entries[1].value, "host=db pool_size=30");
        assert_eq!(entries[1].line, 5);
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [6, 7]);
    }

    #[test]
    fn configparser_continuations_comments_and_errors() {
        let text = "; supervisord\norphan = 1\n[program:Cache]\nCommand = redis-server\n    --maxmemory 1gb ; cap\n\n    --save ''\nautostart: true # yes\nurl=http://x#y\n[group:g]\nbroken\n";
        let (entries, errors) = parse_configparser(text);
        let found: Vec<(&str, &str, &str, u32)> = entries
            .iter()
            .map(|e| (e.section.as_str(), e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "program:Cache",
                    "command",
                    "redis-server\n--maxmemory 1gb\n\n--save ''",
                    4
                ),
                ("program:Cache", "autostart", "true", 8),
                ("program:Cache", "url", "http://x#y", 9),
            ]
        );
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 11]);
    }

    #[test]
    fn properties_separators_and_continuations() {
        let entries =
            parse_properties("# c\na.b=1\nc.d : two\ne.f three\ng=long \\\n  value\nh\\:i=j\n");
        let pairs: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("a.b", "1"),
                ("c.d", "two"),
                ("e.f", "three"),
                ("g", "long value"),
                ("h:i", "j")
            ]
        );
        assert_eq!(entries[3].line, 5);
    }

    #[test]
    fn dotenv_quotes_comments_and_errors() {
        let (entries, errors) =
            parse_dotenv("export A=1\nB=\"x # y\"\nC=plain # note\nnot a pair\nD='open\n");
        let pairs: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(pairs, [("A", "1"), ("B", "x # y"), ("C", "plain")]);
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [4, 5]);
    }
}
