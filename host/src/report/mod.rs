//! The judged report: one model, one renderer per format, written
//! atomically to standard output or files.

pub mod annotations;
pub mod deliverables;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod progress;
pub mod rule_docs;
pub mod sarif;
pub(crate) mod support;
pub mod terminal;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;
use serde::Serialize;

use crate::analyze::PluginRun;
use crate::baseline::BaselineReport;
use crate::discovery::Discovered;
use crate::model::{PluginInfo, PluginSource, RuleInfo};
use crate::runtime::{HOST_API_VERSION, Limits};
use crate::suppress::SuppressionReport;
use deliverables::Deliverables;
use perfwarden_policy::i18n::{Lang, T};
use perfwarden_policy::model::{RawNote, Span};
use perfwarden_policy::{Judgement, Status};

/// Version of the JSON report's shape; bumped on breaking changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Grouped by area, coloured when stdout is a terminal.
    Terminal,
    /// The full report, for machines.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one test suite per area, one test case per check.
    Junit,
    /// A compact summary for a pull-request comment or the job summary.
    Markdown,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// One self-contained HTML page with charts and code frames.
    Html,
}

impl Format {
    fn parse(name: &str) -> Option<Self> {
        <Self as ValueEnum>::from_str(name, true).ok()
    }
}

/// Where one rendering goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

/// `--format` and `--output` values as a list of renderings: `FILE` takes
/// `--format` and replaces standard output; `FORMAT=FILE` adds a file.
pub fn parse_outputs(
    format: Format,
    outputs: &[String],
) -> Result<Vec<(Format, Destination)>, String> {
    let mut renderings = Vec::new();
    let mut stdout_replaced = false;
    for output in outputs {
        match output.split_once('=') {
            Some((name, file)) if !name.contains(['/', '\\', '.']) => {
                let extra = Format::parse(name).ok_or_else(|| {
                    let known: Vec<String> = Format::value_variants()
                        .iter()
                        .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_owned()))
                        .collect();
                    format!(
                        "--output {output}: unknown format `{name}` (known: {})",
                        known.join(", ")
                    )
                })?;
                renderings.push((extra, Destination::File(PathBuf::from(file))));
            }
            _ => {
                stdout_replaced = true;
                renderings.push((format, Destination::File(PathBuf::from(output))));
            }
        }
    }
    if !stdout_replaced {
        renderings.insert(0, (format, Destination::Stdout));
    }
    Ok(renderings)
}

/// Tool identity.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
    pub api_version: &'static str,
}

/// What was analyzed.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub root: String,
    /// Files considered (after ignore rules and globs).
    pub artifacts: usize,
    /// Binary files not offered to any plugin.
    pub skipped_binary: usize,
    /// Files over the size limit.
    pub skipped_oversized: Vec<String>,
}

/// The CI outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// `--fail-on` (none: `never`).
    pub fail_on: Option<Status>,
    /// Whether nothing reached `fail_on`.
    pub passed: bool,
}

/// The judged report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub project: Project,
    pub duration_ms: u64,
    pub limits: Limits,
    pub verdict: Verdict,
    #[serde(flatten)]
    pub judgement: Judgement,
    pub plugins: Vec<PluginRun>,
    /// Inline suppressions: applied, unused, invalid.
    pub suppressions: SuppressionReport,
    /// The baseline in use: how many findings it hid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineReport>,
    /// The seed's deliverables: query optimisation plan, cache strategy.
    pub deliverables: Deliverables,
    /// Metadata of the rules of the plugins that ran (SARIF rule docs).
    #[serde(skip)]
    pub rules: Vec<RuleInfo>,
}

impl Report {
    /// Assemble the report of a run.
    pub fn new(
        root: &Path,
        judgement: Judgement,
        plugins: Vec<PluginRun>,
        discovered: &Discovered,
        limits: Limits,
        fail_on: Option<Status>,
        elapsed: Duration,
    ) -> Self {
        let passed = fail_on.is_none_or(|threshold| !judgement.violates(threshold));
        let deliverables = Deliverables::from_judgement(&judgement);
        Self {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "perfwarden",
                version: env!("CARGO_PKG_VERSION"),
                api_version: HOST_API_VERSION,
            },
            project: Project {
                root: root.display().to_string(),
                artifacts: discovered.artifacts.len(),
                skipped_binary: discovered.binary.len(),
                skipped_oversized: discovered
                    .oversized
                    .iter()
                    .map(|a| a.path.clone())
                    .collect(),
            },
            duration_ms: elapsed.as_millis() as u64,
            limits,
            verdict: Verdict { fail_on, passed },
            judgement,
            plugins,
            suppressions: SuppressionReport::default(),
            baseline: None,
            deliverables,
            rules: Vec::new(),
        }
    }

    /// Record the rules of the plugins that ran, sorted by id: renderers
    /// that describe rules (SARIF) take their docs from here.
    pub fn with_rules(mut self, mut rules: Vec<RuleInfo>) -> Self {
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        rules.dedup_by(|a, b| a.id == b.id);
        self.rules = rules;
        self
    }

    /// Complete the cache strategy view with the policy's table.
    pub fn with_cache_policy(mut self, policy: &perfwarden_policy::Policy) -> Self {
        self.deliverables = std::mem::take(&mut self.deliverables).with_cache_policy(policy);
        self
    }

    /// Record what the baseline did.
    pub fn with_baseline(mut self, baseline: Option<BaselineReport>) -> Self {
        self.baseline = baseline;
        self
    }

    /// Record what inline suppressions did.
    pub fn with_suppressions(mut self, suppressions: SuppressionReport) -> Self {
        self.suppressions = suppressions;
        self
    }
}

