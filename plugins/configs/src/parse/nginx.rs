//! nginx configuration grammar: a tokenizer (words, quoted strings, `$`
//! and `${}` variables, comments, `;`, `{`, `}`) and a directive tree.
//!
//! Jinja templates of nginx files (`*.conf.j2`, Ansible roles) are read
//! too: `{% ... %}` and `{# ... #}` are skipped (both branches of a
//! conditional are kept) and a word holding `{{ ... }}` is marked
//! templated, so its value is never guessed.

/// One word of a directive.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Unquoted text.
    pub text: String,
    /// Holds a Jinja expression: the real value is set at deploy time.
    pub templated: bool,
    /// Byte range in the file.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
}

/// A directive: name, arguments and, for block directives, children.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// Directive name (`proxy_pass`, `location`, ...).
    pub name: Word,
    /// Arguments.
    pub args: Vec<Word>,
    /// `Some` for `name args { ... }`.
    pub block: Option<Vec<Directive>>,
    /// Index of the file in the caller's file list, for spans.
    pub file: usize,
}

impl Directive {
    /// First argument's text, or "".
    pub fn arg(&self, index: usize) -> &str {
        self.args.get(index).map_or("", |w| w.text.as_str())
    }

    /// Children of a block directive (empty for simple directives).
    pub fn children(&self) -> &[Directive] {
        self.block.as_deref().unwrap_or(&[])
    }
}

/// A syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What went wrong.
    pub message: String,
    /// Byte offset.
    pub offset: usize,
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(Word),
    Semicolon(usize),
    Open(usize),
    Close(usize),
}

struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    jinja: bool,
}

impl Lexer<'_> {
    fn skip_until(&mut self, close: &[u8]) -> Result<(), SyntaxError> {
        let start = self.pos;
        while self.pos < self.src.len() {
            if self.src[self.pos..].starts_with(close) {
                self.pos += close.len();
                return Ok(());
            }
            self.pos += 1;
        }
        Err(SyntaxError {
            message: format!(
                "unterminated template tag (missing `{}`)",
                String::from_utf8_lossy(close)
            ),
            offset: start,
        })
    }

    /// Skips whitespace, comments and Jinja statements.
    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        while self.pos < self.src.len() {
            match self.src[self.pos] {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'#' => {
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'{' if self.jinja && self.src[self.pos..].starts_with(b"{%") => {
                    self.pos += 2;
                    self.skip_until(b"%}")?;
                }
                b'{' if self.jinja && self.src[self.pos..].starts_with(b"{#") => {
                    self.pos += 2;
                    self.skip_until(b"#}")?;
                }
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    fn next(&mut self) -> Result<Option<Token>, SyntaxError> {
        self.skip_trivia()?;
        let Some(&byte) = self.src.get(self.pos) else {
            return Ok(None);
        };
        let start = self.pos;
        match byte {
            b';' => {
                self.pos += 1;
                Ok(Some(Token::Semicolon(start)))
            }
            b'{' if !(self.jinja && self.src[self.pos..].starts_with(b"{{")) => {
                self.pos += 1;
                Ok(Some(Token::Open(start)))
            }
            b'}' => {
                self.pos += 1;
                Ok(Some(Token::Close(start)))
            }
            b'"' | b'\'' => self.quoted(byte).map(Some),
            _ => self.word().map(Some),
        }
    }

    fn quoted(&mut self, quote: u8) -> Result<Token, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut text = Vec::new();
        while let Some(&b) = self.src.get(self.pos) {
            match b {
                b'\\' if self.pos + 1 < self.src.len() => {
                    let next = self.src[self.pos + 1];
                    // nginx keeps the backslash except before the quote or itself.
                    if next != quote && next != b'\\' {
                        text.push(b'\\');
                    }
                    text.push(next);
                    self.pos += 2;
                }
                _ if b == quote => {
                    self.pos += 1;
                    let text = String::from_utf8_lossy(&text).into_owned();
                    let templated = self.jinja && (text.contains("{{") || text.contains("{%"));
                    return Ok(Token::Word(Word {
                        text,
                        templated,
                        start,
                        end: self.pos,
                    }));
                }
                _ => {
                    text.push(b);
                    self.pos += 1;
                }
            }
        }
        Err(SyntaxError {
            message: "unterminated quoted string".into(),
            offset: start,
        })
    }

    fn word(&mut self) -> Result<Token, SyntaxError> {
        let start = self.pos;
        let mut templated = false;
        while let Some(&b) = self.src.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | b';' => break,
                b'{' if self.jinja && self.src[self.pos..].starts_with(b"{{") => {
                    templated = true;
                    self.pos += 2;
                    self.skip_until(b"}}")?;
                }
                b'{' if self.jinja && self.src[self.pos..].starts_with(b"{%") => {
                    // A statement glued to a word (`quic{% if x %}`) ends the word.
                    break;
                }
                b'{' | b'}' => break,
                b'$' if self.src.get(self.pos + 1) == Some(&b'{') => {
                    self.pos += 2;
                    while self.pos < self.src.len() && self.src[self.pos] != b'}' {
                        self.pos += 1;
                    }
                    if self.pos == self.src.len() {
                        return Err(SyntaxError {
                            message: "unterminated `${` variable".into(),
                            offset: start,
                        });
                    }
                    self.pos += 1;
                }
                b'\\' if self.pos + 1 < self.src.len() => self.pos += 2,
                _ => self.pos += 1,
            }
        }
        Ok(Token::Word(Word {
            text: self.text[start..self.pos].to_owned(),
            templated,
            start,
            end: self.pos,
        }))
    }
}

