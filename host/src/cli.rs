//! Command line: clap definitions (what the user typed) and their
//! resolution into a run (what it means), with the exit-code contract.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use perfwarden_policy::i18n::Lang;
use perfwarden_policy::model::RawFinding;
use perfwarden_policy::{Policy, Status};

use crate::analyze::{self, Judging, Loaded, Session};
use crate::baseline::Baseline;
use crate::config::Config;
use crate::discovery;
use crate::report::{self, Format, Report};
use crate::runtime::HOST_API_VERSION;

/// Gate backend performance in CI with sandboxed WebAssembly analyzers.
#[derive(Debug, Parser)]
#[command(name = "perfwarden", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyze a project and judge it against the policy.
    Analyze(AnalyzeArgs),
    /// List or describe the available plugins.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Show or check a policy.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Record the current findings, or drop fixed ones, so that `analyze
    /// --baseline` reports only new findings.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Compare JSON reports before and after a change: exit 1 when a metric
    /// got worse beyond its tolerance and the noise, or a finding is new.
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// `OLD.json NEW.json`, when each side is one run.
    #[arg(value_name = "REPORT", num_args = 0..=2)]
    reports: Vec<PathBuf>,
    /// A report of the old side; repeat for several runs (their spread is
    /// the noise a change must exceed).
    #[arg(long, value_name = "REPORT")]
    old: Vec<PathBuf>,
    /// A report of the new side; repeatable.
    #[arg(long, value_name = "REPORT")]
    new: Vec<PathBuf>,
    /// Policy whose `[regression]` tolerances apply (default: embedded).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ListFormat::Terminal)]
    format: ListFormat,
    /// Language of the summary (default: from LC_ALL / LC_MESSAGES / LANG).
    #[arg(long, value_name = "en|fr")]
    lang: Option<Lang>,
}

