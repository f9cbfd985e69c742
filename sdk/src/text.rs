//! Byte offsets to line/column spans.

use crate::Span;

/// Maps byte offsets of a text to 1-based line and column (columns count
/// characters, as editors and SARIF viewers do).
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<u32>,
}

impl<'a> LineIndex<'a> {
    /// Index `text` (one pass over its bytes).
    pub fn new(text: &'a str) -> Self {
        // memchr finds line breaks with SIMD, also in the sandbox: a
        // byte loop here took 4 % of a PHP analysis.
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
        Self { text, line_starts }
    }

    /// 1-based `(line, column)` of a byte offset; offsets past the end clamp.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&start| start as usize <= offset)
            - 1;
        let start = self.line_starts[line] as usize;
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line as u32 + 1, column as u32 + 1)
    }

    /// Byte offset of a 1-based line and character column, the inverse of
    /// [`LineIndex::line_col`]; a column past the end of its line runs on
    /// into the following lines, up to the end of the text.
    pub fn offset(&self, line: u32, column: u32) -> Option<usize> {
        let start = *self.line_starts.get(line.checked_sub(1)? as usize)? as usize;
        let column = column.checked_sub(1)? as usize;
        let rest = &self.text[start..];
        Some(
            start
                + rest
                    .char_indices()
                    .nth(column)
                    .map_or(rest.len(), |(i, _)| i),
        )
    }

    /// The text this index maps.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The span of `start..end` (end exclusive) in `path`.
    pub fn span(&self, path: &str, start: usize, end: usize) -> Span {
        let (line, column) = self.line_col(start);
        let (end_line, end_column) = self.line_col(end.max(start + 1) - 1);
        Span::new(path, line, column, end_line, end_column)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: u32) -> Option<&'a str> {
        let index = line.checked_sub(1)? as usize;
        let start = *self.line_starts.get(index)? as usize;
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |&e| e as usize);
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_char_columns() {
        let text = "ab\néx\n\nz";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(3), (2, 1));
        // `é` is two bytes: `x` is the second character.
        assert_eq!(index.line_col(5), (2, 2));
        assert_eq!(index.line_col(8), (4, 1));
        assert_eq!(index.line_col(100), (4, 2));
        assert_eq!(index.line_count(), 4);
    }

    #[test]
    fn line_and_column_map_back_to_offsets() {
        let text = "ab\néx\n\nz";
        let index = LineIndex::new(text);
        for offset in [0, 1, 3, 5, 6, 7, 8] {
            let (line, column) = index.line_col(offset);
            assert_eq!(index.offset(line, column), Some(offset), "offset {offset}");
        }
        // Past the end of line 1, columns run on into line 2.
        assert_eq!(index.offset(1, 4), Some(3));
        assert_eq!(index.offset(4, 9), Some(text.len()));
        assert_eq!(index.offset(5, 1), None);
        assert_eq!(index.offset(0, 1), None);
        assert_eq!(index.offset(1, 0), None);
    }

    #[test]
    fn span_end_is_inclusive() {
        let index = LineIndex::new("SELECT *\nFROM t");
        assert_eq!(index.span("q.sql", 0, 8), Span::new("q.sql", 1, 1, 1, 8));
        assert_eq!(index.span("q.sql", 9, 13), Span::new("q.sql", 2, 1, 2, 4));
    }

    #[test]
    fn line_text_strips_line_breaks() {
        let index = LineIndex::new("a\r\nb\n");
        assert_eq!(index.line_text(1), Some("a"));
        assert_eq!(index.line_text(2), Some("b"));
        assert_eq!(index.line_text(3), Some(""));
        assert_eq!(index.line_text(0), None);
        assert_eq!(index.line_text(4), None);
    }
}
