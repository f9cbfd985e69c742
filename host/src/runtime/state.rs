//! Per-call store data: an empty WASI context, the memory limiter and the
//! set of artifacts the plugin may read.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Stderr a plugin may write (panic messages): captured, capped.
const STDERR_CAPACITY: usize = 64 << 10;
/// Log lines kept per call.
const MAX_LOG_LINES: usize = 200;
/// Characters kept per log line.
const MAX_LOG_LINE: usize = 2_000;

/// What a plugin may read: the project root and the offered relative paths.
#[derive(Debug, Default)]
pub struct Offered {
    pub root: PathBuf,
    pub paths: BTreeSet<String>,
}

pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub stderr: MemoryOutputPipe,
    offered: Arc<Offered>,
    pub max_read: u64,
    memory_cap: usize,
    pub memory_exceeded: bool,
    pub refused_reads: Vec<String>,
    pub logs: Vec<String>,
    pub bytes_read: u64,
    /// The offered path the plugin read last: the file it was most likely
    /// working on when a call fails.
    pub last_read: Option<String>,
}

impl HostState {
    pub fn new(offered: Arc<Offered>, memory_cap: usize, max_read: u64) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        // Grants nothing: no preopens, env, args, network; stdin closed,
        // stdout discarded, stderr captured for panic messages.
        let wasi = WasiCtxBuilder::new().stderr(stderr.clone()).build();
        Self {
            wasi,
            table: ResourceTable::new(),
            stderr,
            offered,
            max_read,
            memory_cap,
            memory_exceeded: false,
            refused_reads: Vec::new(),
            logs: Vec::new(),
            bytes_read: 0,
            last_read: None,
        }
    }

    /// The file behind an offered path; anything else is refused and recorded.
    pub fn resolve(&mut self, path: &str) -> Result<PathBuf, String> {
        if self.offered.paths.contains(path) {
            // Streaming plugins read one path in many ranges: clone it once.
            if self.last_read.as_deref() != Some(path) {
                self.last_read = Some(path.to_owned());
            }
            return Ok(self.offered.root.join(path));
        }
        if self.refused_reads.len() < MAX_LOG_LINES {
            self.refused_reads
                .push(path.chars().take(MAX_LOG_LINE).collect());
        }
        Err(format!("refused: `{path}` was not offered to this plugin"))
    }

    pub fn log(&mut self, level: &str, message: String) {
        if self.logs.len() < MAX_LOG_LINES {
            let message: String = message.chars().take(MAX_LOG_LINE).collect();
            self.logs.push(format!("{level}: {message}"));
        }
    }

    /// Captured stderr, lossily decoded.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents())
            .trim()
            .to_owned()
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wasmtime::ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.memory_exceeded = true;
            wasmtime::bail!("memory limit of {} MiB exceeded", self.memory_cap >> 20);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Tables hold function references; a million entries is far beyond
        // any real plugin and bounds the host memory they take.
        Ok(desired <= 1_000_000)
    }
}
