//! POSIX shell command lines, as far as finding a program and its
//! arguments needs: words with `'...'`, `"..."` and `\` quoting, `#`
//! comments, `\`-newline continuations, command separators (newline, `;`,
//! `&`, `|`, `&&`, `||`, parentheses), reserved words, redirections (dropped
//! with their target) and here-document bodies (skipped). Expansions
//! (`$VAR`, `${...}`, `$(...)`, backticks) are kept as written and mark
//! the word dynamic: its value is only known when the script runs.
//!
//! Used for shell scripts, Dockerfile shell-form instructions, Procfile
//! lines and docker compose string commands (compose splits those with
//! the same quoting rules).

/// A word after quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Text with quotes removed; expansions kept as written.
    pub text: String,
    /// The word contains an expansion.
    pub dynamic: bool,
}

/// A simple command: its words and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Words, reserved words and redirections removed.
    pub words: Vec<Word>,
    /// 1-based line of the first word.
    pub line: u32,
}

/// A quoting error and its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    /// What is wrong.
    pub message: String,
    /// 1-based line where the unterminated construct starts.
    pub line: u32,
}

/// Words that open or close compound commands: the command proper follows.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
];

struct Lexer {
    chars: Vec<char>,
    at: usize,
    line: u32,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, message: &str, line: u32) -> ShellError {
        ShellError {
            message: message.to_owned(),
            line,
        }
    }

    /// Copy an expansion after `$` into `out`, up to its end.
    fn expansion(&mut self, out: &mut String) -> Result<(), ShellError> {
        let start = self.line;
        match self.peek() {
            Some('{') => self.balanced('{', '}', out, start),
            Some('(') => self.balanced('(', ')', out, start),
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
                while let Some(c) = self
                    .peek()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    out.push(c);
                    self.bump();
                }
                Ok(())
            }
            Some(c @ ('?' | '@' | '*' | '#' | '$' | '!' | '-')) => {
                out.push(c);
                self.bump();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Copy a bracketed expansion, nested brackets and quotes included.
    fn balanced(
        &mut self,
        open: char,
        close: char,
        out: &mut String,
        start: u32,
    ) -> Result<(), ShellError> {
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error(&format!("unterminated `${open}`"), start));
            };
            out.push(c);
            match (quote, c) {
                (Some('\''), '\'') | (Some('"'), '"') => quote = None,
                (Some('"'), '\\') | (None, '\\') => {
                    if let Some(next) = self.bump() {
                        out.push(next);
                    }
                }
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, c) if c == open => depth += 1,
                (None, c) if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    fn backticks(&mut self, out: &mut String) -> Result<(), ShellError> {
        let start = self.line;
        out.push('`');
        self.bump();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated backquote", start)),
                Some('`') => {
                    out.push('`');
                    return Ok(());
                }
                Some('\\') => {
                    out.push('\\');
                    if let Some(next) = self.bump() {
                        out.push(next);
                    }
                }
                Some(c) => out.push(c),
            }
        }
    }

    /// One word, starting at a non-blank, non-operator character.
    fn word(&mut self) -> Result<Word, ShellError> {
        let mut text = String::new();
        let mut dynamic = false;
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => break,
                '\'' => {
                    let start = self.line;
                    self.bump();
                    loop {
                        match self.bump() {
                            None => return Err(self.error("unterminated single quote", start)),
                            Some('\'') => break,
                            Some(c) => text.push(c),
                        }
                    }
                }
                '"' => {
                    let start = self.line;
                    self.bump();
                    loop {
                        match self.peek() {
                            None => return Err(self.error("unterminated double quote", start)),
                            Some('"') => {
                                self.bump();
                                break;
                            }
                            Some('\\') => {
                                self.bump();
                                match self.bump() {
                                    Some('\n') => {}
                                    Some(c @ ('$' | '`' | '"' | '\\')) => text.push(c),
                                    Some(c) => {
                                        text.push('\\');
                                        text.push(c);
                                    }
                                    None => {
                                        return Err(self.error("unterminated double quote", start));
                                    }
                                }
                            }
                            Some('$') => {
                                self.bump();
                                text.push('$');
                                let before = text.len();
                                self.expansion(&mut text)?;
                                dynamic |= text.len() > before;
                            }
                            Some('`') => {
                                self.backticks(&mut text)?;
                                dynamic = true;
                            }
                            Some(c) => {
                                self.bump();
                                text.push(c);
                            }
                        }
                    }
                }
                '\\' => {
                    self.bump();
                    match self.bump() {
                        // A continuation inside a word joins its halves.
                        Some('\n') | None => {}
                        Some(c) => text.push(c),
                    }
                }
                '$' => {
                    self.bump();
                    text.push('$');
                    let before = text.len();
                    self.expansion(&mut text)?;
                    dynamic |= text.len() > before;
                }
                '`' => {
                    self.backticks(&mut text)?;
                    dynamic = true;
                }
                c => {
                    self.bump();
                    text.push(c);
                }
            }
        }
        Ok(Word { text, dynamic })
    }

    fn skip_blanks(&mut self) {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(' ' | '\t' | '\r'), _) => {
                    self.bump();
                }
                (Some('\\'), Some('\n')) => {
                    self.bump();
                    self.bump();
                }
                _ => return,
            }
        }
    }

    /// Skip here-document bodies after a newline: lines up to each delimiter.
    fn heredoc_bodies(&mut self, pending: &mut Vec<(String, bool)>) {
        for (delimiter, strip_tabs) in pending.drain(..) {
            loop {
                let start = self.at;
                while self.peek().is_some_and(|c| c != '\n') {
                    self.at += 1;
                }
                let line: String = self.chars[start..self.at].iter().collect();
                let at_end = self.bump().is_none();
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line.as_str()
                };
                if line.trim_end_matches('\r') == delimiter || at_end {
                    break;
                }
            }
        }
    }
}

