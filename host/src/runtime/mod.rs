//! The sandbox: a wasmtime engine that compiles analyzer components once
//! (with an on-disk cache), and runs each call in a fresh store with a
//! wall-clock deadline, a fuel budget, a memory cap and output caps.

mod cache;
pub mod limits;
mod state;
mod v1;
mod version;

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store, Trap};

pub use cache::CompileCache;
pub use limits::Limits;
pub use state::Offered;
pub use version::{HOST_API_VERSION, api_version};

use crate::model::{PluginInfo, PluginStatus};
use perfwarden_policy::i18n::{Lang, T};
use perfwarden_policy::model::RawNote;
use state::HostState;

/// Granularity of the wall-clock deadline.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// A failed load or call: the status for the report and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginFailure {
    pub status: PluginStatus,
    pub message: String,
}

impl PluginFailure {
    fn new(status: PluginStatus, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// A component compiled for this engine, ready to instantiate.
#[derive(Clone)]
pub struct Compiled {
    pre: v1::AnalyzerPre<HostState>,
    /// Whether the compiled code came from the on-disk cache.
    pub cache_hit: bool,
}

/// A finding/metric/note as returned by one call, before merging.
#[derive(Debug, Default)]
pub struct CallOutput {
    pub findings: Vec<v1::types::Finding>,
    pub metrics: Vec<v1::types::Metric>,
    pub notes: Vec<RawNote>,
}

/// What one call left besides its result: reads refused, logs, bytes read.
#[derive(Debug, Default)]
pub struct CallTrace {
    pub refused_reads: Vec<String>,
    pub logs: Vec<String>,
    pub bytes_read: u64,
    pub fuel_consumed: u64,
    /// The offered path the plugin read last, if any.
    pub last_read: Option<String>,
}

/// The wasmtime engine and linker shared by all plugins of a run.
pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    limits: Limits,
    cache: Option<CompileCache>,
    /// Dropped to stop the ticker: it wakes at once, so a run does not
    /// wait out a tick before it exits.
    stop_ticker: Option<mpsc::Sender<()>>,
    ticker: Option<JoinHandle<()>>,
    /// Language of the failure messages.
    lang: Lang,
}

impl Runtime {
    /// An engine with epoch interruption on (and fuel metering when the
    /// limits set a fuel budget), the WASI p2 imports (backed by a context
    /// that grants nothing) and the v1 host API.
    pub fn new(limits: Limits, cache: Option<CompileCache>) -> anyhow::Result<Self> {
        let mut config = wasmtime::Config::new();
        // Fuel metering instruments every block of compiled code, so it is
        // part of the engine (and of the compile-cache key), not of a call.
        config
            .wasm_component_model(true)
            .consume_fuel(limits.fuel > 0)
            .epoch_interruption(true)
            .parallel_compilation(true);
        // Names the compiled plugin functions for `perf` (see the README).
        if std::env::var_os("PERFWARDEN_PERF_MAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        v1::Analyzer::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)?;

        let (stop_ticker, stopped) = mpsc::channel::<()>();
        let ticker = {
            let engine = engine.clone();
            std::thread::Builder::new()
                .name("perfwarden-epoch".into())
                .spawn(move || {
                    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                        engine.increment_epoch();
                    }
                })?
        };
        Ok(Self {
            engine,
            linker,
            limits,
            cache,
            stop_ticker: Some(stop_ticker),
            ticker: Some(ticker),
            lang: Lang::En,
        })
    }

    /// Write failure messages in `lang`.
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Check the API version, then compile (or load from the cache) and
    /// pre-instantiate a component.
    pub fn compile(&self, wasm: &[u8], sha256: &str) -> Result<Compiled, PluginFailure> {
        version::check(wasm)?;
        let (component, cache_hit) = match &self.cache {
            Some(cache) => cache.load_or_compile(&self.engine, wasm, sha256),
            None => Component::new(&self.engine, wasm).map(|c| (c, false)),
        }
        .map_err(|err| {
            PluginFailure::new(
                PluginStatus::Invalid,
                T::FailCompile.with(self.lang, &[("err", &format!("{err:#}"))]),
            )
        })?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .and_then(v1::AnalyzerPre::new)
            .map_err(|err| {
                PluginFailure::new(
                    PluginStatus::Invalid,
                    T::FailWorld.with(
                        self.lang,
                        &[
                            ("world", &format!("perfwarden:analyzer@{HOST_API_VERSION}")),
                            ("err", &format!("{err:#}")),
                        ],
                    ),
                )
            })?;
        Ok(Compiled { pre, cache_hit })
    }

    /// Call `info`.
    pub fn info(&self, compiled: &Compiled) -> Result<PluginInfo, PluginFailure> {
        let (result, _trace) =
            self.call(compiled, Arc::new(Offered::default()), |analyzer, store| {
                analyzer.call_info(store)
            });
        result.map(Into::into)
    }

