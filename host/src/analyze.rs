//! One analysis: match artifacts to plugins, run the plugins that have
//! something to analyze in parallel, and collect what they report.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use std::path::PathBuf;

use perfwarden_policy::i18n::{Lang, T};
use perfwarden_policy::{JudgeInput, Policy, Status};

use crate::baseline::Baseline;
use crate::config::{Config, PluginEntry};
use crate::discovery::{Discovered, glob_set};
use crate::isolate;
use crate::model::{PluginInfo, PluginSource, PluginStatus, RuleInfo};
use crate::registry::Plugin;
use crate::report::Report;
use crate::runtime::{CallOutput, CompileCache, Compiled, Offered, PluginFailure, Runtime};
use crate::suppress::SuppressionReport;
use perfwarden_policy::model::{Confidence, RawFinding, RawMetric, RawNote, Span};

/// What the report says about one plugin.
#[derive(Debug, Clone, Serialize)]
pub struct PluginRun {
    pub name: String,
    pub version: Option<String>,
    pub api_version: Option<String>,
    pub source: PluginSource,
    pub sha256: String,
    pub status: PluginStatus,
    pub error: Option<String>,
    /// Time in the plugin's `analyze` call (the deadline applies to it).
    pub duration_ms: f64,
    /// Time to get the plugin ready: compile or cache load, and `info`.
    pub load_ms: f64,
    /// Artifacts offered.
    pub artifacts: usize,
    /// `hit`, `miss`, `off`, or `none` when not compiled.
    pub compile_cache: &'static str,
    pub findings: usize,
    pub metrics: usize,
    pub bytes_read: u64,
    pub fuel_consumed: u64,
    /// Paths the plugin asked for but was not offered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused_reads: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
    /// Files the plugin failed on, run again without (see the notes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub isolated: Vec<String>,
}

/// Everything the plugins reported, before judging.
#[derive(Debug, Default)]
pub struct Collected {
    pub plugins: Vec<PluginRun>,
    pub infos: Vec<PluginInfo>,
    pub findings: Vec<RawFinding>,
    pub metrics: Vec<RawMetric>,
    pub notes: Vec<RawNote>,
    /// `(rule id, policy ref)` of the rules of plugins that ran successfully.
    pub rules_run: Vec<(String, String)>,
    /// Artifacts offered to plugins that ran successfully: where
    /// suppression comments count.
    pub analyzed_paths: BTreeSet<String>,
}

/// Inputs shared by every plugin task.
pub struct Session {
    pub runtime: Runtime,
    pub cache: Option<CompileCache>,
    pub root: PathBuf,
    pub plugin_settings: BTreeMap<String, String>,
    pub jobs: usize,
    /// Language of the host's notes and of the report.
    pub lang: Lang,
}

/// Why plugins could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A user plugin problem (missing file, hash mismatch): the user's to fix.
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
    /// The engine could not start.
    #[error(transparent)]
    Runtime(anyhow::Error),
}

/// The runtime, the compile cache and the plugins of a run.
pub struct Loaded {
    pub runtime: Runtime,
    pub cache: Option<CompileCache>,
    pub plugins: Vec<Arc<Plugin>>,
}

/// The runtime, the compile cache (unless disabled) and every plugin:
/// built-ins, the config's `[[plugins]]`, then `extra` files.
pub fn load_plugins(
    config: &Config,
    extra: &[PathBuf],
    use_cache: bool,
) -> Result<Loaded, LoadError> {
    let cache = if use_cache {
        CompileCache::default_dir().map(CompileCache::new)
    } else {
        None
    };
    let runtime = Runtime::new(config.limits.clone(), cache.clone()).map_err(LoadError::Runtime)?;
    let mut entries = config.plugins.clone();
    entries.extend(extra.iter().map(|path| PluginEntry {
        path: path.clone(),
        sha256: None,
    }));
    let plugins = crate::registry::load(&entries)?;
    Ok(Loaded {
        runtime,
        cache,
        plugins,
    })
}

