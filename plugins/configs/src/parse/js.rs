//! A tokenizer for the JavaScript/TypeScript subset pool options are
//! written in (`new Pool({ max: 10, idleTimeoutMillis: 30000 })`), also
//! used for `schema.prisma` blocks. It reads object literals, call
//! arguments and the names modules are imported under (`import`,
//! `require`); other expressions are kept as opaque values, never
//! evaluated.

/// A token with its byte offset.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// Identifier or keyword.
    Ident(String),
    /// String literal, unquoted (template literals included, `${}` kept).
    Str(String),
    /// Numeric literal.
    Num(f64),
    /// Regular expression literal, as written.
    Regex(String),
    /// Any other single character.
    Punct(char),
}

/// Tokenize, skipping whitespace and `//` / `/* */` comments. Returns the
/// tokens with offsets, or the offset of an unterminated string/comment.
pub fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>, usize> {
    let bytes = text.as_bytes();
    let mut out: Vec<(Tok, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        match b {
            b if b.is_ascii_whitespace() => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").ok_or(start)?;
                i += 2 + end + 2;
            }
            b'/' if operand_expected(out.last().map(|t| &t.0)) => match regex_end(bytes, i) {
                Some(end) => {
                    out.push((Tok::Regex(text[i..end].to_owned()), start));
                    i = end;
                }
                None => {
                    out.push((Tok::Punct('/'), start));
                    i += 1;
                }
            },
            b'"' | b'\'' | b'`' => {
                i += 1;
                let mut value = String::new();
                loop {
                    let Some(&c) = bytes.get(i) else {
                        return Err(start);
                    };
                    if c == b {
                        i += 1;
                        break;
                    }
                    if c == b'\\' {
                        i += 1;
                    }
                    let ch_len = text[i.min(text.len())..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
                    value.push_str(text.get(i..i + ch_len).unwrap_or(""));
                    i += ch_len;
                }
                out.push((Tok::Str(value), start));
            }
            b if b.is_ascii_digit() => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.' || bytes[i] == b'_')
                {
                    i += 1;
                }
                let literal: String = text[start..i].chars().filter(|&c| c != '_').collect();
                match literal.parse::<f64>() {
                    Ok(n) => out.push((Tok::Num(n), start)),
                    Err(_) => out.push((Tok::Ident(literal), start)),
                }
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                out.push((Tok::Ident(text[start..i].to_owned()), start));
            }
            _ => {
                let c = text[i..].chars().next().unwrap_or('?');
                i += c.len_utf8();
                out.push((Tok::Punct(c), start));
            }
        }
    }
    Ok(out)
}

/// Whether a `/` after `previous` starts a regular expression (an operand
/// is expected) rather than a division.
fn operand_expected(previous: Option<&Tok>) -> bool {
    match previous {
        None => true,
        Some(Tok::Punct(c)) => "(,=:[!&|?{};+-*%<>~^".contains(*c),
        Some(Tok::Ident(word)) => matches!(
            word.as_str(),
            "return"
                | "typeof"
                | "case"
                | "do"
                | "else"
                | "in"
                | "of"
                | "new"
                | "delete"
                | "void"
                | "throw"
                | "instanceof"
                | "yield"
                | "await"
        ),
        _ => false,
    }
}

/// End of a regular expression literal starting at `/`: past its closing
/// `/` (outside a `[...]` class) and flags; `None` if the line ends first.
fn regex_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let mut class = false;
    loop {
        match *bytes.get(i)? {
            b'\n' => return None,
            b'\\' => i += 1,
            b'[' => class = true,
            b']' => class = false,
            b'/' if !class => break,
            _ => {}
        }
        i += 1;
    }
    i += 1;
    while bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
        i += 1;
    }
    Some(i)
}

/// Start indices of the arguments of the call whose `(` is at `open`, up
/// to its `)`.
pub fn arguments(tokens: &[(Tok, usize)], open: usize) -> Vec<usize> {
    let mut starts = Vec::new();
    if tokens.get(open).map(|t| &t.0) != Some(&Tok::Punct('(')) {
        return starts;
    }
    let mut depth = 0usize;
    let mut expect = true;
    for (i, (tok, _)) in tokens.iter().enumerate().skip(open + 1) {
        match tok {
            Tok::Punct(')' | ']' | '}') if depth == 0 => break,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                expect = true;
                continue;
            }
            _ => {}
        }
        if expect {
            starts.push(i);
            expect = false;
        }
        if matches!(tok, Tok::Punct('(' | '[' | '{')) {
            depth += 1;
        }
    }
    starts
}

/// A name a module's export is bound to in this file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Local name.
    pub local: String,
    /// Module specifier, `node:` dropped (`http`, `undici`).
    pub module: String,
    /// Export: a name, `default`, or `*` for the module object.
    pub export: String,
}

