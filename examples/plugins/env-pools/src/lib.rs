//! `env-pools`: reads connection-pool settings from `.env` files and reports
//! them as `pool.*` metrics the perfwarden policy judges, plus a finding when
//! a database statement timeout is disabled.

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Finding, Metric, Output, PluginInfo, Result, Span,
    declare_rule, export_analyzer,
};

declare_rule! {
    /// ## What it does
    /// Flags `DB_STATEMENT_TIMEOUT=0` (or an empty value) in `.env` files.
    ///
    /// ## Why is this bad?
    /// Without a statement timeout one slow query holds its connection for as
    /// long as it runs; a few of them exhaust the pool and every request
    /// queues behind them. The policy caps normal queries at 5 s.
    ///
    /// ## Example
    /// ```sh
    /// DB_STATEMENT_TIMEOUT=0
    /// ```
    ///
    /// ## Use instead
    /// ```sh
    /// DB_STATEMENT_TIMEOUT=5000
    /// ```
    pub static STATEMENT_TIMEOUT_DISABLED = {
        id: "ENVP001",
        name: "statement-timeout-disabled",
        summary: "database statement timeout disabled in .env",
        policy: "queries.timeout",
    }
}

/// Variables this plugin understands: name, metric, resource.
const POOL_VARIABLES: &[(&str, &str, &str)] = &[
    ("DB_POOL_MIN", vocabulary::POOL_MIN, "database"),
    ("DB_POOL_MAX", vocabulary::POOL_MAX, "database"),
    ("DATABASE_POOL_SIZE", vocabulary::POOL_MAX, "database"),
    ("REDIS_POOL_MIN", vocabulary::POOL_MIN, "redis"),
    ("REDIS_POOL_MAX", vocabulary::POOL_MAX, "redis"),
];

#[derive(Default)]
pub struct EnvPools;

impl Analyzer for EnvPools {
    fn info(&self) -> PluginInfo {
        PluginInfo::new(
            "env-pools",
            env!("CARGO_PKG_VERSION"),
            "Connection-pool settings in .env files",
        )
        .patterns([".env", ".env.*", "*.env"])
        .rules([&STATEMENT_TIMEOUT_DISABLED])
    }

    fn analyze(&self, cx: &Context, artifacts: &[Artifact], _: &Config) -> Result<Output> {
        let mut out = Output::default();
        for artifact in artifacts {
            let text = cx.read_to_string(&artifact.path)?;
            for (index, line) in text.lines().enumerate() {
                let Some((key, value)) = assignment(line) else { continue };
                let span = Span::line(&artifact.path, index as u32 + 1);
                if key == "DB_STATEMENT_TIMEOUT" && matches!(value, "" | "0") {
                    out.push(
                        Finding::new(&STATEMENT_TIMEOUT_DISABLED, "statement timeout is disabled")
                            .span(span.clone())
                            .evidence(line.trim())
                            .fix("DB_STATEMENT_TIMEOUT=5000"),
                    );
                }
                let Some((_, metric, resource)) = POOL_VARIABLES.iter().find(|(k, ..)| *k == key) else {
                    continue;
                };
                match value.parse::<f64>() {
                    Ok(size) => out.metric(
                        Metric::new(*metric, size, unit::CONNECTIONS)
                            .label(label::RESOURCE, *resource)
                            .label(label::CLIENT, key)
                            .span(span),
                    ),
                    Err(_) => out.note(format!("{key} is not a number: {value:?}"), Some(span)),
                }
            }
        }
        Ok(out)
    }
}

/// `KEY=value`, `export KEY="value"`; comments and blank lines are `None`.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    if line.starts_with('#') {
        return None;
    }
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (key, value) = line.split_once('=')?;
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    Some((key.trim(), value))
}

export_analyzer!(EnvPools);

#[cfg(test)]
mod tests {
    use super::*;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn statement_timeout_disabled() {
        Tester::new(EnvPools).test_rule(
            &STATEMENT_TIMEOUT_DISABLED,
            ".env",
            &["DB_STATEMENT_TIMEOUT=5000", "# DB_STATEMENT_TIMEOUT=0"],
            &["DB_STATEMENT_TIMEOUT=0", "export DB_STATEMENT_TIMEOUT=\"\""],
        );
    }

    #[test]
    fn pool_sizes_become_metrics() {
        let out = Tester::new(EnvPools).run(&[(".env", "DB_POOL_MAX=50\nREDIS_POOL_MIN='2'\nDB_POOL_MIN=lots\n")]);
        assert_eq!(out.metrics.len(), 2);
        assert_eq!(out.metrics[0].name, "pool.max");
        assert_eq!(out.metrics[0].value, 50.0);
        assert_eq!(out.metrics[0].label_value("resource"), Some("database"));
        assert_eq!(out.metrics[1].name, "pool.min");
        assert_eq!(out.metrics[1].value, 2.0);
        assert_eq!(out.notes.len(), 1, "a non-numeric size is a note");
    }
}