/// How to judge a run.
pub struct Judging<'a> {
    pub policy: &'a Policy,
    /// `--fail-on` (`None`: never fail).
    pub fail_on: Option<Status>,
    /// Known findings to hide, with the file they came from.
    pub baseline: Option<(&'a Baseline, String)>,
    /// When the run started (for the report's duration).
    pub started: Instant,
}

/// Run the plugins on the discovered artifacts and judge the result.
pub fn analyze(
    session: Session,
    plugins: Vec<Arc<Plugin>>,
    discovered: &Discovered,
    judging: Judging<'_>,
) -> Report {
    let Judging {
        policy,
        fail_on,
        baseline,
        started,
    } = judging;
    let lang = session.lang;
    let root = session.root.clone();
    let limits = session.runtime.limits().clone();
    let collected = run(Arc::new(session), plugins, discovered);
    let rule_names: BTreeMap<String, String> = collected
        .infos
        .iter()
        .flat_map(|info| &info.rules)
        .map(|rule| (rule.id.clone(), rule.name.clone()))
        .collect();
    let analyzed: Vec<String> = collected.analyzed_paths.iter().cloned().collect();
    let (findings, suppressions) = crate::suppress::apply(
        &root,
        &analyzed,
        collected.findings,
        &collected.rules_run,
        &rule_names,
    );
    let mut findings = findings;
    crate::baseline::fingerprint_all(&root, &mut findings);
    let (findings, baseline_report) = match baseline {
        Some((baseline, file)) => {
            let (kept, report) = baseline.apply(&root, findings, &file);
            (kept, Some(report))
        }
        None => (findings, None),
    };
    let rules: Vec<crate::model::RuleInfo> = collected
        .infos
        .iter()
        .flat_map(|info| info.rules.iter().cloned())
        .collect();
    let mut notes = collected.notes;
    notes.extend(crate::report::discovery_notes(discovered, lang));
    notes.extend(suppression_notes(&suppressions, lang));
    let judgement = policy.judge(JudgeInput {
        plugin_errors: collected
            .plugins
            .iter()
            .filter(|p| p.status.is_failure())
            .count(),
        findings,
        metrics: collected.metrics,
        notes,
        rules_run: collected.rules_run,
        lang,
    });
    Report::new(
        &root,
        judgement,
        collected.plugins,
        discovered,
        limits,
        fail_on,
        started.elapsed(),
    )
    .with_suppressions(suppressions)
    .with_baseline(baseline_report)
    .with_rules(rules)
    .with_cache_policy(policy)
}

/// Unused and invalid suppressions, as notes at their comment.
fn suppression_notes(report: &SuppressionReport, lang: Lang) -> Vec<RawNote> {
    let at = |path: &str, line: u32| {
        Some(Span {
            path: path.to_owned(),
            line,
            column: 1,
            end_line: line,
            end_column: 1,
        })
    };
    let unused = report.unused.iter().map(|s| RawNote {
        plugin: "perfwarden".into(),
        message: T::NoteUnusedSuppression.with(lang, &[("rules", &s.rules.join(", "))]),
        span: at(&s.path, s.line),
    });
    let invalid = report.invalid.iter().map(|s| RawNote {
        plugin: "perfwarden".into(),
        message: T::NoteSuppressionIgnored.with(lang, &[("problem", &s.problem)]),
        span: at(&s.path, s.line),
    });
    unused.chain(invalid).collect()
}

