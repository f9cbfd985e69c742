//! The smallest analyzer: reports nothing. Measures the sandbox's own cost.

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, export_analyzer,
};

#[derive(Default)]
pub struct Noop;

impl Analyzer for Noop {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("noop", "0.0.0", "reports nothing").patterns(["**/*.noop"])
    }

    fn analyze(&self, _: &Context, _: &[Artifact], _: &Config) -> Result<Output> {
        Ok(Output::default())
    }
}

export_analyzer!(Noop);
