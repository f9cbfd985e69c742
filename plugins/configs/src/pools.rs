//! Connection pools and database timeouts found in any format, reported
//! as `pool.*` and `db.statement_timeout` metrics (`resource` = `database`,
//! `redis` or `external-api`, the labels the policy's pooling bounds judge). A setting left unset is
//! reported with the library's default (`derivation=default` and the
//! default's source); a templated or unreadable one is a note, never a
//! guess.

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Metric, Output, Span};

use crate::template::template_kind;

/// A value and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The value, in the metric's unit.
    pub value: f64,
    /// 1-based line that sets it, or of the block it would belong to.
    pub line: u32,
    /// Index of the file of `line` among the files emitted together (see
    /// [`emit`]); 0 when there is one.
    pub file: usize,
    /// `Some(source)` when this is the default of `source`.
    pub default_source: Option<&'static str>,
}

impl Setting {
    /// A configured value.
    pub fn set(value: f64, line: u32) -> Self {
        Self {
            value,
            line,
            file: 0,
            default_source: None,
        }
    }

    /// A library default.
    pub fn default(value: f64, line: u32, source: &'static str) -> Self {
        Self {
            value,
            line,
            file: 0,
            default_source: Some(source),
        }
    }

    /// The same setting, made in file `file` (see [`Setting::file`]).
    pub fn in_file(mut self, file: usize) -> Self {
        self.file = file;
        self
    }
}

/// One pool (or one database client's settings).
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// `database`, `redis` or `external-api`.
    pub resource: &'static str,
    /// Which client/environment, e.g. `rails:production`.
    pub client: String,
    /// 1-based line of the pool's configuration block.
    pub line: u32,
    /// Minimum connections.
    pub min: Option<Setting>,
    /// Maximum connections.
    pub max: Option<Setting>,
    /// Idle timeout, seconds.
    pub idle_timeout: Option<Setting>,
    /// Idle connections kept.
    pub max_idle: Option<Setting>,
    /// Wait for a free connection, seconds (0 = forever).
    pub acquire_timeout: Option<Setting>,
    /// Statement timeout, seconds (0 = none); `None` where the format cannot set one.
    pub statement_timeout: Option<Setting>,
}

impl Pool {
    /// A pool with no settings yet.
    pub fn new(resource: &'static str, client: impl Into<String>, line: u32) -> Self {
        Self {
            resource,
            client: client.into(),
            line,
            min: None,
            max: None,
            idle_timeout: None,
            max_idle: None,
            acquire_timeout: None,
            statement_timeout: None,
        }
    }
}

/// A raw configured value: its text and line.
pub type Raw<'a> = Option<(&'a str, u32)>;

/// Read a numeric setting: `Ok(Some)` when set, `Ok(None)` when absent,
/// `Err(())` when templated or unreadable (a note is written).
#[allow(clippy::result_unit_err)]
pub fn number(
    raw: Raw<'_>,
    what: &str,
    path: &str,
    scale: f64,
    parse: impl Fn(&str) -> Option<f64>,
    out: &mut Output,
) -> Result<Option<Setting>, ()> {
    let Some((text, line)) = raw else {
        return Ok(None);
    };
    if let Some(kind) = template_kind(text) {
        out.note(
            format!("{path}: `{what}` is {kind}-templated (`{text}`): its value is set at deploy time and is not guessed"),
            Some(Span::line(path, line)),
        );
        return Err(());
    }
    match parse(text) {
        Some(value) => Ok(Some(Setting::set(value * scale, line))),
        None => {
            out.note(
                format!("{path}: `{what}` = `{text}` is not a number"),
                Some(Span::line(path, line)),
            );
            Err(())
        }
    }
}

/// Plain number parser for [`number`].
pub fn plain(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Resolve a setting: configured, else the default when the value was
/// absent (not when it was templated).
pub fn or_default(read: Result<Option<Setting>, ()>, default: Option<Setting>) -> Option<Setting> {
    match read {
        Ok(Some(set)) => Some(set),
        Ok(None) => default,
        Err(()) => None,
    }
}

/// Emit the metrics of pools found in `paths`: one file, or the files
/// merged into one effective config, lowest precedence first (each
/// setting names its own; the `merged` label lists them).
pub fn emit(pools: &[Pool], paths: &[&str], out: &mut Output) {
    for pool in pools {
        let fields = [
            (vocabulary::POOL_MIN, unit::CONNECTIONS, &pool.min),
            (vocabulary::POOL_MAX, unit::CONNECTIONS, &pool.max),
            (vocabulary::POOL_IDLE_TIMEOUT, unit::S, &pool.idle_timeout),
            (vocabulary::POOL_MAX_IDLE, unit::CONNECTIONS, &pool.max_idle),
            (
                vocabulary::POOL_ACQUIRE_TIMEOUT,
                unit::S,
                &pool.acquire_timeout,
            ),
        ];
        for (name, unit, setting) in fields {
            if let Some(setting) = setting {
                let metric = Metric::new(name, setting.value, unit)
                    .label(label::RESOURCE, pool.resource)
                    .label(label::CLIENT, pool.client.as_str());
                out.metric(finish(metric, setting, paths));
            }
        }
        if let Some(setting) = &pool.statement_timeout {
            let metric = Metric::new(vocabulary::DB_STATEMENT_TIMEOUT, setting.value, unit::S)
                .label(label::CLIENT, pool.client.as_str());
            out.metric(finish(metric, setting, paths));
        }
    }
}

/// A metric with its setting's origin: default labels, the `merged`
/// label when `paths` are several, the span of the line that sets it.
pub fn finish(mut metric: Metric, setting: &Setting, paths: &[&str]) -> Metric {
    if let Some(source) = setting.default_source {
        metric = metric
            .label(label::DERIVATION, "default")
            .label(crate::DEFAULT_SOURCE, source);
    }
    if paths.len() > 1 {
        metric = metric.label(crate::MERGED, paths.join(" < "));
    }
    let path = paths
        .get(setting.file)
        .or(paths.first())
        .copied()
        .unwrap_or("");
    metric.span(Span::line(path, setting.line))
}