/// Run every plugin on its artifacts, `jobs` at a time.
pub fn run(session: Arc<Session>, plugins: Vec<Arc<Plugin>>, discovered: &Discovered) -> Collected {
    let artifacts: Arc<Vec<(String, u64)>> = Arc::new(
        discovered
            .artifacts
            .iter()
            .chain(&discovered.binary)
            .map(|a| (a.path.clone(), a.size))
            .collect(),
    );
    let binary: Arc<BTreeSet<String>> =
        Arc::new(discovered.binary.iter().map(|a| a.path.clone()).collect());
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(session.jobs.max(1))
        .max_blocking_threads(session.jobs.max(1))
        .build()
        .expect("a tokio runtime can always be built with worker threads");
    let outcomes: Vec<PluginOutcome> = tokio.block_on(async {
        let permits = Arc::new(tokio::sync::Semaphore::new(session.jobs.max(1)));
        let tasks: Vec<_> = plugins
            .into_iter()
            .map(|plugin| {
                let session = Arc::clone(&session);
                let artifacts = Arc::clone(&artifacts);
                let binary = Arc::clone(&binary);
                let permits = Arc::clone(&permits);
                tokio::spawn(async move {
                    let _permit = permits
                        .acquire_owned()
                        .await
                        .expect("semaphore is never closed");
                    let label = plugin.label();
                    tokio::task::spawn_blocking(move || {
                        run_plugin(&session, &plugin, &artifacts, &binary)
                    })
                    .await
                    .unwrap_or_else(|err| {
                        PluginOutcome::host_failure(label, format!("host task failed: {err}"))
                    })
                })
            })
            .collect();
        let mut outcomes = Vec::with_capacity(tasks.len());
        for task in tasks {
            if let Ok(outcome) = task.await {
                outcomes.push(outcome);
            }
        }
        outcomes
    });
    merge(outcomes)
}

struct PluginOutcome {
    run: PluginRun,
    info: Option<PluginInfo>,
    offered: Vec<String>,
    findings: Vec<RawFinding>,
    metrics: Vec<RawMetric>,
    notes: Vec<RawNote>,
}

impl PluginOutcome {
    fn host_failure(name: String, error: String) -> Self {
        Self {
            run: PluginRun {
                name,
                version: None,
                api_version: None,
                source: PluginSource::Builtin,
                sha256: String::new(),
                status: PluginStatus::Trap,
                error: Some(error),
                duration_ms: 0.0,
                load_ms: 0.0,
                artifacts: 0,
                compile_cache: "none",
                findings: 0,
                metrics: 0,
                bytes_read: 0,
                fuel_consumed: 0,
                refused_reads: Vec::new(),
                logs: Vec::new(),
                isolated: Vec::new(),
            },
            info: None,
            offered: Vec::new(),
            findings: Vec::new(),
            metrics: Vec::new(),
            notes: Vec::new(),
        }
    }
}

