//! Host-side descriptions of plugins and of their runs.

use serde::{Deserialize, Serialize};

/// A plugin's static description (from its `info` export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub patterns: Vec<String>,
    pub rules: Vec<RuleInfo>,
}

/// One rule of a plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub policy_ref: String,
    pub docs: String,
}

/// Where a plugin came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "path", rename_all = "kebab-case")]
pub enum PluginSource {
    /// Embedded in the binary.
    Builtin,
    /// A `.wasm` file given by `--plugin` or `[[plugins]]`.
    File(String),
}

impl std::fmt::Display for PluginSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Builtin => f.write_str("built-in"),
            Self::File(path) => f.write_str(path),
        }
    }
}

/// How a plugin run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginStatus {
    /// Ran and returned an output.
    Ok,
    /// Had no artifacts to analyze: not compiled, not run.
    Skipped,
    /// Returned an error of its own.
    Error,
    /// Trapped (panic, unreachable, out-of-bounds access...).
    Trap,
    /// Ran past the wall-clock deadline.
    Timeout,
    /// Used up its fuel budget.
    FuelExhausted,
    /// Tried to grow memory past the cap.
    MemoryLimit,
    /// Returned more than the output caps allow; its output was dropped.
    OutputLimit,
    /// Built for another API version.
    Incompatible,
    /// Not a valid perfwarden component (corrupt, core module, wrong world).
    Invalid,
}

impl PluginStatus {
    /// Whether the plugin failed (its results are missing from the report).
    pub fn is_failure(self) -> bool {
        !matches!(self, Self::Ok | Self::Skipped)
    }
}
