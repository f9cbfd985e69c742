//! redis.conf grammar: one directive per line, arguments split like
//! Redis's own `sdssplitargs` (double quotes with `\n`, `\xHH`... escapes,
//! single quotes with `\'`), `#` comments, later lines overriding earlier
//! ones. `redis-server` command-line flags (`--maxmemory 100mb`) use the
//! same directives.

use crate::template::template_kind;
use crate::units::redis_memory_bytes;

/// One directive line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Lower-cased directive name.
    pub name: String,
    /// Arguments, unquoted.
    pub args: Vec<String>,
    /// 1-based line.
    pub line: u32,
    /// Index of the file it comes from, in the order the server reads them
    /// (0: the file or command itself, then includes).
    pub file: usize,
    /// An argument is templated or a shell expansion: known only at deploy time.
    pub templated: bool,
}

/// A value as effective in the server: configured on a line, or Redis's
/// built-in default.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// The line that set it; `None` for the built-in default.
    pub line: Option<u32>,
    /// Index of the file of that line (see [`Line::file`]).
    pub file: usize,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Self {
            value,
            line: None,
            file: 0,
        }
    }

    fn at(value: T, line: &Line) -> Self {
        Self {
            value,
            line: Some(line.line),
            file: line.file,
        }
    }
}

/// The settings perfwarden reads from a redis.conf.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisConf {
    /// Every directive, in file order.
    pub lines: Vec<Line>,
    /// `maxmemory` in bytes (0 = no limit, the default).
    pub maxmemory: Setting<u64>,
    /// `maxmemory-policy` (default `noeviction`).
    pub maxmemory_policy: Setting<String>,
    /// Idle client `timeout` in seconds (default 0 = never).
    pub timeout: Setting<u64>,
    /// `tcp-keepalive` in seconds (default 300).
    pub tcp_keepalive: Setting<u64>,
    /// Problems with single lines (bad quoting, bad numbers): line,
    /// message and file index (see [`Line::file`]).
    pub errors: Vec<(u32, String, usize)>,
}

/// Split a line into arguments like Redis does; `Err` on unbalanced quotes
/// or a closing quote not followed by a space.
pub fn split_args(line: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            return Ok(args);
        };
        let mut arg = String::new();
        match first {
            '"' => {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err("unbalanced double quotes".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => arg.push('\n'),
                            Some('r') => arg.push('\r'),
                            Some('t') => arg.push('\t'),
                            Some('b') => arg.push('\u{8}'),
                            Some('a') => arg.push('\u{7}'),
                            Some('x') => {
                                let hex: String = chars.by_ref().take(2).collect();
                                match u8::from_str_radix(&hex, 16) {
                                    Ok(byte) => arg.push(char::from(byte)),
                                    Err(_) => {
                                        arg.push('x');
                                        arg.push_str(&hex);
                                    }
                                }
                            }
                            Some(other) => arg.push(other),
                            None => return Err("unbalanced double quotes".into()),
                        },
                        Some(c) => arg.push(c),
                    }
                }
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return Err("closing quote must be followed by a space".into());
                }
            }
            '\'' => {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err("unbalanced single quotes".into()),
                        Some('\'') => break,
                        Some('\\') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            arg.push('\'');
                        }
                        Some(c) => arg.push(c),
                    }
                }
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return Err("closing quote must be followed by a space".into());
                }
            }
            _ => {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    arg.push(c);
                }
            }
        }
        args.push(arg);
    }
}

/// Parse a redis.conf. Lines that do not split become `errors`; the rest
/// of the file is still read, as perfwarden reports per line.
pub fn parse(text: &str) -> RedisConf {
    let (lines, errors) = parse_lines(text, 0);
    let errors = errors.into_iter().map(|(l, m)| (l, m, 0)).collect();
    settle(lines, errors)
}

/// The directive lines of one redis.conf (file index `file`) and the
/// lines that do not split.
pub fn parse_lines(text: &str, file: usize) -> (Vec<Line>, Vec<(u32, String)>) {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index as u32 + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match split_args(trimmed) {
            Ok(mut args) if !args.is_empty() => {
                let name = args.remove(0).to_ascii_lowercase();
                let templated = args.iter().any(|a| template_kind(a).is_some());
                lines.push(Line {
                    name,
                    args,
                    line: number,
                    file,
                    templated,
                });
            }
            Ok(_) => {}
            Err(err) => errors.push((number, err)),
        }
    }
    (lines, errors)
}

