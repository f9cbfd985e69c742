//! Hostile plugin: allocates until something stops it. The memory cap must.

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, export_analyzer,
};

#[derive(Default)]
pub struct Hostile;

impl Analyzer for Hostile {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("hostile-oom", "0.0.0", "allocates without bound").patterns(["**/*"])
    }

    fn analyze(&self, _: &Context, _: &[Artifact], _: &Config) -> Result<Output> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![1u8; 16 << 20]);
            std::hint::black_box(&hoard);
        }
    }
}

export_analyzer!(Hostile);
