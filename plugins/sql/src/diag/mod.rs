//! Database diagnostics: the format of each offered file is recognised by
//! its first bytes; files of no known format are skipped silently (the
//! plugin's patterns are broad on purpose).

pub(crate) mod explain;
mod logs;
mod pg_stat_statements;
mod pt_digest;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Artifact, Confidence, Context, Finding, Metric, Output, Span};
use perfwarden_sql_rules::sqlparser::dialect::GenericDialect;
use perfwarden_sql_rules::sqlparser::tokenizer::{Token, Tokenizer};

use crate::rules::{repeated_statement, slow_query};

/// Bytes sniffed to recognise a format.
const SNIFF_LEN: u32 = 4096;
/// Longest statement text kept in a label or message.
const STATEMENT_LABEL_LEN: usize = 160;

pub(crate) fn analyze(cx: &Context, artifact: &Artifact, slow_ms: f64, out: &mut Output) {
    let Ok(head) = cx.read_range(&artifact.path, 0, SNIFF_LEN) else {
        return;
    };
    let head = String::from_utf8_lossy(&head);
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    let path = artifact.path.as_str();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if head.contains("\"classes\"") && head.contains("\"fingerprint\"") {
            pt_digest::analyze(cx, path, slow_ms, out);
        } else if head.contains("\"Plan\"") && head.contains("\"Node Type\"") {
            explain::analyze(cx, path, slow_ms, out);
        }
    } else if let Some(first_line) = trimmed.lines().next()
        && first_line.contains("calls")
        && first_line.contains("query")
        && (first_line.contains("mean_exec_time") || first_line.contains("mean_time"))
    {
        pg_stat_statements::analyze(cx, path, slow_ms, out);
    } else if let Some(format) = logs::sniff(&head) {
        logs::analyze(cx, path, format, slow_ms, out);
    }
}

/// A statement with literals replaced by `?` and whitespace collapsed, so
/// executions of the same code compare equal.
pub(crate) fn normalise_statement(sql: &str) -> String {
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, sql).tokenize() else {
        return sql.split_whitespace().collect::<Vec<_>>().join(" ");
    };
    let mut out = String::with_capacity(sql.len());
    let mut space = false;
    for token in tokens {
        let text = match token {
            Token::Whitespace(_) => {
                space = !out.is_empty();
                continue;
            }
            Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::NationalStringLiteral(_)
            | Token::EscapedStringLiteral(_)
            | Token::HexStringLiteral(_)
            | Token::Placeholder(_) => "?".to_owned(),
            Token::Word(w) if w.quote_style.is_none() => w.value.to_lowercase(),
            Token::SemiColon => continue,
            other => other.to_string(),
        };
        if space {
            out.push(' ');
            space = false;
        }
        out.push_str(&text);
    }
    out
}

/// A statement shortened for labels and messages.
pub(crate) fn short(statement: &str) -> String {
    let one_line = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(STATEMENT_LABEL_LEN) {
        Some((cut, _)) => format!("{}...", &one_line[..cut]),
        None => one_line,
    }
}

