//! Sandbox limits applied to every plugin call.

use serde::{Deserialize, Serialize};

/// Limits per plugin call. Set in `perfwarden.toml` under `[limits]`; the
/// limits in force are written into every report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock deadline of one call, in milliseconds (epoch interruption).
    pub timeout_ms: u64,
    /// Fuel budget of one call (about one unit per WebAssembly instruction);
    /// a deterministic CPU cap behind the wall clock. 0 turns metering off.
    pub fuel: u64,
    /// Linear memory cap of one plugin instance, in MiB.
    pub memory_mib: u64,
    /// Most findings one call may return.
    pub max_findings: usize,
    /// Most metrics one call may return.
    pub max_metrics: usize,
    /// Most notes one call may return.
    pub max_notes: usize,
    /// Most bytes of text (messages, evidence, labels...) one call may return.
    pub max_output_bytes: u64,
    /// Largest artifact `read` returns whole, in MiB; larger ones must be
    /// streamed with `read-range`.
    pub max_read_mib: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout_ms: 60_000,
            fuel: 2_000_000_000_000,
            memory_mib: 1024,
            max_findings: 10_000,
            max_metrics: 100_000,
            max_notes: 10_000,
            max_output_bytes: 64 << 20,
            max_read_mib: 256,
        }
    }
}

impl Limits {
    /// Memory cap in bytes.
    pub fn memory_bytes(&self) -> usize {
        usize::try_from(self.memory_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }

    /// Whole-read cap in bytes.
    pub fn max_read_bytes(&self) -> u64 {
        self.max_read_mib.saturating_mul(1 << 20)
    }
}
