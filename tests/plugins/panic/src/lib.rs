//! Hostile plugin: panics, which traps the instance (panic = "abort").

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, export_analyzer,
};

#[derive(Default)]
pub struct Hostile;

impl Analyzer for Hostile {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("hostile-panic", "0.0.0", "panics").patterns(["**/*"])
    }

    fn analyze(&self, _: &Context, artifacts: &[Artifact], _: &Config) -> Result<Output> {
        panic!(
            "hostile plugin panicked on purpose with {} artifacts",
            artifacts.len()
        );
    }
}

export_analyzer!(Hostile);