/// Host notes about discovery: files left out, so nothing is skipped silently.
pub fn discovery_notes(discovered: &Discovered, lang: Lang) -> Vec<RawNote> {
    discovered
        .oversized
        .iter()
        .map(|artifact| RawNote {
            plugin: "perfwarden".into(),
            message: T::NoteOversized.with(lang, &[("bytes", &artifact.size)]),
            span: Some(Span::file(artifact.path.clone())),
        })
        .collect()
}

/// A plugin as `plugins list` shows it.
#[derive(Debug, Serialize)]
pub struct PluginDescription {
    pub source: PluginSource,
    pub sha256: String,
    pub api_version: Option<String>,
    /// The description, when the plugin loads.
    pub info: Option<PluginInfo>,
    /// Why it does not load.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Render the report into every destination.
pub fn write_outputs(
    report: &Report,
    outputs: &[(Format, Destination)],
    quiet: bool,
) -> anyhow::Result<()> {
    for (format, destination) in outputs {
        match destination {
            Destination::Stdout => {
                if quiet && *format == Format::Terminal {
                    continue;
                }
                let color =
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                let mut out = std::io::stdout().lock();
                render(report, *format, color, &mut out)?;
                out.flush()?;
            }
            Destination::File(path) => {
                let mut bytes = Vec::new();
                render(report, *format, false, &mut bytes)?;
                write_atomically(path, &bytes)?;
            }
        }
    }
    Ok(())
}

fn render(
    report: &Report,
    format: Format,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Terminal => terminal::render(report, color, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::Gitlab => gitlab::render(report, out),
        Format::Html => html::render(report, out),
    }
}

/// Write through a temporary file in the same directory, then rename: a
/// reader never sees half a report. A path that is not a regular file
/// (`/dev/null`, `/dev/stdout`, a pipe, a symbolic link) is written in
/// place: a rename would replace the device or the link with a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    if std::fs::symlink_metadata(path).is_ok_and(|meta| !meta.is_file()) {
        return std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    file.write_all(bytes)?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_link_or_device_is_written_in_place_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("latest.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        // A regular file is still replaced whole.
        write_atomically(&target, b"newer").unwrap();
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "newer");
    }

    #[test]
    fn outputs_default_to_stdout_in_the_chosen_format() {
        assert_eq!(
            parse_outputs(Format::Json, &[]).unwrap(),
            [(Format::Json, Destination::Stdout)]
        );
    }

    #[test]
    fn plain_file_replaces_stdout_and_format_prefix_adds_one() {
        let outputs = parse_outputs(
            Format::Terminal,
            &["json=out/r.json".into(), "report.txt".into()],
        )
        .unwrap();
        assert_eq!(
            outputs,
            [
                (Format::Json, Destination::File("out/r.json".into())),
                (Format::Terminal, Destination::File("report.txt".into())),
            ]
        );
        let outputs = parse_outputs(Format::Terminal, &["JSON=r.json".into()]).unwrap();
        assert_eq!(outputs[0], (Format::Terminal, Destination::Stdout));
        assert_eq!(
            outputs[1],
            (Format::Json, Destination::File("r.json".into()))
        );
    }

    #[test]
    fn paths_with_equals_signs_are_files_and_unknown_formats_are_errors() {
        let outputs = parse_outputs(Format::Json, &["./a=b.json".into()]).unwrap();
        assert_eq!(
            outputs,
            [(Format::Json, Destination::File("./a=b.json".into()))]
        );
        let err = parse_outputs(Format::Json, &["yaml=r.yaml".into()]).unwrap_err();
        assert!(
            err.contains("unknown format `yaml`") && err.contains("json"),
            "{err}"
        );
    }
}