/// What every analysis needs: the project, the policy, the plugins.
#[derive(Debug, Args)]
struct RunArgs {
    /// Project directory.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Policy file (default: the embedded backend policy, plus the
    /// `[policy]` overrides of perfwarden.toml).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
    /// Plugins run in parallel (default: number of CPUs).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Print nothing on success; only errors.
    #[arg(long, short)]
    quiet: bool,
    /// Language of the report's texts (default: `lang` of perfwarden.toml,
    /// else from LC_ALL / LC_MESSAGES / LANG). Plugins' messages stay as
    /// written.
    #[arg(long, value_name = "en|fr")]
    lang: Option<Lang>,
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Hide the findings recorded in this baseline (`perfwarden baseline create`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Report format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    format: Format,
    /// Write the report to FILE instead of standard output; `FORMAT=FILE`
    /// writes one more report in FORMAT. Repeatable.
    #[arg(long, value_name = "[FORMAT=]FILE")]
    output: Vec<String>,
    /// Lowest status that fails the run (exit code 1).
    #[arg(long, value_enum, value_name = "STATUS")]
    fail_on: Option<FailOn>,
    /// Do not emit GitHub workflow annotations under GitHub Actions.
    #[arg(long)]
    no_annotations: bool,
}

#[derive(Debug, Subcommand)]
enum BaselineCommand {
    /// Analyze and write every current finding to the baseline file.
    Create {
        #[command(flatten)]
        run: RunArgs,
        /// Baseline file to write.
        #[arg(long, value_name = "FILE", default_value = "perfwarden-baseline.json")]
        output: PathBuf,
    },
    /// Analyze and drop the baseline entries that no longer match a finding.
    Prune {
        #[command(flatten)]
        run: RunArgs,
        /// Baseline file to prune in place.
        #[arg(long, value_name = "FILE", default_value = "perfwarden-baseline.json")]
        baseline: PathBuf,
    },
}

#[derive(Debug, Args)]
struct CommonArgs {
    /// Configuration file (default: PATH/perfwarden.toml when present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Load a plugin component (.wasm). Repeatable.
    #[arg(long = "plugin", value_name = "FILE.wasm")]
    plugins: Vec<PathBuf>,
    /// Compile plugins without the on-disk compile cache.
    #[arg(long)]
    no_cache: bool,
}

#[derive(Debug, Subcommand)]
enum PluginsCommand {
    /// Name, version, API version, source, sha256, patterns and rules of each plugin.
    List {
        #[command(flatten)]
        common: CommonArgs,
        #[arg(long, value_enum, default_value_t = ListFormat::Terminal)]
        format: ListFormat,
    },
    /// Write one Markdown page per rule and an index into DIR (the pages
    /// SARIF `helpUri` links to).
    Docs {
        /// Output directory (created; stale pages are not removed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// One plugin's rules with their docs.
    Info {
        /// Plugin name.
        name: String,
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Print the effective policy as TOML.
    Show {
        /// Policy file (default: the embedded backend policy).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Apply the `[policy]` overrides of this perfwarden.toml.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Validate a policy file: errors name the file, line and key.
    Check {
        /// Policy file.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Terminal,
    Json,
}

/// `--fail-on`: a status at or above this one fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Met,
    Acceptable,
    AtRisk,
    Alert,
    Never,
}

impl FailOn {
    fn parse(text: &str) -> Option<Self> {
        <Self as ValueEnum>::from_str(text, true).ok()
    }

    fn threshold(self) -> Option<Status> {
        match self {
            Self::Met => Some(Status::Met),
            Self::Acceptable => Some(Status::Acceptable),
            Self::AtRisk => Some(Status::AtRisk),
            Self::Alert => Some(Status::Alert),
            Self::Never => None,
        }
    }
}

/// Exit codes: the CI contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The policy is satisfied.
    Success = 0,
    /// The policy is violated at or above `--fail-on`.
    Violated = 1,
    /// Usage, configuration or policy error.
    Error = 2,
}

/// A problem the user must fix: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// Parse arguments, run, and map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Success
            };
            let _ = err.print();
            return ExitCode::from(code as u8);
        }
    };
    match run(cli) {
        Ok(status) => ExitCode::from(status as u8),
        Err(err) => {
            for cause in err.chain() {
                if let Some(io) = cause.downcast_ref::<std::io::Error>()
                    && io.kind() == std::io::ErrorKind::BrokenPipe
                {
                    return ExitCode::from(ExitStatus::Success as u8);
                }
            }
            let _ = writeln!(std::io::stderr(), "perfwarden: error: {err:#}");
            ExitCode::from(ExitStatus::Error as u8)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Baseline(command) => baseline(command),
        Command::Compare(args) => compare(args),
        Command::Plugins(PluginsCommand::List { common, format }) => plugins_list(&common, format),
        Command::Plugins(PluginsCommand::Info { name, common }) => plugins_info(&common, &name),
        Command::Plugins(PluginsCommand::Docs { out, common }) => plugins_docs(&common, &out),
        Command::Policy(PolicyCommand::Show { policy, config }) => {
            let config = match config {
                Some(path) => Config::load(Path::new("."), Some(&path)).map_err(usage)?,
                None => Config::default(),
            };
            let policy = resolve_policy(policy.as_deref(), &config)?;
            print!("{}", policy.to_toml());
            Ok(ExitStatus::Success)
        }
        Command::Policy(PolicyCommand::Check { file }) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|err| usage(format!("cannot read {}: {err}", file.display())))?;
            match perfwarden_policy::check(&text, &file.display().to_string()) {
                Ok(()) => {
                    println!("{}: ok", file.display());
                    Ok(ExitStatus::Success)
                }
                Err(errors) => {
                    for error in errors {
                        eprintln!("{error}");
                    }
                    Ok(ExitStatus::Error)
                }
            }
        }
    }
}

fn usage(err: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(UsageError(err.to_string()))
}

/// `--policy FILE`, else the default policy extended by the config's `[policy]`.
fn resolve_policy(explicit: Option<&Path>, config: &Config) -> anyhow::Result<Policy> {
    let mut policy = match explicit {
        Some(path) => Policy::load(path).map_err(usage)?,
        None => Policy::default_policy(),
    };
    if let Some(overrides) = &config.policy_overrides {
        let origin = config
            .origin
            .as_ref()
            .map_or_else(|| "perfwarden.toml".into(), |p| p.display().to_string());
        policy = policy.extend(overrides, &origin).map_err(usage)?;
    }
    Ok(policy)
}

