//! A tokenizer for JavaScript-like object notation: the Sequelize / Knex
//! JSON configs (a line for every key) and `schema.prisma` blocks. It reads
//! object literals; other expressions are kept as opaque values, never
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
    fn unterminated_input_is_an_error() {
        assert_eq!(tokenize("x = 'open"), Err(4));
        assert!(tokenize("/* open").is_err());
        let tokens = tokenize("{ max: 1").unwrap();
        assert!(object(&tokens, 0).is_none());
    }
}