fn run_plugin(
    session: &Session,
    plugin: &Plugin,
    artifacts: &[(String, u64)],
    binary: &BTreeSet<String>,
) -> PluginOutcome {
    let started = Instant::now();
    let mut outcome = PluginOutcome::host_failure(plugin.label(), String::new());
    outcome.run.source = plugin.source.clone();
    outcome.run.sha256 = plugin.sha256.clone();
    outcome.run.api_version = plugin.api_version.clone();
    let finish = |mut outcome: PluginOutcome| {
        outcome.run.load_ms = millis(started.elapsed());
        outcome
    };

    let info = match plugin.info(&session.runtime, session.cache.as_ref()) {
        Ok(info) => info,
        Err(failure) => {
            outcome.run.status = failure.status;
            outcome.run.error = Some(failure.message);
            outcome.run.compile_cache = cache_label(session, plugin);
            return finish(outcome);
        }
    };
    outcome.run.name = info.name.clone();
    outcome.run.version = Some(info.version.clone());
    let (offered, skipped_binary) = offered_artifacts(&info.patterns, artifacts, binary);
    outcome
        .notes
        .extend(skipped_binary.into_iter().map(|path| RawNote {
            plugin: info.name.clone(),
            message: T::NoteBinaryNotOffered.get(session.lang).into(),
            span: Some(Span::file(path)),
        }));
    outcome.run.artifacts = offered.len();
    outcome.info = Some(info.clone());
    if offered.is_empty() {
        outcome.run.status = PluginStatus::Skipped;
        outcome.run.error = None;
        outcome.run.compile_cache = cache_label(session, plugin);
        return finish(outcome);
    }

    let compiled = match plugin.compiled(&session.runtime) {
        Ok(compiled) => compiled,
        Err(failure) => {
            outcome.run.status = failure.status;
            outcome.run.error = Some(failure.message);
            return finish(outcome);
        }
    };
    outcome.run.compile_cache = cache_label(session, plugin);
    outcome.offered = offered.iter().map(|(path, _)| path.clone()).collect();
    let config = session
        .plugin_settings
        .get(&info.name)
        .map_or("{}", String::as_str);
    outcome.run.load_ms = millis(started.elapsed());
    let called = Instant::now();
    let result = analyze_isolating(session, compiled, &info.name, offered, config, &mut outcome);
    outcome.run.duration_ms = millis(called.elapsed());
    match result {
        Ok(output) => {
            outcome.run.status = PluginStatus::Ok;
            outcome.run.error = None;
            let rules: BTreeMap<&str, &crate::model::RuleInfo> =
                info.rules.iter().map(|r| (r.id.as_str(), r)).collect();
            for finding in output.findings {
                let rule = rules.get(finding.rule.as_str());
                if rule.is_none() {
                    outcome.notes.push(RawNote {
                        plugin: info.name.clone(),
                        message: T::NoteUndeclaredRule
                            .with(session.lang, &[("rule", &finding.rule)]),
                        span: None,
                    });
                }
                outcome.findings.push(RawFinding {
                    rule_name: rule.map_or_else(String::new, |r| r.name.clone()),
                    policy_ref: rule.map_or_else(String::new, |r| r.policy_ref.clone()),
                    rule: finding.rule,
                    plugin: info.name.clone(),
                    message: finding.message,
                    span: finding.span.map(Span::from),
                    evidence: finding.evidence,
                    fix: finding.fix,
                    confidence: Confidence::from(finding.confidence),
                    fingerprint: None,
                });
            }
            for metric in output.metrics {
                if !metric.value.is_finite() {
                    outcome.notes.push(RawNote {
                        plugin: info.name.clone(),
                        message: T::NoteMetricNotFinite
                            .with(session.lang, &[("metric", &metric.name)]),
                        span: metric.span.map(Span::from),
                    });
                    continue;
                }
                outcome.metrics.push(RawMetric {
                    name: metric.name,
                    value: metric.value,
                    unit: metric.unit,
                    samples: metric.samples,
                    labels: metric.labels.into_iter().collect(),
                    span: metric.span.map(Span::from),
                    plugin: info.name.clone(),
                });
            }
            outcome.notes.extend(output.notes);
            outcome.run.findings = outcome.findings.len();
            outcome.run.metrics = outcome.metrics.len();
        }
        Err(failure) => {
            outcome.run.status = failure.status;
            outcome.run.error = Some(failure.message);
        }
    }
    outcome
}

/// Files a failing plugin may be run again without before the failure stands.
const MAX_ISOLATED_FILES: usize = 5;

/// Call `analyze`; when the call traps or exhausts its memory, find a file
/// the plugin fails on alone ([`isolate::culprit`]) and call it again
/// without that file, up to [`MAX_ISOLATED_FILES`] times. One file a parser
/// cannot survive (nesting that overflows its stack, say) then costs that
/// file and a note, not the plugin's whole output. Timeouts are not
/// retried: each try would wait out the deadline again.
fn analyze_isolating(
    session: &Session,
    compiled: &Compiled,
    plugin: &str,
    mut offered: Vec<(String, u64)>,
    config: &str,
    outcome: &mut PluginOutcome,
) -> Result<CallOutput, PluginFailure> {
    let call = |files: &[(String, u64)]| {
        let offered_set = Arc::new(Offered {
            root: session.root.clone(),
            paths: files.iter().map(|(path, _)| path.clone()).collect(),
        });
        session
            .runtime
            .analyze(compiled, plugin, offered_set, files.to_vec(), config)
    };
    let isolatable = |failure: &PluginFailure| {
        matches!(
            failure.status,
            PluginStatus::Trap | PluginStatus::MemoryLimit
        )
    };
    loop {
        let (result, trace) = call(&offered);
        let run = &mut outcome.run;
        run.refused_reads.extend(trace.refused_reads);
        run.logs.extend(trace.logs);
        run.bytes_read += trace.bytes_read;
        run.fuel_consumed += trace.fuel_consumed;
        let failure = match result {
            Err(failure) if isolatable(&failure) && run.isolated.len() < MAX_ISOLATED_FILES => {
                failure
            }
            result => return result,
        };
        let last_read = trace
            .last_read
            .and_then(|last| offered.iter().position(|(path, _)| *path == last));
        let probe = |files: &[(String, u64)]| call(files).0.as_ref().is_err_and(isolatable);
        let Some(index) = isolate::culprit(&offered, last_read, probe) else {
            return Err(failure);
        };
        let path = offered.remove(index).0;
        outcome.notes.push(RawNote {
            plugin: plugin.to_owned(),
            message: T::NoteFileIsolated.with(session.lang, &[("err", &failure.message)]),
            span: Some(Span::file(path.clone())),
        });
        outcome.run.isolated.push(path);
    }
}