/// Read `redis-server` flags (`--maxmemory 100mb --maxmemory-policy
/// allkeys-lru`), as given in a compose `command:` or a script; `line` is
/// where the command sits. Each argument is `(text, dynamic)`: a dynamic
/// one (shell expansion) makes its directive templated.
pub fn parse_flags(args: &[(String, bool)], line: u32) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for (arg, dynamic) in args {
        if let Some(name) = arg.strip_prefix("--").filter(|_| !dynamic) {
            lines.push(Line {
                name: name.to_ascii_lowercase(),
                args: Vec::new(),
                line,
                file: 0,
                templated: false,
            });
        } else if let Some(last) = lines.last_mut() {
            last.args.push(arg.clone());
            last.templated |= *dynamic || template_kind(arg).is_some();
        }
    }
    lines
}

/// The effective settings of directives read in order (a config file's
/// lines with its includes spliced in, then command-line flags): later
/// lines override earlier ones, as in Redis. Templated lines are skipped:
/// their value is unknown, which the caller reports.
pub fn settle(lines: Vec<Line>, mut errors: Vec<(u32, String, usize)>) -> RedisConf {
    let mut conf = RedisConf {
        maxmemory: Setting::default(0),
        maxmemory_policy: Setting::default("noeviction".into()),
        timeout: Setting::default(0),
        tcp_keepalive: Setting::default(300),
        lines: Vec::new(),
        errors: Vec::new(),
    };
    for line in lines.iter().filter(|l| !l.templated) {
        let value = line.args.first().map(String::as_str);
        match (line.name.as_str(), value) {
            ("maxmemory", Some(v)) => match redis_memory_bytes(v) {
                Some(bytes) => conf.maxmemory = Setting::at(bytes, line),
                None => errors.push((
                    line.line,
                    format!("maxmemory `{v}` is not a memory size"),
                    line.file,
                )),
            },
            ("maxmemory-policy", Some(v)) => {
                conf.maxmemory_policy = Setting::at(v.to_ascii_lowercase(), line);
            }
            ("timeout", Some(v)) => match v.parse() {
                Ok(secs) => conf.timeout = Setting::at(secs, line),
                Err(_) => errors.push((
                    line.line,
                    format!("timeout `{v}` is not a number"),
                    line.file,
                )),
            },
            ("tcp-keepalive", Some(v)) => match v.parse() {
                Ok(secs) => conf.tcp_keepalive = Setting::at(secs, line),
                Err(_) => errors.push((
                    line.line,
                    format!("tcp-keepalive `{v}` is not a number"),
                    line.file,
                )),
            },
            _ => {}
        }
    }
    errors.sort_by_key(|(line, _, file)| (*file, *line));
    conf.lines = lines;
    conf.errors = errors;
    conf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_sdssplitargs() {
        assert_eq!(split_args("save 900 1").unwrap(), ["save", "900", "1"]);
        assert_eq!(
            split_args(r#"proc-title-template "{title} {listen-addr}""#).unwrap(),
            ["proc-title-template", "{title} {listen-addr}"]
        );
        assert_eq!(split_args(r#"logfile """#).unwrap(), ["logfile", ""]);
        assert_eq!(split_args(r#"x "a\x41\n""#).unwrap(), ["x", "aA\n"]);
        assert_eq!(split_args(r"x 'it\'s'").unwrap(), ["x", "it's"]);
        assert!(split_args(r#"x "open"#).is_err());
        assert!(split_args(r#"x "a"b"#).is_err());
    }

    #[test]
    fn later_lines_override_and_units_apply() {
        let conf = parse(
            "maxmemory 1gb\n# note\nmaxmemory 100mb\nMAXMEMORY-POLICY allkeys-LRU\ntimeout 30\n",
        );
        assert_eq!(conf.maxmemory.value, 104_857_600);
        assert_eq!(conf.maxmemory.line, Some(3));
        assert_eq!(conf.maxmemory_policy.value, "allkeys-lru");
        assert_eq!(conf.timeout.value, 30);
        assert_eq!(conf.tcp_keepalive, Setting::default(300));
    }

    #[test]
    fn bad_lines_become_errors() {
        let conf = parse("maxmemory lots\nbind \"127.0.0.1\ntimeout 5\n");
        assert_eq!(conf.errors.len(), 2);
        assert_eq!(conf.errors[0].0, 1);
        assert_eq!(conf.timeout.value, 5);
    }

    #[test]
    fn reads_server_flags() {
        let args: Vec<(String, bool)> = [
            ("--maxmemory", false),
            ("256mb", false),
            ("--maxmemory-policy", false),
            ("allkeys-lfu", false),
            ("--timeout", false),
            ("$IDLE", true),
        ]
        .map(|(a, d)| (a.to_owned(), d))
        .to_vec();
        let lines = parse_flags(&args, 7);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].templated);
        let conf = settle(lines, Vec::new());
        assert_eq!(conf.maxmemory.value, 268_435_456);
        assert_eq!(conf.maxmemory_policy.line, Some(7));
        assert_eq!(
            conf.timeout,
            Setting::default(0),
            "a run-time value is not read"
        );
    }
}
