//! On-disk cache of compiled components and of plugin descriptions, keyed
//! by the wasm's sha256 and the engine's compatibility hash.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::model::PluginInfo;

/// A cache directory (`$XDG_CACHE_HOME/perfwarden` by default).
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: PathBuf,
}

/// Feeds `Hash` output into sha256, for a hash stable across runs (the
/// standard library's hasher is randomly seeded).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        unreachable!("only finalize() is used")
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl CompileCache {
    /// A cache rooted at `dir` (created on first write).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// `$PERFWARDEN_CACHE_DIR`, else `$XDG_CACHE_HOME/perfwarden`, else
    /// `~/.cache/perfwarden`; `None` when no home is known.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("PERFWARDEN_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|dir| Path::new(dir).is_absolute())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
        Some(base.join("perfwarden"))
    }

    /// Where this cache lives.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn engine_hash(engine: &Engine) -> String {
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        hex::encode(&hasher.0.finalize()[..12])
    }

    fn compiled_path(&self, engine: &Engine, sha256: &str) -> PathBuf {
        self.dir
            .join("components")
            .join(format!("{sha256}-{}.cwasm", Self::engine_hash(engine)))
    }

    fn info_path(&self, sha256: &str) -> PathBuf {
        self.dir.join("info").join(format!("{sha256}.json"))
    }

    /// The compiled component from the cache, or a fresh compile stored for
    /// next time. Returns whether it was a hit. Cache write failures are not
    /// errors: the run goes on uncached.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        sha256: &str,
    ) -> wasmtime::Result<(Component, bool)> {
        let path = self.compiled_path(engine, sha256);
        if path.is_file() {
            // SAFETY: the file was written by `Component::serialize` of an
            // engine with the same compatibility hash (it is in the name),
            // into the user's own cache directory; a truncated or foreign
            // file fails the header checks and falls back to compiling.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                return Ok((component, true));
            }
        }
        let component = Component::new(engine, wasm)?;
        if let Ok(bytes) = component.serialize() {
            write_atomically(&path, &bytes);
        }
        Ok((component, false))
    }

    /// A plugin description cached by wasm hash: lets a run skip compiling
    /// plugins that have nothing to analyze.
    pub fn load_info(&self, sha256: &str) -> Option<PluginInfo> {
        let text = std::fs::read(self.info_path(sha256)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Store a plugin description.
    pub fn store_info(&self, sha256: &str, info: &PluginInfo) {
        if let Ok(json) = serde_json::to_vec(info) {
            write_atomically(&self.info_path(sha256), &json);
        }
    }
}

/// Write through a temporary file and rename, so a concurrent reader never
/// sees half a file. Failures leave the cache as it was.
fn write_atomically(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    if let Ok(mut file) = tempfile::NamedTempFile::new_in(dir) {
        use std::io::Write;
        if file.write_all(bytes).is_ok() {
            let _ = file.persist(path);
        }
    }
}