/// Split a script into simple commands.
pub fn parse(text: &str) -> Result<Vec<Command>, ShellError> {
    let mut lexer = Lexer {
        chars: text.chars().collect(),
        at: 0,
        line: 1,
    };
    let mut commands = Vec::new();
    let mut current = Command {
        words: Vec::new(),
        line: 1,
    };
    let mut pending_heredocs: Vec<(String, bool)> = Vec::new();
    let finish = |current: &mut Command, commands: &mut Vec<Command>| {
        if !current.words.is_empty() {
            commands.push(std::mem::replace(
                current,
                Command {
                    words: Vec::new(),
                    line: 0,
                },
            ));
        }
    };
    loop {
        lexer.skip_blanks();
        let Some(c) = lexer.peek() else { break };
        match c {
            '#' => {
                while lexer.peek().is_some_and(|c| c != '\n') {
                    lexer.bump();
                }
            }
            '\n' => {
                lexer.bump();
                finish(&mut current, &mut commands);
                lexer.heredoc_bodies(&mut pending_heredocs);
            }
            ';' | '&' | '|' | '(' | ')' => {
                lexer.bump();
                if matches!(c, ';' | '&' | '|') && lexer.peek() == Some(c) {
                    lexer.bump();
                }
                finish(&mut current, &mut commands);
            }
            '<' | '>' => {
                let mut op = String::new();
                while let Some(c) = lexer
                    .peek()
                    .filter(|c| matches!(c, '<' | '>' | '&' | '|' | '-'))
                {
                    op.push(c);
                    lexer.bump();
                    // `2>&1`: the descriptor after `&` is part of the operator.
                    if c == '&' {
                        while lexer.peek().is_some_and(|c| c.is_ascii_digit() || c == '-') {
                            lexer.bump();
                        }
                        break;
                    }
                }
                if op.ends_with('&') || op.ends_with("&-") {
                    continue;
                }
                lexer.skip_blanks();
                let target = match lexer.peek() {
                    Some(c) if !matches!(c, '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>') => {
                        lexer.word()?
                    }
                    _ => return Err(lexer.error(&format!("`{op}` without a target"), lexer.line)),
                };
                if op.starts_with("<<") && !op.starts_with("<<<") {
                    pending_heredocs.push((target.text, op.ends_with('-')));
                }
            }
            _ => {
                let line = lexer.line;
                let start = lexer.at;
                let word = lexer.word()?;
                let quoted = lexer.chars[start..lexer.at]
                    .iter()
                    .any(|c| matches!(c, '\'' | '"' | '\\'));
                // `2>file`: a descriptor number glued to a redirection.
                if !quoted
                    && matches!(lexer.peek(), Some('<' | '>'))
                    && word.text.bytes().all(|b| b.is_ascii_digit())
                {
                    continue;
                }
                if current.words.is_empty() && !quoted && RESERVED.contains(&word.text.as_str()) {
                    continue;
                }
                if current.words.is_empty() {
                    current.line = line;
                }
                current.words.push(word);
            }
        }
    }
    finish(&mut current, &mut commands);
    Ok(commands)
}

