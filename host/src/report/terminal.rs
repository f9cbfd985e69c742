//! Human output: the report grouped by area with code frames, and the
//! plugin listings. Colour only when asked (a terminal without `NO_COLOR`).

use std::io::{self, Write};

use anstyle::{AnsiColor, Effects, Style};

use std::collections::BTreeMap;
use std::path::Path;

use perfwarden_policy::i18n::{self, Lang, T};
use perfwarden_policy::model::Span;
use perfwarden_policy::{ItemStatus, JudgedFinding, JudgedMetric, Status};

use super::support::{self, Sources, severity};
use super::{PluginDescription, Report};
use crate::model::PluginStatus;

const BOLD: Style = Style::new().effects(Effects::BOLD);
const DIM: Style = Style::new().effects(Effects::DIMMED);
const RED: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .effects(Effects::BOLD);
const YELLOW: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const GREEN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const CYAN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

/// Styles text when colour is on.
#[derive(Clone, Copy)]
struct Painter {
    color: bool,
}

impl Painter {
    fn paint(self, style: Style, text: impl std::fmt::Display) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
}

/// `plugins list`: one block per plugin.
pub fn plugins_list(
    out: &mut dyn Write,
    plugins: &[PluginDescription],
    host_api: &str,
) -> io::Result<()> {
    writeln!(out, "host API {host_api}; {} plugins", plugins.len())?;
    for plugin in plugins {
        writeln!(out)?;
        match &plugin.info {
            Some(info) => {
                writeln!(out, "{} {} — {}", info.name, info.version, info.description)?;
                writeln!(out, "  source:   {}", plugin.source)?;
                writeln!(
                    out,
                    "  api:      {}",
                    plugin.api_version.as_deref().unwrap_or("unknown")
                )?;
                writeln!(out, "  sha256:   {}", plugin.sha256)?;
                writeln!(out, "  patterns: {}", info.patterns.join(" "))?;
                let rules: Vec<String> = info
                    .rules
                    .iter()
                    .map(|r| format!("{} ({})", r.id, r.name))
                    .collect();
                writeln!(
                    out,
                    "  rules:    {}",
                    if rules.is_empty() {
                        "none".into()
                    } else {
                        rules.join(", ")
                    }
                )?;
            }
            None => {
                writeln!(out, "{} (cannot load)", plugin.source)?;
                writeln!(out, "  sha256:   {}", plugin.sha256)?;
                writeln!(
                    out,
                    "  error:    {}",
                    plugin.error.as_deref().unwrap_or("unknown")
                )?;
            }
        }
    }
    Ok(())
}

/// `plugins info NAME`: the rules with their docs.
pub fn plugin_info(out: &mut dyn Write, plugin: &PluginDescription, color: bool) -> io::Result<()> {
    let p = Painter { color };
    let Some(info) = &plugin.info else {
        return Ok(());
    };
    writeln!(out, "{} {}", p.paint(BOLD, &info.name), info.version)?;
    writeln!(out, "{}", info.description)?;
    writeln!(
        out,
        "{}",
        p.paint(
            DIM,
            format!("source {} · sha256 {}", plugin.source, plugin.sha256)
        )
    )?;
    writeln!(out, "patterns: {}", info.patterns.join(" "))?;
    for rule in &info.rules {
        writeln!(out)?;
        writeln!(
            out,
            "{} {} — {}",
            p.paint(CYAN, &rule.id),
            p.paint(BOLD, &rule.name),
            rule.summary
        )?;
        writeln!(
            out,
            "{}",
            p.paint(DIM, format!("policy: {}", rule.policy_ref))
        )?;
        for line in rule.docs.lines() {
            writeln!(out, "    {line}")?;
        }
    }
    Ok(())
}

fn status_style(status: Status) -> Style {
    match status {
        Status::Alert => RED,
        Status::AtRisk => YELLOW,
        Status::Acceptable => CYAN,
        Status::Met => GREEN,
        Status::NoData => DIM,
    }
}

/// Worst first; `no-data` after `met` (it is not a verdict).
fn location(span: &Span) -> String {
    format!("{}:{}:{}", span.path, span.line, span.column)
}

/// `http.latency p99.9 GET /api/x`: a missing metric in a few words.
fn missing_name(metric: &JudgedMetric) -> String {
    let mut name = metric.name.clone();
    for key in [
        "percentile",
        "endpoint",
        "class",
        "resource",
        "data_class",
        "route_class",
    ] {
        if let Some(value) = metric.labels.get(key) {
            name.push(' ');
            name.push_str(value);
        }
    }
    if let (Some(class), false) = (&metric.class, metric.labels.contains_key("class")) {
        name.push_str(&format!(" ({class})"));
    }
    name
}

