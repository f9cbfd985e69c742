//! nodejs analyzer.

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, export_analyzer,
};

#[derive(Default)]
pub struct Plugin;

impl Analyzer for Plugin {
    fn info(&self) -> PluginInfo {
        PluginInfo::new(
            "nodejs",
            env!("CARGO_PKG_VERSION"),
            "SQL queries, migrations and database diagnostics",
        )
        .patterns(["**/*.nodejs"])
    }

    fn analyze(&self, _cx: &Context, _artifacts: &[Artifact], _config: &Config) -> Result<Output> {
        Ok(Output::default())
    }
}

export_analyzer!(Plugin);
