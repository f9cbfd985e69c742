//! A streaming CSV record reader for large sample files (JTL).
//!
//! Result files are millions of short lines, nearly all without a quote:
//! such a line is split in place on the delimiter, with no copy. A line
//! with a quote goes through the RFC 4180 rules (quoted delimiters,
//! doubled quotes, line breaks inside quotes) like the `csv` crate's.

use std::io::{self, BufRead};

/// Records of a delimited file, one at a time, borrowed from one buffer.
pub struct Records<'r> {
    reader: &'r mut dyn BufRead,
    delimiter: u8,
    /// The record's raw bytes (one line, or more for quoted line breaks).
    raw: Vec<u8>,
    /// Unquoted field bytes, for records that had quotes.
    unquoted: Vec<u8>,
    /// Field ranges in `raw` (`quoted == false`) or `unquoted`.
    fields: Vec<(usize, usize)>,
    quoted: bool,
    /// 1-based line of the record, and of the next one.
    line: u32,
    next_line: u32,
}

/// Where a quote-aware scan of a record ended.
enum Scan {
    Complete,
    /// Inside a quoted field: the record goes on over the next line.
    OpenQuote,
}

impl<'r> Records<'r> {
    pub fn new(reader: &'r mut dyn BufRead, delimiter: u8) -> Self {
        Self {
            reader,
            delimiter,
            raw: Vec::new(),
            unquoted: Vec::new(),
            fields: Vec::new(),
            quoted: false,
            line: 0,
            next_line: 1,
        }
    }

    /// Read the next non-empty record; `false` at the end of the input.
    pub fn advance(&mut self) -> io::Result<bool> {
        loop {
            self.raw.clear();
            if super::read_line(self.reader, &mut self.raw)? == 0 {
                return Ok(false);
            }
            self.line = self.next_line;
            self.next_line += 1;
            if self.next_line == 2 && self.raw.starts_with(b"\xEF\xBB\xBF") {
                self.raw.drain(..3);
            }
            if memchr::memchr(b'"', &self.raw).is_none() {
                self.quoted = false;
                self.split_plain();
            } else {
                self.quoted = true;
                while let Scan::OpenQuote = self.split_quoted() {
                    if super::read_line(self.reader, &mut self.raw)? == 0 {
                        // An unterminated quote runs to the end, as in `csv`.
                        break;
                    }
                    self.next_line += 1;
                }
            }
            let blank = self.fields.len() == 1 && self.fields[0].0 == self.fields[0].1;
            if !blank {
                return Ok(true);
            }
        }
    }

    /// Line the current record starts on.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// Field `index` of the current record.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        let &(start, end) = self.fields.get(index)?;
        Some(if self.quoted {
            &self.unquoted[start..end]
        } else {
            &self.raw[start..end]
        })
    }

    /// Fields of the current record.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.fields.len()).filter_map(|i| self.get(i))
    }

    fn content_len(&self) -> usize {
        let mut end = self.raw.len();
        if self.raw[..end].ends_with(b"\n") {
            end -= 1;
        }
        if self.raw[..end].ends_with(b"\r") {
            end -= 1;
        }
        end
    }

    fn split_plain(&mut self) {
        self.fields.clear();
        let end = self.content_len();
        let mut start = 0;
        for at in memchr::memchr_iter(self.delimiter, &self.raw[..end]) {
            self.fields.push((start, at));
            start = at + 1;
        }
        self.fields.push((start, end));
    }

    fn split_quoted(&mut self) -> Scan {
        self.fields.clear();
        self.unquoted.clear();
        let (raw, out, delimiter) = (&self.raw, &mut self.unquoted, self.delimiter);
        let end = raw.len();
        let mut i = 0;
        loop {
            let start = out.len();
            if raw.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    match raw.get(i) {
                        None => {
                            // Kept for an unterminated quote at the end of input.
                            self.fields.push((start, out.len()));
                            return Scan::OpenQuote;
                        }
                        Some(b'"') if raw.get(i + 1) == Some(&b'"') => {
                            out.push(b'"');
                            i += 2;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(&byte) => {
                            out.push(byte);
                            i += 1;
                        }
                    }
                }
            }
            // Unquoted bytes, or what follows a closing quote, are literal.
            while i < end && raw[i] != delimiter && raw[i] != b'\n' {
                out.push(raw[i]);
                i += 1;
            }
            if out[start..].ends_with(b"\r") && (i == end || raw[i] == b'\n') {
                out.pop();
            }
            self.fields.push((start, out.len()));
            if i < end && raw[i] == delimiter {
                i += 1;
            } else {
                return Scan::Complete;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Records;

    fn all(text: &[u8], delimiter: u8) -> Vec<(u32, Vec<String>)> {
        let mut input = text;
        let mut records = Records::new(&mut input, delimiter);
        let mut out = Vec::new();
        while records.advance().expect("in-memory read") {
            let fields = records
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((records.line(), fields));
        }
        out
    }

    #[test]
    fn plain_lines_split_on_the_delimiter() {
        assert_eq!(
            all(b"a,b,,c\r\n1,2\n\n3\n", b','),
            [
                (1, vec!["a".into(), "b".into(), "".into(), "c".into()]),
                (2, vec!["1".into(), "2".into()]),
                (4, vec!["3".into()]),
            ]
        );
        assert_eq!(
            all(b"\xEF\xBB\xBFtimeStamp\telapsed", b'\t'),
            [(1, vec!["timeStamp".into(), "elapsed".into()])]
        );
    }

    #[test]
    fn quoted_fields_follow_rfc_4180() {
        let text = b"1,\"a, b\",\"say \"\"hi\"\"\",x\"y\n\
                     2,\"line one\r\nline two\",end\r\n\
                     3,\"\",last\n";
        assert_eq!(
            all(text, b','),
            [
                (
                    1,
                    vec![
                        "1".into(),
                        "a, b".into(),
                        "say \"hi\"".into(),
                        "x\"y".into()
                    ]
                ),
                (
                    2,
                    vec!["2".into(), "line one\r\nline two".into(), "end".into()]
                ),
                (4, vec!["3".into(), "".into(), "last".into()]),
            ]
        );
    }

    #[test]
    fn an_unterminated_quote_runs_to_the_end() {
        assert_eq!(
            all(b"1,\"open\n2,3\n", b','),
            [(1, vec!["1".into(), "open\n2,3\n".into()])]
        );
    }
}