/// The words of a command line run without a shell (a docker compose
/// string `command:`): quoting applies as in the shell; operator
/// characters, which only a shell would act on, are dropped.
pub fn words(text: &str) -> Result<Vec<Word>, ShellError> {
    Ok(parse(text)?.into_iter().flat_map(|c| c.words).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(command: &Command) -> Vec<&str> {
        command.words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn quoting_comments_and_continuations() {
        let script = "#!/bin/sh\n# start\nexec redis-server \\\n  --maxmemory '256mb' \\\n  --save \"\" --logfile \"/var/log/r \\\"x\\\".log\" # tail\necho done; echo again\n";
        let commands = parse(script).unwrap();
        assert_eq!(commands.len(), 3);
        assert_eq!(
            texts(&commands[0]),
            [
                "exec",
                "redis-server",
                "--maxmemory",
                "256mb",
                "--save",
                "",
                "--logfile",
                "/var/log/r \"x\".log"
            ]
        );
        assert_eq!(commands[0].line, 3);
        assert_eq!(commands[1].line, 6);
        assert_eq!(texts(&commands[2]), ["echo", "again"]);
    }

    #[test]
    fn expansions_are_dynamic() {
        let commands =
            parse("redis-server --maxmemory \"${MAXMEM:-100mb}\" --port $PORT --dir `pwd`/data --x $(id -u)\n").unwrap();
        let words = &commands[0].words;
        assert_eq!(words[2].text, "${MAXMEM:-100mb}");
        assert!(words[2].dynamic);
        assert!(words[4].dynamic && words[6].dynamic && words[8].dynamic);
        assert!(!words[1].dynamic);
        assert_eq!(words[8].text, "$(id -u)");
    }

    #[test]
    fn operators_reserved_words_redirections_and_heredocs() {
        let script = "if [ -f x ]; then redis-server --maxmemory 1gb >/tmp/log 2>&1 & fi\n\
                      cat > r.conf <<-EOF\n\tmaxmemory 5mb\n\tEOF\nredis-cli ping || (redis-server r.conf)\n";
        let commands = parse(script).unwrap();
        let all: Vec<Vec<&str>> = commands.iter().map(texts).collect();
        assert_eq!(
            all,
            [
                vec!["[", "-f", "x", "]"],
                vec!["redis-server", "--maxmemory", "1gb"],
                vec!["cat"],
                vec!["redis-cli", "ping"],
                vec!["redis-server", "r.conf"],
            ]
        );
        assert_eq!(commands[4].line, 5);
    }

    #[test]
    fn unterminated_quotes_are_errors() {
        assert_eq!(parse("a\nb 'open\n").unwrap_err().line, 2);
        assert!(parse("x \"open").is_err());
        assert!(parse("x $(open").is_err());
        assert!(parse("x >").is_err());
    }
}
