//! Hostile plugin: never returns. The epoch deadline must stop it.

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, export_analyzer,
};

#[derive(Default)]
pub struct Hostile;

impl Analyzer for Hostile {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("hostile-spin", "0.0.0", "loops forever").patterns(["**/*"])
    }

    fn analyze(&self, _: &Context, _: &[Artifact], _: &Config) -> Result<Output> {
        let mut counter = 0u64;
        loop {
            counter = std::hint::black_box(counter.wrapping_add(1));
        }
    }
}

export_analyzer!(Hostile);
