//! SQL and database analyzer.

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, export_analyzer,
};

#[derive(Default)]
pub struct Sql;

impl Analyzer for Sql {
    fn info(&self) -> PluginInfo {
        PluginInfo::new(
            "sql",
            env!("CARGO_PKG_VERSION"),
            "SQL queries, migrations and database diagnostics",
        )
        .patterns(["**/*.sql"])
    }

    fn analyze(&self, _cx: &Context, _artifacts: &[Artifact], _config: &Config) -> Result<Output> {
        Ok(Output::default())
    }
}

export_analyzer!(Sql);
