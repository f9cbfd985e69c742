//! Errors of loading and validating a policy.

/// Why a policy could not be loaded. Every variant that comes from a policy's
/// text names the file, the 1-based line and column, and (when validation
/// failed) the dotted key path, e.g.
/// `policies/x.toml:12:1: latency.p95.alert: expected a duration or number of ms`.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{origin}: cannot read: {source}")]
    Io {
        /// File name as given.
        origin: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid TOML.
    #[error("{origin}:{line}:{column}: invalid TOML: {message}")]
    Syntax {
        /// File name as given.
        origin: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// The parser's message.
        message: String,
    },
    /// The TOML is valid but a value or key is not what the policy expects.
    #[error("{origin}:{line}:{column}: {key}: {message}")]
    Invalid {
        /// File that set the offending key (or its closest parent table).
        origin: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// Dotted key path, e.g. `latency.p95.alert`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// `extends` names a policy that cannot be used.
    #[error("{origin}:{line}:{column}: policy.extends: {message}")]
    Extends {
        /// File holding the `extends`.
        origin: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What is wrong (not found, cycle, too deep).
        message: String,
    },
}

impl PolicyError {
    /// `(file, line, column)` of the error, when it comes from a policy text.
    pub fn location(&self) -> Option<(&str, u32, u32)> {
        match self {
            Self::Io { .. } => None,
            Self::Syntax {
                origin,
                line,
                column,
                ..
            }
            | Self::Invalid {
                origin,
                line,
                column,
                ..
            }
            | Self::Extends {
                origin,
                line,
                column,
                ..
            } => Some((origin, *line, *column)),
        }
    }

    /// The dotted key path of a validation error.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Invalid { key, .. } => Some(key),
            Self::Extends { .. } => Some("policy.extends"),
            Self::Io { .. } | Self::Syntax { .. } => None,
        }
    }
}
