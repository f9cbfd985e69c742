//! What the file renderers share: escaping for each target syntax, value
//! formatting, source lines for code frames, and stable fingerprints.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use perfwarden_policy::i18n::{self, Lang, T};
use perfwarden_policy::model::{Confidence, RawFinding};
use perfwarden_policy::{JudgedFinding, JudgedMetric, Judgement, Status, Thresholds};

use super::Report;
use crate::baseline::Fingerprinter;
use crate::model::PluginStatus;

/// Escape text for XML and HTML, element content and quoted attributes
/// alike. Characters XML 1.0 forbids (other C0 controls) are dropped: a
/// plugin message containing one must not make the whole document invalid.
pub fn markup_escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

/// [`markup_escape`] into a new string.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    markup_escape(text, &mut out);
    out
}

/// Text safe in one Markdown table cell and inline: no line breaks, no
/// column separators, no markup (HTML, links, emphasis, code spans).
pub fn markdown_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The `--fail-on` threshold of the verdict as people read it.
pub fn fail_on_text(report: &Report) -> &'static str {
    let lang = report.judgement.lang;
    report
        .verdict
        .fail_on
        .map_or(T::Never.get(lang), |status| i18n::status(status, lang))
}

/// A plugin status by its report name (`memory-limit`, `ok`...).
pub fn plugin_status_name(status: PluginStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A heading or column title from a lower-case label.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A number for people: integers without decimals, others with a few.
pub fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else if value.abs() >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

/// `name{k=v, ...}`: a metric and its labels in one line.
pub fn metric_label(metric: &JudgedMetric) -> String {
    let mut out = metric.name.clone();
    let mut labels: Vec<String> = metric
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if let (Some(class), false) = (&metric.class, metric.labels.contains_key("class")) {
        labels.push(format!("class={class}"));
    }
    if !labels.is_empty() {
        let _ = write!(out, "{{{}}}", labels.join(", "));
    }
    out
}

/// The measured value with its unit, or `no data`.
pub fn metric_value(metric: &JudgedMetric, lang: Lang) -> String {
    metric.value.map_or_else(
        || T::NoData.get(lang).to_owned(),
        |v| format!("{} {}", format_value(v), metric.unit),
    )
}

/// The thresholds a metric was judged against, in its unit.
pub fn thresholds_text(thresholds: &Thresholds, unit: &str, lang: Lang) -> String {
    let mut parts: Vec<String> = [
        (T::Target, thresholds.target),
        (T::AcceptableBand, thresholds.acceptable),
        (T::AlertThreshold, thresholds.alert),
        (T::Minimum, thresholds.min),
        (T::Maximum, thresholds.max),
    ]
    .iter()
    .filter_map(|(name, v)| v.map(|v| format!("{} {} {unit}", name.get(lang), format_value(v))))
    .collect();
    if let (Some(limit), Some(window)) = (thresholds.limit, thresholds.window_s) {
        parts.push(T::LimitPer.with(
            lang,
            &[
                ("limit", &format_value(limit)),
                ("window", &format_value(window)),
            ],
        ));
    }
    parts.join(", ")
}

/// `name{labels} = value (thresholds)`: a metric's verdict in one line.
pub fn metric_summary(metric: &JudgedMetric, lang: Lang) -> String {
    let mut line = format!("{} = {}", metric_label(metric), metric_value(metric, lang));
    if let Some(thresholds) = &metric.thresholds {
        let text = thresholds_text(thresholds, &metric.unit, lang);
        if !text.is_empty() {
            let _ = write!(line, " ({text})");
        }
    }
    line
}

/// Severity for sorting, worst first: alert 3 .. met 0, `no-data` -1.
pub fn severity(status: Status) -> i8 {
    status.rank().map_or(-1, |rank| rank as i8)
}

/// Worst status per area, over findings and metrics (metrics without an
/// area count under `other`).
pub fn worst_status_per_area(j: &Judgement) -> BTreeMap<&str, Status> {
    let mut worst: BTreeMap<&str, Status> = BTreeMap::new();
    let statuses = j
        .findings
        .iter()
        .map(|f| (f.area.as_str(), f.status))
        .chain(
            j.metrics
                .iter()
                .map(|m| (m.area.as_deref().unwrap_or("other"), m.status)),
        );
    for (area, status) in statuses {
        let entry = worst.entry(area).or_insert(status);
        if severity(status) > severity(*entry) {
            *entry = status;
        }
    }
    worst
}

/// Whether a status is a failure for CI formats (at-risk or alert).
pub fn fails(status: Status) -> bool {
    status.violates(Status::AtRisk)
}

/// Indices of `items`, worst status first, stable within a status.
pub fn worst_first<T>(items: &[T], status: impl Fn(&T) -> Status) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| -severity(status(&items[i])));
    order
}