/// Milliseconds with microsecond resolution: most calls take well under 1 ms.
fn millis(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

fn cache_label(session: &Session, plugin: &Plugin) -> &'static str {
    match plugin.compiled_if_ready() {
        None => "none",
        Some(compiled) if compiled.cache_hit => "hit",
        Some(_) if session.cache.is_some() => "miss",
        Some(_) => "off",
    }
}

/// The artifacts matching a plugin's patterns, and the binary files it
/// matched but is not offered: binary files go only to patterns naming them
/// by extension (e.g. `*.gz`).
fn offered_artifacts(
    patterns: &[String],
    artifacts: &[(String, u64)],
    binary: &BTreeSet<String>,
) -> (Vec<(String, u64)>, Vec<String>) {
    let Ok(all) = glob_set(patterns) else {
        return (Vec::new(), Vec::new());
    };
    let binary_patterns: Vec<String> = patterns
        .iter()
        .filter(|p| !p.ends_with('*'))
        .cloned()
        .collect();
    let explicit = glob_set(&binary_patterns).ok();
    let (offered, skipped): (Vec<_>, Vec<_>) = artifacts
        .iter()
        .filter(|(path, _)| all.is_match(path))
        .cloned()
        .partition(|(path, _)| {
            !binary.contains(path) || explicit.as_ref().is_some_and(|set| set.is_match(path))
        });
    (offered, skipped.into_iter().map(|(path, _)| path).collect())
}

fn merge(outcomes: Vec<PluginOutcome>) -> Collected {
    let mut collected = Collected::default();
    for outcome in outcomes {
        if let Some(info) = &outcome.info {
            if outcome.run.status == PluginStatus::Ok {
                collected.rules_run.extend(
                    info.rules
                        .iter()
                        .map(|r| (r.id.clone(), r.policy_ref.clone())),
                );
            }
            let mut info = info.clone();
            if outcome.run.source == PluginSource::Builtin {
                for rule in &mut info.rules {
                    rule.help_uri = Some(RuleInfo::builtin_docs_uri(&rule.id));
                }
            }
            collected.infos.push(info);
        }
        collected.plugins.push(outcome.run);
        collected.findings.extend(outcome.findings);
        collected.metrics.extend(outcome.metrics);
        collected.notes.extend(outcome.notes);
    }
    collected
        .plugins
        .sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.sha256.cmp(&b.sha256)));
    collected.notes.sort();
    collected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_files_go_only_to_patterns_naming_them() {
        let artifacts: Vec<(String, u64)> = ["a.log", "r.json.gz", "img.png"]
            .iter()
            .map(|p| ((*p).to_owned(), 1))
            .collect();
        let binary = BTreeSet::from(["r.json.gz".to_owned(), "img.png".to_owned()]);
        let (offered, skipped) =
            offered_artifacts(&["**/*".into(), "**/*.gz".into()], &artifacts, &binary);
        let offered: Vec<&str> = offered.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(offered, ["a.log", "r.json.gz"]);
        assert_eq!(skipped, ["img.png"]);
    }
}
