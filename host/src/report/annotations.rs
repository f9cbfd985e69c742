//! GitHub Actions workflow annotations: `::error file=..,line=..::message`
//! lines on standard output, which GitHub pins to the diff of the pull
//! request. Only what fails (at-risk as warnings, alert as errors).

use std::io::{self, Write};

use perfwarden_policy::Status;
use perfwarden_policy::i18n::{self, T};
use perfwarden_policy::model::Span;

use super::support::{self, capitalized};
use super::{Destination, Format, Report};

/// GitHub shows only the first few annotations of a step; past this many
/// the log would fill with lines nobody sees, so the rest are counted.
pub const MAX_ANNOTATIONS: usize = 50;

/// Whether to annotate: under GitHub Actions, unless `--no-annotations`,
/// and only when standard output carries a report for people (terminal or
/// Markdown) or nothing: appended to a JSON, SARIF, XML or HTML report on
/// standard output, the lines would make it unparseable.
pub fn enabled(no_annotations: bool, outputs: &[(Format, Destination)]) -> bool {
    let stdout_is_for_people = outputs.iter().all(|(format, destination)| {
        *destination != Destination::Stdout || matches!(format, Format::Terminal | Format::Markdown)
    });
    !no_annotations
        && stdout_is_for_people
        && std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// Write the annotations of the report's failing findings and metrics,
/// alerts first.
pub fn write_annotations(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let judgement = &report.judgement;
    let lang = judgement.lang;
    let mut lines: Vec<(Status, String)> = Vec::new();
    for finding in &judgement.findings {
        if !support::fails(finding.status) {
            continue;
        }
        let raw = &finding.finding;
        let title = format!(
            "{} {} ({})",
            raw.rule,
            raw.rule_name,
            i18n::status(finding.status, lang)
        );
        let message = match &raw.fix {
            Some(fix) => format!("{}\n{}: {fix}", raw.message, capitalized(T::Fix.get(lang))),
            None => raw.message.clone(),
        };
        lines.push((
            finding.status,
            command(finding.status, raw.span.as_ref(), &title, &message),
        ));
    }
    for metric in &judgement.metrics {
        if !support::fails(metric.status) {
            continue;
        }
        let title = format!(
            "{} ({})",
            metric.policy_ref.as_deref().unwrap_or(&metric.name),
            i18n::status(metric.status, lang)
        );
        lines.push((
            metric.status,
            command(
                metric.status,
                metric.span.as_ref(),
                &title,
                &support::metric_summary(metric, lang),
            ),
        ));
    }
    // Stable: equal statuses keep the report's order.
    lines.sort_by_key(|(status, _)| -support::severity(*status));
    let total = lines.len();
    for (_, line) in lines.iter().take(MAX_ANNOTATIONS) {
        writeln!(out, "{line}")?;
    }
    if total > MAX_ANNOTATIONS {
        writeln!(
            out,
            "::notice title=perfwarden::{}",
            escape_data(&T::MoreProblems.with(lang, &[("n", &(total - MAX_ANNOTATIONS))]))
        )?;
    }
    Ok(())
}

fn command(status: Status, span: Option<&Span>, title: &str, message: &str) -> String {
    let kind = if status == Status::Alert {
        "error"
    } else {
        "warning"
    };
    let mut properties = Vec::new();
    if let Some(span) = span {
        properties.push(format!("file={}", escape_property(&span.path)));
        properties.push(format!("line={}", span.line.max(1)));
        if span.column > 0 {
            properties.push(format!("col={}", span.column));
        }
        if span.end_line >= span.line && span.end_line > 0 {
            properties.push(format!("endLine={}", span.end_line));
        }
    }
    properties.push(format!("title={}", escape_property(title)));
    format!(
        "::{kind} {}::{}",
        properties.join(","),
        escape_data(message)
    )
}

/// Escaping of a command's message (GitHub's `escapeData`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a command's property value (GitHub's `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_appended_to_a_machine_report_on_stdout_nor_when_refused() {
        let json_on_stdout = [(Format::Json, Destination::Stdout)];
        assert!(!enabled(false, &json_on_stdout));
        let terminal = [(Format::Terminal, Destination::Stdout)];
        assert!(!enabled(true, &terminal));
    }

    #[test]
    fn commands_escape_separators_and_newlines() {
        let span = Span {
            path: "src/a,b:c.js".into(),
            line: 3,
            column: 5,
            end_line: 3,
            end_column: 9,
        };
        assert_eq!(
            command(Status::Alert, Some(&span), "N+1: x", "50% slower\nfix it"),
            "::error file=src/a%2Cb%3Ac.js,line=3,col=5,endLine=3,title=N+1%3A x::50%25 slower%0Afix it"
        );
        assert_eq!(
            command(Status::AtRisk, None, "t", "m"),
            "::warning title=t::m"
        );
    }
}