/// The runtime, cache and plugins shared by every command.
fn load_plugins(common: &CommonArgs, config: &Config) -> anyhow::Result<Loaded> {
    analyze::load_plugins(config, &common.plugins, !common.no_cache).map_err(|err| match err {
        analyze::LoadError::Registry(err) => usage(err),
        analyze::LoadError::Runtime(err) => err.context("cannot start the WebAssembly runtime"),
    })
}

/// A prepared run: configuration resolved, nothing executed yet.
struct Prepared {
    root: PathBuf,
    config: Config,
    policy: Policy,
}

fn prepare(run: &RunArgs) -> anyhow::Result<Prepared> {
    if !run.path.is_dir() {
        return Err(usage(format!("{} is not a directory", run.path.display())));
    }
    let root = discovery::canonical_root(&run.path)
        .map_err(|err| usage(format!("{}: {err}", run.path.display())))?;
    let config = Config::load(&root, run.common.config.as_deref()).map_err(usage)?;
    let policy = resolve_policy(run.policy.as_deref(), &config)?;
    Ok(Prepared {
        root,
        config,
        policy,
    })
}

/// Discover, run every plugin, judge.
fn execute(
    run: &RunArgs,
    prepared: Prepared,
    fail_on: Option<Status>,
    baseline: Option<(&Baseline, String)>,
    started: Instant,
) -> anyhow::Result<Report> {
    let Prepared {
        root,
        config,
        policy,
    } = prepared;
    let Loaded {
        runtime,
        cache,
        plugins,
    } = load_plugins(&run.common, &config)?;
    let jobs = run
        .jobs
        .or(config.jobs)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let discovered = discovery::discover(&root, &config.discovery)
        .map_err(|err| usage(format!("invalid glob: {err}")))?;
    let lang = run.lang.or(config.lang).unwrap_or_else(Lang::from_env);
    let progress = report::progress::Progress::start(run.quiet, plugins.len());
    let session = Session {
        runtime: runtime.with_lang(lang),
        cache,
        root,
        plugin_settings: config.plugin_settings,
        jobs,
        lang,
    };
    let report = analyze::analyze(
        session,
        plugins,
        &discovered,
        Judging {
            policy: &policy,
            fail_on,
            baseline,
            started,
        },
    );
    progress.finish();
    Ok(report)
}

fn analyze(args: AnalyzeArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let prepared = prepare(&args.run)?;
    let fail_on = match (args.fail_on, prepared.config.fail_on.as_deref()) {
        (Some(fail_on), _) => fail_on,
        (None, Some(text)) => FailOn::parse(text).ok_or_else(|| {
            usage(format!(
                "fail_on = {text:?}: expected met, acceptable, at-risk, alert or never"
            ))
        })?,
        (None, None) => FailOn::Alert,
    };
    let outputs = report::parse_outputs(args.format, &args.output).map_err(usage)?;
    let baseline = match &args.baseline {
        Some(path) => Some((
            Baseline::load(path).map_err(usage)?,
            path.display().to_string(),
        )),
        None => None,
    };
    let baseline = baseline.as_ref().map(|(b, file)| (b, file.clone()));
    let report = execute(&args.run, prepared, fail_on.threshold(), baseline, started)?;
    report::write_outputs(&report, &outputs, args.run.quiet)?;
    if report::annotations::enabled(args.no_annotations, &outputs) {
        report::annotations::write_annotations(&report, &mut std::io::stdout().lock())?;
    }
    Ok(if report.verdict.passed {
        ExitStatus::Success
    } else {
        ExitStatus::Violated
    })
}

fn baseline(command: BaselineCommand) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let (run, file, existing) = match &command {
        BaselineCommand::Create { run, output } => (run, output, None),
        BaselineCommand::Prune { run, baseline } => (
            run,
            baseline,
            Some(Baseline::load(baseline).map_err(usage)?),
        ),
    };
    let prepared = prepare(run)?;
    let root = prepared.root.clone();
    let report = execute(run, prepared, None, None, started)?;
    let current: Vec<RawFinding> = report
        .judgement
        .findings
        .into_iter()
        .map(|f| f.finding)
        .collect();
    let (baseline, message) = match existing {
        None => {
            let baseline = Baseline::from_findings(&root, &current);
            let message = format!("{}: recorded {} findings", file.display(), current.len());
            (baseline, message)
        }
        Some(existing) => {
            let (pruned, dropped) = existing.prune(&root, &current);
            let kept: usize = pruned.entries.iter().map(|e| e.count).sum();
            (
                pruned,
                format!(
                    "{}: dropped {dropped} fixed findings, {kept} remain",
                    file.display()
                ),
            )
        }
    };
    report::write_atomically(file, baseline.to_json().as_bytes())?;
    if !run.quiet {
        eprintln!("{message}");
    }
    Ok(ExitStatus::Success)
}

