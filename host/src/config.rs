//! `perfwarden.toml`: discovery, limits, user plugins, plugin settings and
//! policy overrides.
//!
//! ```toml
//! fail_on = "alert"             # met | acceptable | at-risk | alert | never
//! jobs = 4
//! lang = "fr"                    # report language; default from LANG
//!
//! [discovery]
//! exclude = ["vendor/**"]
//!
//! [limits]
//! timeout_ms = 30000
//!
//! [[plugins]]
//! path = "tools/perf-extra.wasm"
//! sha256 = "9f86d0..."            # optional pin: a mismatch refuses to run
//!
//! [plugin.sql]                     # handed to the `sql` plugin as JSON
//! dialect = "postgresql"
//!
//! [policy]                         # overrides of the policy it extends
//! extends = "default"
//! [policy.latency.p95]
//! alert = "800ms"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use perfwarden_policy::i18n::Lang;
use serde::Deserialize;

use crate::discovery::DiscoveryConfig;
use crate::runtime::Limits;

/// File name looked up in the project root when `--config` is not given.
pub const CONFIG_FILE: &str = "perfwarden.toml";

/// A user plugin declared in the config.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginEntry {
    /// Path of the `.wasm` component, relative to the config file.
    pub path: PathBuf,
    /// Expected sha256 (hex) of the file.
    pub sha256: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct RawConfig {
    fail_on: Option<String>,
    jobs: Option<usize>,
    lang: Option<Lang>,
    #[serde(default)]
    discovery: DiscoveryConfig,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    plugins: Vec<PluginEntry>,
    #[serde(default)]
    plugin: BTreeMap<String, toml::Table>,
    #[serde(default)]
    policy: Option<toml::Table>,
}

/// The loaded configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// Where it was read from (`None`: defaults).
    pub origin: Option<PathBuf>,
    pub fail_on: Option<String>,
    pub jobs: Option<usize>,
    /// Report language (`--lang` wins; `LANG` when neither is set).
    pub lang: Option<Lang>,
    pub discovery: DiscoveryConfig,
    pub limits: Limits,
    /// User plugins, paths resolved against the config's directory.
    pub plugins: Vec<PluginEntry>,
    /// Per-plugin settings as JSON, by plugin name.
    pub plugin_settings: BTreeMap<String, String>,
    /// The `[policy]` sections as a policy document whose line numbers are
    /// those of the config file (see [`policy_section`]).
    pub policy_overrides: Option<String>,
}

/// A config error: file, line and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl Config {
    /// Load `explicit`, else `<root>/perfwarden.toml` if present, else defaults.
    pub fn load(root: &Path, explicit: Option<&Path>) -> Result<Self, ConfigError> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let candidate = root.join(CONFIG_FILE);
                if !candidate.is_file() {
                    return Ok(Self::default());
                }
                candidate
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path)
    }

    /// Parse config text read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let origin = path.display().to_string();
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            let (line, column) = err.span().map_or((1, 1), |span| line_col(text, span.start));
            ConfigError::Invalid {
                path: origin.clone(),
                line,
                column,
                message: err.message().to_owned(),
            }
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let plugins = raw
            .plugins
            .into_iter()
            .map(|entry| PluginEntry {
                path: base.join(&entry.path),
                sha256: entry.sha256,
            })
            .collect();
        let plugin_settings = raw
            .plugin
            .into_iter()
            .map(|(name, table)| {
                let json = serde_json::to_string(&table).unwrap_or_else(|_| "{}".into());
                (name, json)
            })
            .collect();
        Ok(Self {
            origin: Some(path.to_path_buf()),
            fail_on: raw.fail_on,
            jobs: raw.jobs,
            lang: raw.lang,
            discovery: raw.discovery,
            limits: raw.limits,
            plugins,
            plugin_settings,
            policy_overrides: raw.policy.map(|_| policy_section(text)),
        })
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The `[policy]` and `[policy.*]` sections of a config, as a standalone
/// policy document: other lines are blanked and `policy.` is stripped from
/// table headers, so an error in it points at the right line of the config.
pub fn policy_section(config: &str) -> String {
    let mut inside = false;
    let mut out = String::with_capacity(config.len());
    for line in config.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(header) = table_header(trimmed) {
            let (brackets, name) = header;
            inside = name == "policy" || name.starts_with("policy.");
            if inside {
                let inner = name
                    .strip_prefix("policy")
                    .unwrap_or(name)
                    .trim_start_matches('.');
                if !inner.is_empty() {
                    let close = if brackets == 2 { "]]" } else { "]" };
                    let open = if brackets == 2 { "[[" } else { "[" };
                    out.push_str(&format!("{open}{inner}{close}"));
                }
                out.push('\n');
                continue;
            }
        }
        if inside {
            out.push_str(line);
        } else {
            out.push('\n');
        }
    }
    out
}

/// `[name]` or `[[name]]` at the start of a line: bracket count and name.
fn table_header(line: &str) -> Option<(usize, &str)> {
    let (brackets, rest) = if let Some(rest) = line.strip_prefix("[[") {
        (2, rest)
    } else {
        (1, line.strip_prefix('[')?)
    };
    let end = rest.find(']')?;
    Some((brackets, rest[..end].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_section() {
        let text = r#"
fail_on = "at-risk"
lang = "fr"
jobs = 3

[discovery]
exclude = ["vendor/**"]

[limits]
timeout_ms = 5000

[[plugins]]
path = "tools/x.wasm"
sha256 = "abc"

[plugin.sql]
dialect = "postgresql"
"#;
        let config = Config::parse(text, Path::new("/p/perfwarden.toml")).unwrap();
        assert_eq!(config.fail_on.as_deref(), Some("at-risk"));
        assert_eq!(config.lang, Some(Lang::Fr));
        assert_eq!(config.jobs, Some(3));
        assert_eq!(config.discovery.exclude, ["vendor/**"]);
        assert_eq!(config.limits.timeout_ms, 5000);
        assert_eq!(config.limits.memory_mib, Limits::default().memory_mib);
        assert_eq!(config.plugins[0].path, Path::new("/p/tools/x.wasm"));
        assert_eq!(config.plugin_settings["sql"], r#"{"dialect":"postgresql"}"#);
        assert!(config.policy_overrides.is_none());
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let err = Config::parse(
            "jobs = 2\n[limits]\ntimeout = 5\n",
            Path::new("perfwarden.toml"),
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("perfwarden.toml:3:"), "{message}");
        assert!(message.contains("timeout"), "{message}");
    }

    #[test]
    fn policy_section_keeps_line_numbers() {
        let text = "jobs = 2\n[policy]\nextends = \"default\"\n[limits]\ntimeout_ms = 1\n[policy.latency.p95]\nalert = \"800ms\"\n";
        let section = policy_section(text);
        let lines: Vec<&str> = section.lines().collect();
        assert_eq!(lines.len(), text.lines().count());
        assert_eq!(lines[2], "extends = \"default\"");
        assert_eq!(lines[4], "");
        assert_eq!(lines[5], "[latency.p95]");
        assert_eq!(lines[6], "alert = \"800ms\"");
        let config = Config::parse(text, Path::new("perfwarden.toml")).unwrap();
        assert_eq!(config.policy_overrides.as_deref(), Some(section.as_str()));
    }
}