/// Nearest-rank percentile of sorted values.
pub(crate) fn percentile(sorted: &[f64], rank: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let index = ((rank / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[index.clamp(1, sorted.len()) - 1])
}

/// Threshold label: `1s`, `500ms`.
pub(crate) fn threshold_label(slow_ms: f64) -> String {
    if slow_ms >= 1000.0 && slow_ms % 1000.0 == 0.0 {
        format!("{}s", slow_ms / 1000.0)
    } else {
        format!("{slow_ms}ms")
    }
}

/// Query executions read from a log: latency distribution, slow queries
/// and per-session repetition.
#[derive(Default)]
pub(crate) struct Executions {
    durations: Vec<f64>,
    /// Seconds since the epoch of the first and last timestamped entry.
    window: Option<(f64, f64)>,
    /// (session, statement key) -> executions. Keys stand for the
    /// normalised text so a long log keeps each distinct statement once.
    per_session: HashMap<(String, u64), u64>,
    /// Statement key -> normalised statement.
    statements: HashMap<u64, String>,
    /// Statement key -> (slow executions, max ms, example text).
    slow: HashMap<u64, (u64, f64, String)>,
    /// Logged text -> statement key. Normalising tokenizes the statement,
    /// most of a log's cost, and logs repeat the same text (bound
    /// parameters, prepared statements) over and over.
    keys: HashMap<String, u64>,
}

/// Distinct logged texts whose key is remembered: a log of unique
/// literals must not grow the cache without bound.
const KEY_CACHE: usize = 4096;

/// One session repeating one statement this often is an N+1 signature.
const REPEAT_THRESHOLD: u64 = 10;

impl Executions {
    pub fn record(
        &mut self,
        ms: f64,
        timestamp: Option<f64>,
        session: &str,
        statement: Option<&str>,
        slow_ms: f64,
    ) {
        self.durations.push(ms);
        if let Some(ts) = timestamp {
            let (first, last) = self.window.get_or_insert((ts, ts));
            *first = first.min(ts);
            *last = last.max(ts);
        }
        let Some(statement) = statement.filter(|s| !s.trim().is_empty()) else {
            return;
        };
        let key = match self.keys.get(statement) {
            Some(&key) => key,
            None => {
                let normalised = normalise_statement(statement);
                let mut hasher = DefaultHasher::new();
                normalised.hash(&mut hasher);
                let key = hasher.finish();
                self.statements.entry(key).or_insert(normalised);
                if self.keys.len() < KEY_CACHE {
                    self.keys.insert(statement.to_owned(), key);
                }
                key
            }
        };
        if ms > slow_ms {
            let entry = self
                .slow
                .entry(key)
                .or_insert_with(|| (0, 0.0, statement.to_owned()));
            entry.0 += 1;
            entry.1 = entry.1.max(ms);
        }
        *self
            .per_session
            .entry((session.to_owned(), key))
            .or_default() += 1;
    }

    pub fn report(mut self, path: &str, source: &str, slow_ms: f64, out: &mut Output) {
        if self.durations.is_empty() {
            out.note(
                format!("{path}: {source} has no query durations"),
                Some(Span::file(path)),
            );
            return;
        }
        self.durations.sort_by(f64::total_cmp);
        let n = self.durations.len() as u64;
        for rank in [50.0, 95.0, 99.0] {
            if let Some(value) = percentile(&self.durations, rank) {
                out.metric(
                    Metric::new(vocabulary::DB_QUERY_LATENCY, value, unit::MS)
                        .label(label::PERCENTILE, vocabulary::percentile_label(rank))
                        .label(label::SOURCE, source)
                        .samples(n)
                        .span(Span::file(path)),
                );
            }
        }
        let slow: u64 = self.slow.values().map(|s| s.0).sum();
        let threshold = threshold_label(slow_ms);
        out.metric(
            Metric::new(vocabulary::DB_SLOW_QUERIES, slow as f64, unit::COUNT)
                .label(label::THRESHOLD, threshold.clone())
                .label(label::SOURCE, source)
                .samples(n)
                .span(Span::file(path)),
        );
        // A rate needs a measured window of at least a minute; a shorter
        // one would extrapolate.
        if let Some((first, last)) = self.window
            && last - first >= 60.0
        {
            out.metric(
                Metric::new(
                    vocabulary::DB_SLOW_QUERY_RATE,
                    slow as f64 / ((last - first) / 60.0),
                    unit::PER_MIN,
                )
                .label(label::THRESHOLD, threshold)
                .label(label::SOURCE, source)
                .samples(n)
                .span(Span::file(path)),
            );
        }
        let mut slow: Vec<_> = self.slow.into_iter().collect();
        slow.sort_by(|a, b| b.1.1.total_cmp(&a.1.1));
        for (_, (count, max, example)) in slow {
            out.push(slow_query::finding(
                path,
                &example,
                count,
                max,
                slow_ms,
                Confidence::High,
            ));
        }
        let statements = self.statements;
        let mut repeated: Vec<(String, &str, u64)> = self
            .per_session
            .into_iter()
            .filter(|(_, count)| *count >= REPEAT_THRESHOLD)
            .filter_map(|((session, key), count)| {
                let statement = statements.get(&key)?;
                repeated_statement::is_lookup(statement).then_some((
                    session,
                    statement.as_str(),
                    count,
                ))
            })
            .collect();
        repeated.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, a.1).cmp(&(&b.0, b.1))));
        for (session, statement, count) in repeated {
            out.metric(
                Metric::new(vocabulary::DB_REPEATED_QUERIES, count as f64, unit::COUNT)
                    .label(label::STATEMENT, short(statement))
                    .label(label::SOURCE, source)
                    .span(Span::file(path)),
            );
            out.push(repeated_statement::finding(
                path,
                statement,
                count,
                &format!("session {session}"),
            ));
        }
    }
}

/// Shared finding constructor for file-level diagnostics.
pub(crate) fn file_finding(
    rule: &'static perfwarden_sdk::Rule,
    path: &str,
    message: String,
) -> Finding {
    Finding::new(rule, message).span(Span::file(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_normalise_literals_and_space() {
        assert_eq!(
            normalise_statement("SELECT * FROM t\n  WHERE id = 42 AND name = 'x';"),
            "select * from t where id = ? and name = ?"
        );
        assert_eq!(
            normalise_statement("select * from t where id = $1"),
            normalise_statement("SELECT *  FROM t WHERE id = 7")
        );
    }

    #[test]
    fn statement_keys_are_cached_up_to_a_bound() {
        let mut executions = Executions::default();
        for i in 0..KEY_CACHE + 100 {
            executions.record(
                1.0,
                None,
                "9",
                Some(&format!("SELECT {i} FROM t{i}")),
                1000.0,
            );
        }
        assert_eq!(executions.keys.len(), KEY_CACHE);
        // Past the bound a statement is still grouped with its repeats,
        // by its normalised text.
        for value in 0..12 {
            executions.record(
                1.0,
                None,
                "9",
                Some(&format!("SELECT id FROM late WHERE id = {value}")),
                1000.0,
            );
        }
        let late = executions
            .statements
            .iter()
            .find(|(_, s)| s.as_str() == "select id from late where id = ?")
            .map(|(key, _)| *key)
            .expect("normalised");
        assert_eq!(
            executions.per_session.get(&("9".to_owned(), late)),
            Some(&12)
        );
        assert_eq!(executions.keys.len(), KEY_CACHE);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&[3.0], 99.0), Some(3.0));
        assert_eq!(percentile(&[], 99.0), None);
        assert_eq!(threshold_label(1000.0), "1s");
        assert_eq!(threshold_label(250.0), "250ms");
    }
}
