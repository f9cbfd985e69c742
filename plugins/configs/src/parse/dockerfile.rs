//! Dockerfile grammar: instructions (case-insensitive keyword, arguments),
//! the `# escape=` parser directive, escaped-newline continuations (with
//! comment lines inside them dropped, as BuildKit does), here-document
//! bodies skipped, and the exec (JSON array) or shell form of `CMD` /
//! `ENTRYPOINT`.

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`FROM`, `CMD`...).
    pub keyword: String,
    /// Arguments with continuations joined.
    pub args: String,
    /// 1-based line of the keyword.
    pub line: u32,
}

/// How `CMD`, `ENTRYPOINT` and `RUN` give their command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// `["redis-server", "--maxmemory", "1gb"]`: run as is, no shell.
    Exec(Vec<String>),
    /// `redis-server --maxmemory 1gb`: run by `/bin/sh -c`.
    Shell(String),
}

/// Parse a Dockerfile into instructions.
pub fn parse(text: &str) -> Vec<Instruction> {
    let lines: Vec<&str> = text.lines().collect();
    let escape = escape_char(&lines);
    let mut instructions = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let line = i as u32 + 1;
        let mut logical = String::new();
        let mut piece = trimmed.to_owned();
        loop {
            let continued = piece.trim_end().ends_with(escape);
            if !continued {
                logical.push_str(&piece);
                break;
            }
            let body = piece.trim_end();
            logical.push_str(&body[..body.len() - escape.len_utf8()]);
            logical.push(' ');
            i += 1;
            // Comment and blank lines inside a continuation are dropped.
            while i < lines.len() && {
                let t = lines[i].trim();
                t.is_empty() || t.starts_with('#')
            } {
                i += 1;
            }
            match lines.get(i) {
                Some(next) => piece = next.trim().to_owned(),
                None => break,
            }
        }
        i += 1;
        let (keyword, args) = logical
            .split_once(char::is_whitespace)
            .unwrap_or((logical.as_str(), ""));
        // `RUN <<EOF` (BuildKit): the body up to the delimiter is not instructions.
        if let Some(delimiter) = heredoc_delimiter(args) {
            while i < lines.len() && lines[i].trim() != delimiter {
                i += 1;
            }
            i += 1;
        }
        instructions.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_owned(),
            line,
        });
    }
    instructions
}

/// `# escape=`` ` among the parser directives before the first instruction.
fn escape_char(lines: &[&str]) -> char {
    for line in lines {
        let Some(directive) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = directive.split_once('=') else {
            break;
        };
        if name.trim().eq_ignore_ascii_case("escape") {
            return match value.trim() {
                "`" => '`',
                _ => '\\',
            };
        }
    }
    '\\'
}

fn heredoc_delimiter(args: &str) -> Option<String> {
    let at = args.find("<<")?;
    let rest = args[at + 2..].trim_start_matches('-');
    let word: String = rest
        .trim_matches(|c| c == '"' || c == '\'')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()
        && rest.starts_with(|c: char| c.is_ascii_uppercase() || c == '"' || c == '\''))
    .then_some(word)
}

/// The form of a `CMD` / `ENTRYPOINT` / `RUN` argument: a JSON array of
/// strings is the exec form; anything else (invalid JSON included, as
/// Docker does) the shell form.
pub fn form(args: &str) -> Form {
    if args.starts_with('[')
        && let Ok(words) = serde_json::from_str::<Vec<String>>(args)
    {
        return Form::Exec(words);
    }
    Form::Shell(args.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_continuations_and_forms() {
        let text = "# syntax=docker/dockerfile:1\nFROM redis:7-alpine AS base\n\
                    COPY redis.conf /usr/local/etc/redis/redis.conf\n\
                    RUN <<EOF\nCMD not an instruction\nEOF\n\
                    cmd redis-server /usr/local/etc/redis/redis.conf \\\n  # the cap\n  --maxmemory 256mb\n\
                    ENTRYPOINT [\"docker-entrypoint.sh\"]\n";
        let all = parse(text);
        let keys: Vec<&str> = all.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(keys, ["FROM", "COPY", "RUN", "CMD", "ENTRYPOINT"]);
        assert_eq!(all[3].line, 7);
        assert_eq!(
            form(&all[3].args),
            Form::Shell("redis-server /usr/local/etc/redis/redis.conf  --maxmemory 256mb".into())
        );
        assert_eq!(
            form(&all[4].args),
            Form::Exec(vec!["docker-entrypoint.sh".into()])
        );
        // Invalid JSON is the shell form, as in Docker.
        assert_eq!(form("[redis-server]"), Form::Shell("[redis-server]".into()));
    }

    #[test]
    fn escape_directive() {
        let all = parse("# escape=`\nFROM redis\nCMD redis-server `\n  --maxmemory 1gb\n");
        assert_eq!(all[1].args, "redis-server  --maxmemory 1gb");
    }
}
