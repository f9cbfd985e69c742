//! The JSON report: every field of the report contract, deterministic.

use std::io::Write;

use super::Report;

/// Pretty-printed JSON and a final newline.
pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
