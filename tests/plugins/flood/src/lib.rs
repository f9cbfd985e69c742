//! Hostile plugin: returns far more findings than the output cap allows.

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Finding, Output, PluginInfo, Result, declare_rule,
    export_analyzer,
};

declare_rule! {
    /// ## What it does
    /// Floods the report.
    ///
    /// ## Why is this bad?
    /// It is a test of the output cap.
    ///
    /// ## Example
    /// Any file.
    ///
    /// ## Use instead
    /// Nothing.
    static FLOOD = { id: "FLOOD001", name: "flood", summary: "floods", policy: "anti_patterns.select_star" }
}

#[derive(Default)]
pub struct Hostile;

impl Analyzer for Hostile {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("hostile-flood", "0.0.0", "returns 200 000 findings")
            .patterns(["**/*"])
            .rules([&FLOOD])
    }

    fn analyze(&self, _: &Context, _: &[Artifact], _: &Config) -> Result<Output> {
        let mut out = Output::default();
        for i in 0..200_000 {
            out.push(Finding::new(&FLOOD, format!("finding {i}")));
        }
        Ok(out)
    }
}

export_analyzer!(Hostile);