fn compare(args: CompareArgs) -> anyhow::Result<ExitStatus> {
    let (old, new) = match (
        args.reports.as_slice(),
        args.old.is_empty() && args.new.is_empty(),
    ) {
        ([old, new], true) => (vec![old.clone()], vec![new.clone()]),
        ([], false) if !args.old.is_empty() && !args.new.is_empty() => (args.old, args.new),
        _ => {
            return Err(usage(
                "give `OLD.json NEW.json`, or `--old` and `--new` (repeatable)",
            ));
        }
    };
    let policy = resolve_policy(args.policy.as_deref(), &Config::default())?;
    let old: Vec<&Path> = old.iter().map(PathBuf::as_path).collect();
    let new: Vec<&Path> = new.iter().map(PathBuf::as_path).collect();
    let comparison = crate::compare::compare(&old, &new, &policy).map_err(usage)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &comparison)?;
            writeln!(out)?;
        }
        ListFormat::Terminal => crate::compare::render(
            &comparison,
            args.lang.unwrap_or_else(Lang::from_env),
            &mut out,
        )?,
    }
    Ok(if comparison.regressed() {
        ExitStatus::Violated
    } else {
        ExitStatus::Success
    })
}

/// Describe every plugin (compiling those whose info is not cached).
fn describe(common: &CommonArgs) -> anyhow::Result<Vec<report::PluginDescription>> {
    let config = Config::load(Path::new("."), common.config.as_deref()).map_err(usage)?;
    let Loaded {
        runtime,
        cache,
        plugins,
    } = load_plugins(common, &config)?;
    Ok(plugins
        .iter()
        .map(|plugin| {
            let (info, error) = match plugin.info(&runtime, cache.as_ref()) {
                Ok(info) => (Some(info), None),
                Err(failure) => (None, Some(failure.message)),
            };
            report::PluginDescription {
                source: plugin.source.clone(),
                sha256: plugin.sha256.clone(),
                api_version: plugin.api_version.clone(),
                info,
                error,
            }
        })
        .collect())
}

fn plugins_list(common: &CommonArgs, format: ListFormat) -> anyhow::Result<ExitStatus> {
    let plugins = describe(common)?;
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &plugins)?;
            writeln!(out)?;
        }
        ListFormat::Terminal => {
            report::terminal::plugins_list(&mut out, &plugins, HOST_API_VERSION)?
        }
    }
    Ok(ExitStatus::Success)
}

fn plugins_docs(common: &CommonArgs, dir: &Path) -> anyhow::Result<ExitStatus> {
    let plugins = describe(common)?;
    std::fs::create_dir_all(dir)
        .map_err(|err| usage(format!("cannot create {}: {err}", dir.display())))?;
    for (name, contents) in report::rule_docs::pages(&plugins) {
        let path = dir.join(name);
        std::fs::write(&path, contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(ExitStatus::Success)
}

fn plugins_info(common: &CommonArgs, name: &str) -> anyhow::Result<ExitStatus> {
    let plugins = describe(common)?;
    let Some(plugin) = plugins
        .iter()
        .find(|p| p.info.as_ref().is_some_and(|info| info.name == name))
    else {
        let known: Vec<&str> = plugins
            .iter()
            .filter_map(|p| p.info.as_ref())
            .map(|i| i.name.as_str())
            .collect();
        return Err(usage(format!(
            "no plugin named `{name}`; available: {}",
            known.join(", ")
        )));
    };
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    report::terminal::plugin_info(&mut std::io::stdout().lock(), plugin, color)?;
    Ok(ExitStatus::Success)
}