/// The bindings of `import` declarations and `require()` calls:
/// `import http from 'http'`, `import * as http from 'node:http'`,
/// `import { Agent as A } from 'undici'`, `const http = require('http')`,
/// `const { Agent } = require('undici')`, `const A = require('x').B`.
pub fn bindings(tokens: &[(Tok, usize)]) -> Vec<Binding> {
    let ident = |i: usize| match tokens.get(i).map(|t| &t.0) {
        Some(Tok::Ident(name)) => Some(name.as_str()),
        _ => None,
    };
    let punct = |i: usize, c: char| tokens.get(i).map(|t| &t.0) == Some(&Tok::Punct(c));
    let module_of = |s: &str| s.strip_prefix("node:").unwrap_or(s).to_owned();
    let mut found = Vec::new();
    for (i, (tok, _)) in tokens.iter().enumerate() {
        match tok {
            Tok::Ident(word) if word == "import" && !punct(i + 1, '(') => {
                // The clause up to `from 'module'`.
                let Some(from) = (i + 1..tokens.len())
                    .take_while(|&j| !punct(j, ';'))
                    .find(|&j| ident(j) == Some("from"))
                else {
                    continue;
                };
                let Some(Tok::Str(module)) = tokens.get(from + 1).map(|t| &t.0) else {
                    continue;
                };
                let module = module_of(module);
                let mut j = i + 1;
                if ident(j) == Some("type") && ident(j + 1) != Some("from") && !punct(j + 1, ',') {
                    continue;
                }
                let mut braces = false;
                while j < from {
                    match (&tokens[j].0, ident(j + 1), ident(j + 2)) {
                        (Tok::Punct('{'), ..) => braces = true,
                        (Tok::Punct('}'), ..) => braces = false,
                        (Tok::Punct('*'), Some("as"), Some(local)) => {
                            found.push(Binding {
                                local: local.to_owned(),
                                module: module.clone(),
                                export: "*".into(),
                            });
                            j += 2;
                        }
                        (Tok::Ident(name), Some("as"), Some(local)) if braces => {
                            found.push(Binding {
                                local: local.to_owned(),
                                module: module.clone(),
                                export: name.clone(),
                            });
                            j += 2;
                        }
                        (Tok::Ident(name), ..) if name != "type" || punct(j + 1, ',') => {
                            found.push(Binding {
                                local: name.clone(),
                                module: module.clone(),
                                export: if braces {
                                    name.clone()
                                } else {
                                    "default".into()
                                },
                            });
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
            Tok::Ident(word) if word == "require" && punct(i + 1, '(') && punct(i + 3, ')') => {
                let Some(Tok::Str(module)) = tokens.get(i + 2).map(|t| &t.0) else {
                    continue;
                };
                let module = module_of(module);
                let member = if punct(i + 4, '.') {
                    ident(i + 5)
                } else {
                    None
                };
                if i < 2 || !punct(i - 1, '=') {
                    continue;
                }
                if let Some(local) = ident(i - 2) {
                    found.push(Binding {
                        local: local.to_owned(),
                        module,
                        export: member.unwrap_or("default").to_owned(),
                    });
                } else if punct(i - 2, '}') {
                    // `{ a, b: c } = require(...)`: back to the `{`.
                    let Some(open) = (0..i - 2).rev().find(|&j| punct(j, '{')) else {
                        continue;
                    };
                    let mut j = open + 1;
                    while j < i - 2 {
                        if let Some(name) = ident(j) {
                            let local = if punct(j + 1, ':') {
                                ident(j + 2)
                            } else {
                                Some(name)
                            };
                            if let Some(local) = local {
                                found.push(Binding {
                                    local: local.to_owned(),
                                    module: module.clone(),
                                    export: name.to_owned(),
                                });
                            }
                            j += if punct(j + 1, ':') { 3 } else { 1 };
                        } else {
                            j += 1;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// A property value of an object literal.
#[derive(Debug, Clone, PartialEq)]
pub enum JsValue {
    /// A number literal.
    Num(f64),
    /// A string literal.
    Str(String),
    /// A nested object literal.
    Object(Vec<Prop>),
    /// Anything else (identifier, call, arithmetic): not evaluated.
    Expr(String),
}

/// `key: value` of an object literal, with the key's byte offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    /// Key.
    pub key: String,
    /// Value.
    pub value: JsValue,
    /// Byte offset of the key.
    pub offset: usize,
}

/// Parse an object literal starting at `tokens[at]` (`{`); returns the
/// properties and the index after the closing `}`.
pub fn object(tokens: &[(Tok, usize)], at: usize) -> Option<(Vec<Prop>, usize)> {
    if tokens.get(at).map(|t| &t.0) != Some(&Tok::Punct('{')) {
        return None;
    }
    let mut props = Vec::new();
    let mut i = at + 1;
    loop {
        let (tok, offset) = tokens.get(i)?;
        let key = match tok {
            Tok::Punct('}') => return Some((props, i + 1)),
            Tok::Punct(',') => {
                i += 1;
                continue;
            }
            Tok::Ident(k) | Tok::Str(k) => k.clone(),
            Tok::Num(n) => n.to_string(),
            _ => {
                // Spread or computed key: skip to the next property.
                i = skip_expr(tokens, i);
                continue;
            }
        };
        i += 1;
        match tokens.get(i).map(|t| &t.0) {
            Some(Tok::Punct(':')) => i += 1,
            // Shorthand `{ connectionString }` or a method: no literal value.
            _ => {
                props.push(Prop {
                    key: key.clone(),
                    value: JsValue::Expr(key),
                    offset: *offset,
                });
                i = skip_expr(tokens, i);
                continue;
            }
        }
        let value_start = i;
        let value = match tokens.get(i).map(|t| &t.0) {
            Some(Tok::Punct('{')) => {
                let (inner, next) = object(tokens, i)?;
                i = next;
                JsValue::Object(inner)
            }
            Some(Tok::Num(n)) if is_value_end(tokens.get(i + 1)) => {
                i += 1;
                JsValue::Num(*n)
            }
            Some(Tok::Str(s)) if is_value_end(tokens.get(i + 1)) => {
                i += 1;
                JsValue::Str(s.clone())
            }
            _ => {
                i = skip_expr(tokens, i);
                JsValue::Expr(describe(&tokens[value_start..i]))
            }
        };
        props.push(Prop {
            key,
            value,
            offset: *offset,
        });
    }
}

fn is_value_end(tok: Option<&(Tok, usize)>) -> bool {
    matches!(tok.map(|t| &t.0), Some(Tok::Punct(',' | '}')))
}

/// Index of the `,` or `}` that ends the expression at `i` (depth 0).
fn skip_expr(tokens: &[(Tok, usize)], mut i: usize) -> usize {
    let mut depth = 0usize;
    while let Some((tok, _)) = tokens.get(i) {
        match tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']') => depth = depth.saturating_sub(1),
            Tok::Punct('}') if depth == 0 => return i,
            Tok::Punct('}') => depth -= 1,
            Tok::Punct(',') if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    i
}

fn describe(tokens: &[(Tok, usize)]) -> String {
    tokens
        .iter()
        .map(|(t, _)| match t {
            Tok::Ident(s) => s.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Num(n) => n.to_string(),
            Tok::Regex(r) => r.clone(),
            Tok::Punct(c) => c.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_literal_with_shorthand_nested_and_expressions() {
        let src = "const p = new Pool({ connectionString, max: 10, /* c */ idle: 1_000 * 30, ssl: { ca: 'x' }, name: `a${b}` });";
        let tokens = tokenize(src).unwrap();
        let at = tokens.iter().position(|t| t.0 == Tok::Punct('{')).unwrap();
        let (props, _) = object(&tokens, at).unwrap();
        let keys: Vec<&str> = props.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["connectionString", "max", "idle", "ssl", "name"]);
        assert_eq!(props[1].value, JsValue::Num(10.0));
        assert_eq!(props[2].value, JsValue::Expr("1000 * 30".into()));
        assert!(matches!(props[3].value, JsValue::Object(_)));
        assert_eq!(props[4].value, JsValue::Str("a${b}".into()));
    }

    #[test]
    fn regexes_arguments_and_bindings() {
        let src = "import http, { Agent as HttpAgent } from 'node:http';\nimport * as undici from \"undici\";\nimport type { Pool } from 'pg';\nconst ka = require('agentkeepalive');\nconst { Agent, Pool: UPool } = require('undici');\nconst Https = require('agentkeepalive').HttpsAgent;\nconst quote = /[\"'/]+/g, half = total / 2;\nf(a, g(b, c), { d: 1 }, [e]);\n";
        let tokens = tokenize(src).unwrap();
        assert!(
            tokens
                .iter()
                .any(|t| t.0 == Tok::Regex("/[\"'/]+/g".into()))
        );
        assert!(tokens.iter().any(|t| t.0 == Tok::Ident("half".into())));
        let bound = bindings(&tokens);
        let found: Vec<(&str, &str, &str)> = bound
            .iter()
            .map(|b| (b.local.as_str(), b.module.as_str(), b.export.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("http", "http", "default"),
                ("HttpAgent", "http", "Agent"),
                ("undici", "undici", "*"),
                ("ka", "agentkeepalive", "default"),
                ("Agent", "undici", "Agent"),
                ("UPool", "undici", "Pool"),
                ("Https", "agentkeepalive", "HttpsAgent"),
            ]
        );
        let call = tokens
            .iter()
            .position(|t| t.0 == Tok::Ident("f".into()))
            .unwrap();
        let starts = arguments(&tokens, call + 1);
        let firsts: Vec<&Tok> = starts.iter().map(|&i| &tokens[i].0).collect();
        assert_eq!(
            firsts,
            [
                &Tok::Ident("a".into()),
                &Tok::Ident("g".into()),
                &Tok::Punct('{'),
                &Tok::Punct('[')
            ]
        );
    }

    #[test]
    fn unterminated_input_is_an_error() {
        assert_eq!(tokenize("x = 'open"), Err(4));
        assert!(tokenize("/* open").is_err());
        let tokens = tokenize("{ max: 1").unwrap();
        assert!(object(&tokens, 0).is_none());
    }
}