    /// Call `analyze` with the offered artifacts.
    pub fn analyze(
        &self,
        compiled: &Compiled,
        plugin: &str,
        offered: Arc<Offered>,
        artifacts: Vec<(String, u64)>,
        config_json: &str,
    ) -> (Result<CallOutput, PluginFailure>, CallTrace) {
        let artifacts: Vec<v1::types::Artifact> = artifacts
            .into_iter()
            .map(|(path, size)| v1::types::Artifact { path, size })
            .collect();
        let (result, trace) = self.call(compiled, offered, |analyzer, store| {
            analyzer.call_analyze(store, &artifacts, config_json)
        });
        let result = result.and_then(|returned| {
            let output =
                returned.map_err(|message| PluginFailure::new(PluginStatus::Error, message))?;
            self.check_output_caps(&output)?;
            Ok(CallOutput {
                notes: output
                    .notes
                    .into_iter()
                    .map(|n| v1::note(plugin, n))
                    .collect(),
                findings: output.findings,
                metrics: output.metrics,
            })
        });
        (result, trace)
    }

    fn check_output_caps(&self, output: &v1::types::Output) -> Result<(), PluginFailure> {
        let limits = &self.limits;
        let lang = self.lang;
        let over = |what: T, count: usize, cap: usize| {
            PluginFailure::new(
                PluginStatus::OutputLimit,
                T::FailOutputCap.with(
                    lang,
                    &[("count", &count), ("what", &what.get(lang)), ("cap", &cap)],
                ),
            )
        };
        if output.findings.len() > limits.max_findings {
            return Err(over(
                T::Findings,
                output.findings.len(),
                limits.max_findings,
            ));
        }
        if output.metrics.len() > limits.max_metrics {
            return Err(over(T::Metrics, output.metrics.len(), limits.max_metrics));
        }
        if output.notes.len() > limits.max_notes {
            return Err(over(T::Notes, output.notes.len(), limits.max_notes));
        }
        let bytes = v1::output_text_bytes(output);
        if bytes > limits.max_output_bytes {
            return Err(PluginFailure::new(
                PluginStatus::OutputLimit,
                T::FailOutputBytes.with(
                    lang,
                    &[("count", &bytes), ("cap", &limits.max_output_bytes)],
                ),
            ));
        }
        Ok(())
    }

    /// Run `f` on a fresh instance in a fresh store with every limit armed.
    fn call<R>(
        &self,
        compiled: &Compiled,
        offered: Arc<Offered>,
        f: impl FnOnce(&v1::Analyzer, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> (Result<R, PluginFailure>, CallTrace) {
        let limits = &self.limits;
        let state = HostState::new(offered, limits.memory_bytes(), limits.max_read_bytes());
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| state);
        let ticks = limits
            .timeout_ms
            .div_ceil(EPOCH_TICK.as_millis() as u64)
            .max(1);
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let fuel_set = limits.fuel > 0 && store.set_fuel(limits.fuel).is_ok();

        let started = Instant::now();
        let result = compiled
            .pre
            .instantiate(&mut store)
            .and_then(|analyzer| f(&analyzer, &mut store));
        let elapsed = started.elapsed();
        let fuel_consumed = if fuel_set {
            limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0))
        } else {
            0
        };

        let state = store.data();
        let result = result.map_err(|err| classify(&err, state, limits, elapsed, self.lang));
        let state = store.into_data();
        let trace = CallTrace {
            refused_reads: state.refused_reads,
            logs: state.logs,
            bytes_read: state.bytes_read,
            fuel_consumed,
            last_read: state.last_read,
        };
        (result, trace)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        drop(self.stop_ticker.take());
        if let Some(ticker) = self.ticker.take() {
            // A panic in the ticker changes nothing here.
            let _ = ticker.join();
        }
    }
}

/// Turn a trap or host error into a report status with a clear message.
fn classify(
    err: &wasmtime::Error,
    state: &HostState,
    limits: &Limits,
    elapsed: Duration,
    lang: Lang,
) -> PluginFailure {
    if state.memory_exceeded {
        return PluginFailure::new(
            PluginStatus::MemoryLimit,
            T::FailMemory.with(lang, &[("mib", &limits.memory_mib)]),
        );
    }
    let stderr = state.stderr_text();
    let with_stderr = |message: String| {
        if stderr.is_empty() {
            message
        } else {
            T::WithStderr.with(lang, &[("message", &message), ("stderr", &stderr)])
        }
    };
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => PluginFailure::new(
            PluginStatus::Timeout,
            T::FailTimeout.with(
                lang,
                &[("ms", &elapsed.as_millis()), ("limit", &limits.timeout_ms)],
            ),
        ),
        Some(Trap::OutOfFuel) => PluginFailure::new(
            PluginStatus::FuelExhausted,
            T::FailFuel.with(lang, &[("budget", &limits.fuel)]),
        ),
        Some(trap) => PluginFailure::new(
            PluginStatus::Trap,
            with_stderr(T::FailTrapped.with(lang, &[("trap", trap)])),
        ),
        None => PluginFailure::new(
            PluginStatus::Trap,
            with_stderr(T::FailFailed.with(lang, &[("err", &format!("{err:#}"))])),
        ),
    }
}