/// A status padded to the widest status of `lang`, so columns line up.
fn status_cell(status: Status, lang: Lang) -> String {
    let width = Status::ALL
        .iter()
        .map(|s| i18n::status(*s, lang).chars().count())
        .max()
        .unwrap_or(0);
    format!("{:<width$}", i18n::status(status, lang))
}

fn metric_line(metric: &JudgedMetric, lang: Lang) -> String {
    let mut line = support::metric_summary(metric, lang);
    if let Some(samples) = metric.samples {
        line.push_str(" · ");
        line.push_str(&T::Samples.with(lang, &[("n", &samples)]));
    }
    line
}

fn write_finding(
    out: &mut dyn Write,
    p: Painter,
    finding: &JudgedFinding,
    sources: &mut Sources<'_>,
    lang: Lang,
) -> io::Result<()> {
    let raw = &finding.finding;
    let status = p.paint(
        status_style(finding.status),
        status_cell(finding.status, lang),
    );
    let at = raw.span.as_ref().map(location).unwrap_or_default();
    writeln!(
        out,
        "  {status} {} {} {}",
        p.paint(CYAN, &raw.rule),
        p.paint(BOLD, &raw.rule_name),
        p.paint(DIM, at)
    )?;
    writeln!(out, "             {}", raw.message)?;
    if let Some(span) = &raw.span
        && let Some(text) = sources.line(&span.path, span.line)
    {
        let gutter = span.line.to_string();
        let pad = " ".repeat(gutter.len());
        writeln!(
            out,
            "             {} {text}",
            p.paint(DIM, format!("{gutter} |"))
        )?;
        let width = if span.end_line == span.line {
            span.end_column.saturating_sub(span.column) + 1
        } else {
            1
        };
        let indent: String = text
            .chars()
            .take(span.column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(
            out,
            "             {pad} {} {indent}{}",
            p.paint(DIM, "|"),
            p.paint(
                status_style(finding.status),
                "^".repeat(width.clamp(1, 120) as usize)
            )
        )?;
    } else if let Some(evidence) = &raw.evidence {
        writeln!(out, "             {}", p.paint(DIM, evidence))?;
    }
    if let Some(fix) = &raw.fix {
        let label = format!("{}: ", T::Fix.get(lang));
        let pad = " ".repeat(label.chars().count());
        for (i, line) in fix.lines().enumerate() {
            let head = if i == 0 { &label } else { &pad };
            writeln!(out, "             {}{line}", p.paint(GREEN, head))?;
        }
    }
    Ok(())
}

/// The report for people: score, then each area's findings and metrics
/// worst first, escalations, checklist, plugin health, verdict.
pub fn render(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let p = Painter { color };
    let j = &report.judgement;
    let lang = j.lang;
    writeln!(
        out,
        "{} {} · {} {} {} · {}",
        p.paint(BOLD, report.tool.name),
        report.tool.version,
        T::Policy.get(lang),
        j.policy.name,
        j.policy.version,
        report.project.root
    )?;
    let score_style = match j.score.overall {
        90.. => GREEN,
        50..=89 => YELLOW,
        _ => RED,
    };
    let areas: Vec<String> = j
        .score
        .areas
        .iter()
        .map(|(area, s)| format!("{} {}", i18n::area(area, lang), s.score))
        .collect();
    writeln!(
        out,
        "{} {}  {}",
        T::Score.get(lang),
        p.paint(score_style, format!("{}/100", j.score.overall)),
        p.paint(DIM, areas.join(" · "))
    )?;

    let mut by_area: BTreeMap<&str, (Vec<&JudgedFinding>, Vec<&JudgedMetric>)> = BTreeMap::new();
    for finding in &j.findings {
        by_area
            .entry(finding.area.as_str())
            .or_default()
            .0
            .push(finding);
    }
    for metric in &j.metrics {
        by_area
            .entry(metric.area.as_deref().unwrap_or("other"))
            .or_default()
            .1
            .push(metric);
    }
    let mut sources = Sources::new(Path::new(&report.project.root));
    for (area, (mut findings, mut metrics)) in by_area {
        findings.sort_by_key(|f| -severity(f.status));
        metrics.sort_by_key(|m| -severity(m.status));
        let score = j
            .score
            .areas
            .get(area)
            .map(|s| format!(" ({} {})", T::Score.get(lang), s.score))
            .unwrap_or_default();
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.paint(BOLD, format!("■ {}{score}", i18n::area(area, lang)))
        )?;
        // Expected-but-missing metrics fold into one line per area: they
        // matter as a count and a list of names, not one line each.
        let (missing, measured): (Vec<&JudgedMetric>, Vec<&JudgedMetric>) =
            metrics.into_iter().partition(|m| m.value.is_none());
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().take(6).map(|m| missing_name(m)).collect();
            let more = missing.len().saturating_sub(names.len());
            let more = if more > 0 {
                format!(", {}", T::More.with(lang, &[("n", &more)]))
            } else {
                String::new()
            };
            let status = p.paint(DIM, status_cell(Status::NoData, lang));
            let expected = T::ExpectedNotMeasured
                .with(lang, &[("n", &missing.len()), ("names", &names.join(", "))]);
            writeln!(out, "  {status} {expected}{more}")?;
        }
        for metric in measured {
            let status = p.paint(
                status_style(metric.status),
                status_cell(metric.status, lang),
            );
            writeln!(out, "  {status} {}", metric_line(metric, lang))?;
            if let Some(note) = &metric.note {
                writeln!(out, "             {}", p.paint(DIM, note))?;
            }
        }
        for finding in findings {
            write_finding(out, p, finding, &mut sources, lang)?;
        }
    }

    if !j.escalations.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", p.paint(RED, T::Escalations.get(lang)))?;
        for escalation in &j.escalations {
            writeln!(
                out,
                "  {} → {} ({})",
                escalation.situation, escalation.action, escalation.owner
            )?;
            for evidence in &escalation.evidence {
                writeln!(out, "      {}", p.paint(DIM, evidence))?;
            }
        }
    }

    writeln!(out)?;
    writeln!(out, "{}", p.paint(BOLD, T::Checklist.get(lang)))?;
    for phase in &j.checklist {
        let marks: Vec<String> = phase
            .items
            .iter()
            .map(|item| match item.status {
                ItemStatus::Verified => p.paint(GREEN, format!("✓ {}", item.text)),
                ItemStatus::Violated => p.paint(RED, format!("✗ {}", item.text)),
                ItemStatus::Unknown => p.paint(DIM, format!("? {}", item.text)),
            })
            .collect();
        writeln!(
            out,
            "  {:<14} {}",
            i18n::area(&phase.phase, lang),
            marks.join("  ")
        )?;
    }

    let notes = j.notes.len() + j.judgement_notes.len();
    if notes > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.paint(BOLD, format!("{} ({notes})", T::Notes.get(lang)))
        )?;
        for note in j.notes.iter().take(20) {
            let at = note
                .span
                .as_ref()
                .map(|s| format!("{} ", location(s)))
                .unwrap_or_default();
            writeln!(out, "  {} {at}{}", p.paint(DIM, &note.plugin), note.message)?;
        }
        if j.notes.len() > 20 {
            writeln!(
                out,
                "  {}",
                T::MoreInJson.with(lang, &[("n", &(j.notes.len() - 20))])
            )?;
        }
        for note in &j.judgement_notes {
            writeln!(out, "  {} {note}", p.paint(DIM, T::Policy.get(lang)))?;
        }
    }

    writeln!(out)?;
    writeln!(out, "{}", p.paint(BOLD, T::Plugins.get(lang)))?;
    for plugin in &report.plugins {
        let style = match plugin.status {
            PluginStatus::Ok => GREEN,
            PluginStatus::Skipped => DIM,
            _ => RED,
        };
        let status = support::plugin_status_name(plugin.status);
        let line = T::PluginLine.with(
            lang,
            &[
                ("ms", &format!("{:.1}", plugin.duration_ms)),
                ("load", &format!("{:.1}", plugin.load_ms)),
                ("artifacts", &plugin.artifacts),
                ("findings", &plugin.findings),
                ("metrics", &plugin.metrics),
                ("cache", &plugin.compile_cache),
            ],
        );
        writeln!(
            out,
            "  {:<14} {} {line}",
            plugin.name,
            p.paint(style, format!("{status:<14}")),
        )?;
        if let Some(error) = &plugin.error {
            writeln!(out, "                 {}", p.paint(RED, error))?;
        }
        if !plugin.refused_reads.is_empty() {
            writeln!(
                out,
                "                 {}",
                p.paint(
                    YELLOW,
                    T::RefusedReads.with(lang, &[("paths", &plugin.refused_reads.join(", "))])
                )
            )?;
        }
    }

    let counts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|status| {
            let n = j
                .summary
                .statuses
                .get(status.as_str())
                .copied()
                .unwrap_or(0);
            (n > 0).then(|| {
                p.paint(
                    status_style(*status),
                    format!("{n} {}", i18n::status(*status, lang)),
                )
            })
        })
        .collect();
    writeln!(out)?;
    let fail_on = support::fail_on_text(report);
    let verdict = if report.verdict.passed {
        p.paint(GREEN, T::Passed.with(lang, &[("status", &fail_on)]))
    } else {
        p.paint(RED, T::Failed.with(lang, &[("status", &fail_on)]))
    };
    writeln!(
        out,
        "{} · {} ms · {verdict}",
        counts.join(", "),
        report.duration_ms
    )
}
