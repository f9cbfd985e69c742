//! Hostile plugin: tries to read outside what it was offered, and reports
//! what it got as notes (the test checks every attempt was refused).

use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, export_analyzer,
};

#[derive(Default)]
pub struct Hostile;

impl Analyzer for Hostile {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("hostile-escape", "0.0.0", "reads paths it was not offered")
            .patterns(["**/*.sql"])
    }

    fn analyze(&self, cx: &Context, artifacts: &[Artifact], _: &Config) -> Result<Output> {
        let mut out = Output::default();
        let attempts = [
            "/etc/passwd",
            "../outside.txt",
            "perfwarden.toml",
            "src/../perfwarden.toml",
        ];
        for path in attempts {
            let verdict = match cx.read(path) {
                Ok(bytes) => format!("LEAKED {} bytes", bytes.len()),
                Err(err) => format!("refused ({err})"),
            };
            out.note(format!("read {path}: {verdict}"), None);
        }
        if std::fs::read_dir("/").is_ok() || std::env::var("HOME").is_ok() {
            out.note("LEAKED filesystem or environment access", None);
        }
        for artifact in artifacts {
            let bytes = cx.read(&artifact.path)?;
            out.note(
                format!("read {}: {} bytes", artifact.path, bytes.len()),
                None,
            );
        }
        Ok(out)
    }
}

export_analyzer!(Hostile);
