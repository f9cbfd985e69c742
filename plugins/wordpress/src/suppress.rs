//! Existing `phpcs:ignore` / `phpcs:disable` comments, honoured for the
//! perfwarden rule equivalent to the sniff they name.
//!
//! A comment must name a sniff (`// phpcs:ignore WordPress.DB.SlowDBQuery`):
//! a bare `phpcs:ignore` is usually written for an unrelated sniff (escaping,
//! naming), so it does not hide performance findings.

use mago_syntax::ast::{Program, TriviaKind};
use perfwarden_sdk::LineIndex;

/// Lines on which named sniffs are ignored.
#[derive(Debug, Default)]
pub struct Suppressions {
    regions: Vec<Region>,
}

#[derive(Debug)]
struct Region {
    first: u32,
    last: u32,
    codes: Vec<String>,
}

impl Suppressions {
    /// Read the phpcs comments of a parsed file.
    pub fn read(program: &Program<'_>, lines: &LineIndex<'_>, source: &str) -> Self {
        let mut regions = Vec::new();
        let mut open: Vec<(u32, Vec<String>)> = Vec::new();
        for trivia in program.trivia.iter() {
            if matches!(trivia.kind, TriviaKind::WhiteSpace) {
                continue;
            }
            let Ok(text) = std::str::from_utf8(trivia.value) else {
                continue;
            };
            let Some((directive, codes)) = parse(text) else {
                continue;
            };
            let start = trivia.span.start.offset as usize;
            let (line, _) = lines.line_col(start);
            match directive {
                Directive::Ignore if !codes.is_empty() => {
                    let before = source.get(..start).unwrap_or_default();
                    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                    let own_line = before[line_start..].trim().is_empty();
                    let target = if own_line { line + 1 } else { line };
                    regions.push(Region {
                        first: target,
                        last: target,
                        codes,
                    });
                }
                Directive::Disable if !codes.is_empty() => open.push((line, codes)),
                Directive::Enable => {
                    // A bare enable closes every region; a named one its codes.
                    let (closed, kept): (Vec<_>, Vec<_>) = open.into_iter().partition(|(_, c)| {
                        codes.is_empty() || c.iter().any(|code| codes.contains(code))
                    });
                    open = kept;
                    regions.extend(closed.into_iter().map(|(first, codes)| Region {
                        first,
                        last: line,
                        codes,
                    }));
                }
                _ => {}
            }
        }
        regions.extend(open.into_iter().map(|(first, codes)| Region {
            first,
            last: u32::MAX,
            codes,
        }));
        Self { regions }
    }

    /// Whether a comment covering `line` names one of `sniffs`.
    pub fn covers(&self, line: u32, sniffs: &[&str]) -> bool {
        self.regions.iter().any(|r| {
            r.first <= line
                && line <= r.last
                && r.codes
                    .iter()
                    .any(|code| sniffs.iter().any(|sniff| same_sniff(code, sniff)))
        })
    }
}

#[derive(Debug, PartialEq)]
enum Directive {
    Ignore,
    Disable,
    Enable,
}

fn parse(comment: &str) -> Option<(Directive, Vec<String>)> {
    // Most comments are docblocks: find `phpcs:` without allocating.
    let start = comment
        .as_bytes()
        .windows(6)
        .position(|w| w.eq_ignore_ascii_case(b"phpcs:"))?
        + 6;
    let tail = comment.get(start..)?;
    let (directive, at) = [
        ("ignore", Directive::Ignore),
        ("disable", Directive::Disable),
        ("enable", Directive::Enable),
    ]
    .into_iter()
    .find_map(|(word, d)| {
        tail.get(..word.len())
            .filter(|w| w.eq_ignore_ascii_case(word))
            .map(|_| (d, start + word.len()))
    })?;
    let rest = comment.get(at..)?;
    let rest = rest.split(" --").next().unwrap_or(rest);
    let rest = rest.trim_end_matches("*/");
    let codes = rest
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    Some((directive, codes))
}

/// `WordPress.DB` covers `WordPress.DB.SlowDBQuery`, and a message code
/// such as `WordPress.DB.SlowDBQuery.slow_db_query_meta_query` is the sniff.
fn same_sniff(code: &str, sniff: &str) -> bool {
    // Bytes, not `str` slices: a comment may hold any UTF-8.
    let prefix_of = |short: &[u8], long: &[u8]| {
        long.len() >= short.len()
            && long[..short.len()].eq_ignore_ascii_case(short)
            && (long.len() == short.len() || long[short.len()] == b'.')
    };
    let (code, sniff) = (code.as_bytes(), sniff.as_bytes());
    prefix_of(code, sniff) || prefix_of(sniff, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_reasons_are_split() {
        let (d, codes) =
            parse("// phpcs:ignore WordPress.DB.SlowDBQuery, WordPress.WP.PostsPerPage -- needed")
                .unwrap();
        assert_eq!(d, Directive::Ignore);
        assert_eq!(
            codes,
            ["WordPress.DB.SlowDBQuery", "WordPress.WP.PostsPerPage"]
        );
        assert!(parse("// plain comment").is_none());
    }

    #[test]
    fn sniff_prefixes_match_on_dots() {
        assert!(same_sniff("WordPress.DB", "WordPress.DB.SlowDBQuery"));
        assert!(same_sniff(
            "WordPress.DB.SlowDBQuery.slow_db_query_meta_query",
            "WordPress.DB.SlowDBQuery"
        ));
        assert!(!same_sniff("WordPress.D", "WordPress.DB.SlowDBQuery"));
        assert!(!same_sniff("WordPress.WP", "WordPress.DB.SlowDBQuery"));
        assert!(!same_sniff(
            "WordPress.DB.Slow\u{e9}x",
            "WordPress.DB.SlowDBQuery"
        ));
        assert!(!same_sniff(
            "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
            "WordPress"
        ));
    }
}
