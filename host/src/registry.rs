//! The plugins of a run: built-ins embedded in the binary, then user
//! components from the config and the command line, hash-checked.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use crate::config::PluginEntry;
use crate::model::{PluginInfo, PluginSource, PluginStatus};
use crate::runtime::{Compiled, PluginFailure, Runtime, api_version};

mod builtins {
    include!(concat!(env!("OUT_DIR"), "/builtins.rs"));
}

/// A user plugin problem the user must fix (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot read plugin {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "plugin {path} has sha256 {actual}, but the config pins {expected}: refusing to load it"
    )]
    HashMismatch {
        path: String,
        expected: String,
        actual: String,
    },
}

/// One loadable plugin. Compiling is lazy and happens at most once.
pub struct Plugin {
    pub source: PluginSource,
    pub sha256: String,
    /// API version from the component's section, when readable.
    pub api_version: Option<String>,
    wasm: Cow<'static, [u8]>,
    compiled: OnceLock<Result<Compiled, PluginFailure>>,
}

impl Plugin {
    fn new(source: PluginSource, wasm: Cow<'static, [u8]>, sha256: String) -> Self {
        let api_version = api_version(&wasm).ok().flatten();
        Self {
            source,
            sha256,
            api_version,
            wasm,
            compiled: OnceLock::new(),
        }
    }

    /// The compiled component (compiled, or loaded from the cache, on first use).
    pub fn compiled(&self, runtime: &Runtime) -> Result<&Compiled, PluginFailure> {
        self.compiled
            .get_or_init(|| runtime.compile(&self.wasm, &self.sha256))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The compiled component if an earlier call compiled it successfully.
    pub fn compiled_if_ready(&self) -> Option<&Compiled> {
        self.compiled.get().and_then(|result| result.as_ref().ok())
    }

    /// The plugin's description: from the cache when known, else by
    /// compiling it and calling `info`.
    pub fn info(
        &self,
        runtime: &Runtime,
        cache: Option<&crate::runtime::CompileCache>,
    ) -> Result<PluginInfo, PluginFailure> {
        if let Some(info) = cache.and_then(|cache| cache.load_info(&self.sha256)) {
            return Ok(info);
        }
        let info = runtime.info(self.compiled(runtime)?)?;
        validate_info(&info)?;
        if let Some(cache) = cache {
            cache.store_info(&self.sha256, &info);
        }
        Ok(info)
    }

    /// A name for messages before `info` is known.
    pub fn label(&self) -> String {
        match &self.source {
            PluginSource::Builtin => "built-in".into(),
            PluginSource::File(path) => Path::new(path)
                .file_stem()
                .map_or_else(|| path.clone(), |stem| stem.to_string_lossy().into_owned()),
        }
    }
}

/// A plugin's info must name it and list well-formed rules.
fn validate_info(info: &PluginInfo) -> Result<(), PluginFailure> {
    let invalid = |message: String| PluginFailure {
        status: PluginStatus::Invalid,
        message,
    };
    let valid_name = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    if !valid_name(&info.name) {
        return Err(invalid(format!(
            "invalid plugin name {:?}: use 1-64 of [A-Za-z0-9._-]",
            info.name
        )));
    }
    let mut ids = std::collections::BTreeSet::new();
    for rule in &info.rules {
        if !valid_name(&rule.id) {
            return Err(invalid(format!("invalid rule id {:?}", rule.id)));
        }
        if !ids.insert(&rule.id) {
            return Err(invalid(format!("rule id {} declared twice", rule.id)));
        }
    }
    if let Err(err) = crate::discovery::glob_set(&info.patterns) {
        return Err(invalid(format!("invalid artifact pattern: {err}")));
    }
    Ok(())
}

/// sha256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Built-ins first, then user plugins in the order given. Pinned hashes
/// are checked here, before anything runs.
pub fn load(user: &[PluginEntry]) -> Result<Vec<Arc<Plugin>>, RegistryError> {
    let mut plugins: Vec<Arc<Plugin>> = builtins::BUILTINS
        .iter()
        .map(|builtin| {
            Arc::new(Plugin::new(
                PluginSource::Builtin,
                Cow::Borrowed(builtin.wasm),
                builtin.sha256.to_owned(),
            ))
        })
        .collect();
    for entry in user {
        plugins.push(Arc::new(load_user(&entry.path, entry.sha256.as_deref())?));
    }
    Ok(plugins)
}

fn load_user(path: &PathBuf, pinned: Option<&str>) -> Result<Plugin, RegistryError> {
    let display = path.display().to_string();
    let wasm = std::fs::read(path).map_err(|source| RegistryError::Read {
        path: display.clone(),
        source,
    })?;
    let sha256 = sha256_hex(&wasm);
    let plugin = Plugin::new(
        PluginSource::File(display.clone()),
        Cow::Owned(wasm),
        sha256,
    );
    if let Some(expected) = pinned {
        let expected = expected.trim().to_ascii_lowercase();
        if expected != plugin.sha256 {
            return Err(RegistryError::HashMismatch {
                path: display,
                expected,
                actual: plugin.sha256,
            });
        }
    }
    Ok(plugin)
}

/// A built-in analyzer embedded in the binary.
#[derive(Debug)]
pub struct BuiltinComponent {
    /// Its crate's name under `plugins/`.
    pub name: &'static str,
    /// The component.
    pub wasm: &'static [u8],
    /// sha256 of `wasm`, lowercase hex, computed at build time.
    pub sha256: &'static str,
}

/// The embedded built-ins, in load order.
pub fn builtin_components() -> &'static [BuiltinComponent] {
    builtins::BUILTINS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_hashes_are_those_of_their_bytes() {
        assert!(!builtin_components().is_empty());
        for builtin in builtin_components() {
            assert_eq!(builtin.sha256, sha256_hex(builtin.wasm), "{}", builtin.name);
        }
    }

    #[test]
    fn pinned_hash_mismatch_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.wasm");
        std::fs::write(&path, b"not wasm").unwrap();
        let entry = PluginEntry {
            path: path.clone(),
            sha256: Some("00".repeat(32)),
        };
        let err = load(&[entry]).err().expect("mismatch must be refused");
        assert!(matches!(err, RegistryError::HashMismatch { .. }), "{err}");

        let entry = PluginEntry {
            path,
            sha256: Some(sha256_hex(b"not wasm").to_uppercase()),
        };
        assert!(load(&[entry]).is_ok());
    }

    #[test]
    fn missing_plugin_file_is_an_error() {
        let entry = PluginEntry {
            path: "/nonexistent/p.wasm".into(),
            sha256: None,
        };
        assert!(matches!(load(&[entry]), Err(RegistryError::Read { .. })));
    }
}
