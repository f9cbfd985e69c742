//! Bindings for `perfwarden:analyzer@1.0.0` and the host side of its imports.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use super::state::HostState;
use crate::model::{PluginInfo, RuleInfo};
use perfwarden_policy::model::{Confidence, RawNote, Span};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../sdk/wit/v1",
        world: "analyzer",
    });
}

use bindings::perfwarden;
pub use bindings::perfwarden::analyzer::types;
pub use bindings::{Analyzer, AnalyzerPre};

/// Largest `read-range` answer: bounds the host allocation a guest can ask for.
const MAX_RANGE_LEN: u32 = 16 << 20;

impl types::Host for HostState {}

impl perfwarden::analyzer::host::Host for HostState {
    fn read(&mut self, path: String) -> Result<Vec<u8>, String> {
        let file = self.resolve(&path)?;
        let len = std::fs::metadata(&file)
            .map_err(|err| format!("cannot read `{path}`: {err}"))?
            .len();
        if len > self.max_read {
            return Err(format!(
                "`{path}` is {len} bytes, over the {} bytes `read` limit: stream it with `read-range`",
                self.max_read
            ));
        }
        let bytes = std::fs::read(&file).map_err(|err| format!("cannot read `{path}`: {err}"))?;
        self.bytes_read += bytes.len() as u64;
        Ok(bytes)
    }

    fn read_range(&mut self, path: String, offset: u64, len: u32) -> Result<Vec<u8>, String> {
        let file = self.resolve(&path)?;
        let mut file = File::open(&file).map_err(|err| format!("cannot read `{path}`: {err}"))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|err| format!("cannot seek `{path}`: {err}"))?;
        let mut bytes = Vec::with_capacity(len.min(MAX_RANGE_LEN) as usize);
        file.take(u64::from(len.min(MAX_RANGE_LEN)))
            .read_to_end(&mut bytes)
            .map_err(|err| format!("cannot read `{path}`: {err}"))?;
        self.bytes_read += bytes.len() as u64;
        Ok(bytes)
    }

    fn log(&mut self, level: types::LogLevel, message: String) {
        let level = match level {
            types::LogLevel::Trace => "trace",
            types::LogLevel::Debug => "debug",
            types::LogLevel::Info => "info",
            types::LogLevel::Warn => "warn",
            types::LogLevel::Error => "error",
        };
        self.log(level, message);
    }
}

impl From<types::PluginInfo> for PluginInfo {
    fn from(info: types::PluginInfo) -> Self {
        Self {
            name: info.name,
            version: info.version,
            description: info.description,
            patterns: info.patterns,
            rules: info
                .rules
                .into_iter()
                .map(|r| RuleInfo {
                    id: r.id,
                    name: r.name,
                    summary: r.summary,
                    policy_ref: r.policy_ref,
                    docs: r.docs,
                    help_uri: None,
                })
                .collect(),
        }
    }
}

impl From<types::Span> for Span {
    fn from(s: types::Span) -> Self {
        Self {
            path: s.path,
            line: s.line,
            column: s.column,
            end_line: s.end_line,
            end_column: s.end_column,
        }
    }
}

impl From<types::Confidence> for Confidence {
    fn from(c: types::Confidence) -> Self {
        match c {
            types::Confidence::High => Self::High,
            types::Confidence::Medium => Self::Medium,
            types::Confidence::Low => Self::Low,
        }
    }
}

/// Text bytes an output carries: what the output cap counts.
pub fn output_text_bytes(output: &types::Output) -> u64 {
    let span = |s: &Option<types::Span>| s.as_ref().map_or(0, |s| s.path.len());
    let findings: usize = output
        .findings
        .iter()
        .map(|f| {
            f.rule.len()
                + f.message.len()
                + span(&f.span)
                + f.evidence.as_ref().map_or(0, String::len)
                + f.fix.as_ref().map_or(0, String::len)
        })
        .sum();
    let metrics: usize = output
        .metrics
        .iter()
        .map(|m| {
            m.name.len()
                + m.unit.len()
                + span(&m.span)
                + m.labels
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
        })
        .sum();
    let notes: usize = output
        .notes
        .iter()
        .map(|n| n.message.len() + span(&n.span))
        .sum();
    (findings + metrics + notes) as u64
}

/// A plugin note as the report keeps it.
pub fn note(plugin: &str, note: types::Note) -> RawNote {
    RawNote {
        plugin: plugin.to_owned(),
        message: note.message,
        span: note.span.map(Into::into),
    }
}