/// Source lines for code frames, each file read once.
pub struct Sources<'a> {
    root: &'a Path,
    files: HashMap<String, Option<Vec<String>>>,
}

impl<'a> Sources<'a> {
    pub fn new(root: &'a Path) -> Self {
        Self {
            root,
            files: HashMap::new(),
        }
    }

    /// Line `line` (1-based) of `path`, when the file is readable.
    pub fn line(&mut self, path: &str, line: u32) -> Option<&str> {
        let root = self.root;
        let lines = self.files.entry(path.to_owned()).or_insert_with(|| {
            // Spans come from plugins: never leave the project root.
            if Path::new(path).is_absolute() || path.split(['/', '\\']).any(|p| p == "..") {
                return None;
            }
            let text = std::fs::read(root.join(path)).ok()?;
            Some(
                String::from_utf8_lossy(&text)
                    .lines()
                    .map(str::to_owned)
                    .collect(),
            )
        });
        lines
            .as_ref()?
            .get(line.checked_sub(1)? as usize)
            .map(String::as_str)
    }
}

/// Stable identities of results across runs: rule, path and normalised
/// source line, never the line number, so edits above a finding keep it.
pub struct Fingerprints<'a> {
    inner: Fingerprinter<'a>,
}

impl<'a> Fingerprints<'a> {
    pub fn new(root: &'a Path) -> Self {
        Self {
            inner: Fingerprinter::new(root),
        }
    }

    /// The finding's fingerprint: the one the host set, or the same
    /// computation as baselines use.
    pub fn finding(&mut self, finding: &JudgedFinding) -> String {
        match &finding.finding.fingerprint {
            Some(fingerprint) => fingerprint.clone(),
            None => self.inner.key(&finding.finding).2,
        }
    }

    /// A metric's fingerprint: its policy row and labels in place of a rule.
    pub fn metric(&mut self, metric: &JudgedMetric) -> String {
        let rule = metric
            .policy_ref
            .clone()
            .unwrap_or_else(|| metric.name.clone());
        let stand_in = RawFinding {
            rule,
            rule_name: String::new(),
            plugin: metric.plugin.clone().unwrap_or_default(),
            policy_ref: String::new(),
            message: metric_label(metric),
            span: metric.span.clone(),
            evidence: None,
            fix: None,
            confidence: Confidence::High,
            fingerprint: None,
        };
        self.inner.key(&stand_in).2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_escape_covers_the_five_characters_and_drops_controls() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>\u{1}\n"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\n"
        );
    }

    #[test]
    fn markdown_cells_cannot_break_the_table_or_inject_markup() {
        assert_eq!(
            markdown_inline("a|b\n<img src=x> *x* [l](u)"),
            "a\\|b &lt;img src=x&gt; \\*x\\* \\[l\\](u)"
        );
    }

    #[test]
    fn sources_refuse_paths_outside_the_root() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.sql"), "one\ntwo\n").expect("write");
        let mut sources = Sources::new(dir.path());
        assert_eq!(sources.line("a.sql", 2), Some("two"));
        assert_eq!(sources.line("a.sql", 0), None);
        assert_eq!(sources.line("../etc/passwd", 1), None);
    }
}