/// Parse one nginx file; `jinja` enables template tags. `file` is stored in
/// every directive for spans.
pub fn parse(text: &str, jinja: bool, file: usize) -> Result<Vec<Directive>, SyntaxError> {
    let mut lexer = Lexer {
        src: text.as_bytes(),
        text,
        pos: 0,
        jinja,
    };
    // Stack of open blocks: the directive that opened it and its children.
    let mut stack: Vec<(Option<Directive>, Vec<Directive>)> = vec![(None, Vec::new())];
    let mut words: Vec<Word> = Vec::new();
    while let Some(token) = lexer.next()? {
        match token {
            Token::Word(word) => {
                // A template expression standing alone where a directive
                // name belongs (`{{ self.https() }}`) is a Jinja call, not
                // nginx text.
                if !(words.is_empty() && word.templated && word.text.starts_with("{{")) {
                    words.push(word);
                }
            }
            Token::Semicolon(at) => {
                let directive = take_directive(&mut words, file, at, ";")?;
                if let Some((_, children)) = stack.last_mut() {
                    children.push(directive);
                }
            }
            Token::Open(at) => {
                let directive = take_directive(&mut words, file, at, "{")?;
                stack.push((Some(directive), Vec::new()));
            }
            Token::Close(at) => {
                if let Some(word) = words.first() {
                    return Err(SyntaxError {
                        message: format!("directive `{}` is not terminated by `;`", word.text),
                        offset: word.start,
                    });
                }
                if stack.len() == 1 {
                    return Err(SyntaxError {
                        message: "unexpected `}`".into(),
                        offset: at,
                    });
                }
                if let Some((Some(mut open), children)) = stack.pop() {
                    open.block = Some(children);
                    if let Some((_, parent)) = stack.last_mut() {
                        parent.push(open);
                    }
                }
            }
        }
    }
    if let Some(word) = words.first() {
        return Err(SyntaxError {
            message: format!(
                "unexpected end of file: `{}` is not terminated by `;`",
                word.text
            ),
            offset: word.start,
        });
    }
    if stack.len() > 1 {
        let offset = stack
            .last()
            .and_then(|(open, _)| open.as_ref())
            .map_or(text.len(), |d| d.name.start);
        return Err(SyntaxError {
            message: "unexpected end of file: block is not closed by `}`".into(),
            offset,
        });
    }
    Ok(stack
        .pop()
        .map(|(_, children)| children)
        .unwrap_or_default())
}

fn take_directive(
    words: &mut Vec<Word>,
    file: usize,
    at: usize,
    what: &str,
) -> Result<Directive, SyntaxError> {
    let mut drained = std::mem::take(words).into_iter();
    let Some(name) = drained.next() else {
        return Err(SyntaxError {
            message: format!("unexpected `{what}`"),
            offset: at,
        });
    };
    Ok(Directive {
        name,
        args: drained.collect(),
        block: None,
        file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ds: &[Directive]) -> Vec<&str> {
        ds.iter().map(|d| d.name.text.as_str()).collect()
    }

    #[test]
    fn parses_blocks_quotes_and_variables() {
        let src = r#"
http {
    # comment ; { }
    log_format main '$remote_addr "$request"';
    limit_req_zone $binary_remote_addr zone=login:10m rate=5r/m;
    server {
        location ~* \.(css|js)$ { expires 7d; }
        add_header X-Id "${request_id}-a";
    }
}"#;
        let tree = parse(src, false, 0).unwrap();
        assert_eq!(names(&tree), ["http"]);
        let http = tree[0].children();
        assert_eq!(names(http), ["log_format", "limit_req_zone", "server"]);
        assert_eq!(http[0].arg(1), "$remote_addr \"$request\"");
        assert_eq!(http[1].arg(2), "rate=5r/m");
        let server = http[2].children();
        assert_eq!(server[0].arg(1), r"\.(css|js)$");
        assert_eq!(server[0].children()[0].arg(0), "7d");
        assert_eq!(server[1].arg(1), "${request_id}-a");
    }

    #[test]
    fn reports_syntax_errors_with_offsets() {
        let missing_semicolon = parse("http {\n  gzip on\n}", false, 0).unwrap_err();
        assert!(
            missing_semicolon.message.contains("gzip"),
            "{missing_semicolon:?}"
        );
        assert_eq!(missing_semicolon.offset, 9);
        assert!(parse("server { listen 80;", false, 0).is_err());
        assert!(parse("}", false, 0).is_err());
        assert!(parse("a \"unterminated;", false, 0).is_err());
        assert!(parse("{ x; }", false, 0).is_err());
    }

    #[test]
    fn jinja_tags_are_skipped_and_expressions_marked() {
        let src = "{% block x -%}\nfastcgi_cache_valid 200 {{ item.duration | default(d) }};\n\
                   listen 443 quic{% if a %} reuseport{% endif -%};\n{{ self.https() -}}\n\
                   location / { return 301 x; }\n{% endblock %}";
        let tree = parse(src, true, 0).unwrap();
        assert_eq!(names(&tree), ["fastcgi_cache_valid", "listen", "location"]);
        assert!(tree[0].args[1].templated);
        assert!(!tree[0].args[0].templated);
        assert_eq!(tree[1].args.len(), 3);
    }
}
